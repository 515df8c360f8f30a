/*
 * zkml.c: process-wide initialisation and the thread setting of the core.
 */
#include "field.h"
#include "generators.h"
#include "group.h"
#include "zkml.h"

static int zkml_nthreads = 1;
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

void
zkml_set_threads(int n)
{
    zkml_nthreads = n < 1 ? 1 : n;
}

int
zkml_threads(void)
{
    return zkml_nthreads;
}
