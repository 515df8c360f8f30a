/*
 * test_layout.c: column placement and claim lifting (docs/protocol.md 6.3).
 */
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "mle.h"
#include "unit.h"

UNIT_TEST(layout_placement_order)
{
    /* sizes 2^3, 2^5, 2^3, 2^0, 2^5: the two 2^5 first (declared order), then 2^3s, 2^0 */
    static const unsigned logs[] = {3, 5, 3, 0, 5};
    size_t off[5];
    int l = layout_place(off, logs, 5);

    CHECK(l == 7);                  /* 32 + 32 + 8 + 8 + 1 = 81 -> 128 */
    CHECK(off[1] == 0 && off[4] == 32 && off[0] == 64 && off[2] == 72 && off[3] == 80);
    CHECK(layout_place(off, logs, 0) == -1);
    {
        unsigned big = LAYOUT_MAX_LOG + 1;

        CHECK(layout_place(off, &big, 1) == -1);
    }
    {
        unsigned one = 4;

        CHECK(layout_place(off, &one, 1) == 4 && off[0] == 0);
    }
}

/* A lifted claim on the placed polynomial equals the claim on the column. */
UNIT_TEST(layout_claims_lift)
{
    static const unsigned logs[] = {2, 6, 1, 4, 6, 0};
    size_t off[6], i, c;
    fq_t *P, col_val, p_val, z[8], point[LAYOUT_MAX_LOG];
    int l = layout_place(off, logs, 6);

    CHECK(l == 8);
    P = calloc((size_t)1 << l, sizeof(fq_t));
    for (i = 0; i < ((size_t)1 << l); i++)
        fq_set_u64(&P[i], unit_rand64());
    for (c = 0; c < 6; c++) {
        for (i = 0; i < logs[c]; i++)
            fq_set_u64(&z[i], unit_rand64());
        mle_eval(&col_val, P + off[c], logs[c], z);
        CHECK(layout_claim_point(point, z, logs[c], off[c], (unsigned)l) == 0);
        mle_eval(&p_val, P, (unsigned)l, point);
        CHECKF(fq_eq(&col_val, &p_val), "column %zu", c);
    }
    /* misaligned or out-of-range offsets are refused */
    CHECK(layout_claim_point(point, z, 4, 8, 8) == -1);
    CHECK(layout_claim_point(point, z, 4, 256, 8) == -1);
    CHECK(layout_claim_point(point, z, 9, 0, 8) == -1);
    free(P);
}
