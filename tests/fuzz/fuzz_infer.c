/*
 * fuzz_infer.c: hostile proof bytes through the inference verifier, for a small fixed
 * statement.  Nothing may crash, and nothing but the one honest proof known here may be
 * accepted (any other accepted bytes would be a forgery).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_statements.h"
#include "zkml.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static fuzz_infer_statement statement;
static uint8_t *honest;
static size_t honest_len;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    if (zkml_init() != NULL || fuzz_infer_setup(&statement, &honest, &honest_len) != 0)
        abort();
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    const char *why;

    if (infer_verify(&statement.st, data, len, &why) == 1 &&
        (len != honest_len || memcmp(data, honest, len) != 0))
        abort();
    return 0;
}
