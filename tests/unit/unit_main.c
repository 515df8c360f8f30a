/*
 * unit_main.c: the runner.  `zkml_unit [substring ...] [-substring ...]` runs the tests
 * whose names contain any of the substrings (all tests without them), except those whose
 * names contain a substring given after a '-'.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "zkml.h"

#define UNIT_MAX 512

static struct { const char *name; unit_fn fn; } tests[UNIT_MAX];
static int ntests;
static int current_failed;
static uint64_t rng_s[4];

void
unit_register(const char *name, unit_fn fn)
{
    if (ntests == UNIT_MAX) {
        fprintf(stderr, "unit: too many tests\n");
        exit(2);
    }
    tests[ntests].name = name;
    tests[ntests].fn = fn;
    ntests++;
}

int
unit_check(int ok, const char *expr, const char *file, int line)
{
    if (!ok) {
        current_failed++;
        if (current_failed <= 20)
            fprintf(stderr, "  FAIL %s:%d: %s\n", file, line, expr);
    }
    return ok;
}

static uint64_t
rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t
unit_rand64(void)
{
    uint64_t r = rotl(rng_s[1] * 5, 7) * 9, t = rng_s[1] << 17;

    rng_s[2] ^= rng_s[0];
    rng_s[3] ^= rng_s[1];
    rng_s[1] ^= rng_s[2];
    rng_s[0] ^= rng_s[3];
    rng_s[2] ^= t;
    rng_s[3] = rotl(rng_s[3], 45);
    return r;
}

void
unit_rand_bytes(uint8_t *out, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        out[i] = (uint8_t)unit_rand64();
}

static void
seed_from_name(const char *name)
{
    uint64_t h = 0xcbf29ce484222325ULL;   /* FNV-1a, then splitmix64 */
    int i;

    for (; *name; name++)
        h = (h ^ (uint8_t)*name) * 0x100000001b3ULL;
    for (i = 0; i < 4; i++) {
        uint64_t z = (h += 0x9e3779b97f4a7c15ULL);

        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        rng_s[i] = z ^ (z >> 31);
    }
}

static int
selected(const char *name, int argc, char **argv)
{
    int i, wanted = -1;         /* -1: no substring given, so every test is wanted */

    for (i = 1; i < argc; i++) {
        if (argv[i][0] == '-') {
            if (strstr(name, argv[i] + 1) != NULL)
                return 0;
        } else if (wanted != 1) {
            wanted = strstr(name, argv[i]) != NULL;
        }
    }
    return wanted != 0;
}

int
main(int argc, char **argv)
{
    const char *err = zkml_init();
    int passed = 0, failed = 0, i;

    if (err != NULL) {
        fprintf(stderr, "zkml_init: %s\n", err);
        printf("0 passed, 1 failed\n");
        return 1;
    }
    for (i = 0; i < ntests; i++) {
        if (!selected(tests[i].name, argc, argv))
            continue;
        current_failed = 0;
        seed_from_name(tests[i].name);
        tests[i].fn();
        if (current_failed == 0) {
            passed++;
            printf("ok   %s\n", tests[i].name);
        } else {
            failed++;
            printf("FAIL %s (%d checks failed)\n", tests[i].name, current_failed);
        }
        fflush(stdout);
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
