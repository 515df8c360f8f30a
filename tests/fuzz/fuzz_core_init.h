/*
 * fuzz_core_init.h: LLVMFuzzerInitialize for a fuzz target that only needs the core
 * started (zkml_init: field constants, generators).  Each target is its own program:
 * include this in its one source file, before LLVMFuzzerTestOneInput.
 */
#ifndef ZKML_FUZZ_CORE_INIT_H
#define ZKML_FUZZ_CORE_INIT_H

#include <stdlib.h>

#include "zkml.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    if (zkml_init() != NULL)
        abort();
    return 0;
}

#endif
