/*
 * zkml.c: the front door (include/zkml.h): process-wide initialisation, the default
 * thread count and the self-test.  The rest of the front door is in api_model.c (models:
 * open, describe, quantize a row, score), api_prove.c (zkml_prove_rows), api_receipt.c
 * (verify and read receipts) and api_register.c (keygen, public files, quantization).
 */
#include "zkml.h"

#include <unistd.h>

#include "field.h"
#include "generators.h"
#include "group.h"
#include "selftest.h"

static int zkml_ready;

const char *
zkml_init(void)
{
    const char *err;

    if (zkml_ready)
        return NULL;
    if ((err = field_init()) != NULL ||
        (err = group_init()) != NULL ||
        (err = generators_init()) != NULL)
        return err;
    zkml_ready = 1;
    return NULL;
}

int
zkml_default_threads(void)
{
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

    if (ncpu < 1)
        return 1;
    return ncpu < ZKML_THREADS_DEFAULT_CAP ? (int)ncpu : ZKML_THREADS_DEFAULT_CAP;
}

size_t
zkml_self_test_count(void)
{
    return selftest_count();
}

int
zkml_self_test_run(zkml_check_result *out)
{
    return selftest_run(out);
}
