/*
 * hyrax.c: the Hyrax polynomial commitment and its evaluation proof
 * (docs/protocol.md 4.2, 4.4).
 */
#include <stdlib.h>
#include <string.h>

#include "generators.h"
#include "h2c.h"
#include "hyrax.h"
#include "mle.h"
#include "msm.h"
#include "pedersen.h"
#include "runtime.h"

void
hyrax_split(unsigned l, unsigned *lc, unsigned *lr)
{
    hyrax_split_delta(l, HYRAX_DELTA, lc, lr);
}

unsigned
hyrax_lc(unsigned l)
{
    unsigned lc, lr;

    hyrax_split(l, &lc, &lr);
    return lc;
}

void
hyrax_split_delta(unsigned l, unsigned delta, unsigned *lc, unsigned *lr)
{
    unsigned c = (l + 1) / 2 + delta;

    *lc = c < l ? c : l;
    *lr = l - *lc;
}

/* Below this many entries the rows are committed on one thread (see msm.c). */
#define HYRAX_PARALLEL_MIN 16384

/* Entries committed between two questions to the interrupt hook (about 0.2 s of full
 * entries on two threads). */
#define HYRAX_BLOCK_ENTRIES ((size_t)1 << 17)

/*
 * One row of int32 entries: the small-scalar MSM when every |v| < 2^17 (weights,
 * activations, limbs), else the full MSM (a bias or a large count in the row).
 */
static int
hyrax_row_small(gep_t *r, const ge_t *V, const int32_t *row, size_t ncols)
{
    fq_t *full;
    size_t j;
    int rc;

    for (j = 0; j < ncols; j++)
        if (row[j] <= -MSM_SMALL_BOUND || row[j] >= MSM_SMALL_BOUND)
            break;
    if (j == ncols)
        return msm_small(r, V, row, ncols, 1);
    full = malloc(ncols * sizeof(fq_t));
    if (full == NULL)
        return -1;
    for (j = 0; j < ncols; j++)
        fq_set_i64(&full[j], row[j]);
    rc = msm(r, V, full, ncols, 1);
    explicit_bzero(full, ncols * sizeof(fq_t));
    free(full);
    return rc;
}

/*
 * Rows are independent: the threads take whole rows, each running a one-thread MSM,
 * which scales better than splitting every small MSM.  Full-size entries go through the
 * fixed-base table of V (generators.h), built once per process.  The blind term β_i·H
 * uses the constant-time multiplication (β_i is a secret).
 */
static int
hyrax_commit_rows(hyrax_commitment *c, const void *P, int small, unsigned l, unsigned lc,
                  const fq_t *beta)
{
    size_t nrows, ncols, block, lo;
    const ge_t *V;
    const msm_fixed_table *tab = NULL;
    double t0;
    gep_t *acc;
    int failed = 0;

    memset(c, 0, sizeof *c);
    if (l > HYRAX_MAX_VARS || lc > l)
        return -1;
    c->l = l;
    c->lc = lc;
    c->lr = l - lc;
    nrows = (size_t)1 << c->lr;
    ncols = (size_t)1 << c->lc;
    V = generators_V(ncols);
    if (!small)
        tab = generators_V_table(ncols);
    c->rows = malloc(nrows * sizeof(ge_t));
    acc = malloc(nrows * sizeof(gep_t));
    if (V == NULL || (!small && tab == NULL) || c->rows == NULL || acc == NULL) {
        free(acc);
        hyrax_commitment_free(c);
        return -1;
    }

    t0 = msm_clock_begin();               /* the rows' MSMs (and their blinds) */
    /* rows in blocks of about HYRAX_BLOCK_ENTRIES, the interrupt hook asked between */
    block = HYRAX_BLOCK_ENTRIES / ncols > 0 ? HYRAX_BLOCK_ENTRIES / ncols : 1;
    for (lo = 0; lo < nrows && !failed; lo += block) {
        size_t hi = nrows - lo < block ? nrows : lo + block;
        ptrdiff_t r, rlo = (ptrdiff_t)lo, rhi = (ptrdiff_t)hi;

        if (zkml_interrupted()) {
            failed = 1;
            break;
        }
#pragma omp parallel for num_threads(zkml_threads()) schedule(dynamic) reduction(|:failed) \
    if (hi - lo > 1 && (hi - lo) * ncols >= HYRAX_PARALLEL_MIN)
        for (r = rlo; r < rhi; r++) {
            gep_t blind;
            int rc;

            if (zkml_interrupted_in_region()) {
                failed |= 1;
                continue;
            }
            if (small)
                rc = hyrax_row_small(&acc[r], V, (const int32_t *)P + (size_t)r * ncols, ncols);
            else
                rc = msm_fixed(&acc[r], tab, (const fq_t *)P + (size_t)r * ncols, ncols, 1);
            if (rc != 0) {
                failed |= 1;
                continue;
            }
            pedersen_blind(&blind, &beta[r]);
            gep_add(&acc[r], &acc[r], &blind);
        }
    }
    msm_clock_end(t0);
    if (!failed)
        ge_set_gep_batch(c->rows, acc, nrows);
    free(acc);
    if (failed) {
        hyrax_commitment_free(c);
        return -1;
    }
    return 0;
}

int
hyrax_blinds_from_seed(fq_t *beta, size_t n, const uint8_t seed[32])
{
    static const char dst[] = "ZKMLPG-V1/W-blind";
    uint8_t msg[40], wide[64];
    size_t i;
    int j, rc = 0;

    memcpy(msg, seed, 32);
    for (i = 0; i < n && rc == 0; i++) {
        for (j = 0; j < 8; j++)
            msg[32 + j] = (uint8_t)((uint64_t)i >> (8 * j));
        rc = h2c_expand_message_xmd(wide, sizeof wide, msg, sizeof msg,
                                    (const uint8_t *)dst, sizeof dst - 1);
        fq_from_bytes_wide(&beta[i], wide);
    }
    explicit_bzero(msg, sizeof msg);
    explicit_bzero(wide, sizeof wide);
    return rc;
}

int
hyrax_commit(hyrax_commitment *c, const fq_t *P, unsigned l, unsigned lc, const fq_t *beta)
{
    return hyrax_commit_rows(c, P, 0, l, lc, beta);
}

int
hyrax_commit_small(hyrax_commitment *c, const int32_t *P, unsigned l, unsigned lc,
                   const fq_t *beta)
{
    return hyrax_commit_rows(c, P, 1, l, lc, beta);
}

void
hyrax_commitment_free(hyrax_commitment *c)
{
    free(c->rows);
    c->rows = NULL;
}

static void
hyrax_absorb_claim(transcript_t *t, unsigned l, const fq_t *z)
{
    transcript_absorb(t, "pcs/begin", NULL, 0);
    transcript_absorb_u64(t, "pcs/ell", l);
    transcript_absorb_scalars(t, "pcs/point", z, l);
}

/*
 * C_LZ = sum_i Lv_i·C_i, the rows folded with EqTable of the high coordinates; with a
 * second commitment c2 of the same shape, the rows are C_i + μ·C2_i, folded as one MSM
 * of both row lists (no per-row multiplication by μ).
 */
static int
hyrax_fold_rows(ge_t *out, const hyrax_commitment *c, const hyrax_commitment *c2,
                const fq_t *mu, const fq_t *Lv)
{
    size_t nrows = (size_t)1 << c->lr, i;
    ge_t *pts;
    fq_t *sc;
    gep_t r;
    int rc = -1;

    if (c2 == NULL) {
        if (msm(&r, c->rows, Lv, nrows, zkml_threads()) != 0)
            return -1;
        ge_set_gep(out, &r);
        return 0;
    }
    if (c2->l != c->l || c2->lc != c->lc || c2->lr != c->lr)
        return -1;
    pts = malloc(2 * nrows * sizeof(ge_t));
    sc = malloc(2 * nrows * sizeof(fq_t));
    if (pts != NULL && sc != NULL) {
        memcpy(pts, c->rows, nrows * sizeof(ge_t));
        memcpy(pts + nrows, c2->rows, nrows * sizeof(ge_t));
        for (i = 0; i < nrows; i++) {
            sc[i] = Lv[i];
            fq_mul(&sc[nrows + i], &Lv[i], mu);
        }
        rc = msm(&r, pts, sc, 2 * nrows, zkml_threads());
        if (rc == 0)
            ge_set_gep(out, &r);
    }
    free(pts);
    free(sc);
    return rc;
}

int
hyrax_open(ipa_proof *pf, transcript_t *t, drbg_t *rng, const hyrax_commitment *c,
           const fq_t *P, const fq_t *beta, const fq_t *z,
           const ge_t *Cv, const fq_t *bv)
{
    return hyrax_open_sum(pf, t, rng, c, NULL, NULL, P, beta, z, Cv, bv);
}

/* LZ = L·P, P of field entries: rows split over the threads, each summing into its own
 * vector.  0, or -1 on allocation failure. */
static int
row_sum_field(fq_t *LZ, const fq_t *Lv, const fq_t *P, size_t nrows, size_t ncols)
{
    int failed = 0;

#pragma omp parallel num_threads(zkml_threads()) if (nrows * ncols >= ((size_t)1 << 16))
    {
        fq_t *part = calloc(ncols, sizeof(fq_t)), prod;
        size_t r, col;

#pragma omp for schedule(static)
        for (r = 0; r < nrows; r++)
            for (col = 0; part != NULL && col < ncols; col++) {
                fq_mul(&prod, &Lv[r], &P[r * ncols + col]);
                fq_add(&part[col], &part[col], &prod);
            }
#pragma omp critical(hyrax_open_rows)
        for (col = 0; col < ncols; col++)
            if (part != NULL)
                fq_add(&LZ[col], &LZ[col], &part[col]);
            else
                failed = 1;
        if (part != NULL)
            explicit_bzero(part, ncols * sizeof(fq_t));
        free(part);
    }
    return failed ? -1 : 0;
}

/*
 * The same for int32 entries, without a field product per entry: each column sums
 * L_r·(v + 2^31) (the offset makes every factor non-negative, so there is no branch on
 * the secret entries) in a wide accumulator, reduced once per column and thread, and
 * 2^31·Σ_r L_r comes off at the end.
 */
static int
row_sum_small(fq_t *LZ, const fq_t *Lv, const int32_t *P, size_t nrows, size_t ncols)
{
    int failed = 0;

#pragma omp parallel num_threads(zkml_threads()) if (nrows * ncols >= ((size_t)1 << 16))
    {
        fq_wide_t *part = calloc(ncols, sizeof(fq_wide_t));
        fq_t lsum, off, v;
        size_t r, col;

        fq_set_zero(&lsum);
#pragma omp for schedule(static)
        for (r = 0; r < nrows; r++) {
            const int32_t *row = P + r * ncols;

            fq_add(&lsum, &lsum, &Lv[r]);
            for (col = 0; part != NULL && col < ncols; col++)
                fq_wide_mac(&part[col], (uint64_t)((int64_t)row[col] + ((int64_t)1 << 31)),
                            &Lv[r]);
        }
        fq_set_u64(&off, (uint64_t)1 << 31);
        fq_mul(&lsum, &lsum, &off);
#pragma omp critical(hyrax_open_rows)
        for (col = 0; col < ncols; col++)
            if (part != NULL) {
                fq_wide_reduce(&v, &part[col]);
                fq_sub(&v, &v, &lsum);
                fq_add(&LZ[col], &LZ[col], &v);
            } else {
                failed = 1;
            }
        if (part != NULL)
            explicit_bzero(part, ncols * sizeof(fq_wide_t));
        free(part);
    }
    return failed ? -1 : 0;
}

/* The opening of docs/protocol.md 4.4 of a table given as field entries (P) or as int32
 * entries (Psmall), the other NULL. */
static int
open_rows(ipa_proof *pf, transcript_t *t, drbg_t *rng, const hyrax_commitment *c,
          const hyrax_commitment *c2, const fq_t *mu, const fq_t *P, const int32_t *Psmall,
          const fq_t *beta, const fq_t *z, const ge_t *Cv, const fq_t *bv)
{
    size_t nrows = (size_t)1 << c->lr, ncols = (size_t)1 << c->lc, i;
    fq_t *Lv, *Rv, *LZ, bLZ, tmp;
    ge_t CLZ;
    int rc = -1;

    Lv = malloc(nrows * sizeof(fq_t));
    Rv = malloc(ncols * sizeof(fq_t));
    LZ = calloc(ncols, sizeof(fq_t));
    if (Lv == NULL || Rv == NULL || LZ == NULL)
        goto out;
    mle_eq_table(Rv, z, c->lc);
    mle_eq_table(Lv, z + c->lc, c->lr);
    fq_set_zero(&bLZ);
    if ((Psmall != NULL ? row_sum_small(LZ, Lv, Psmall, nrows, ncols)
                        : row_sum_field(LZ, Lv, P, nrows, ncols)) != 0)
        goto out;
    for (i = 0; i < nrows; i++) {
        fq_mul(&tmp, &Lv[i], &beta[i]);
        fq_add(&bLZ, &bLZ, &tmp);
    }
    if (hyrax_fold_rows(&CLZ, c, c2, mu, Lv) != 0)
        goto out;
    hyrax_absorb_claim(t, c->l, z);
    rc = ipa_prove(pf, t, rng, &CLZ, Cv, LZ, &bLZ, bv, Rv, c->lc);
out:
    if (LZ != NULL)
        explicit_bzero(LZ, ncols * sizeof(fq_t));
    explicit_bzero(&bLZ, sizeof bLZ);
    free(Lv);
    free(Rv);
    free(LZ);
    return rc;
}

int
hyrax_open_sum(ipa_proof *pf, transcript_t *t, drbg_t *rng, const hyrax_commitment *c,
               const hyrax_commitment *c2, const fq_t *mu, const fq_t *P, const fq_t *beta,
               const fq_t *z, const ge_t *Cv, const fq_t *bv)
{
    return open_rows(pf, t, rng, c, c2, mu, P, NULL, beta, z, Cv, bv);
}

int
hyrax_open_small(ipa_proof *pf, transcript_t *t, drbg_t *rng, const hyrax_commitment *c,
                 const int32_t *P, const fq_t *beta, const fq_t *z, const ge_t *Cv,
                 const fq_t *bv)
{
    return open_rows(pf, t, rng, c, NULL, NULL, NULL, P, beta, z, Cv, bv);
}

int
hyrax_verify(transcript_t *t, const hyrax_commitment *c, const fq_t *z,
             const ge_t *Cv, const ipa_proof *pf, const char **reason)
{
    return hyrax_verify_sum(t, c, NULL, NULL, z, Cv, pf, reason);
}

int
hyrax_verify_sum(transcript_t *t, const hyrax_commitment *c, const hyrax_commitment *c2,
                 const fq_t *mu, const fq_t *z, const ge_t *Cv, const ipa_proof *pf,
                 const char **reason)
{
    ipa_batch b;
    int rc;

    ipa_batch_init(&b);
    rc = hyrax_verify_sum_deferred(&b, t, c, c2, mu, z, Cv, pf, reason);
    if (rc == 1)
        rc = ipa_batch_check(&b, reason);
    ipa_batch_free(&b);
    return rc;
}

int
hyrax_verify_sum_deferred(ipa_batch *b, transcript_t *t, const hyrax_commitment *c,
                          const hyrax_commitment *c2, const fq_t *mu, const fq_t *z,
                          const ge_t *Cv, const ipa_proof *pf, const char **reason)
{
    size_t nrows = (size_t)1 << c->lr, ncols = (size_t)1 << c->lc;
    fq_t *Lv, *Rv;
    ge_t CLZ;
    int rc = -1;

    *reason = "internal failure in the polynomial-commitment verifier";
    Lv = malloc(nrows * sizeof(fq_t));
    Rv = malloc(ncols * sizeof(fq_t));
    if (Lv == NULL || Rv == NULL)
        goto out;
    mle_eq_table(Rv, z, c->lc);
    mle_eq_table(Lv, z + c->lc, c->lr);
    if (hyrax_fold_rows(&CLZ, c, c2, mu, Lv) != 0)
        goto out;
    hyrax_absorb_claim(t, c->l, z);
    rc = ipa_verify_deferred(b, t, &CLZ, Cv, Rv, c->lc, pf, reason);
out:
    free(Lv);
    free(Rv);
    return rc;
}
