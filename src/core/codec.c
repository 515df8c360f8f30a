/*
 * codec.c: proof bytes (docs/protocol.md 1.2).
 */
#include <stdlib.h>
#include <string.h>

#include "codec.h"

static const uint8_t CODEC_MAGIC[8] = {'Z', 'K', 'M', 'L', 'P', 'G', '0', '1'};

/* ---- writer ---- */

void
codec_writer_init(codec_writer *w)
{
    memset(w, 0, sizeof *w);
}

void
codec_writer_free(codec_writer *w)
{
    free(w->data);
    memset(w, 0, sizeof *w);
}

void
codec_put_bytes(codec_writer *w, const void *data, size_t len)
{
    if (w->failed)
        return;
    if (len > SIZE_MAX / 2 - w->len) {
        w->failed = 1;
        return;
    }
    if (w->len + len > w->cap) {
        size_t cap = w->cap ? w->cap : 1024;
        uint8_t *d;

        while (cap < w->len + len)
            cap *= 2;
        d = realloc(w->data, cap);
        if (d == NULL) {
            w->failed = 1;
            return;
        }
        w->data = d;
        w->cap = cap;
    }
    if (len > 0)
        memcpy(w->data + w->len, data, len);
    w->len += len;
}

void
codec_put_header_version(codec_writer *w, unsigned version)
{
    uint8_t h[CODEC_HEADER_LEN] = {0};

    memcpy(h, CODEC_MAGIC, sizeof CODEC_MAGIC);
    h[8] = (uint8_t)version;
    codec_put_bytes(w, h, sizeof h);
}

void
codec_put_header(codec_writer *w)
{
    codec_put_header_version(w, CODEC_VERSION);
}

void
codec_put_scalar(codec_writer *w, const fq_t *x)
{
    uint8_t b[32];

    fq_to_bytes(b, x);
    codec_put_bytes(w, b, 32);
}

void
codec_put_scalars(codec_writer *w, const fq_t *x, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        codec_put_scalar(w, &x[i]);
}

void
codec_put_point(codec_writer *w, const ge_t *p)
{
    uint8_t b[32];

    ge_encode(b, p);
    codec_put_bytes(w, b, 32);
}

void
codec_put_points(codec_writer *w, const ge_t *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        codec_put_point(w, &p[i]);
}

void
codec_put_ipa(codec_writer *w, const ipa_proof *pf)
{
    unsigned j;

    for (j = 0; j < pf->k; j++) {
        codec_put_point(w, &pf->L[j]);
        codec_put_point(w, &pf->R[j]);
    }
    codec_put_point(w, &pf->delta);
    codec_put_point(w, &pf->beta);
    codec_put_scalar(w, &pf->z1);
    codec_put_scalar(w, &pf->z2);
}

void
codec_put_product(codec_writer *w, const product_proof *pf)
{
    codec_put_point(w, &pf->A);
    codec_put_point(w, &pf->B);
    codec_put_point(w, &pf->D);
    codec_put_scalars(w, pf->z, 5);
}

/* ---- reader ---- */

void
codec_reader_init(codec_reader *r, const uint8_t *data, size_t len)
{
    r->data = data;
    r->len = len;
    r->pos = 0;
    r->error = NULL;
    r->error_pos = 0;
}

static int
codec_fail(codec_reader *r, const char *why)
{
    if (r->error == NULL) {
        r->error = why;
        r->error_pos = r->pos;
    }
    return -1;
}

/* The next len bytes, or NULL (and the reader fails) if they are not all there. */
static const uint8_t *
codec_take(codec_reader *r, size_t len)
{
    const uint8_t *p;

    if (r->error != NULL)
        return NULL;
    if (len > r->len - r->pos) {
        codec_fail(r, "the proof is shorter than its statement requires");
        return NULL;
    }
    p = r->data + r->pos;
    r->pos += len;
    return p;
}

int
codec_get_header(codec_reader *r)
{
    return codec_get_header_version(r, CODEC_VERSION);
}

int
codec_get_header_version(codec_reader *r, unsigned version)
{
    const uint8_t *h = codec_take(r, CODEC_HEADER_LEN);
    int i;

    if (h == NULL)
        return -1;
    if (memcmp(h, CODEC_MAGIC, sizeof CODEC_MAGIC) != 0)
        return codec_fail(r, "the proof does not start with the ZKMLPG01 header");
    if (h[8] == 1 || h[8] == 2) {
        if (h[8] != version)
            return codec_fail(r, "the proof has a format version other than its model descriptor's");
    } else
        return codec_fail(r, "the proof has an unknown format version");
    for (i = 9; i < CODEC_HEADER_LEN; i++)
        if (h[i] != 0)
            return codec_fail(r, "the proof header has nonzero reserved bytes");
    return 0;
}

int
codec_get_bytes(codec_reader *r, void *out, size_t len)
{
    const uint8_t *p = codec_take(r, len);

    if (p == NULL) {
        memset(out, 0, len);
        return -1;
    }
    memcpy(out, p, len);
    return 0;
}

int
codec_get_scalar(codec_reader *r, fq_t *x)
{
    const uint8_t *p = codec_take(r, 32);

    fq_set_zero(x);
    if (p == NULL)
        return -1;
    if (!fq_from_bytes(x, p)) {
        r->pos -= 32;
        return codec_fail(r, "the proof contains a scalar that is not below q");
    }
    return 0;
}

int
codec_get_scalars(codec_reader *r, fq_t *x, size_t n)
{
    size_t i;
    int rc = 0;

    for (i = 0; i < n; i++)
        rc |= codec_get_scalar(r, &x[i]);
    return rc;
}

int
codec_get_point(codec_reader *r, ge_t *p)
{
    const uint8_t *b = codec_take(r, 32);
    ge_decode_status s;

    ge_set_infinity(p);
    if (b == NULL)
        return -1;
    s = ge_decode(p, b);
    if (s != GE_DECODE_OK || p->infinity) {
        r->pos -= 32;
        ge_set_infinity(p);
        return codec_fail(r, s != GE_DECODE_OK
                                 ? "the proof contains a point that is not a valid encoding"
                                 : "the proof contains the identity point");
    }
    return 0;
}

int
codec_get_points(codec_reader *r, ge_t *p, size_t n)
{
    size_t i;
    int rc = 0;

    for (i = 0; i < n; i++)
        rc |= codec_get_point(r, &p[i]);
    return rc;
}

int
codec_get_ipa(codec_reader *r, ipa_proof *pf, unsigned k)
{
    unsigned j;
    int rc = 0;

    memset(pf, 0, sizeof *pf);
    if (k > IPA_MAX_ROUNDS)
        return codec_fail(r, "the statement asks for too many inner-product rounds");
    pf->k = k;
    for (j = 0; j < k; j++) {
        rc |= codec_get_point(r, &pf->L[j]);
        rc |= codec_get_point(r, &pf->R[j]);
    }
    rc |= codec_get_point(r, &pf->delta);
    rc |= codec_get_point(r, &pf->beta);
    rc |= codec_get_scalar(r, &pf->z1);
    rc |= codec_get_scalar(r, &pf->z2);
    return rc ? -1 : 0;
}

int
codec_get_product(codec_reader *r, product_proof *pf)
{
    int rc = 0;

    rc |= codec_get_point(r, &pf->A);
    rc |= codec_get_point(r, &pf->B);
    rc |= codec_get_point(r, &pf->D);
    rc |= codec_get_scalars(r, pf->z, 5);
    return rc ? -1 : 0;
}

int
codec_reader_finish(codec_reader *r)
{
    if (r->error != NULL)
        return -1;
    if (r->pos != r->len)
        return codec_fail(r, "the proof is longer than its statement allows");
    return 0;
}

size_t
codec_ipa_size(unsigned k)
{
    return 64 * (size_t)k + 64 + 64;
}

size_t
codec_product_size(void)
{
    return 3 * 32 + 5 * 32;
}
