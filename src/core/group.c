/*
 * group.c: Grumpkin point arithmetic and encodings (docs/protocol.md 1.1, 1.2, 2).
 *
 * Projective arithmetic uses the complete formulas of Renes, Costello and Batina
 * (ePrint 2015/1060, algorithms 7-9 for a = 0): no exceptional inputs, so the same
 * straight-line code serves P + Q, P + P, P + (-P) and the identity.
 */
#include <stdlib.h>
#include <string.h>

#include "group.h"

/* b = -17 and 3b = -51 in Montgomery form; checked by group_init(). */
const fp_t GROUP_B = {{0xdd7056026000005aULL, 0x223fa97acb319311ULL,
                       0xcc388229877910c0ULL, 0x034394632b724eaaULL}};
const fp_t GROUP_B3 = {{0x985102072000010eULL, 0x66befc706194b935ULL,
                        0x64a9867c966b3240ULL, 0x09cabd298256ec00ULL}};

/* y of the conventional test generator (1, y), canonical limbs. */
static const uint64_t TEST_GEN_Y[4] = {
    0x833fc48d823f272cULL, 0x2d270d45f1181294ULL, 0xcf135e7506a45d63ULL, 0x2ULL};

const char *
group_init(void)
{
    fp_t b, b3;
    ge_t g;

    fp_set_i64(&b, -17);
    fp_set_i64(&b3, -51);
    if (!fp_eq(&b, &GROUP_B) || !fp_eq(&b3, &GROUP_B3))
        return "group constant check failed: curve coefficient b";
    ge_test_generator(&g);
    if (!ge_is_on_curve(&g))
        return "group constant check failed: test generator is not on the curve";
    return NULL;
}

void
ge_test_generator(ge_t *r)
{
    fp_set_u64(&r->x, 1);
    (void) fp_from_limbs(&r->y, TEST_GEN_Y);
    r->infinity = 0;
}

/* y^2 == x^3 + b */
int
ge_is_on_curve(const ge_t *a)
{
    fp_t lhs, rhs;

    if (a->infinity)
        return 1;
    fp_sqr(&lhs, &a->y);
    fp_sqr(&rhs, &a->x);
    fp_mul(&rhs, &rhs, &a->x);
    fp_add(&rhs, &rhs, &GROUP_B);
    return fp_eq(&lhs, &rhs);
}

void
ge_set_infinity(ge_t *r)
{
    fp_set_zero(&r->x);
    fp_set_zero(&r->y);
    r->infinity = 1;
}

void
ge_neg(ge_t *r, const ge_t *a)
{
    r->x = a->x;
    fp_neg(&r->y, &a->y);
    r->infinity = a->infinity;
}

int
ge_eq(const ge_t *a, const ge_t *b)
{
    if (a->infinity || b->infinity)
        return a->infinity == b->infinity;
    return fp_eq(&a->x, &b->x) && fp_eq(&a->y, &b->y);
}

void
gep_set_infinity(gep_t *r)
{
    fp_set_zero(&r->x);
    r->y = FP_ONE;
    fp_set_zero(&r->z);
}

void
gep_set_ge(gep_t *r, const ge_t *a)
{
    if (a->infinity) {
        gep_set_infinity(r);
        return;
    }
    r->x = a->x;
    r->y = a->y;
    r->z = FP_ONE;
}

int
gep_is_infinity(const gep_t *a)
{
    return fp_is_zero(&a->z);
}

/* X1·Z2 = X2·Z1 and Y1·Z2 = Y2·Z1; also right when either is the identity (0:1:0). */
int
gep_eq(const gep_t *a, const gep_t *b)
{
    fp_t l, r;

    fp_mul(&l, &a->x, &b->z);
    fp_mul(&r, &b->x, &a->z);
    if (!fp_eq(&l, &r))
        return 0;
    fp_mul(&l, &a->y, &b->z);
    fp_mul(&r, &b->y, &a->z);
    return fp_eq(&l, &r);
}

void
gep_neg(gep_t *r, const gep_t *a)
{
    r->x = a->x;
    fp_neg(&r->y, &a->y);
    r->z = a->z;
}

/* RCB algorithm 7: complete projective addition, a = 0. */
void
gep_add(gep_t *r, const gep_t *p, const gep_t *q)
{
    fp_t t0, t1, t2, t3, t4, x3, y3, z3;

    fp_mul(&t0, &p->x, &q->x);
    fp_mul(&t1, &p->y, &q->y);
    fp_mul(&t2, &p->z, &q->z);
    fp_add(&t3, &p->x, &p->y);
    fp_add(&t4, &q->x, &q->y);
    fp_mul(&t3, &t3, &t4);
    fp_add(&t4, &t0, &t1);
    fp_sub(&t3, &t3, &t4);          /* X1Y2 + X2Y1 */
    fp_add(&t4, &p->y, &p->z);
    fp_add(&x3, &q->y, &q->z);
    fp_mul(&t4, &t4, &x3);
    fp_add(&x3, &t1, &t2);
    fp_sub(&t4, &t4, &x3);          /* Y1Z2 + Y2Z1 */
    fp_add(&x3, &p->x, &p->z);
    fp_add(&y3, &q->x, &q->z);
    fp_mul(&x3, &x3, &y3);
    fp_add(&y3, &t0, &t2);
    fp_sub(&y3, &x3, &y3);          /* X1Z2 + X2Z1 */
    fp_dbl(&x3, &t0);
    fp_add(&t0, &x3, &t0);          /* 3X1X2 */
    fp_mul(&t2, &GROUP_B3, &t2);
    fp_add(&z3, &t1, &t2);
    fp_sub(&t1, &t1, &t2);
    fp_mul(&y3, &GROUP_B3, &y3);
    fp_mul(&x3, &t4, &y3);
    fp_mul(&t2, &t3, &t1);
    fp_sub(&x3, &t2, &x3);
    fp_mul(&y3, &y3, &t0);
    fp_mul(&t1, &t1, &z3);
    fp_add(&y3, &t1, &y3);
    fp_mul(&t0, &t0, &t3);
    fp_mul(&z3, &z3, &t4);
    fp_add(&z3, &z3, &t0);
    r->x = x3;
    r->y = y3;
    r->z = z3;
}

/*
 * RCB algorithm 8: mixed addition with an affine q (Z2 = 1), complete for every
 * projective p; the affine identity has no (x, y), so it is handled by its flag.
 */
void
gep_add_ge(gep_t *r, const gep_t *p, const ge_t *q)
{
    fp_t t0, t1, t2, t3, t4, x3, y3, z3;

    if (q->infinity) {
        *r = *p;
        return;
    }
    fp_mul(&t0, &p->x, &q->x);
    fp_mul(&t1, &p->y, &q->y);
    fp_add(&t3, &q->x, &q->y);
    fp_add(&t4, &p->x, &p->y);
    fp_mul(&t3, &t3, &t4);
    fp_add(&t4, &t0, &t1);
    fp_sub(&t3, &t3, &t4);
    fp_mul(&t4, &q->y, &p->z);
    fp_add(&t4, &t4, &p->y);
    fp_mul(&y3, &q->x, &p->z);
    fp_add(&y3, &y3, &p->x);
    fp_dbl(&x3, &t0);
    fp_add(&t0, &x3, &t0);
    fp_mul(&t2, &GROUP_B3, &p->z);
    fp_add(&z3, &t1, &t2);
    fp_sub(&t1, &t1, &t2);
    fp_mul(&y3, &GROUP_B3, &y3);
    fp_mul(&x3, &t4, &y3);
    fp_mul(&t2, &t3, &t1);
    fp_sub(&x3, &t2, &x3);
    fp_mul(&y3, &y3, &t0);
    fp_mul(&t1, &t1, &z3);
    fp_add(&y3, &t1, &y3);
    fp_mul(&t0, &t0, &t3);
    fp_mul(&z3, &z3, &t4);
    fp_add(&z3, &z3, &t0);
    r->x = x3;
    r->y = y3;
    r->z = z3;
}

/* RCB algorithm 9: complete projective doubling, a = 0. */
void
gep_dbl(gep_t *r, const gep_t *p)
{
    fp_t t0, t1, t2, x3, y3, z3;

    fp_sqr(&t0, &p->y);
    fp_dbl(&z3, &t0);
    fp_dbl(&z3, &z3);
    fp_dbl(&z3, &z3);               /* 8Y^2 */
    fp_mul(&t1, &p->y, &p->z);
    fp_sqr(&t2, &p->z);
    fp_mul(&t2, &GROUP_B3, &t2);
    fp_mul(&x3, &t2, &z3);
    fp_add(&y3, &t0, &t2);
    fp_mul(&z3, &t1, &z3);
    fp_dbl(&t1, &t2);
    fp_add(&t2, &t1, &t2);
    fp_sub(&t0, &t0, &t2);
    fp_mul(&y3, &t0, &y3);
    fp_add(&y3, &x3, &y3);
    fp_mul(&t1, &p->x, &p->y);
    fp_mul(&x3, &t0, &t1);
    fp_dbl(&x3, &x3);
    r->x = x3;
    r->y = y3;
    r->z = z3;
}

void
gep_cmov(gep_t *r, const gep_t *a, int flag)
{
    uint64_t mask = 0 - (uint64_t)(flag & 1);
    int i;

    for (i = 0; i < 4; i++) {
        r->x.l[i] ^= mask & (r->x.l[i] ^ a->x.l[i]);
        r->y.l[i] ^= mask & (r->y.l[i] ^ a->y.l[i]);
        r->z.l[i] ^= mask & (r->z.l[i] ^ a->z.l[i]);
    }
}

void
ge_set_gep(ge_t *r, const gep_t *a)
{
    fp_t zinv;

    if (gep_is_infinity(a)) {
        ge_set_infinity(r);
        return;
    }
    fp_inv(&zinv, &a->z);
    fp_mul(&r->x, &a->x, &zinv);
    fp_mul(&r->y, &a->y, &zinv);
    r->infinity = 0;
}

void
ge_set_gep_batch(ge_t *r, const gep_t *a, size_t n)
{
    fp_t *zinv;
    size_t i;

    if (n == 0)
        return;
    zinv = malloc(n * sizeof(fp_t));
    if (zinv == NULL) {
        for (i = 0; i < n; i++)
            ge_set_gep(&r[i], &a[i]);
        return;
    }
    for (i = 0; i < n; i++)
        zinv[i] = a[i].z;
    if (fp_batch_inv(zinv, zinv, n) != 0) {
        free(zinv);
        for (i = 0; i < n; i++)
            ge_set_gep(&r[i], &a[i]);
        return;
    }
    for (i = 0; i < n; i++) {
        if (fp_is_zero(&zinv[i])) {
            ge_set_infinity(&r[i]);
            continue;
        }
        fp_mul(&r[i].x, &a[i].x, &zinv[i]);
        fp_mul(&r[i].y, &a[i].y, &zinv[i]);
        r[i].infinity = 0;
    }
    free(zinv);
}

/* table[i] = i·a for i = 0..15 */
static void
gep_window_table(gep_t table[16], const gep_t *a)
{
    int i;

    gep_set_infinity(&table[0]);
    table[1] = *a;
    for (i = 2; i < 16; i++)
        gep_add(&table[i], &table[i - 1], a);
}

void
gep_mul_ct(gep_t *r, const gep_t *a, const fq_t *k)
{
    gep_t table[16], acc, sel;
    uint64_t e[4];
    int i, j, d;

    fq_to_limbs(e, k);
    gep_window_table(table, a);
    gep_set_infinity(&acc);
    for (i = 63; i >= 0; i--) {
        for (j = 0; j < 4; j++)
            gep_dbl(&acc, &acc);
        d = (int)((e[i / 16] >> (4 * (i % 16))) & 15);
        /* scan the whole table so the access pattern does not depend on d */
        sel = table[0];
        for (j = 1; j < 16; j++)
            gep_cmov(&sel, &table[j], (int)(((uint32_t)(j ^ d) - 1) >> 31));
        gep_add(&acc, &acc, &sel);
    }
    *r = acc;
    explicit_bzero(e, sizeof e);
}

void
gep_mul_vartime(gep_t *r, const gep_t *a, const fq_t *k)
{
    gep_t table[16], acc;
    uint64_t e[4];
    int i, j, d, started = 0;

    fq_to_limbs(e, k);
    gep_window_table(table, a);
    gep_set_infinity(&acc);
    for (i = 63; i >= 0; i--) {
        if (started)
            for (j = 0; j < 4; j++)
                gep_dbl(&acc, &acc);
        d = (int)((e[i / 16] >> (4 * (i % 16))) & 15);
        if (d != 0) {
            gep_add(&acc, &acc, &table[d]);
            started = 1;
        }
    }
    *r = acc;
}

/* ---- fixed bases ---- */

int
ge_fixed_table_init(ge_fixed_table *T, const ge_t *P)
{
    gep_t *proj, base, acc;
    int w, j;

    if (P->infinity)
        return -1;
    proj = malloc(GE_FIXED_WINDOWS * 8 * sizeof *proj);
    if (proj == NULL)
        return -1;
    gep_set_ge(&base, P);
    for (w = 0; w < GE_FIXED_WINDOWS; w++) {
        acc = base;                                 /* base = 16^w·P */
        for (j = 0; j < 8; j++) {
            proj[w * 8 + j] = acc;
            gep_add(&acc, &acc, &base);
        }
        for (j = 0; j < 4; j++)
            gep_dbl(&base, &base);
    }
    ge_set_gep_batch(&T->t[0][0], proj, GE_FIXED_WINDOWS * 8);
    free(proj);
    return 0;
}

/* r = flag ? a : r, constant time, for affine points that are not the identity. */
static void
ge_cmov_xy(ge_t *r, const ge_t *a, uint64_t flag)
{
    uint64_t mask = (uint64_t)0 - flag;
    int i;

    for (i = 0; i < 4; i++) {
        r->x.l[i] ^= mask & (r->x.l[i] ^ a->x.l[i]);
        r->y.l[i] ^= mask & (r->y.l[i] ^ a->y.l[i]);
    }
}

void
gep_mul_fixed_ct(gep_t *r, const ge_fixed_table *T, const fq_t *k)
{
    uint64_t e[4], carry = 0;
    gep_t acc, sum;
    ge_t sel;
    fp_t ny;
    int w, j, i;

    fq_to_limbs(e, k);
    gep_set_infinity(&acc);
    for (w = 0; w < GE_FIXED_WINDOWS; w++) {
        /* signed digit d = t - 16·c in [-8, 8), t = nibble + carry in, c = (t >= 8) */
        uint64_t t = (w < 64 ? (e[w / 16] >> (4 * (w % 16))) & 15 : 0) + carry;
        uint64_t neg, negmask, mag, nonzero;
        int64_t d;

        carry = (t + 8) >> 4;
        d = (int64_t)t - 16 * (int64_t)carry;
        neg = (uint64_t)d >> 63;
        negmask = (uint64_t)0 - neg;
        mag = ((uint64_t)d ^ negmask) - negmask;            /* |d| in 0 .. 8 */
        nonzero = (mag | ((uint64_t)0 - mag)) >> 63;
        sel = T->t[w][0];
        for (j = 1; j < 8; j++)
            ge_cmov_xy(&sel, &T->t[w][j],
                       (((uint32_t)(j + 1) ^ (uint32_t)mag) - 1u) >> 31);
        fp_neg(&ny, &sel.y);
        for (i = 0; i < 4; i++)
            sel.y.l[i] ^= negmask & (sel.y.l[i] ^ ny.l[i]);
        sel.infinity = 0;
        gep_add_ge(&sum, &acc, &sel);
        gep_cmov(&acc, &sum, (int)nonzero);
    }
    *r = acc;
    explicit_bzero(e, sizeof e);
    explicit_bzero(&sel, sizeof sel);
    explicit_bzero(&ny, sizeof ny);
}

/* ---- encodings (docs/protocol.md 1.2) ---- */

void
ge_encode(uint8_t out[32], const ge_t *a)
{
    if (a->infinity) {
        memset(out, 0, 32);
        out[31] = 0x40;
        return;
    }
    fp_to_bytes(out, &a->x);        /* x < p < 2^254: bits 254, 255 are free */
    if (fp_is_odd(&a->y))
        out[31] |= 0x80;
}

void
gep_encode(uint8_t out[32], const gep_t *a)
{
    ge_t t;

    ge_set_gep(&t, a);
    ge_encode(out, &t);
}

ge_decode_status
ge_decode(ge_t *r, const uint8_t in[32])
{
    uint8_t xb[32];
    fp_t x, w, y;
    int i, parity;

    if (in[31] & 0x40) {
        for (i = 0; i < 31; i++)
            if (in[i] != 0)
                return GE_DECODE_BAD_INFINITY;
        if (in[31] != 0x40)
            return GE_DECODE_BAD_INFINITY;
        ge_set_infinity(r);
        return GE_DECODE_OK;
    }
    memcpy(xb, in, 32);
    parity = xb[31] >> 7;
    xb[31] &= 0x3f;
    if (!fp_from_bytes(&x, xb))
        return GE_DECODE_X_RANGE;
    fp_sqr(&w, &x);
    fp_mul(&w, &w, &x);
    fp_add(&w, &w, &GROUP_B);
    if (!fp_sqrt(&y, &w))
        return GE_DECODE_NOT_ON_CURVE;
    if (fp_is_odd(&y) != parity)
        fp_neg(&y, &y);
    r->x = x;
    r->y = y;
    r->infinity = 0;
    return GE_DECODE_OK;
}

const char *
ge_decode_status_str(ge_decode_status s)
{
    switch (s) {
    case GE_DECODE_OK:
        return "ok";
    case GE_DECODE_BAD_INFINITY:
        return "infinity flag set on a non-identity encoding";
    case GE_DECODE_X_RANGE:
        return "x coordinate is not below p";
    case GE_DECODE_NOT_ON_CURVE:
        return "x^3 - 17 has no square root";
    }
    return "unknown status";
}
