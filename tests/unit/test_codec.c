/*
 * test_codec.c: proof bytes (docs/protocol.md 1.2, 11.1, 11.7, 11.10): exact lengths,
 * canonical scalars, valid non-identity points, and every byte of a real proof
 * mattering.
 */
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "drbg.h"
#include "pedersen.h"
#include "unit.h"

#define K 2                         /* a dot-product argument over 4 entries */

typedef struct {
    fq_t x[1 << K], a[1 << K], bx, by, y;
    ge_t Cx, Cy;
} small_ipa;

static void
small_ipa_make(small_ipa *s)
{
    uint8_t w[64];
    gep_t p;
    fq_t t;
    int i;

    fq_set_zero(&s->y);
    for (i = 0; i < (1 << K); i++) {
        unit_rand_bytes(w, 64);
        fq_from_bytes_wide(&s->x[i], w);
        fq_set_u64(&s->a[i], (uint64_t)(i + 3));
        fq_mul(&t, &s->x[i], &s->a[i]);
        fq_add(&s->y, &s->y, &t);
    }
    fq_set_u64(&s->bx, 11);
    fq_set_u64(&s->by, 13);
    pedersen_comv(&p, s->x, 1 << K, &s->bx);
    ge_set_gep(&s->Cx, &p);
    pedersen_com1(&p, &s->y, &s->by);
    ge_set_gep(&s->Cy, &p);
}

/* Header, then the argument. */
static void
small_ipa_prove(codec_writer *w, const small_ipa *s)
{
    uint8_t fixed[32] = {7}, seed[32] = {0};
    transcript_t t;
    drbg_t rng;
    ipa_proof pf;

    transcript_init(&t, "test/codec", 10);
    drbg_init_fixed(&rng, fixed, seed, t.state);
    ipa_prove(&pf, &t, &rng, &s->Cx, &s->Cy, s->x, &s->bx, &s->by, s->a, K);
    drbg_clear(&rng);
    codec_writer_init(w);
    codec_put_header(w);
    codec_put_ipa(w, &pf);
}

/* 1 if the bytes parse exactly and verify. */
static int
small_ipa_accepts(const small_ipa *s, const uint8_t *b, size_t len, const char **why)
{
    codec_reader r;
    ipa_proof pf;
    transcript_t t;

    codec_reader_init(&r, b, len);
    codec_get_header(&r);
    codec_get_ipa(&r, &pf, K);
    if (codec_reader_finish(&r) != 0) {
        *why = r.error;
        return 0;
    }
    transcript_init(&t, "test/codec", 10);
    return ipa_verify(&t, &s->Cx, &s->Cy, s->a, K, &pf, why) == 1;
}

UNIT_TEST(codec_ipa_round_trip_and_sizes)
{
    small_ipa s;
    codec_writer w;
    const char *why = NULL;

    small_ipa_make(&s);
    small_ipa_prove(&w, &s);
    CHECK(!w.failed);
    CHECK(w.len == CODEC_HEADER_LEN + codec_ipa_size(K));
    CHECK(memcmp(w.data, "ZKMLPG01\x01\0\0\0\0\0\0\0", 16) == 0);
    CHECKF(small_ipa_accepts(&s, w.data, w.len, &why), "%s", why ? why : "");
    CHECK(codec_product_size() == 256);
    codec_writer_free(&w);
}

UNIT_TEST(codec_every_byte_flip_rejected)
{
    small_ipa s;
    codec_writer w;
    const char *why;
    uint8_t *b;
    size_t i;
    int bit, accepted = 0;

    small_ipa_make(&s);
    small_ipa_prove(&w, &s);
    b = malloc(w.len);
    for (i = 0; i < w.len; i++)
        for (bit = 0; bit < 8; bit += 7) {  /* the lowest and the highest bit */
            memcpy(b, w.data, w.len);
            b[i] ^= (uint8_t)(1u << bit);
            if (small_ipa_accepts(&s, b, w.len, &why)) {
                accepted++;
                CHECKF(0, "byte %zu bit %d flipped: accepted", i, bit);
            }
        }
    CHECK(accepted == 0);
    free(b);
    codec_writer_free(&w);
}

UNIT_TEST(codec_truncated_and_extended_rejected)
{
    small_ipa s;
    codec_writer w;
    const char *why;
    uint8_t *b;
    size_t len;

    small_ipa_make(&s);
    small_ipa_prove(&w, &s);
    for (len = 0; len < w.len; len++) {
        CHECKF(!small_ipa_accepts(&s, w.data, len, &why), "truncated to %zu", len);
        CHECK(why != NULL);
    }
    b = calloc(w.len + 33, 1);
    memcpy(b, w.data, w.len);
    CHECK(!small_ipa_accepts(&s, b, w.len + 1, &why));
    CHECK(strstr(why, "longer") != NULL);
    CHECK(!small_ipa_accepts(&s, b, w.len + 32, &why));
    free(b);
    codec_writer_free(&w);
}

/* docs/protocol.md 11.7: scalars q, q + 1, 2^256 - 1; the identity and bad points. */
UNIT_TEST(codec_element_rejections)
{
    uint8_t b[32];
    codec_reader r;
    fq_t x;
    ge_t p;
    int i, j;

    for (i = 0; i < 3; i++) {
        if (i < 2) {
            for (j = 0; j < 32; j++)
                b[j] = (uint8_t)(FQ_MODULUS.l[j / 8] >> (8 * (j % 8)));
            b[0] = (uint8_t)(b[0] + i);             /* q, q + 1 (no carry: low byte 0x47) */
        } else
            memset(b, 0xff, 32);
        codec_reader_init(&r, b, 32);
        CHECK(codec_get_scalar(&r, &x) == -1 && fq_is_zero(&x));
        CHECK(r.error != NULL && strstr(r.error, "scalar") != NULL && r.error_pos == 0);
        /* a failed reader stays failed */
        codec_reader_init(&r, b, 32);
        codec_get_scalar(&r, &x);
        CHECK(codec_get_bytes(&r, b, 0) == -1);
    }
    /* q - 1 is fine */
    for (j = 0; j < 32; j++)
        b[j] = (uint8_t)(FQ_MODULUS.l[j / 8] >> (8 * (j % 8)));
    b[0]--;
    codec_reader_init(&r, b, 32);
    CHECK(codec_get_scalar(&r, &x) == 0 && codec_reader_finish(&r) == 0);
    /* the identity is a valid encoding but never allowed in a proof */
    memset(b, 0, 32);
    b[31] = 0x40;
    codec_reader_init(&r, b, 32);
    CHECK(codec_get_point(&r, &p) == -1);
    CHECK(strstr(r.error, "identity") != NULL);
    /* x = 0 is not on the curve; both flags set */
    memset(b, 0, 32);
    codec_reader_init(&r, b, 32);
    CHECK(codec_get_point(&r, &p) == -1 && strstr(r.error, "valid") != NULL);
    b[31] = 0xc0;
    codec_reader_init(&r, b, 32);
    CHECK(codec_get_point(&r, &p) == -1);
    /* header: wrong magic, version, reserved bytes */
    {
        uint8_t h[16] = "ZKMLPG01\x01";

        codec_reader_init(&r, h, 16);
        CHECK(codec_get_header(&r) == 0);
        h[8] = 2;
        codec_reader_init(&r, h, 16);
        CHECK(codec_get_header(&r) == -1);
        h[8] = 1;
        h[15] = 1;
        codec_reader_init(&r, h, 16);
        CHECK(codec_get_header(&r) == -1);
        h[15] = 0;
        h[0] = 'X';
        codec_reader_init(&r, h, 16);
        CHECK(codec_get_header(&r) == -1);
    }
    /* an IPA longer than the limit is refused before reading */
    {
        ipa_proof pf;

        codec_reader_init(&r, b, 32);
        CHECK(codec_get_ipa(&r, &pf, IPA_MAX_ROUNDS + 1) == -1);
    }
}
