/*
 * error.h: the core's one error convention (error.c).
 *
 * A function that can fail takes `char *err`, a buffer of ZKML_ERR_LEN bytes (zkml.h) or
 * NULL, and returns 0 (its module's ..._OK) on success or one of its module's negative
 * codes on failure, with one message naming the problem (a JSON path, a byte offset, a
 * row and feature) written into err by zkml_fail.  A verdict is not an error:
 * receipt_verify and infer_verify return 1 (valid), 0 (invalid, err says why) or -1 (the
 * check could not be made).  A message never holds a secret (a weight, a seed, a blind).
 */
#ifndef ZKML_ERROR_H
#define ZKML_ERROR_H

#include "zkml.h"

/* err := the formatted message, cut to ZKML_ERR_LEN bytes (nothing if err is NULL);
 * returns code, so that a failure reads `return zkml_fail(err, CODE, ...)`. */
__attribute__((format(printf, 3, 4))) int zkml_fail(char *err, int code, const char *fmt, ...);

#endif
