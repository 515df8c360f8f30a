/*
 * ipa.c: the zero-knowledge dot-product argument (docs/protocol.md 4.3).
 *
 * The prover never folds the generators as points (that would cost n two-scalar
 * multiplications per round).  After round j the folded generator i is
 * sum_t e[t]·V[i + m·t] for the current length m, with e[t] a product of u_j^{±1}; each
 * L_j and R_j is then one MSM over the original generators, and at the end e is the
 * verifier's σ.  Those MSMs run over the fixed-base table of V (generators.h), which
 * costs a third to a half of a plain MSM at the sizes of Hyrax openings.
 *
 * Each such round costs about n table entries however short the vectors have become.
 * Once they are down to n/32 entries, the folded generators themselves are made
 * (msm_fixed_strided, about two rounds' cost) and the rounds left, and δ, run over those
 * few points: measured, a 4096-entry opening takes two thirds of the time.
 */
#include <stdlib.h>
#include <string.h>

#include "generators.h"
#include "ipa.h"
#include "msm.h"
#include "pedersen.h"
#include "runtime.h"

/* e'[2t] = e[t]·u^-1 (lower half), e'[2t+1] = e[t]·u (upper half); e has `len` entries. */
static void
ipa_extend_coefficients(fq_t *e, size_t len, const fq_t *u, const fq_t *uinv)
{
    size_t t;

    for (t = len; t-- > 0;) {
        fq_mul(&e[2 * t + 1], &e[t], u);
        fq_mul(&e[2 * t], &e[t], uinv);
    }
}

/* <a, b> over n entries */
static void
inner_product(fq_t *r, const fq_t *a, const fq_t *b, size_t n)
{
    fq_t acc, t;
    size_t i;

    fq_set_zero(&acc);
    for (i = 0; i < n; i++) {
        fq_mul(&t, &a[i], &b[i]);
        fq_add(&acc, &acc, &t);
    }
    *r = acc;
}

/*
 * r = sum_{i<n} sc_i·V_i + sc_n·s·G + sc_{n+1}·H (Qg = s·G, s public), V_i the table's
 * bases or, once made, the folded ones in Vf.  The tail goes through G's and H's fixed
 * tables: a two-point MSM would cost 256 doublings.
 */
static int
prover_msm(gep_t *r, const msm_fixed_table *tab, const ge_t *Vf, const fq_t *s, const fq_t *sc,
           size_t n, int threads)
{
    gep_t tail;
    fq_t v;

    if ((Vf != NULL ? msm(r, Vf, sc, n, threads) : msm_fixed(r, tab, sc, n, threads)) != 0)
        return -1;
    fq_mul(&v, &sc[n], s);
    pedersen_com1(&tail, &v, &sc[n + 1]);
    gep_add(r, r, &tail);
    return 0;
}

/* Two MSMs (L and R of a round, or the halves of δ) over one table. */
typedef struct {
    gep_t *out;
    const msm_fixed_table *tab;
    const ge_t *Vf;
    const fq_t *s;
    fq_t *const *sc;
    size_t n;
    int threads;
    int rc[2];
} msm_pair;

static void
msm_pair_task(void *arg, int which)
{
    msm_pair *p = arg;

    p->rc[which] = prover_msm(&p->out[which], p->tab, p->Vf, p->s, p->sc[which], p->n,
                              p->threads);
}

/*
 * Below PARALLEL_MIN_ENTRIES (msm.c) one MSM runs on one thread, and a small statement's
 * IPAs are that small: the two then run side by side (zkml_run_pair).  With more than two
 * threads a large pair runs one MSM after the other, each on every thread.
 */
#define IPA_PAIR_MAX_N 1024

/* The folded generators are made at length n / 2^IPA_BASES_SHIFT, in arguments of
 * IPA_BASES_MIN_N and more (measured on two threads, n = 256 to 4096: shifts 5 and 6
 * best, two thirds of the time of none). */
#define IPA_BASES_SHIFT 5
#define IPA_BASES_MIN_N 256

static int
prover_msm_pair(gep_t out[2], const msm_fixed_table *tab, const ge_t *Vf, const fq_t *s,
                fq_t *const sc[2], size_t n, int threads)
{
    msm_pair p = {out, tab, Vf, s, sc, n, 1, {0, 0}};
    double t0 = msm_clock_begin();

    if (threads > 2 && n >= IPA_PAIR_MAX_N) {
        p.threads = threads;
        msm_pair_task(&p, 0);
        msm_pair_task(&p, 1);
    } else {
        zkml_run_pair(msm_pair_task, &p);
    }
    msm_clock_end(t0);
    return p.rc[0] | p.rc[1];
}

/* Step 1 on both sides: absorb the statement, draw s. */
static int
ipa_begin(transcript_t *t, const ge_t *Cx, const ge_t *Cy, size_t n, fq_t *s)
{
    ge_t cxcy[2];

    cxcy[0] = *Cx;
    cxcy[1] = *Cy;
    transcript_absorb(t, "ipa/begin", NULL, 0);
    transcript_absorb_u64(t, "ipa/n", (uint64_t)n);
    transcript_absorb_points(t, "ipa/CxCy", cxcy, 2);
    return transcript_challenge(t, "ipa/s", 1, s);
}

int
ipa_prove(ipa_proof *pf, transcript_t *t, drbg_t *rng,
          const ge_t *Cx, const ge_t *Cy,
          const fq_t *x, const fq_t *bx, const fq_t *by,
          const fq_t *a, unsigned k)
{
    size_t n = (size_t)1 << k, nb = n, m, h, i, tt, nt;     /* nb bases in use */
    const msm_fixed_table *tab = generators_V_table(n);
    fq_t *xc = NULL, *ac = NULL, *e = NULL, *sc[2] = {NULL, NULL};
    gep_t *Vp = NULL;
    ge_t *Vf = NULL;                                /* the folded generators, once made */
    fq_t s, blind, u, uinv, u2, uinv2, cL, cR, bL, bR, tmp, d, rdelta, rbeta, c;
    gep_t acc[2];
    ge_t lr[2];
    int rc = -1, threads = zkml_threads();

    if (k > IPA_MAX_ROUNDS || tab == NULL)
        return -1;
    memset(pf, 0, sizeof *pf);
    pf->k = k;
    xc = malloc(n * sizeof(fq_t));
    ac = malloc(n * sizeof(fq_t));
    e = malloc(n * sizeof(fq_t));
    sc[0] = malloc((n + 2) * sizeof(fq_t));
    sc[1] = malloc((n + 2) * sizeof(fq_t));
    if (xc == NULL || ac == NULL || e == NULL || sc[0] == NULL || sc[1] == NULL)
        goto out;
    memcpy(xc, x, n * sizeof(fq_t));
    memcpy(ac, a, n * sizeof(fq_t));

    if (ipa_begin(t, Cx, Cy, n, &s) != 0)
        goto out;
    fq_mul(&blind, &s, by);
    fq_add(&blind, &blind, bx);

    e[0] = FQ_ONE;
    nt = 1;
    for (m = n; m > 1; m = h, nt *= 2) {
        unsigned j = k - (unsigned)__builtin_ctzll((unsigned long long)m);

        if (zkml_interrupted())
            goto out;
        if (Vf == NULL && m <= (n >> IPA_BASES_SHIFT) && n >= IPA_BASES_MIN_N) {
            /* from here on the bases are V_i = sum_t e[t]·V[i + m·t], and e starts over */
            Vp = malloc(m * sizeof(gep_t));
            Vf = malloc(m * sizeof(ge_t));
            if (Vp == NULL || Vf == NULL || msm_fixed_strided(Vp, tab, e, nt, m, threads) != 0)
                goto out;
            ge_set_gep_batch(Vf, Vp, m);
            nb = m;
            e[0] = FQ_ONE;
            nt = 1;
        }

        h = m / 2;
        inner_product(&cL, xc, ac + h, h);
        inner_product(&cR, xc + h, ac, h);
        if (drbg_scalar(rng, &bL) != 0 || drbg_scalar(rng, &bR) != 0)
            goto out;
        /* L = <x_L, V_R> + cL·Qg + bL·H and R = <x_R, V_L> + cR·Qg + bR·H, over the
         * original generators */
        memset(sc[0], 0, nb * sizeof(fq_t));
        memset(sc[1], 0, nb * sizeof(fq_t));
        for (tt = 0; tt < nt; tt++)
            for (i = 0; i < h; i++) {
                fq_mul(&sc[0][h + i + m * tt], &xc[i], &e[tt]);
                fq_mul(&sc[1][i + m * tt], &xc[h + i], &e[tt]);
            }
        sc[0][nb] = cL;
        sc[0][nb + 1] = bL;
        sc[1][nb] = cR;
        sc[1][nb + 1] = bR;
        if (prover_msm_pair(acc, tab, Vf, &s, sc, nb, threads) != 0)
            goto out;
        ge_set_gep_batch(lr, acc, 2);
        pf->L[j] = lr[0];
        pf->R[j] = lr[1];
        transcript_absorb_points(t, "ipa/LR", lr, 2);
        if (transcript_challenge(t, "ipa/u", 1, &u) != 0)
            goto out;
        fq_inv(&uinv, &u);
        fq_sqr(&u2, &u);
        fq_sqr(&uinv2, &uinv);
        for (i = 0; i < h; i++) {
            fq_t lo, hi;

            fq_mul(&lo, &u, &xc[i]);
            fq_mul(&hi, &uinv, &xc[h + i]);
            fq_add(&xc[i], &lo, &hi);
            fq_mul(&lo, &uinv, &ac[i]);
            fq_mul(&hi, &u, &ac[h + i]);
            fq_add(&ac[i], &lo, &hi);
        }
        fq_mul(&tmp, &u2, &bL);
        fq_add(&blind, &blind, &tmp);
        fq_mul(&tmp, &uinv2, &bR);
        fq_add(&blind, &blind, &tmp);
        ipa_extend_coefficients(e, nt, &u, &uinv);
    }

    /* Step 3: x^ = xc[0], a^ = ac[0], V^ = <e, V> (over Vf once made). */
    if (drbg_scalar(rng, &d) != 0 || drbg_scalar(rng, &rdelta) != 0 ||
        drbg_scalar(rng, &rbeta) != 0)
        goto out;
    /* δ = d·V^ + rδ·H, as two halves */
    memset(sc[0], 0, (nb + 2) * sizeof(fq_t));
    memset(sc[1], 0, (nb + 2) * sizeof(fq_t));
    for (i = 0; i < nb; i++)
        fq_mul(&sc[i < nb / 2][i], &e[i], &d);
    sc[0][nb + 1] = rdelta;
    if (prover_msm_pair(acc, tab, Vf, &s, sc, nb, threads) != 0)
        goto out;
    gep_add(&acc[0], &acc[0], &acc[1]);
    fq_mul(&tmp, &d, &s);                       /* β = d·Qg + rβ·H */
    pedersen_com1(&acc[1], &tmp, &rbeta);
    ge_set_gep_batch(lr, acc, 2);
    pf->delta = lr[0];
    pf->beta = lr[1];
    transcript_absorb_points(t, "ipa/db", lr, 2);
    if (transcript_challenge(t, "ipa/c", 0, &c) != 0)
        goto out;
    fq_mul(&tmp, &xc[0], &ac[0]);               /* z1 = d + c·x^·a^ */
    fq_mul(&tmp, &tmp, &c);
    fq_add(&pf->z1, &d, &tmp);
    fq_mul(&tmp, &c, &blind);                   /* z2 = a^·(c·blind + rβ) + rδ */
    fq_add(&tmp, &tmp, &rbeta);
    fq_mul(&tmp, &tmp, &ac[0]);
    fq_add(&pf->z2, &tmp, &rdelta);
    {
        fq_t z[2];

        z[0] = pf->z1;
        z[1] = pf->z2;
        transcript_absorb_scalars(t, "ipa/z", z, 2);
    }
    rc = t->failed ? -1 : 0;
out:
    if (xc != NULL)
        explicit_bzero(xc, n * sizeof(fq_t));
    for (i = 0; i < 2; i++)
        if (sc[i] != NULL)
            explicit_bzero(sc[i], (n + 2) * sizeof(fq_t));
    explicit_bzero(&blind, sizeof blind);
    explicit_bzero(&d, sizeof d);
    explicit_bzero(&tmp, sizeof tmp);
    explicit_bzero(&bL, sizeof bL);
    explicit_bzero(&bR, sizeof bR);
    free(xc);
    free(ac);
    free(e);
    free(Vp);
    free(Vf);
    free(sc[0]);
    free(sc[1]);
    return rc;
}

void
ipa_batch_init(ipa_batch *b)
{
    memset(b, 0, sizeof *b);
}

void
ipa_batch_free(ipa_batch *b)
{
    free(b->v);
    free(b->pts);
    free(b->sc);
    memset(b, 0, sizeof *b);
}

/* Room for n V scalars and m more points; 0 or -1. */
static int
batch_reserve(ipa_batch *b, size_t n, size_t m)
{
    if (n > b->n_v) {
        fq_t *v = realloc(b->v, n * sizeof(fq_t));

        if (v == NULL)
            return -1;
        memset(v + b->n_v, 0, (n - b->n_v) * sizeof(fq_t));
        b->v = v;
        b->n_v = n;
    }
    if (m > b->cap - b->n) {
        size_t cap = b->n + m > 2 * b->cap ? b->n + m : 2 * b->cap;
        ge_t *pts = realloc(b->pts, cap * sizeof(ge_t));
        fq_t *sc;

        if (pts == NULL)
            return -1;
        b->pts = pts;
        if ((sc = realloc(b->sc, cap * sizeof(fq_t))) == NULL)
            return -1;
        b->sc = sc;
        b->cap = cap;
    }
    return 0;
}

/* One more point of the combination, with its weighted scalar. */
static void
batch_point(ipa_batch *b, const ge_t *P, const fq_t *w, const fq_t *k)
{
    b->pts[b->n] = *P;
    fq_mul(&b->sc[b->n++], w, k);
}

/*
 * The verifier's check of one proof is one combination that must vanish:
 *   a^c·Cx + a^cs·Cy + sum_j a^c(u_j^2·L_j + u_j^-2·R_j) + a^·β + δ
 *     - z1·<σ, V> - z1·a^·s·G - z2·H = O.
 * Deferred, it joins the batch with weight 1 if it is the first, else with a weight
 * drawn from a copy of the transcript after the proof was absorbed ("ipa/batch").
 */
int
ipa_verify_deferred(ipa_batch *b, transcript_t *t, const ge_t *Cx, const ge_t *Cy,
                    const fq_t *a, unsigned k, const ipa_proof *pf, const char **reason)
{
    size_t n = (size_t)1 << k, i;
    fq_t u[IPA_MAX_ROUNDS], uinv[IPA_MAX_ROUNDS];
    fq_t s, c, ahat, ac, tmp, zs[2], w;
    fq_t *e = NULL;
    ge_t pair[2];
    unsigned j;
    int rc = -1;

    *reason = "internal failure in the inner-product verifier";
    if (k > IPA_MAX_ROUNDS || pf->k != k) {
        *reason = "inner-product proof has the wrong number of rounds";
        return 0;
    }
    for (j = 0; j < k; j++)
        if (pf->L[j].infinity || pf->R[j].infinity) {
            *reason = "inner-product proof contains the identity point";
            return 0;
        }
    if (pf->delta.infinity || pf->beta.infinity) {
        *reason = "inner-product proof contains the identity point";
        return 0;
    }
    if (generators_V(n) == NULL || (e = malloc(n * sizeof(fq_t))) == NULL)
        goto out;

    if (ipa_begin(t, Cx, Cy, n, &s) != 0)
        goto out;
    for (j = 0; j < k; j++) {
        pair[0] = pf->L[j];
        pair[1] = pf->R[j];
        transcript_absorb_points(t, "ipa/LR", pair, 2);
        if (transcript_challenge(t, "ipa/u", 1, &u[j]) != 0)
            goto out;
    }
    if (k > 0 && fq_batch_inv(uinv, u, k) != 0)
        goto out;
    /* σ: round j splits on bit k-j (0-based), the most significant first */
    e[0] = FQ_ONE;
    for (j = 0; j < k; j++)
        ipa_extend_coefficients(e, (size_t)1 << j, &u[j], &uinv[j]);
    inner_product(&ahat, a, e, n);
    if (fq_is_zero(&ahat)) {
        *reason = "inner-product argument: the folded public vector a^ is zero";
        rc = 0;
        goto out;
    }
    pair[0] = pf->delta;
    pair[1] = pf->beta;
    transcript_absorb_points(t, "ipa/db", pair, 2);
    if (transcript_challenge(t, "ipa/c", 0, &c) != 0)
        goto out;
    zs[0] = pf->z1;
    zs[1] = pf->z2;
    transcript_absorb_scalars(t, "ipa/z", zs, 2);
    if (t->failed)
        goto out;
    if (b == NULL) {                            /* a test seam's unchecked proof */
        rc = 1;
        *reason = NULL;
        goto out;
    }
    if (b->equations == 0) {
        w = FQ_ONE;
    } else {
        transcript_t tc = *t;

        tc.trace = NULL;                        /* not a step of the protocol's transcript */
        if (transcript_challenge(&tc, "ipa/batch", 1, &w) != 0)
            goto out;
    }
    if (batch_reserve(b, n, 4 + 2 * (size_t)k) != 0)
        goto out;
    fq_mul(&tmp, &w, &pf->z1);                  /* -w·z1·σ_i on V_i */
    for (i = 0; i < n; i++) {
        fq_t p;

        fq_mul(&p, &e[i], &tmp);
        fq_sub(&b->v[i], &b->v[i], &p);
    }
    fq_mul(&tmp, &pf->z1, &ahat);               /* G: -w·z1·a^·s;  H: -w·z2 */
    fq_mul(&tmp, &tmp, &s);
    fq_mul(&tmp, &tmp, &w);
    fq_sub(&b->g, &b->g, &tmp);
    fq_mul(&tmp, &pf->z2, &w);
    fq_sub(&b->h, &b->h, &tmp);
    fq_mul(&ac, &ahat, &c);
    batch_point(b, Cx, &w, &ac);                /* a^c */
    fq_mul(&tmp, &ac, &s);
    batch_point(b, Cy, &w, &tmp);               /* a^c·s */
    for (j = 0; j < k; j++) {
        fq_sqr(&tmp, &u[j]);                    /* a^c·u^2, a^c·u^-2 */
        fq_mul(&tmp, &tmp, &ac);
        batch_point(b, &pf->L[j], &w, &tmp);
        fq_sqr(&tmp, &uinv[j]);
        fq_mul(&tmp, &tmp, &ac);
        batch_point(b, &pf->R[j], &w, &tmp);
    }
    batch_point(b, &pf->delta, &w, &FQ_ONE);
    batch_point(b, &pf->beta, &w, &ahat);
    b->equations++;
    rc = 1;
    *reason = NULL;
out:
    free(e);
    return rc;
}

int
ipa_batch_check(ipa_batch *b, const char **reason)
{
    size_t n = b->n_v + b->n + 2;
    ge_t *pts;
    fq_t *sc;
    gep_t sum;
    int rc = -1;

    *reason = "internal failure in the inner-product verifier";
    if (b->equations == 0) {
        *reason = NULL;
        return 1;
    }
    pts = malloc(n * sizeof(ge_t));
    sc = malloc(n * sizeof(fq_t));
    if (pts == NULL || sc == NULL || (b->n_v > 0 && generators_V(b->n_v) == NULL))
        goto out;
    if (b->n_v > 0) {
        memcpy(pts, generators_V(b->n_v), b->n_v * sizeof(ge_t));
        memcpy(sc, b->v, b->n_v * sizeof(fq_t));
    }
    pts[b->n_v] = *generators_G();
    sc[b->n_v] = b->g;
    pts[b->n_v + 1] = *generators_H();
    sc[b->n_v + 1] = b->h;
    memcpy(pts + b->n_v + 2, b->pts, b->n * sizeof(ge_t));
    memcpy(sc + b->n_v + 2, b->sc, b->n * sizeof(fq_t));
    if (msm(&sum, pts, sc, n, zkml_threads()) != 0)
        goto out;
    if (gep_is_infinity(&sum)) {
        rc = 1;
        *reason = NULL;
    } else {
        rc = 0;
        *reason = "inner-product argument: the final equation does not hold";
    }
out:
    free(pts);
    free(sc);
    return rc;
}

int
ipa_verify(transcript_t *t, const ge_t *Cx, const ge_t *Cy,
           const fq_t *a, unsigned k, const ipa_proof *pf, const char **reason)
{
    ipa_batch b;
    int rc;

    ipa_batch_init(&b);
    rc = ipa_verify_deferred(&b, t, Cx, Cy, a, k, pf, reason);
    if (rc == 1)
        rc = ipa_batch_check(&b, reason);
    ipa_batch_free(&b);
    return rc;
}
