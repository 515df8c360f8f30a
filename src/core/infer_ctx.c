/*
 * infer_ctx.c: the shared context of the inference prover and verifier: allocation,
 * failures, and the exchanges through which every prover message passes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "generators.h"
#include "infer_ctx.h"
#include "infer_phases.h"
#include "logup.h"
#include "mle.h"
#include "pedersen.h"
#include "product.h"
#include "sha256.h"
#include "runtime.h"

/* ---- small helpers ---- */

int
ictx_fail(ictx *c, const char *why)
{
    if (c->fail == NULL)
        c->fail = why;
    return -1;
}

void *
ictx_alloc(ictx *c, size_t n, size_t size)
{
    void *p;

    if (c->fail != NULL)
        return NULL;
    if (c->n_mem == c->cap_mem) {
        size_t cap = c->cap_mem ? 2 * c->cap_mem : 64;
        void **m = realloc(c->mem, cap * sizeof *m);

        if (m == NULL) {
            ictx_fail(c, "out of memory");
            return NULL;
        }
        c->mem = m;
        c->cap_mem = cap;
    }
    p = scratch_alloc(n, size);
    if (p == NULL) {
        ictx_fail(c, "out of memory");
        return NULL;
    }
    c->mem[c->n_mem++] = p;
    return p;
}

void
ictx_release(ictx *c, size_t from, size_t to)
{
    size_t i;

    for (i = from; i < to && i < c->n_mem; i++) {
        scratch_free(c->mem[i]);            /* wiped, kept for reuse */
        c->mem[i] = NULL;
    }
}

void
ictx_release_one(ictx *c, const void *p)
{
    size_t i = c->n_mem;

    while (p != NULL && i > 0)
        if (c->mem[--i] == p) {
            ictx_release(c, i, i + 1);
            return;
        }
}

void
ictx_free_all(ictx *c)
{
    size_t i;

    for (i = 0; i < c->n_mem; i++)
        scratch_free(c->mem[i]);            /* wiped, kept for the next proof */
    free(c->mem);
    hyrax_commitment_free(&c->c1);
    hyrax_commitment_free(&c->c2);
    if (c->gkr_started)
        gkr_free(&c->gkr);
    gkr_shape_free(&c->gshape);
    product_batch_free(&c->products);
    ipa_batch_free(&c->ipas);
    linrel_clear(&c->lr);
    if (c->prover)
        drbg_clear(&c->rng);
}

/* 2^k in the field, k <= 64 */
void
ictx_pow2(fq_t *r, unsigned k)
{
    fq_t two32;

    if (k < 64) {
        fq_set_u64(r, (uint64_t)1 << k);
        return;
    }
    fq_set_u64(&two32, (uint64_t)1 << 32);
    fq_mul(r, &two32, &two32);
}

/* eq(a, b) over k coordinates */
void
ictx_eq_eval(fq_t *r, const fq_t *a, const fq_t *b, unsigned k)
{
    fq_t acc = FQ_ONE, ab, t;
    unsigned i;

    for (i = 0; i < k; i++) {
        fq_mul(&ab, &a[i], &b[i]);                  /* a·b + (1-a)(1-b) = 2ab - a - b + 1 */
        fq_dbl(&t, &ab);
        fq_sub(&t, &t, &a[i]);
        fq_sub(&t, &t, &b[i]);
        fq_add(&t, &t, &FQ_ONE);
        fq_mul(&acc, &acc, &t);
    }
    *r = acc;
}

fq_t *
ictx_eq_table(ictx *c, const fq_t *z, unsigned k)
{
    fq_t *e = ictx_alloc(c, (size_t)1 << k, sizeof(fq_t));

    if (e != NULL)
        mle_eq_table(e, z, k);
    return e;
}

fq_t *
ictx_p1_column(ictx *c, size_t offset, size_t n)
{
    const int64_t *in = c->p1 + offset;
    fq_t *out;
    ptrdiff_t b, nb = (ptrdiff_t)((n + 4095) / 4096);

    if (c->P1f != NULL)
        return ictx_copy(c, c->P1f + offset, n);
    if ((out = ictx_alloc(c, n, sizeof(fq_t))) == NULL)
        return NULL;
    /* in parallel blocks; zeros (the padding, most limbs and bits) are left as they are */
#pragma omp parallel for schedule(static) num_threads(zkml_threads()) if (n >= ZKML_PARALLEL_MIN)
    for (b = 0; b < nb; b++) {
        size_t i, hi = (size_t)(b + 1) * 4096 < n ? (size_t)(b + 1) * 4096 : n;

        if (zkml_interrupted_in_region())
            continue;
        for (i = (size_t)b * 4096; i < hi; i++)
            if (in[i] != 0)
                fq_set_i64_small(&out[i], in[i], &c->ints);
    }
    if (zkml_interrupted()) {
        ictx_fail(c, "interrupted");
        return NULL;
    }
    return out;
}

void
ictx_p1_eval(const ictx *c, fq_t *r, size_t offset, unsigned k, const fq_t *z)
{
    if (c->P1f != NULL)
        mle_eval(r, c->P1f + offset, k, z);
    else
        mle_eval_i64(r, c->p1 + offset, k, z);
}

/*
 * Several columns at one point: one EqTable(z), then per column a wide sum of its int32
 * entries offset by 2^31 (so nonnegative) times the table, less 2^31 (the table adds up
 * to 1): a few word products an entry instead of a field product.  Without P1's int32
 * copy (version 1, the test seam), or for one column, ictx_p1_eval each.
 */
int
ictx_p1_evals(ictx *c, fq_t *r, const size_t *offsets, size_t n, unsigned k, const fq_t *z)
{
    const uint64_t off = (uint64_t)1 << 31;
    size_t len = (size_t)1 << k;
    fq_t *e, offf;
    ptrdiff_t i;

    if (c->p1_small == NULL || n < 2) {
        for (i = 0; i < (ptrdiff_t)n; i++)
            ictx_p1_eval(c, &r[i], offsets[i], k, z);
        return 0;
    }
    if ((e = scratch_alloc(len, sizeof(fq_t))) == NULL)
        return ictx_fail(c, "out of memory");
    mle_eq_table(e, z, k);
    fq_set_u64(&offf, off);
#pragma omp parallel for schedule(dynamic, 1) num_threads(zkml_threads()) \
    if (n * len >= ZKML_PARALLEL_MIN)
    for (i = 0; i < (ptrdiff_t)n; i++) {
        const int32_t *col = c->p1_small + offsets[i];
        fq_wide_t acc;
        size_t x;

        memset(&acc, 0, sizeof acc);
        for (x = 0; x < len; x++)
            fq_wide_mac(&acc, (uint64_t)((int64_t)col[x] + (int64_t)off), &e[x]);
        fq_wide_reduce(&r[i], &acc);
        fq_sub(&r[i], &r[i], &offf);
    }
    scratch_free(e);
    return 0;
}

fq_t *
ictx_copy(ictx *c, const fq_t *src, size_t n)
{
    fq_t *d = ictx_alloc(c, n, sizeof(fq_t));
    size_t i, m;

    /* in blocks of 2^18 entries (8 MiB: fresh pages can fault slowly), the interrupt
     * hook asked between */
    for (i = 0; d != NULL && i < n; i += m) {
        if (zkml_interrupted()) {
            ictx_fail(c, "interrupted");
            return NULL;
        }
        m = n - i < ((size_t)1 << 18) ? n - i : (size_t)1 << 18;
        memcpy(d + i, src + i, m * sizeof(fq_t));
    }
    return d;
}

/* ---- progress ---- */

static double
monotonic_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int
ictx_phase_end(ictx *c, const char *name)
{
    double now;

    if (!c->prover)
        return 0;
    if (zkml_interrupted())
        return ictx_fail(c, "interrupted");
    if (c->opts->progress == NULL)
        return 0;
    now = monotonic_seconds();
    if (name != NULL)
        c->opts->progress(c->opts->progress_arg, name, now - c->phase_start);
    c->phase_start = now;
    return 0;
}

/* ---- exchanges: the prover writes and absorbs, the verifier reads and absorbs ---- */

int
ictx_reader_ok(ictx *c)
{
    if (!c->prover && c->r->error != NULL)
        return ictx_fail(c, c->r->error);
    return 0;
}

int
ictx_exchange_points(ictx *c, const char *label, ge_t *p, size_t n)
{
    if (c->prover)
        codec_put_points(c->w, p, n);
    else if (codec_get_points(c->r, p, n) != 0)
        return ictx_reader_ok(c);
    if (label != NULL)
        transcript_absorb_points(&c->t, label, p, n);
    return 0;
}

/*
 * n committed scalars: the prover commits v[i] with fresh blinds; both register them
 * with the accumulator in order (first id written to *first) and exchange the points
 * as one vector under label.
 */
int
ictx_exchange_committed(ictx *c, const char *label, const fq_t *v, size_t n, size_t *first)
{
    ge_t *pts = ictx_alloc(c, n, sizeof(ge_t));
    size_t i, id;

    if (pts == NULL)
        return -1;
    if (n > c->cap_com - c->n_com)
        return ictx_fail(c, "internal failure: too many committed scalars");
    if (c->prover) {
        for (i = 0; i < n; i++) {
            c->val[c->n_com + i] = v[i];
            if (drbg_scalar(&c->rng, &c->bl[c->n_com + i]) != 0)
                return ictx_fail(c, "the prover's random generator failed");
        }
        if (pedersen_com1_many(pts, v, &c->bl[c->n_com], n) != 0)
            return ictx_fail(c, "out of memory");
    }
    if (ictx_exchange_points(c, label, pts, n) != 0)
        return -1;
    *first = c->n_com;
    for (i = 0; i < n; i++) {
        int rc = c->prover
                     ? linrel_add_secret(&c->lr, &c->val[c->n_com], &c->bl[c->n_com], &id)
                     : linrel_add_commitment(&c->lr, &pts[i], &id);

        if (rc != 0 || id != c->n_com)
            return ictx_fail(c, "internal failure registering a commitment");
        c->com[c->n_com++] = pts[i];
    }
    return 0;
}

/* Hyrax rows: the prover commits a table, the verifier reads 2^lr rows. */
int
ictx_exchange_rows(ictx *c, const char *label, hyrax_commitment *h, const int32_t *small,
              const fq_t *full, const fq_t *beta)
{
    unsigned l = c->lay->l_P, lc = c->lay->lc_P, lr = c->lay->lr_P;

    if (c->prover) {
        int rc = small ? hyrax_commit_small(h, small, l, lc, beta)
                       : hyrax_commit(h, full, l, lc, beta);

        if (rc != 0)
            return ictx_fail(c, "could not commit a witness polynomial");
    } else {
        h->l = l;
        h->lc = lc;
        h->lr = lr;
        h->rows = calloc((size_t)1 << lr, sizeof(ge_t));
        if (h->rows == NULL)
            return ictx_fail(c, "out of memory");
    }
    return ictx_exchange_points(c, label, h->rows, (size_t)1 << lr);
}

void
ictx_add_claim(ictx *c, int poly, size_t offset, unsigned kappa, const fq_t *z_lo, unsigned n_lo,
          const fq_t *z_hi, unsigned n_hi, size_t id)
{
    claim *cl = &c->claims[c->n_claims++];

    cl->poly = poly;
    cl->offset = offset;
    cl->kappa = kappa;
    memcpy(cl->z, z_lo, n_lo * sizeof(fq_t));
    if (n_hi > 0)
        memcpy(cl->z + n_lo, z_hi, n_hi * sizeof(fq_t));
    cl->id = id;
}

unsigned
ictx_poly_vars(const ictx *c, int poly)
{
    return poly == POLY_W ? c->wl.l_W : c->lay->l_P;
}

/* A sumcheck on both sides; the prover's instances are given, the verifier's are not. */
int
ictx_sumcheck(ictx *c, const char *label, unsigned n, unsigned degree, const fq_t *rho,
             const fq_t *mask, sumcheck_instance *inst, size_t ninst, fq_t *T, fq_t *r,
             fq_t *e)
{
    size_t nmsg = sumcheck_message_count(n, degree);
    fq_t *msg = ictx_alloc(c, nmsg, sizeof(fq_t));
    const char *why = NULL;

    if (msg == NULL)
        return -1;
    if (c->prover && c->hooks != NULL &&            /* test seam: a lying sumcheck prover */
        (c->hooks->forge_sum == label[1] - '0' || c->hooks->bump_last_round == label[1] - '0')) {
        if (infer_seam_sumcheck_prove(c, label, label[1] - '0', n, degree, rho, mask, inst,
                                      ninst, T, msg, r, e) != 0)
            return ictx_fail(c, "the sumcheck prover failed");
        codec_put_scalar(c->w, T);
        codec_put_scalars(c->w, msg, nmsg);
        return 0;
    }
    if (c->prover) {
        if (sumcheck_prove(&c->t, label, n, degree, rho, mask, inst, ninst, T, msg, nmsg, r, e,
                           NULL) != 0)
            return ictx_fail(c, "the sumcheck prover failed");
        codec_put_scalar(c->w, T);
        codec_put_scalars(c->w, msg, nmsg);
        return 0;
    }
    codec_get_scalar(c->r, T);
    codec_get_scalars(c->r, msg, nmsg);
    if (ictx_reader_ok(c) != 0)
        return -1;
    if (c->hooks != NULL &&                         /* test seam: a round unchained */
        (c->hooks->skip == (label[1] == '1' ? INFER_CHECK_S1_ROUND : INFER_CHECK_S2_ROUND)) &&
        c->hooks->skip_index < n)
        return infer_seam_sumcheck_verify(c, label, n, degree, T, msg, c->hooks->skip_index,
                                          r, e);
    if (sumcheck_verify(&c->t, label, n, degree, T, msg, nmsg, r, e, &why) != 1)
        return ictx_fail(c, why != NULL ? why : "the sumcheck messages are malformed");
    return 0;
}
