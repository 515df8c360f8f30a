/*
 * selftest.h: the known-answer checks of tests/kat/zkmlpg-v1.kat, runnable in-process so that
 * an installation can be validated where it runs (zkml_self_test() in SQL).  The front door
 * offers them as zkml_self_test_count and zkml_self_test_run.
 */
#ifndef ZKML_SELFTEST_H
#define ZKML_SELFTEST_H

#include <stddef.h>

#include "zkml.h"

typedef zkml_check_result selftest_result;     /* the check's static name, ok */

/* The number of checks selftest_run() reports. */
size_t selftest_count(void);

/*
 * Run every check once and fill out[0 .. selftest_count()-1].  Returns the number of
 * failed checks.  Single-threaded; needs zkml_init() first.
 */
int selftest_run(selftest_result *out);

#endif
