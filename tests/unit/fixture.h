/*
 * fixture.h: the standard shapes of tests/fixtures for the unit tests.  Paths are
 * relative to the repository root (the runner's working directory); the environment
 * variable ZKML_FIXTURES names another directory.
 */
#ifndef ZKML_TEST_FIXTURE_H
#define ZKML_TEST_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

/* The whole file, NUL-terminated (malloc'd), or NULL with a message on stderr. */
char *fixture_read(const char *name, size_t *len);

/* An integer CSV after one header line: *rows x *cols values, row-major; NULL on error. */
int32_t *fixture_csv(const char *name, size_t *rows, size_t *cols);

/* fixture_csv of a shape's rows, "<shape>.rows.csv"; a version 2 twin without rows of
 * its own (tools/make_v2_fixtures.py: "<base>v2...") reads its version 1 shape's. */
int32_t *fixture_rows(const char *shape, size_t *rows, size_t *cols);

/* B rows of tree input keys (tree_key_of_double) from a float CSV after one header line,
 * an empty field being a missing value (NaN), cycling its rows; NULL on error. */
int32_t *fixture_tree_keys(const char *name, size_t n, size_t B);

/* 1 if one of the B rows of n features x appears whole in buf as i32, i16 or i8 (little
 * endian, where every feature fits), or one nonzero feature as a 32-byte scalar (v mod
 * q): the trace of rows written in the clear.  A whole row, not one feature, so that a
 * chance match in random bytes is negligible. */
int fixture_features_found(const uint8_t *buf, size_t len, const int32_t *x, size_t B,
                           size_t n);

/* model_from_json of a fixture; -100 if the file cannot be read. */
int fixture_model(zk_model *model, const char *name, char *err);

#endif
