/*
 * zkml.c: the front door (include/zkml.h): process-wide initialisation.
 */
#include "zkml.h"

#include "field.h"
#include "generators.h"
#include "group.h"

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
