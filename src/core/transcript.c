/*
 * transcript.c: the SHA-256 Fiat-Shamir transcript (docs/protocol.md 3).
 */
#include <string.h>

#include "sha256.h"
#include "transcript.h"

/* Domain-separation bytes of the four hash inputs of docs/protocol.md 3. */
#define TR_INIT      0x00
#define TR_ABSORB    0x01
#define TR_SQUEEZE   0x02
#define TR_RATCHET   0x03

/* Points normalised per batch in transcript_absorb_gep_points (stack buffer). */
#define TR_GEP_BATCH 32

static const char transcript_domain[] = "ZKMLPG-TRANSCRIPT-V1";

static void
write_label(sha256_ctx *h, const char *label)
{
    size_t len = strlen(label);

    sha256_write_u32le(h, (uint32_t)len);
    sha256_write(h, label, len);
}

/* Start st' = SHA256(st || 0x01 || u32le(|label|) || label || u64le(len) || ...). */
static void
absorb_begin(transcript_t *t, sha256_ctx *h, const char *label, uint64_t len)
{
    uint8_t tag = TR_ABSORB;

    sha256_begin(h);
    sha256_write(h, t->state, 32);
    sha256_write(h, &tag, 1);
    write_label(h, label);
    sha256_write_u64le(h, len);
}

static void
absorb_end(transcript_t *t, sha256_ctx *h, const char *label, uint64_t len)
{
    if (sha256_finish(h, t->state) != 0)
        t->failed = 1;
    if (t->trace != NULL)
        t->trace(t->trace_arg, TRANSCRIPT_EVENT_ABSORB, label, (size_t)len, t->state);
}

void
transcript_init(transcript_t *t, const void *id, size_t id_len)
{
    sha256_ctx h;
    uint8_t tag = TR_INIT;

    t->failed = 0;
    t->trace = NULL;
    t->trace_arg = NULL;
    sha256_begin(&h);
    sha256_write(&h, transcript_domain, sizeof(transcript_domain) - 1);
    sha256_write(&h, &tag, 1);
    sha256_write_u32le(&h, (uint32_t)id_len);
    sha256_write(&h, id, id_len);
    if (sha256_finish(&h, t->state) != 0)
        t->failed = 1;
}

void
transcript_absorb(transcript_t *t, const char *label, const void *data, size_t len)
{
    sha256_ctx h;

    absorb_begin(t, &h, label, len);
    sha256_write(&h, data, len);
    absorb_end(t, &h, label, len);
}

void
transcript_absorb_u64(transcript_t *t, const char *label, uint64_t v)
{
    uint8_t b[8];
    int i;

    for (i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    transcript_absorb(t, label, b, 8);
}

void
transcript_absorb_scalar(transcript_t *t, const char *label, const fq_t *x)
{
    uint8_t b[32];

    fq_to_bytes(b, x);
    transcript_absorb(t, label, b, 32);
}

void
transcript_absorb_scalars(transcript_t *t, const char *label, const fq_t *x, size_t n)
{
    sha256_ctx h;
    uint64_t len = 8 + 32 * (uint64_t)n;
    uint8_t b[32];
    size_t i;

    absorb_begin(t, &h, label, len);
    sha256_write_u64le(&h, n);
    for (i = 0; i < n; i++) {
        fq_to_bytes(b, &x[i]);
        sha256_write(&h, b, 32);
    }
    absorb_end(t, &h, label, len);
}

void
transcript_absorb_point(transcript_t *t, const char *label, const ge_t *p)
{
    uint8_t b[32];

    ge_encode(b, p);
    transcript_absorb(t, label, b, 32);
}

void
transcript_absorb_points(transcript_t *t, const char *label, const ge_t *p, size_t n)
{
    sha256_ctx h;
    uint64_t len = 8 + 32 * (uint64_t)n;
    uint8_t b[32];
    size_t i;

    absorb_begin(t, &h, label, len);
    sha256_write_u64le(&h, n);
    for (i = 0; i < n; i++) {
        ge_encode(b, &p[i]);
        sha256_write(&h, b, 32);
    }
    absorb_end(t, &h, label, len);
}

void
transcript_absorb_gep_point(transcript_t *t, const char *label, const gep_t *p)
{
    uint8_t b[32];

    gep_encode(b, p);
    transcript_absorb(t, label, b, 32);
}

void
transcript_absorb_gep_points(transcript_t *t, const char *label, const gep_t *p, size_t n)
{
    sha256_ctx h;
    uint64_t len = 8 + 32 * (uint64_t)n;
    ge_t affine[TR_GEP_BATCH];
    uint8_t b[32];
    size_t i, j, m;

    absorb_begin(t, &h, label, len);
    sha256_write_u64le(&h, n);
    for (i = 0; i < n; i += m) {
        m = n - i < TR_GEP_BATCH ? n - i : TR_GEP_BATCH;
        ge_set_gep_batch(affine, &p[i], m);
        for (j = 0; j < m; j++) {
            ge_encode(b, &affine[j]);
            sha256_write(&h, b, 32);
        }
    }
    absorb_end(t, &h, label, len);
}

int
transcript_challenge(transcript_t *t, const char *label, int nonzero, fq_t *out)
{
    uint8_t digest[32], v[32], tag;
    uint32_t ctr;
    sha256_ctx h;

    for (ctr = 0; !t->failed; ctr++) {
        tag = TR_SQUEEZE;
        sha256_begin(&h);
        sha256_write(&h, t->state, 32);
        sha256_write(&h, &tag, 1);
        write_label(&h, label);
        sha256_write_u32le(&h, ctr);
        if (sha256_finish(&h, digest) != 0) {
            t->failed = 1;
            break;
        }
        /* v = LE(digest) mod 2^254; accept iff v < q (and v != 0 if required). */
        memcpy(v, digest, 32);
        v[31] &= 0x3f;
        if (fq_from_bytes(out, v) && !(nonzero && fq_is_zero(out)))
            break;
    }
    if (t->failed) {
        fq_set_zero(out);
        return -1;
    }

    /* Ratchet over the accepted block as hashed, top bits included. */
    tag = TR_RATCHET;
    sha256_begin(&h);
    sha256_write(&h, t->state, 32);
    sha256_write(&h, &tag, 1);
    write_label(&h, label);
    sha256_write(&h, digest, 32);
    if (sha256_finish(&h, t->state) != 0) {
        t->failed = 1;
        fq_set_zero(out);
        return -1;
    }
    if (t->trace != NULL)
        t->trace(t->trace_arg, TRANSCRIPT_EVENT_CHALLENGE, label, 0, t->state);
    return 0;
}

int
transcript_challenges(transcript_t *t, const char *label, int nonzero, fq_t *out, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (transcript_challenge(t, label, nonzero, &out[i]) != 0) {
            for (; i < n; i++)
                fq_set_zero(&out[i]);
            return -1;
        }
    }
    return 0;
}
