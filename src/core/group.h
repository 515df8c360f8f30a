/*
 * group.h: the Grumpkin group, y^2 = x^3 - 17 over Fp, prime order q
 * (docs/protocol.md 1.1-1.2).
 *
 * Two representations:
 *   ge_t   affine (x, y) with an explicit infinity flag; inputs of MSM, encodings.
 *   gep_t  homogeneous projective (X:Y:Z), x = X/Z, y = Y/Z, identity (0:1:0).
 *          All arithmetic on gep_t uses the complete formulas of Renes-Costello-Batina
 *          (ePrint 2015/1060, a = 0), so it has no exceptional cases and no branches on
 *          the values: P + P, P + (-P) and the identity need no special handling.
 * Scalars are fq_t (the group order is q).
 */
#ifndef ZKML_GROUP_H
#define ZKML_GROUP_H

#include "field.h"

typedef struct { fp_t x, y; int infinity; } ge_t;
typedef struct { fp_t x, y, z; } gep_t;

/* Curve coefficient b = -17 and 3b = -51, Montgomery form. */
extern const fp_t GROUP_B, GROUP_B3;

/* Check the compiled-in group constants; NULL or a fatal message.  Needs field_init(). */
const char *group_init(void);

/* The conventional generator (1, sqrt(-16)) of docs/protocol.md 1.1, for tests only. */
void ge_test_generator(ge_t *r);

int ge_is_on_curve(const ge_t *a);         /* the identity counts as on the curve */
void ge_set_infinity(ge_t *r);
void ge_neg(ge_t *r, const ge_t *a);
int ge_eq(const ge_t *a, const ge_t *b);

void gep_set_infinity(gep_t *r);
void gep_set_ge(gep_t *r, const ge_t *a);
int gep_is_infinity(const gep_t *a);
int gep_eq(const gep_t *a, const gep_t *b);    /* same group element */
void gep_neg(gep_t *r, const gep_t *a);
void gep_add(gep_t *r, const gep_t *a, const gep_t *b);   /* complete */
void gep_add_ge(gep_t *r, const gep_t *a, const ge_t *b);  /* complete, mixed */
void gep_dbl(gep_t *r, const gep_t *a);                    /* complete */
/* Conditional move in constant time: r = flag ? a : r (flag is 0 or 1). */
void gep_cmov(gep_t *r, const gep_t *a, int flag);

void ge_set_gep(ge_t *r, const gep_t *a);                 /* one inversion */
/* Normalise n points with one inversion (Montgomery's trick); identities allowed. */
void ge_set_gep_batch(ge_t *r, const gep_t *a, size_t n);

/*
 * r = k·a, constant time in k (fixed 4-bit windows over all 256 bits, table scanned
 * in full with cmov): the path for secret scalars.
 */
void gep_mul_ct(gep_t *r, const gep_t *a, const fq_t *k);

/*
 * Fixed bases (G, H): T[w][j] = (j + 1)·16^w·P, affine, so that k·P is 65 signed 4-bit
 * digits, each one table row scanned in full with cmov and one mixed addition, and no
 * doublings: constant time in k, about a third of gep_mul_ct.  37 KB per base.
 */
#define GE_FIXED_WINDOWS 65
typedef struct {
    ge_t t[GE_FIXED_WINDOWS][8];
} ge_fixed_table;

/* The table of P (not the identity); 0, or -1 if out of memory or P is the identity. */
int ge_fixed_table_init(ge_fixed_table *T, const ge_t *P);

/* r = k·P for the P of T, constant time in k. */
void gep_mul_fixed_ct(gep_t *r, const ge_fixed_table *T, const fq_t *k);

/* r = k·a, variable time (public scalars only). */
void gep_mul_vartime(gep_t *r, const gep_t *a, const fq_t *k);

/* Point encoding of docs/protocol.md 1.2. */
void ge_encode(uint8_t out[32], const ge_t *a);
void gep_encode(uint8_t out[32], const gep_t *a);

typedef enum {
    GE_DECODE_OK = 0,
    GE_DECODE_BAD_INFINITY,     /* infinity flag with any other bit set */
    GE_DECODE_X_RANGE,          /* x >= p */
    GE_DECODE_NOT_ON_CURVE      /* x^3 - 17 is not a square */
} ge_decode_status;

ge_decode_status ge_decode(ge_t *r, const uint8_t in[32]);
const char *ge_decode_status_str(ge_decode_status s);

#endif
