/*
 * error.c: the core's error messages (error.h).
 */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

int
zkml_fail(char *err, int code, const char *fmt, ...)
{
    va_list ap;

    if (err != NULL) {
        va_start(ap, fmt);
        vsnprintf(err, ZKML_ERR_LEN, fmt, ap);
        va_end(ap);
    }
    return code;
}
