/*
 * fuzz_proof.c: hostile proof bytes through the codec and the dot-product verifier.
 * Nothing may crash, and nothing but the one honest proof known here may be accepted
 * (any other accepted bytes would be a forgery).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_statements.h"
#include "zkml.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static fuzz_ipa_statement statement;
static codec_writer honest;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    if (zkml_init() != NULL || fuzz_ipa_setup(&statement, &honest) != 0)
        abort();
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    if (fuzz_ipa_accepts(&statement, data, len) &&
        (len != honest.len || memcmp(data, honest.data, len) != 0))
        abort();
    return 0;
}
