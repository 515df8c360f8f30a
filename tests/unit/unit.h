/*
 * unit.h: a small unit-test harness for src/core.
 *
 * A test is a function declared with UNIT_TEST(name); it registers itself at start-up,
 * so a new test file needs no list edited anywhere.  CHECK records a failed condition
 * with its location and lets the test go on; a test passes when none of its checks
 * failed.  The runner prints "N passed, N failed" last.
 */
#ifndef ZKML_UNIT_H
#define ZKML_UNIT_H

#include <stdint.h>
#include <stdio.h>

/* Built with AddressSanitizer (make check-sanitize): a process's memory includes its own. */
#if defined(__SANITIZE_ADDRESS__)
#define UNIT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNIT_ASAN 1
#endif
#endif

typedef void (*unit_fn)(void);

void unit_register(const char *name, unit_fn fn);
int unit_check(int ok, const char *expr, const char *file, int line);
/* Deterministic test randomness (xoshiro256**), reseeded per test from its name. */
uint64_t unit_rand64(void);
void unit_rand_bytes(uint8_t *out, size_t n);

#define UNIT_TEST(name)                                                     \
    static void name(void);                                                 \
    __attribute__((constructor)) static void name##_register(void)          \
    { unit_register(#name, name); }                                         \
    static void name(void)

#define CHECK(cond) unit_check(!!(cond), #cond, __FILE__, __LINE__)

/* CHECK with a message printed on failure (printf-style). */
#define CHECKF(cond, ...)                                                   \
    do {                                                                    \
        if (!unit_check(!!(cond), #cond, __FILE__, __LINE__)) {             \
            fprintf(stderr, "    ");                                        \
            fprintf(stderr, __VA_ARGS__);                                   \
            fprintf(stderr, "\n");                                          \
        }                                                                   \
    } while (0)

#endif
