/*
 * h2c.c: RFC 9380 hash-to-curve for Grumpkin, y^2 = x^3 + B with A = 0, B = -17.
 */
#include <string.h>

#include "h2c.h"
#include "sha256.h"

#define SHA256_BLOCK 64     /* r_in_bytes of SHA-256: the length of Z_pad */

/*
 * SVDW constants for Z = 1 (docs/protocol.md 1.3), canonical limbs; h2c_init derives them
 * and keeps the Montgomery forms below.
 */
static const uint64_t SVDW_C1[4] = {    /* g(Z) = p - 16 */
    0x43e1f593effffff1ULL, 0x2833e84879b97091ULL, 0xb85045b68181585dULL, 0x30644e72e131a029ULL};
static const uint64_t SVDW_C2[4] = {    /* -Z / 2 */
    0xa1f0fac9f8000000ULL, 0x9419f4243cdcb848ULL, 0xdc2822db40c0ac2eULL, 0x183227397098d014ULL};
static const uint64_t SVDW_C3[4] = {    /* sqrt(-g(Z) * (3Z^2 + 4A)), sgn0 = 0 */
    0x453478a4c627115cULL, 0xa7931f8d66dae274ULL, 0xcf135e7506a45d66ULL, 0x0000000000000002ULL};
static const uint64_t SVDW_C4[4] = {    /* -4 g(Z) / (3Z^2 + 4A) */
    0x2d414e62a0000016ULL, 0x70229adafbd0f5b6ULL, 0xd03583cf0100e593ULL, 0x2042def740cbc01bULL};

static fp_t svdw_z, svdw_c1, svdw_c2, svdw_c3, svdw_c4;
static int h2c_ready;

/* g(x) = x^3 + A x + B with A = 0. */
static void
curve_g(fp_t *r, const fp_t *x)
{
    fp_t t;

    fp_sqr(&t, x);
    fp_mul(&t, &t, x);
    fp_add(r, &t, &GROUP_B);
}

static int
fp_is_square(const fp_t *a)
{
    fp_t root;

    return fp_sqrt(&root, a);
}

static int
fp_equals_limbs(const fp_t *a, const uint64_t l[4])
{
    fp_t b;

    return fp_from_limbs(&b, l) && fp_eq(a, &b);
}

const char *
h2c_init(void)
{
    fp_t gz, three_z2, t, u, minus_half_z, gm;

    if (h2c_ready)
        return NULL;
    fp_set_u64(&svdw_z, 1);

    curve_g(&gz, &svdw_z);                      /* g(Z) */
    fp_sqr(&three_z2, &svdw_z);                 /* 3Z^2 + 4A, A = 0 */
    fp_set_u64(&t, 3);
    fp_mul(&three_z2, &three_z2, &t);

    /* RFC 9380 6.6.1 conditions on Z: g(Z) != 0; -(3Z^2 + 4A) / (4 g(Z)) a nonzero
     * square; g(Z) or g(-Z/2) a square. */
    if (fp_is_zero(&gz))
        return "h2c: g(Z) = 0";
    fp_set_u64(&t, 4);
    fp_mul(&t, &t, &gz);
    fp_inv(&t, &t);
    fp_mul(&t, &t, &three_z2);
    fp_neg(&t, &t);
    if (fp_is_zero(&t) || !fp_is_square(&t))
        return "h2c: -(3Z^2 + 4A) / (4 g(Z)) is not a nonzero square";

    fp_set_u64(&t, 2);                          /* c2 = -Z / 2 */
    fp_inv(&t, &t);
    fp_mul(&minus_half_z, &svdw_z, &t);
    fp_neg(&minus_half_z, &minus_half_z);
    curve_g(&gm, &minus_half_z);
    if (!fp_is_square(&gz) && !fp_is_square(&gm))
        return "h2c: neither g(Z) nor g(-Z/2) is a square";

    svdw_c1 = gz;
    svdw_c2 = minus_half_z;

    fp_mul(&t, &gz, &three_z2);                 /* c3 = sqrt(-g(Z)(3Z^2 + 4A)), even */
    fp_neg(&t, &t);
    if (!fp_sqrt(&u, &t))
        return "h2c: c3 is not defined";
    if (fp_is_odd(&u))
        fp_neg(&u, &u);
    svdw_c3 = u;

    fp_inv(&t, &three_z2);                      /* c4 = -4 g(Z) / (3Z^2 + 4A) */
    fp_mul(&t, &t, &gz);
    fp_set_u64(&u, 4);
    fp_mul(&t, &t, &u);
    fp_neg(&svdw_c4, &t);

    if (!fp_equals_limbs(&svdw_c1, SVDW_C1) || !fp_equals_limbs(&svdw_c2, SVDW_C2) ||
        !fp_equals_limbs(&svdw_c3, SVDW_C3) || !fp_equals_limbs(&svdw_c4, SVDW_C4))
        return "h2c: SVDW constants differ from docs/protocol.md 1.3";
    h2c_ready = 1;
    return NULL;
}

int
h2c_expand_message_xmd(uint8_t *out, size_t len, const uint8_t *msg, size_t msg_len,
                       const uint8_t *dst, size_t dst_len)
{
    static const uint8_t z_pad[SHA256_BLOCK];
    uint8_t b0[32], bi[32], lib[2], idx, dlen;
    size_t ell, i, j, off;
    sha256_ctx h;
    int fail = 0;

    if (len > H2C_XMD_MAX_LEN || dst_len > H2C_DST_MAX_LEN)
        return -1;
    ell = (len + 31) / 32;
    lib[0] = (uint8_t)(len >> 8);
    lib[1] = (uint8_t)len;
    dlen = (uint8_t)dst_len;

    /* b_0 = H(Z_pad || msg || I2OSP(len, 2) || I2OSP(0, 1) || DST_prime) */
    idx = 0;
    sha256_begin(&h);
    sha256_write(&h, z_pad, sizeof(z_pad));
    sha256_write(&h, msg, msg_len);
    sha256_write(&h, lib, 2);
    sha256_write(&h, &idx, 1);
    sha256_write(&h, dst, dst_len);
    sha256_write(&h, &dlen, 1);
    fail |= sha256_finish(&h, b0);

    /* b_1 = H(b_0 || 1 || DST_prime); b_i = H((b_0 xor b_{i-1}) || i || DST_prime) */
    memset(bi, 0, sizeof(bi));
    for (i = 1, off = 0; i <= ell; i++) {
        for (j = 0; j < 32; j++)
            bi[j] ^= b0[j];
        idx = (uint8_t)i;
        sha256_begin(&h);
        sha256_write(&h, bi, 32);
        sha256_write(&h, &idx, 1);
        sha256_write(&h, dst, dst_len);
        sha256_write(&h, &dlen, 1);
        fail |= sha256_finish(&h, bi);
        for (j = 0; j < 32 && off < len; j++)
            out[off++] = bi[j];
    }
    explicit_bzero(b0, sizeof(b0));
    explicit_bzero(bi, sizeof(bi));
    if (fail) {
        explicit_bzero(out, len);
        return -1;
    }
    return 0;
}

int
h2c_hash_to_field(fp_t *u, size_t count, const uint8_t *msg, size_t msg_len,
                  const uint8_t *dst, size_t dst_len)
{
    uint8_t buf[H2C_MAX_FIELD_COUNT * H2C_FIELD_L], wide[64];
    size_t i, j;

    if (count > H2C_MAX_FIELD_COUNT)
        return -1;
    if (h2c_expand_message_xmd(buf, count * H2C_FIELD_L, msg, msg_len, dst, dst_len) != 0) {
        for (i = 0; i < count; i++)
            fp_set_zero(&u[i]);
        return -1;
    }
    /* OS2IP is big-endian; fp_from_bytes_wide reads 64 little-endian bytes. */
    memset(wide, 0, sizeof(wide));
    for (i = 0; i < count; i++) {
        for (j = 0; j < H2C_FIELD_L; j++)
            wide[j] = buf[i * H2C_FIELD_L + H2C_FIELD_L - 1 - j];
        fp_from_bytes_wide(&u[i], wide);
    }
    return 0;
}

/*
 * RFC 9380 F.1 (straight-line map_to_curve_svdw), steps numbered as there.  The
 * is_square tests of steps 15 and 21 are done by fp_sqrt, and the root found is kept
 * for step 33: sqrt(gx) is unique up to sign and step 35 fixes the sign, so the result
 * is the same as with a separate sqrt.  inv0 is fp_inv (inv(0) = 0).
 */
void
h2c_map_svdw(ge_t *r, const fp_t *u)
{
    fp_t tv1, tv2, tv3, tv4, x1, x2, x3, gx, y, one;
    int e1, e2;

    fp_set_u64(&one, 1);
    fp_sqr(&tv1, u);                 /* 1 */
    fp_mul(&tv1, &tv1, &svdw_c1);    /* 2 */
    fp_add(&tv2, &one, &tv1);        /* 3 */
    fp_sub(&tv1, &one, &tv1);        /* 4 */
    fp_mul(&tv3, &tv1, &tv2);        /* 5 */
    fp_inv(&tv3, &tv3);              /* 6: inv0 */
    fp_mul(&tv4, u, &tv1);           /* 7 */
    fp_mul(&tv4, &tv4, &tv3);        /* 8 */
    fp_mul(&tv4, &tv4, &svdw_c3);    /* 9 */
    fp_sub(&x1, &svdw_c2, &tv4);     /* 10 */
    curve_g(&gx, &x1);               /* 11-14 */
    e1 = fp_sqrt(&y, &gx);           /* 15 */
    if (e1) {
        r->x = x1;
    } else {
        fp_add(&x2, &svdw_c2, &tv4); /* 16 */
        curve_g(&gx, &x2);           /* 17-20 */
        e2 = fp_sqrt(&y, &gx);       /* 21 */
        if (e2) {
            r->x = x2;
        } else {
            fp_sqr(&x3, &tv2);       /* 22 */
            fp_mul(&x3, &x3, &tv3);  /* 23 */
            fp_sqr(&x3, &x3);        /* 24 */
            fp_mul(&x3, &x3, &svdw_c4);  /* 25 */
            fp_add(&x3, &x3, &svdw_z);   /* 26 */
            curve_g(&gx, &x3);       /* 29-32 */
            fp_sqrt(&y, &gx);        /* 33: a square by the choice of Z */
            r->x = x3;
        }
    }
    if (fp_is_odd(u) != fp_is_odd(&y))   /* 34-35: sgn0(y) = sgn0(u) */
        fp_neg(&y, &y);
    r->y = y;
    r->infinity = 0;
}

int
h2c_hash_to_curve(ge_t *r, const uint8_t *msg, size_t msg_len,
                  const uint8_t *dst, size_t dst_len)
{
    fp_t u[2];
    ge_t q0, q1;
    gep_t a, b;

    if (h2c_hash_to_field(u, 2, msg, msg_len, dst, dst_len) != 0) {
        ge_set_infinity(r);
        return -1;
    }
    h2c_map_svdw(&q0, &u[0]);
    h2c_map_svdw(&q1, &u[1]);
    gep_set_ge(&a, &q0);
    gep_set_ge(&b, &q1);
    gep_add(&a, &a, &b);
    ge_set_gep(r, &a);
    return 0;
}
