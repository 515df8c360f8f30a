/*
 * fuzz_descriptor.c: hostile public model descriptors (an auditor imports them).  No
 * crash; and whatever decodes must encode back to the same bytes (the encoding is
 * canonical, so two byte strings never describe one model).
 */
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "zkml.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    if (zkml_init() != NULL)
        abort();
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    char err[MODEL_ERR_LEN];
    zk_model m;
    uint8_t *again = NULL, digest[32];
    size_t again_len = 0;

    if (model_descriptor_decode(&m, data, len, err) != MODEL_OK)
        return 0;
    if (model_descriptor_encode(&again, &again_len, &m, err) != MODEL_OK ||
        again_len != len || memcmp(again, data, len) != 0 ||
        model_descriptor_digest(digest, &m, err) != MODEL_OK)
        abort();
    free(again);
    model_free(&m);
    return 0;
}
