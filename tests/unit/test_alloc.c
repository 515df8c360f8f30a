/*
 * test_alloc.c: the scratch pool (alloc.h): arrays come back zeroed, a freed large array
 * is kept and handed out again, the limit bounds what is kept, and sizes that overflow
 * are refused.
 */
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "unit.h"

static int
all_zero(const unsigned char *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (p[i] != 0)
            return 0;
    return 1;
}

UNIT_TEST(scratch_reuses_a_freed_array_wiped)
{
    const size_t n = (size_t)3 << 20;           /* a mapping, kept when freed */
    unsigned char *a, *b;

    scratch_set_keep(0);
    scratch_set_keep(ZKML_KEEP_MEMORY_DEFAULT);
    CHECK(scratch_kept() == 0);
    a = scratch_alloc(n, 1);
    CHECK(a != NULL && ((uintptr_t)a & 63) == 0);
    if (a == NULL)
        return;
    CHECK(all_zero(a, n));
    memset(a, 0xA5, n);
    scratch_free(a);
    CHECK(scratch_kept() >= n);
    b = scratch_alloc(n - 4096, 1);             /* a little smaller: the same mapping */
    CHECK(b == a);
    if (b != NULL)
        CHECK(all_zero(b, n - 4096));
    CHECK(scratch_kept() == 0);
    scratch_free(b);
    scratch_set_keep(ZKML_KEEP_MEMORY_DEFAULT);
}

UNIT_TEST(scratch_keeps_within_its_limit)
{
    unsigned char *a[4];
    size_t i;

    scratch_set_keep((size_t)3 << 20);
    for (i = 0; i < 4; i++) {
        a[i] = scratch_alloc((size_t)1 << 20, 1);
        CHECK(a[i] != NULL);
    }
    for (i = 0; i < 4; i++)
        scratch_free(a[i]);
    CHECK(scratch_kept() > 0 && scratch_kept() <= ((size_t)3 << 20));
    a[0] = scratch_alloc((size_t)8 << 20, 1);   /* larger than the limit: never kept */
    CHECK(a[0] != NULL);
    scratch_free(a[0]);
    CHECK(scratch_kept() <= ((size_t)3 << 20));
    scratch_set_keep(0);                        /* releases everything */
    CHECK(scratch_kept() == 0);
    a[0] = scratch_alloc((size_t)1 << 20, 1);
    scratch_free(a[0]);
    CHECK(scratch_kept() == 0);
    scratch_set_keep(ZKML_KEEP_MEMORY_DEFAULT);
}

UNIT_TEST(scratch_small_arrays_and_overflow)
{
    unsigned char *s = scratch_alloc(100, 3);   /* from the heap */

    CHECK(s != NULL && ((uintptr_t)s & 63) == 0);
    if (s != NULL) {
        CHECK(all_zero(s, 300));
        memset(s, 1, 300);
        scratch_free(s);
    }
    CHECK(scratch_alloc(SIZE_MAX / 2, 4) == NULL);
    CHECK(scratch_alloc((size_t)1 << 62, 1) == NULL);
    s = scratch_alloc(0, 8);                    /* at least one element */
    CHECK(s != NULL);
    scratch_free(s);
    scratch_free(NULL);
}
