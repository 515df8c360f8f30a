/*
 * zkml.c: process-wide initialisation, the thread setting and the interrupt hook of the
 * core.
 */
#include "field.h"
#include "generators.h"
#include "group.h"
#include "zkml.h"

static int zkml_nthreads = 1;
static int zkml_ready;
static zkml_interrupt_hook zkml_hook;
static int zkml_stop;

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

void
zkml_set_interrupt_hook(zkml_interrupt_hook hook)
{
    zkml_hook = hook;
}

int
zkml_interrupted(void)
{
    if (!zkml_stop && zkml_hook != NULL && zkml_hook() != 0)
        zkml_stop = 1;
    return zkml_stop;
}

void
zkml_clear_interrupt(void)
{
    zkml_stop = 0;
}
