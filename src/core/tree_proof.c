/*
 * tree_proof.c: the proof of a tree ensemble (docs/trees.md 7), prover and verifier on
 * one schedule: every prover message passes through an exchange that the prover writes
 * and absorbs and the verifier reads and absorbs, so the two cannot disagree on the
 * transcript order.  Built on the arguments of the dense network's proof: Hyrax
 * commitments, the masked batched sumcheck, LogUp with committed inverses (behind
 * tp_lookup_* below, the one place a new lookup argument replaces), product proofs and
 * the linear-relation accumulator.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec.h"
#include "generators.h"
#include "hyrax.h"
#include "layout.h"
#include "linrel.h"
#include "logup.h"
#include "mle.h"
#include "msm.h"
#include "pedersen.h"
#include "product.h"
#include "runtime.h"
#include "sha256.h"
#include "sumcheck.h"
#include "transcript.h"
#include "tree_model.h"
#include "tree_proof.h"
#include "tree_proof_testing.h"

/* Grid columns per level (docs/trees.md 7.2), in this order. */
enum { GB, GF, GK, GD, GX, GM, GE, GC0, GC1, NGRID };

enum { LK_NODE, LK_ROW, LK_C0, LK_C1, LK_LEAF, LK_OUT, LK_LIMB };
enum { TB_NODE, TB_LEAF, TB_ROW, TB_R16, TB_RW, TB_OUT };

#define MAX_LOOKUPS (4 * TREE_MAX_DEPTH + 4)
#define MAX_TABLES 6
#define FORM_TERMS 48
#define POLY_P1 0
#define POLY_P2 1
#define POLY_N 2

typedef struct {
    linrel_term t[FORM_TERMS];
    size_t n;
    fq_t c;
} tform;

typedef struct {
    int kind;
    unsigned table, vars, s;
    int active;
} tlookup;

typedef struct {
    int kind;
    unsigned vars;
    size_t mcol;                /* the P1 column of its multiplicities */
} ttable;

typedef struct {
    int poly;
    size_t offset;
    unsigned kappa;
    fq_t z[LAYOUT_MAX_LOG];
    size_t id;
} tclaim;

typedef struct {
    int prover;
    const model_statement *st;
    const tree_model *m;        /* the statement's (public) model */
    const tree_model *wm;       /* prover: the model the witness is made of */
    const tree_test_hooks *hooks;
    const infer_options *opts;
    const uint8_t *seed;
    unsigned T, D, n, beta, tau, nu, g, lnf, table, shift, Q, K, lastw;
    size_t B;
    unsigned n1, n2, mask_log, l1, l2, lN;
    size_t nM;

    size_t ncol1, ncol2;
    unsigned log1[NGRID * TREE_MAX_DEPTH + 16], log2[MAX_LOOKUPS + MAX_TABLES];
    size_t off1[NGRID * TREE_MAX_DEPTH + 16], off2[MAX_LOOKUPS + MAX_TABLES];
    size_t col_V, col_S, col_Q, col_L0;
    tlookup lk[MAX_LOOKUPS];
    size_t nlk;
    ttable tb[MAX_TABLES];
    size_t ntb;

    transcript_t t;
    codec_writer *w;
    codec_reader *r;
    linrel lr;
    drbg_t rng;
    const char *fail;

    void **mem;
    size_t *mem_len, n_mem, cap_mem;

    fq_t alpha, gamma, gpow[4], rho1, rho2, T1, e1, T2, e2, lam_s;
    fq_t *tau_z, *tau_s, *tau_lk, *lam_z, *lam_lk, *lam_tb, *zeta, *theta;
    fq_t r1[SUMCHECK_MAX_ROUNDS], r2[SUMCHECK_MAX_ROUNDS];

    hyrax_commitment c1, c2;
    ge_t CM;
    ge_t *com;
    fq_t *val, *bl;
    size_t n_com, cap_com;
    tclaim *claims;
    size_t n_claims, cap_claims;
    size_t id_pre, id_f1, id_f2, id_fN, id_prod, id_u[3];
    size_t n_prod;

    fq_t *outpub, *rowtab;      /* public: OUT (2^β), the ROW table (2^(β+lnf)) */
    int32_t *p1;                /* prover: the witness */
    int32_t *outw;              /* prover: the witness's outputs (B) */
    fq_t *P1f, *P2f, *Nf, *mask, bM, *beta1, *beta2;
    fq_t *fcol[MAX_LOOKUPS];    /* prover: each lookup's f column, from P2 to S1 */
    double phase_start;         /* prover: when the current phase began */
} tctx;

/* ---- context helpers ---- */

static int
tp_fail(tctx *c, const char *why)
{
    if (c->fail == NULL)
        c->fail = why;
    return -1;
}

static void *
tp_alloc(tctx *c, size_t n, size_t size)
{
    void *p;

    if (c->fail != NULL)
        return NULL;
    if (c->n_mem == c->cap_mem) {
        size_t cap = c->cap_mem ? 2 * c->cap_mem : 64;
        void **m = realloc(c->mem, cap * sizeof *m);
        size_t *ml;

        if (m == NULL) {
            tp_fail(c, "out of memory");
            return NULL;
        }
        c->mem = m;
        if ((ml = realloc(c->mem_len, cap * sizeof *ml)) == NULL) {
            tp_fail(c, "out of memory");
            return NULL;
        }
        c->mem_len = ml;
        c->cap_mem = cap;
    }
    if ((p = calloc(n ? n : 1, size)) == NULL) {
        tp_fail(c, "out of memory");
        return NULL;
    }
    c->mem[c->n_mem] = p;
    c->mem_len[c->n_mem++] = (n ? n : 1) * size;
    return p;
}

/* Release (wiping) the allocations made since mark. */
static void
tp_release(tctx *c, size_t mark)
{
    while (c->n_mem > mark) {
        c->n_mem--;
        explicit_bzero(c->mem[c->n_mem], c->mem_len[c->n_mem]);
        free(c->mem[c->n_mem]);
    }
}

static void
tp_free_all(tctx *c)
{
    tp_release(c, 0);
    free(c->mem);
    free(c->mem_len);
    hyrax_commitment_free(&c->c1);
    hyrax_commitment_free(&c->c2);
    linrel_clear(&c->lr);
    if (c->prover)
        drbg_clear(&c->rng);
}

static unsigned
log2c(uint64_t v)
{
    unsigned l = 0;

    while (((uint64_t)1 << l) < v)
        l++;
    return l;
}

static void
pow2(fq_t *r, unsigned k)
{
    fq_t two32;

    if (k < 64) {
        fq_set_u64(r, (uint64_t)1 << k);
        return;
    }
    fq_set_u64(&two32, (uint64_t)1 << 32);
    fq_mul(r, &two32, &two32);
}

static void
eq_eval(fq_t *r, const fq_t *a, const fq_t *b, unsigned k)
{
    fq_t acc = FQ_ONE, ab, t;
    unsigned i;

    for (i = 0; i < k; i++) {
        fq_mul(&ab, &a[i], &b[i]);
        fq_dbl(&t, &ab);
        fq_sub(&t, &t, &a[i]);
        fq_sub(&t, &t, &b[i]);
        fq_add(&t, &t, &FQ_ONE);
        fq_mul(&acc, &acc, &t);
    }
    *r = acc;
}

/* Σ_j 2^j·z_j: the extension of the index function over k variables. */
static void
index_mle(fq_t *r, const fq_t *z, unsigned k)
{
    fq_t p, t;
    unsigned j;

    fq_set_zero(r);
    for (j = 0; j < k; j++) {
        pow2(&p, j);
        fq_mul(&t, &p, &z[j]);
        fq_add(r, r, &t);
    }
}

static int
skipped(const tctx *c, tree_check check, unsigned index)
{
    return c->hooks != NULL && c->hooks->skip == check && c->hooks->skip_index == index;
}

/* ---- forms over committed scalars ---- */

static void
form_init(tform *f)
{
    f->n = 0;
    fq_set_zero(&f->c);
}

static void
form_add(tform *f, size_t id, const fq_t *coef)
{
    if (f->n < FORM_TERMS) {
        f->t[f->n].id = id;
        f->t[f->n++].coef = *coef;
    }
}

static void
form_add_i(tform *f, size_t id, int64_t coef)
{
    fq_t k;

    fq_set_i64(&k, coef);
    form_add(f, id, &k);
}

static linrel_form
form_view(const tform *f)
{
    linrel_form v;

    v.terms = f->t;
    v.n_terms = f->n;
    v.constant = f->c;
    return v;
}

/* The commitment of a form (Σ coef·C_id + c·G) and, for the prover, its value and blind. */
static void
form_commit(const tctx *c, const tform *f, ge_t *C, fq_t *v, fq_t *b)
{
    gep_t acc, p;
    fq_t zero, t;
    size_t i;

    fq_set_zero(&zero);
    pedersen_com1(&acc, &f->c, &zero);
    *v = f->c;
    fq_set_zero(b);
    for (i = 0; i < f->n; i++) {
        gep_set_ge(&p, &c->com[f->t[i].id]);
        gep_mul_vartime(&p, &p, &f->t[i].coef);
        gep_add(&acc, &acc, &p);
        if (c->prover) {
            fq_mul(&t, &f->t[i].coef, &c->val[f->t[i].id]);
            fq_add(v, v, &t);
            fq_mul(&t, &f->t[i].coef, &c->bl[f->t[i].id]);
            fq_add(b, b, &t);
        }
    }
    ge_set_gep(C, &acc);
}

/* ---- exchanges ---- */

static int
reader_ok(tctx *c)
{
    if (!c->prover && c->r->error != NULL)
        return tp_fail(c, c->r->error);
    return 0;
}

static int
exchange_points(tctx *c, const char *label, ge_t *p, size_t n)
{
    if (c->prover)
        codec_put_points(c->w, p, n);
    else if (codec_get_points(c->r, p, n) != 0)
        return reader_ok(c);
    transcript_absorb_points(&c->t, label, p, n);
    return 0;
}

/* n committed scalars (fresh blinds), registered with the accumulator in order. */
static int
exchange_committed(tctx *c, const char *label, const fq_t *v, size_t n, size_t *first)
{
    size_t mark = c->n_mem, i, id;
    ge_t *pts = tp_alloc(c, n, sizeof(ge_t));

    if (pts == NULL)
        return -1;
    if (n > c->cap_com - c->n_com)
        return tp_fail(c, "internal failure: too many committed scalars");
    if (c->prover) {
        gep_t *pp = tp_alloc(c, n, sizeof(gep_t));

        if (pp == NULL)
            return -1;
        for (i = 0; i < n; i++) {
            c->val[c->n_com + i] = v[i];
            if (drbg_scalar(&c->rng, &c->bl[c->n_com + i]) != 0)
                return tp_fail(c, "the prover's random generator failed");
            pedersen_com1(&pp[i], &v[i], &c->bl[c->n_com + i]);
        }
        ge_set_gep_batch(pts, pp, n);
    }
    if (exchange_points(c, label, pts, n) != 0)
        return -1;
    *first = c->n_com;
    for (i = 0; i < n; i++) {
        int rc = c->prover
                     ? linrel_add_secret(&c->lr, &c->val[c->n_com], &c->bl[c->n_com], &id)
                     : linrel_add_commitment(&c->lr, &pts[i], &id);

        if (rc != 0 || id != c->n_com)
            return tp_fail(c, "internal failure registering a commitment");
        c->com[c->n_com++] = pts[i];
    }
    tp_release(c, mark);
    return 0;
}

/* Hyrax rows of a witness polynomial of l variables. */
/*
 * The Hyrax rows of an int32 polynomial (P 4.3), as hyrax_commit_small computes them,
 * but every row through the int32 MSM: P1's keys, thresholds and large multiplicities
 * (up to 2^31 in magnitude) cost their bit length rather than a full scalar each.
 */
static int
commit_rows_i32(hyrax_commitment *h, const int32_t *P, unsigned l, const fq_t *beta)
{
    size_t nrows, ncols;
    const ge_t *V;
    gep_t *acc;
    ptrdiff_t r;
    int failed = 0;

    memset(h, 0, sizeof *h);
    h->l = l;
    hyrax_split(l, &h->lc, &h->lr);
    nrows = (size_t)1 << h->lr;
    ncols = (size_t)1 << h->lc;
    V = generators_V(ncols);
    h->rows = malloc(nrows * sizeof(ge_t));
    acc = malloc(nrows * sizeof(gep_t));
    if (V == NULL || h->rows == NULL || acc == NULL) {
        free(acc);
        hyrax_commitment_free(h);
        return -1;
    }
#pragma omp parallel for num_threads(zkml_threads()) schedule(dynamic) reduction(|:failed)
    for (r = 0; r < (ptrdiff_t)nrows; r++) {
        gep_t blind;

        if (failed || zkml_interrupted_in_region()) {
            failed |= 1;
            continue;
        }
        if (msm_i32(&acc[r], V, P + (size_t)r * ncols, ncols, 1) != 0) {
            failed |= 1;
            continue;
        }
        pedersen_blind(&blind, &beta[r]);
        gep_add(&acc[r], &acc[r], &blind);
    }
    if (!failed)
        ge_set_gep_batch(h->rows, acc, nrows);
    free(acc);
    if (failed) {
        hyrax_commitment_free(h);
        return -1;
    }
    return 0;
}

static size_t gcol(unsigned s, unsigned k);

/*
 * The entry of its table that lookup lk reads at grid cell x (docs/trees.md 7.3), for
 * the lookups whose inverse columns P2 commits by grouped_row: NODE (the slot of level
 * s plus 2^ν·t), LEAF (the leaf plus 2^ν·t), ROW (b + 2^β·f_s), the limbs (c_s0, c_s1).
 * Two cells of the same entry have the same f, hence the same h, for an honest prover.
 */
static uint32_t
lookup_group(const tctx *c, const tlookup *lk, size_t x)
{
    uint32_t i = lk->kind == LK_NODE ? 1 : 0;
    unsigned j, steps = lk->kind == LK_NODE ? lk->s : c->D;

    switch (lk->kind) {
    case LK_ROW:
        return (uint32_t)((x & (((size_t)1 << c->beta) - 1)) +
                          ((size_t)(uint32_t)c->p1[c->off1[gcol(lk->s, GF)] + x] << c->beta));
    case LK_C0:
        return (uint32_t)c->p1[c->off1[gcol(lk->s, GC0)] + x];
    case LK_C1:
        return (uint32_t)c->p1[c->off1[gcol(lk->s, GC1)] + x];
    default:                            /* LK_NODE, LK_LEAF */
        for (j = 0; j < steps; j++)
            i = 2 * i + (uint32_t)c->p1[c->off1[gcol(j, GB)] + x];
        return i + (uint32_t)((x >> c->beta) << c->nu);
    }
}

/* The number of entries of the table lk reads (the range of lookup_group). */
static size_t
lookup_groups(const tctx *c, const tlookup *lk)
{
    return lk->kind == LK_ROW ? (size_t)1 << (c->beta + c->lnf) :
           lk->kind == LK_C0 || lk->kind == LK_C1 ? (size_t)1 << 16 :
           (size_t)1 << (c->tau + c->nu);
}

/* The grid lookup whose inverse column holds all of P2's entries [lo, hi), if any. */
static const tlookup *
grouped_lookup(const tctx *c, size_t lo, size_t hi, size_t *offset)
{
    size_t k;

    for (k = 0; k < c->nlk; k++) {
        const tlookup *lk = &c->lk[k];

        if (lk->kind != LK_OUT && lk->kind != LK_LIMB && lo >= c->off2[k] &&
            hi <= c->off2[k] + ((size_t)1 << lk->vars)) {
            *offset = c->off2[k];
            return lk;
        }
    }
    return NULL;
}

/*
 * One row of P2 inside a lookup's inverse column: h = 1/(α - f) has one value per table
 * entry, and a row of 2^lc cells often reads far fewer entries (2^(lc-β) trees of 2^s
 * slots at level s, 2^D leaves each; limbs of nearby differences), so Σ_j h_j·V_j is
 * taken as Σ_y h(y)·(Σ_{j: y_j = y} V_j): one mixed addition per cell and an MSM over
 * the distinct entries.  A row of more than 2^lc / 4 distinct entries (where this stops
 * paying), or with two cells of one entry holding different values (only a lying
 * prover's witness), takes the fixed-base MSM.  scratch: a group number per table
 * entry, all -1, and left so.
 */
static int
grouped_row(gep_t *r, const tctx *c, const tlookup *lk, size_t col_lo, const fq_t *h,
            const ge_t *V, const msm_fixed_table *tab, size_t ncols, int32_t *scratch)
{
    gep_t *acc = malloc(ncols * sizeof(gep_t));
    ge_t *pts = malloc(ncols * sizeof(ge_t));
    fq_t *k = malloc(ncols * sizeof(fq_t));
    uint32_t *used = malloc(ncols * sizeof(uint32_t));
    size_t j, ng = 0;
    int rc = -1, same = 1;

    if (acc != NULL && pts != NULL && k != NULL && used != NULL) {
        for (j = 0; j < ncols && same; j++) {
            uint32_t y = lookup_group(c, lk, col_lo + j);
            int32_t g;

            if (y >= lookup_groups(c, lk)) {
                same = 0;       /* not an entry of the table: a lying witness */
                break;
            }
            g = scratch[y];
            if (g < 0 && ng >= ncols / 4) {
                same = 0;       /* too many entries for the grouping to pay */
                break;
            }
            if (g < 0) {
                g = scratch[y] = (int32_t)ng;
                used[ng] = y;
                k[ng] = h[j];
                gep_set_infinity(&acc[ng]);
                ng++;
            } else if (memcmp(&k[g], &h[j], sizeof(fq_t)) != 0) {
                same = 0;       /* a witness whose f is not the entry's (a forgery) */
                break;
            }
            gep_add_ge(&acc[g], &acc[g], &V[j]);
        }
        for (j = 0; j < ng; j++)
            scratch[used[j]] = -1;
        if (same) {
            ge_set_gep_batch(pts, acc, ng);
            rc = msm(r, pts, k, ng, 1);
        } else {
            rc = msm_fixed(r, tab, h, ncols, 1);
        }
    }
    free(acc);
    free(pts);
    if (k != NULL)
        explicit_bzero(k, ncols * sizeof(fq_t));
    free(k);
    free(used);
    return rc;
}

/*
 * The Hyrax rows of P2 (P 4.3), the commitment hyrax_commit computes: rows inside the
 * inverse column of a grid lookup by grouped_row, the others by the fixed-base MSM.
 */
static int
commit_p2(tctx *c, hyrax_commitment *h, const fq_t *beta)
{
    size_t nrows, ncols, groups = 0, k;
    const ge_t *V;
    const msm_fixed_table *tab;
    gep_t *acc;
    ptrdiff_t r;
    int failed = 0;

    memset(h, 0, sizeof *h);
    h->l = c->l2;
    hyrax_split(c->l2, &h->lc, &h->lr);
    nrows = (size_t)1 << h->lr;
    ncols = (size_t)1 << h->lc;
    V = generators_V(ncols);
    tab = generators_V_table(ncols);
    for (k = 0; k < c->nlk; k++)
        groups = lookup_groups(c, &c->lk[k]) > groups ? lookup_groups(c, &c->lk[k]) : groups;
    h->rows = malloc(nrows * sizeof(ge_t));
    acc = malloc(nrows * sizeof(gep_t));
    if (V == NULL || tab == NULL || h->rows == NULL || acc == NULL) {
        free(acc);
        hyrax_commitment_free(h);
        return -1;
    }
#pragma omp parallel num_threads(zkml_threads()) reduction(|:failed)
    {
        int32_t *scratch = malloc(groups * sizeof(int32_t));
        size_t i;

        if (scratch == NULL)
            failed |= 1;
        for (i = 0; scratch != NULL && i < groups; i++)
            scratch[i] = -1;
#pragma omp for schedule(dynamic)
        for (r = 0; r < (ptrdiff_t)nrows; r++) {
            size_t lo = (size_t)r * ncols, col_lo;
            const tlookup *lk;
            gep_t blind;
            int rc;

            if (failed || scratch == NULL || zkml_interrupted_in_region()) {
                failed |= 1;
                continue;
            }
            lk = grouped_lookup(c, lo, lo + ncols, &col_lo);
            rc = lk != NULL ? grouped_row(&acc[r], c, lk, lo - col_lo, c->P2f + lo, V, tab,
                                          ncols, scratch)
                            : msm_fixed(&acc[r], tab, c->P2f + lo, ncols, 1);
            if (rc != 0) {
                failed |= 1;
                continue;
            }
            pedersen_blind(&blind, &beta[r]);
            gep_add(&acc[r], &acc[r], &blind);
        }
        free(scratch);
    }
    if (!failed)
        ge_set_gep_batch(h->rows, acc, nrows);
    free(acc);
    if (failed) {
        hyrax_commitment_free(h);
        return -1;
    }
    return 0;
}

static int
exchange_rows(tctx *c, const char *label, hyrax_commitment *h, unsigned l,
              const int32_t *small, const fq_t *full, const fq_t *beta)
{
    unsigned lc, lr;

    hyrax_split(l, &lc, &lr);
    if (c->prover) {
        int rc = small ? commit_rows_i32(h, small, l, beta) :
                 full == c->P2f ? commit_p2(c, h, beta) : hyrax_commit(h, full, l, beta);

        if (rc != 0)
            return tp_fail(c, "could not commit a witness polynomial");
    } else {
        h->l = l;
        h->lc = lc;
        h->lr = lr;
        if ((h->rows = calloc((size_t)1 << lr, sizeof(ge_t))) == NULL)
            return tp_fail(c, "out of memory");
    }
    return exchange_points(c, label, h->rows, (size_t)1 << lr);
}

static void
add_claim(tctx *c, int poly, size_t offset, unsigned kappa, const fq_t *z, size_t id)
{
    tclaim *cl;

    if (c->n_claims == c->cap_claims) {
        tp_fail(c, "internal failure: too many claims");
        return;
    }
    cl = &c->claims[c->n_claims++];
    cl->poly = poly;
    cl->offset = offset;
    cl->kappa = kappa;
    memcpy(cl->z, z, kappa * sizeof(fq_t));
    cl->id = id;
}

static int
run_sumcheck(tctx *c, const char *label, unsigned n, unsigned degree, const fq_t *rho,
             const fq_t *mask, sumcheck_instance *inst, size_t ninst, fq_t *T, fq_t *r,
             fq_t *e)
{
    size_t nmsg = sumcheck_message_count(n, degree), mark = c->n_mem;
    fq_t *msg = tp_alloc(c, nmsg, sizeof(fq_t));
    const char *why = NULL;

    if (msg == NULL)
        return -1;
    if (c->prover) {
        if (sumcheck_prove(&c->t, label, n, degree, rho, mask, inst, ninst, T, msg, nmsg, r, e,
                           NULL) != 0)
            return tp_fail(c, "the sumcheck prover failed");
        codec_put_scalar(c->w, T);
        codec_put_scalars(c->w, msg, nmsg);
    } else {
        codec_get_scalar(c->r, T);
        codec_get_scalars(c->r, msg, nmsg);
        if (reader_ok(c) != 0)
            return -1;
        if (sumcheck_verify(&c->t, label, n, degree, T, msg, nmsg, r, e, &why) != 1)
            return tp_fail(c, why != NULL ? why : "the sumcheck messages are malformed");
    }
    tp_release(c, mark);
    return 0;
}

static double
monotonic_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The end of a prover's phase: its seconds to the progress callback (include/zkml.h
 * names the phases), and a pending interruption stops the proof. */
static int
phase_end(tctx *c, const char *name)
{
    double now;

    if (!c->prover)
        return 0;
    if (zkml_interrupted())
        return tp_fail(c, "interrupted");
    if (c->opts == NULL || c->opts->progress == NULL)
        return 0;
    now = monotonic_seconds();
    if (name != NULL)
        c->opts->progress(c->opts->progress_arg, name, now - c->phase_start);
    c->phase_start = now;
    return 0;
}

/* ---- sizes (docs/trees.md 7.1) and the public tables ---- */

static size_t
gcol(unsigned s, unsigned k)
{
    return (size_t)s * NGRID + k;
}

static int
tp_setup(tctx *c)
{
    const tree_model *m = c->m;
    const model_statement *st = c->st;
    unsigned lc, lr, lcN, lrN, i, s;
    size_t b, cols, need, ncom;

    if (m == NULL || st->batch == 0 || st->batch > ((size_t)1 << 24))
        return tp_fail(c, "the statement's batch size is not usable");
    c->T = m->n_trees;
    c->D = m->depth;
    c->n = m->n_features;
    c->B = st->batch;
    c->beta = log2c(c->B);
    c->tau = log2c(c->T);
    c->nu = c->D;
    c->g = c->beta + c->tau;
    c->lnf = log2c(c->n);
    c->table = m->transform == TREE_TRANSFORM_TABLE;
    c->lN = c->tau + c->nu + 2;
    if (c->table) {
        c->shift = m->shift;
        c->Q = m->q_bits;
        c->K = (c->shift + 15) / 16;
        c->lastw = c->shift - 16 * (c->K - 1);
    }
    if (c->g > 30)
        return tp_fail(c, "the batch is too large for this ensemble");
    hyrax_split(c->lN, &lcN, &lrN);
    if (st->commitment == NULL || st->commitment->l != c->lN || st->commitment->lc != lcN ||
        st->commitment->lr != lrN || st->commitment->rows == NULL)
        return tp_fail(c, "the node commitment does not match the model's shapes");

    /* P1: the grid columns, V, the per-row columns, the multiplicities */
    c->ncol1 = 0;
    for (s = 0; s < c->D; s++)
        for (i = 0; i < NGRID; i++)
            c->log1[c->ncol1++] = c->g;
    c->col_V = c->ncol1;
    c->log1[c->ncol1++] = c->g;
    if (c->table) {
        c->col_S = c->ncol1;
        c->log1[c->ncol1++] = c->beta;
        c->col_Q = c->ncol1;
        c->log1[c->ncol1++] = c->beta;
        c->col_L0 = c->ncol1;
        for (i = 0; i < c->K; i++)
            c->log1[c->ncol1++] = c->beta;
    }
    /* tables and their multiplicity columns */
    c->ntb = 0;
    c->tb[c->ntb++] = (ttable){TB_NODE, c->tau + c->nu, 0};
    c->tb[c->ntb++] = (ttable){TB_LEAF, c->tau + c->nu, 0};
    c->tb[c->ntb++] = (ttable){TB_ROW, c->beta + c->lnf, 0};
    c->tb[c->ntb++] = (ttable){TB_R16, 16, 0};
    if (c->table && c->lastw < 16)
        c->tb[c->ntb++] = (ttable){TB_RW, c->lastw, 0};
    if (c->table)
        c->tb[c->ntb++] = (ttable){TB_OUT, c->Q, 0};
    for (i = 0; i < c->ntb; i++) {
        c->tb[i].mcol = c->ncol1;
        c->log1[c->ncol1++] = c->tb[i].vars;
    }
    /* lookups: per level NODE, ROW and the two limbs; LEAF; the output and its limbs */
    c->nlk = 0;
    for (s = 0; s < c->D; s++) {
        c->lk[c->nlk++] = (tlookup){LK_NODE, 0, c->g, s, 1};
        c->lk[c->nlk++] = (tlookup){LK_ROW, 2, c->g, s, 1};
        c->lk[c->nlk++] = (tlookup){LK_C0, 3, c->g, s, 1};
        c->lk[c->nlk++] = (tlookup){LK_C1, 3, c->g, s, 1};
    }
    c->lk[c->nlk++] = (tlookup){LK_LEAF, 1, c->g, 0, 1};
    if (c->table) {
        c->lk[c->nlk++] = (tlookup){LK_OUT, (unsigned)c->ntb - 1, c->beta, 0, 1};
        for (i = 0; i < c->K; i++)
            c->lk[c->nlk++] = (tlookup){LK_LIMB,
                                        (i + 1 == c->K && c->lastw < 16) ? 4u : 3u,
                                        c->beta, i, 1};
    }
    for (i = 0; i < c->nlk; i++)
        if (skipped(c, TREE_CHECK_LOOKUP, i))
            c->lk[i].active = 0;
    c->ncol2 = 0;
    for (i = 0; i < c->nlk; i++)
        c->log2[c->ncol2++] = c->lk[i].vars;
    for (i = 0; i < c->ntb; i++)
        c->log2[c->ncol2++] = c->tb[i].vars;
    {
        int l1 = layout_place(c->off1, c->log1, c->ncol1);
        int l2 = layout_place(c->off2, c->log2, c->ncol2);

        if (l1 < 0 || l2 < 0)
            return tp_fail(c, "the statement has no layout");
        c->l1 = (unsigned)l1;
        c->l2 = (unsigned)l2;
    }
    c->n1 = c->g;
    for (i = 0; i < c->ntb; i++)
        c->n1 = c->tb[i].vars > c->n1 ? c->tb[i].vars : c->n1;
    c->n2 = c->l1 > c->l2 ? c->l1 : c->l2;
    c->n2 = c->lN > c->n2 ? c->lN : c->n2;
    if (c->n1 > SUMCHECK_MAX_ROUNDS || c->n2 > SUMCHECK_MAX_ROUNDS)
        return tp_fail(c, "the statement needs too many sumcheck rounds");
    c->mask_log = log2c(4 * (uint64_t)c->n1 + 3 * (uint64_t)c->n2);
    c->nM = (size_t)1 << c->mask_log;
    hyrax_split(c->l1, &lc, &lr);
    need = (size_t)1 << lc;
    hyrax_split(c->l2, &lc, &lr);
    need = ((size_t)1 << lc) > need ? (size_t)1 << lc : need;
    need = ((size_t)1 << lcN) > need ? (size_t)1 << lcN : need;
    need = c->nM > need ? c->nM : need;
    if (generators_V(need) == NULL)
        return tp_fail(c, "could not compute the generators");

    ncom = 2 * (c->ncol1 + c->ncol2) + 4 * c->nlk + 4 * c->ntb + 4 * (size_t)c->D + 32;
    c->cap_com = ncom;
    c->cap_claims = ncom;
    c->com = tp_alloc(c, ncom, sizeof(ge_t));
    c->val = tp_alloc(c, ncom, sizeof(fq_t));
    c->bl = tp_alloc(c, ncom, sizeof(fq_t));
    c->claims = tp_alloc(c, ncom, sizeof(tclaim));
    c->theta = tp_alloc(c, ncom, sizeof(fq_t));
    c->tau_z = tp_alloc(c, c->g, sizeof(fq_t));
    c->tau_s = tp_alloc(c, c->beta + 1, sizeof(fq_t));
    c->tau_lk = tp_alloc(c, c->n1, sizeof(fq_t));
    c->lam_z = tp_alloc(c, 3 * (size_t)c->D, sizeof(fq_t));
    c->lam_lk = tp_alloc(c, c->nlk, sizeof(fq_t));
    c->lam_tb = tp_alloc(c, c->ntb, sizeof(fq_t));
    c->zeta = tp_alloc(c, c->ntb, sizeof(fq_t));

    /* public: OUT padded by the last row; the ROW table (b + 2^β·j: the key and
     * whether it is missing), rows padded by the last one, features by zeros */
    cols = (size_t)1 << c->beta;
    c->outpub = tp_alloc(c, cols, sizeof(fq_t));
    c->rowtab = tp_alloc(c, cols << c->lnf, sizeof(fq_t));
    if (c->fail != NULL)
        return -1;
    for (b = 0; b < cols; b++)
        fq_set_i64(&c->outpub[b], st->outputs[b < c->B ? b : c->B - 1]);
    return 0;
}

/* The ROW table's values with γ (after γ is drawn). */
static void
row_table_values(tctx *c)
{
    size_t cols = (size_t)1 << c->beta, nj = (size_t)1 << c->lnf, b, j;

    for (j = 0; j < nj; j++)
        for (b = 0; b < cols; b++) {
            size_t bb = b < c->B ? b : c->B - 1, y = b + cols * j;
            int32_t x = j < c->n ? c->st->inputs[bb * c->n + j] : 0;
            fq_t v, t;

            fq_set_u64(&c->rowtab[y], y);
            fq_set_i64(&v, x);
            fq_mul(&t, &v, &c->gpow[1]);
            fq_add(&c->rowtab[y], &c->rowtab[y], &t);
            if (x == TREE_MISSING)
                fq_add(&c->rowtab[y], &c->rowtab[y], &c->gpow[2]);
        }
}

/* The public range and output tables (logup.h). */
static void
public_table(const tctx *c, const ttable *tb, logup_table *lt)
{
    lt->log_size = tb->vars;
    lt->in_offset = 0;
    lt->out = NULL;
    if (tb->kind == TB_OUT) {
        lt->in_offset = -((int64_t)1 << (c->Q - 1));
        lt->out = c->m->table;
    }
}

/* ---- step 0: the statement (docs/trees.md 7.4 items 1-8) ---- */

static int
hash_ints(uint8_t out[32], const int32_t *v, size_t n)
{
    sha256_ctx h;
    size_t i;

    sha256_begin(&h);
    for (i = 0; i < n; i++)
        sha256_write_u32le(&h, (uint32_t)v[i]);
    return sha256_finish(&h, out);
}

static int
tp_statement(tctx *c)
{
    const model_statement *st = c->st;
    uint8_t d[32], params[32], *desc = NULL;
    size_t desc_len;
    unsigned lc, lr;
    char err[ZKML_ERR_LEN];
    sha256_ctx h;

    transcript_init(&c->t, TREE_PROOF_TRANSCRIPT_ID, strlen(TREE_PROOF_TRANSCRIPT_ID));
    hyrax_split(c->l1, &lc, &lr);
    if (generators_param_digest(c->nM > ((size_t)1 << lc) ? c->nM : (size_t)1 << lc, d) != 0)
        return tp_fail(c, "could not hash the parameters");
    sha256_begin(&h);
    sha256_write(&h, d, 32);
    sha256_write_u32le(&h, HYRAX_DELTA);
    sha256_write_u32le(&h, 16);                         /* the limb width of 7.2 */
    if (sha256_finish(&h, params) != 0)
        return tp_fail(c, "could not hash the parameters");
    transcript_absorb(&c->t, "stmt/params", params, 32);
    if (model_kind_trees.descriptor_encode(&desc, &desc_len, c->m, err) != 0)
        return tp_fail(c, "could not encode the model descriptor");
    if (sha256_digest(d, desc, desc_len) != 0) {
        free(desc);
        return tp_fail(c, "could not hash the model descriptor");
    }
    free(desc);
    transcript_absorb(&c->t, "stmt/model-descriptor", d, 32);
    transcript_absorb_points(&c->t, "stmt/N-rows", st->commitment->rows,
                             (size_t)1 << st->commitment->lr);
    transcript_absorb_u64(&c->t, "stmt/B", st->batch);
    transcript_absorb(&c->t, "stmt/context", st->context, st->context_len);
    if (hash_ints(d, st->inputs, st->batch * c->n) != 0)
        return tp_fail(c, "could not hash the inputs");
    transcript_absorb(&c->t, "stmt/inputs", d, 32);
    if (hash_ints(d, st->outputs, st->batch) != 0)
        return tp_fail(c, "could not hash the outputs");
    transcript_absorb(&c->t, "stmt/outputs", d, 32);
    return c->t.failed ? tp_fail(c, "transcript failure") : 0;
}

/* ---- the witness (docs/trees.md 7.2) ---- */

static int64_t
floor_shift(int64_t a, unsigned s)
{
    return a >= 0 ? a >> s : -((-a + ((int64_t)1 << s) - 1) >> s);
}

/*
 * The witness P1 of the model wm (with the hooks' lies, if any) and its outputs.
 * p1 NULL: only the outputs.  0, or -1 (a sum outside the output table).
 */
/* One more lookup of a table entry, from any thread. */
static inline void
count_up(int32_t *m)
{
#pragma omp atomic
    (*m)++;
}

static int
build_witness(const tctx *c, const tree_model *wm, int32_t *p1, int32_t *outw)
{
    const tree_test_hooks *hk = c->hooks;
    size_t cols = (size_t)1 << c->beta, L = (size_t)1 << c->D, b;
    int64_t *sums = calloc(cols, sizeof *sums);
    ptrdiff_t tt;

    if (sums == NULL)
        return -1;
    /* the trees over the threads: a cell's columns are its own, the multiplicities and
     * the row sums are shared counts (atomic: integers, so the order does not matter) */
#pragma omp parallel for schedule(dynamic) num_threads(zkml_threads())
    for (tt = 0; tt < (ptrdiff_t)1 << c->tau; tt++) {
        unsigned t = (unsigned)tt;
        size_t bw;

        for (bw = 0; bw < cols; bw++) {
            size_t b = bw, bb = b < c->B ? b : c->B - 1, x = b + cols * t;
            const int32_t *row = c->st->inputs + bb * c->n;
            uint32_t slot = 1, leaf, lt;
            int32_t v;
            unsigned s;

            for (s = 0; s < c->D; s++) {
                uint32_t used = slot, f;
                int32_t k = 0, xv;
                int d = 0, miss, bit, e;
                int64_t y, delta;

                if (hk != NULL && hk->slot != NULL && b < c->B && t < c->T)
                    used = hk->slot(hk->arg, b, t, s, slot);
                f = t < c->T ? wm->feature[(size_t)t * L + used] : 0;
                if (t < c->T) {
                    k = wm->threshold[(size_t)t * L + used];
                    d = wm->right_default[(size_t)t * L + used];
                }
                if (hk != NULL && hk->feature != NULL && b < c->B && t < c->T)
                    f = hk->feature(hk->arg, b, t, s, f);
                xv = f < c->n ? row[f] : 0;
                miss = xv == TREE_MISSING;
                bit = miss ? d : xv >= k;
                if (hk != NULL && hk->bit != NULL && b < c->B && t < c->T)
                    bit = hk->bit(hk->arg, b, t, s, bit) != 0;
                e = miss && d;
                if (hk != NULL && hk->forge_missing_e && miss && bit != d)
                    e = !d;
                y = (int64_t)xv + ((int64_t)e << 32) - k;
                delta = bit ? y : -y - 1;
                if (p1 != NULL) {
                    p1[c->off1[gcol(s, GB)] + x] = bit;
                    p1[c->off1[gcol(s, GF)] + x] = (int32_t)f;
                    p1[c->off1[gcol(s, GK)] + x] = k;
                    p1[c->off1[gcol(s, GD)] + x] = d;
                    p1[c->off1[gcol(s, GX)] + x] = xv;
                    p1[c->off1[gcol(s, GM)] + x] = miss;
                    p1[c->off1[gcol(s, GE)] + x] = e;
                    p1[c->off1[gcol(s, GC0)] + x] = (int32_t)((uint64_t)delta & 0xffff);
                    p1[c->off1[gcol(s, GC1)] + x] = (int32_t)(((uint64_t)delta >> 16) & 0xffff);
                    /* multiplicities: what the prover looks up */
                    if (c->lk[4 * s].active)
                        count_up(&p1[c->off1[c->tb[0].mcol] + slot + L * t]);
                    if (c->lk[4 * s + 1].active)
                        count_up(&p1[c->off1[c->tb[2].mcol] + b +
                                     cols * (f < (1u << c->lnf) ? f : 0)]);
                    if (c->lk[4 * s + 2].active)
                        count_up(&p1[c->off1[c->tb[3].mcol] + ((uint64_t)delta & 0xffff)]);
                    if (c->lk[4 * s + 3].active)
                        count_up(&p1[c->off1[c->tb[3].mcol] +
                                     (((uint64_t)delta >> 16) & 0xffff)]);
                }
                slot = 2 * slot + (uint32_t)bit;
            }
            leaf = slot - (uint32_t)L;
            lt = t;
            if (hk != NULL && hk->leaf_tree != NULL && b < c->B && t < c->T)
                lt = hk->leaf_tree(hk->arg, b, t);
            v = lt < c->T ? wm->leaf[(size_t)lt * L + leaf] : 0;
            if (hk == NULL || hk->in_sum == NULL || b >= c->B || t >= c->T ||
                hk->in_sum(hk->arg, b, t)) {
#pragma omp atomic
                sums[b] += v;
            }
            if (p1 != NULL) {
                p1[c->off1[c->col_V] + x] = v;
                if (c->lk[4 * c->D].active)
                    count_up(&p1[c->off1[c->tb[1].mcol] + leaf + L * t]);
            }
        }
    }
    for (b = 0; b < cols; b++) {
        int64_t S = sums[b], q = 0, rem, half;
        int32_t out = (int32_t)S;

        if (c->table) {
            half = (int64_t)1 << (c->Q - 1);
            q = floor_shift(S + ((int64_t)1 << (c->shift - 1)), c->shift);
            rem = S + ((int64_t)1 << (c->shift - 1)) - q * ((int64_t)1 << c->shift);
            if (q < -half || q >= half) {
                free(sums);
                return -1;
            }
            out = c->m->table[q + half];
            if (p1 != NULL) {
                unsigned k;
                size_t toff = c->off1[c->tb[c->ntb - 1].mcol];

                p1[c->off1[c->col_S] + b] = (int32_t)S;
                p1[c->off1[c->col_Q] + b] = (int32_t)q;
                if (c->lk[4 * c->D + 1].active)
                    p1[toff + q + half]++;
                for (k = 0; k < c->K; k++) {
                    int32_t limb = (int32_t)((rem >> (16 * k)) & 0xffff);
                    const tlookup *lk = &c->lk[4 * c->D + 2 + k];

                    p1[c->off1[c->col_L0 + k] + b] = limb;
                    if (lk->active)
                        p1[c->off1[c->tb[lk->table].mcol] + limb]++;
                }
            }
        }
        if (hk != NULL && hk->output != NULL && b < c->B)
            out = hk->output(hk->arg, b, out);
        if (b < c->B && outw != NULL)
            outw[b] = out;
    }
    free(sums);
    return 0;
}

/* ---- lookups (LogUp with committed inverses, logup.h; docs/trees.md 7.3) ---- */

/* f of lookup k at every entry (prover), from P1 in field form. */
static void
lookup_f_column(const tctx *c, const tlookup *lk, fq_t *f)
{
    size_t n = (size_t)1 << lk->vars, cols = (size_t)1 << c->beta, x;
    unsigned s = lk->s;

    for (x = 0; x < n; x++) {
        fq_t v, t;
        size_t b = x & (cols - 1), tr = x >> c->beta;
        const int32_t *p = c->p1;

        switch (lk->kind) {
        case LK_NODE: {
            uint64_t slot = 1;
            unsigned j;

            for (j = 0; j < s; j++)
                slot = 2 * slot + (uint64_t)p[c->off1[gcol(j, GB)] + x];
            fq_set_u64(&v, slot + ((uint64_t)tr << c->nu));
            fq_mul(&t, &c->gpow[1], &c->P1f[c->off1[gcol(s, GF)] + x]);
            fq_add(&v, &v, &t);
            fq_mul(&t, &c->gpow[2], &c->P1f[c->off1[gcol(s, GK)] + x]);
            fq_add(&v, &v, &t);
            fq_mul(&t, &c->gpow[3], &c->P1f[c->off1[gcol(s, GD)] + x]);
            fq_add(&v, &v, &t);
            break;
        }
        case LK_ROW:
            fq_set_u64(&v, b);
            fq_set_u64(&t, (uint64_t)1 << c->beta);
            fq_mul(&t, &t, &c->P1f[c->off1[gcol(s, GF)] + x]);
            fq_add(&v, &v, &t);
            fq_mul(&t, &c->gpow[1], &c->P1f[c->off1[gcol(s, GX)] + x]);
            fq_add(&v, &v, &t);
            fq_mul(&t, &c->gpow[2], &c->P1f[c->off1[gcol(s, GM)] + x]);
            fq_add(&v, &v, &t);
            break;
        case LK_C0:
            v = c->P1f[c->off1[gcol(s, GC0)] + x];
            break;
        case LK_C1:
            v = c->P1f[c->off1[gcol(s, GC1)] + x];
            break;
        case LK_LEAF: {
            uint64_t leaf = 0;
            unsigned j;

            for (j = 0; j < c->D; j++)
                leaf = 2 * leaf + (uint64_t)p[c->off1[gcol(j, GB)] + x];
            fq_set_u64(&v, leaf + ((uint64_t)tr << c->nu));
            fq_mul(&t, &c->gpow[1], &c->P1f[c->off1[c->col_V] + x]);
            fq_add(&v, &v, &t);
            break;
        }
        case LK_OUT:
            fq_mul(&t, &c->gpow[1], &c->outpub[x]);
            fq_add(&v, &c->P1f[c->off1[c->col_Q] + x], &t);
            break;
        default:                    /* LK_LIMB */
            v = c->P1f[c->off1[c->col_L0 + s] + x];
            break;
        }
        f[x] = v;
    }
}

/* t of table k at every row (prover): public tables and the committed NODE, LEAF. */
static void
table_t_column(const tctx *c, const ttable *tb, fq_t *tv)
{
    size_t n = (size_t)1 << tb->vars, col = (size_t)1 << (c->lN - 2), y;

    if (tb->kind == TB_ROW) {
        memcpy(tv, c->rowtab, n * sizeof(fq_t));
        return;
    }
    if (tb->kind == TB_NODE || tb->kind == TB_LEAF) {
        for (y = 0; y < n; y++) {
            fq_t t;

            fq_set_u64(&tv[y], y);
            if (tb->kind == TB_NODE) {
                fq_mul(&t, &c->gpow[1], &c->Nf[y]);
                fq_add(&tv[y], &tv[y], &t);
                fq_mul(&t, &c->gpow[2], &c->Nf[col + y]);
                fq_add(&tv[y], &tv[y], &t);
                fq_mul(&t, &c->gpow[3], &c->Nf[2 * col + y]);
                fq_add(&tv[y], &tv[y], &t);
            } else {
                fq_mul(&t, &c->gpow[1], &c->Nf[3 * col + y]);
                fq_add(&tv[y], &tv[y], &t);
            }
        }
        return;
    }
    {
        logup_table lt;

        public_table(c, tb, &lt);
        logup_table_values(tv, &lt, &c->gamma);
    }
}

/* ---- steps 1-3: P1, the mask, α and γ, P2 ---- */

static int
tp_commit(tctx *c)
{
    unsigned lc, lr;
    size_t i, k;

    hyrax_split(c->l1, &lc, &lr);
    if (c->prover) {
        c->beta1 = tp_alloc(c, (size_t)1 << lr, sizeof(fq_t));
        c->mask = tp_alloc(c, c->nM, sizeof(fq_t));
        if (c->fail != NULL)
            return -1;
        if (drbg_scalars(&c->rng, c->beta1, (size_t)1 << lr) != 0 ||
            drbg_scalars(&c->rng, c->mask, c->nM) != 0 || drbg_scalar(&c->rng, &c->bM) != 0)
            return tp_fail(c, "the prover's random generator failed");
    }
    if (exchange_rows(c, "P1/rows", &c->c1, c->l1, c->p1, NULL, c->beta1) != 0)
        return -1;
    if (c->prover) {
        gep_t p;

        if (pedersen_comv(&p, c->mask, c->nM, &c->bM) != 0)
            return tp_fail(c, "could not commit the mask");
        ge_set_gep(&c->CM, &p);
    }
    if (exchange_points(c, "mask/C", &c->CM, 1) != 0)
        return -1;
    if (transcript_challenge(&c->t, "lookup/alpha", 0, &c->alpha) != 0 ||
        transcript_challenge(&c->t, "lookup/gamma", 0, &c->gamma) != 0)
        return tp_fail(c, "transcript failure");
    c->gpow[0] = FQ_ONE;
    for (i = 1; i < 4; i++)
        fq_mul(&c->gpow[i], &c->gpow[i - 1], &c->gamma);
    row_table_values(c);
    hyrax_split(c->l2, &lc, &lr);
    if (c->prover) {
        size_t mark;

        c->P2f = tp_alloc(c, (size_t)1 << c->l2, sizeof(fq_t));
        c->beta2 = tp_alloc(c, (size_t)1 << lr, sizeof(fq_t));
        if (c->fail != NULL)
            return -1;
        {
            ptrdiff_t j;
            int vanished = 0;

            /* the f columns stay for S1, which folds them */
            for (k = 0; k < c->nlk; k++)
                if ((c->fcol[k] = tp_alloc(c, (size_t)1 << c->lk[k].vars, sizeof(fq_t))) == NULL)
                    return -1;
            /* one lookup per thread: each column and its batch inversion are sequential */
#pragma omp parallel for schedule(dynamic) num_threads(zkml_threads()) reduction(|:vanished)
            for (j = 0; j < (ptrdiff_t)c->nlk; j++) {
                size_t n = (size_t)1 << c->lk[j].vars;

                if (vanished || zkml_interrupted_in_region()) {
                    vanished |= 1;
                    continue;
                }
                lookup_f_column(c, &c->lk[j], c->fcol[j]);
                if (logup_inverse_column(c->P2f + c->off2[j], c->fcol[j], NULL, n,
                                         &c->alpha) != 0)
                    vanished |= 1;
            }
            if (zkml_interrupted())
                return tp_fail(c, "interrupted");
            if (vanished)
                return tp_fail(c, "a lookup denominator vanished; prove again");
        }
        for (k = 0; k < c->ntb; k++) {
            size_t n = (size_t)1 << c->tb[k].vars;
            fq_t *tv;

            mark = c->n_mem;
            if ((tv = tp_alloc(c, n, sizeof(fq_t))) == NULL)
                return -1;
            table_t_column(c, &c->tb[k], tv);
            if (logup_inverse_column(c->P2f + c->off2[c->nlk + k], tv,
                                     c->P1f + c->off1[c->tb[k].mcol], n, &c->alpha) != 0)
                return tp_fail(c, "a table denominator vanished; prove again");
            tp_release(c, mark);
        }
        if (drbg_scalars(&c->rng, c->beta2, (size_t)1 << lr) != 0)
            return tp_fail(c, "the prover's random generator failed");
    }
    return exchange_rows(c, "P2/rows", &c->c2, c->l2, NULL, c->P2f, c->beta2);
}

/* ---- steps 4-6: τ, the pre-claims, λ, ζ, ρ ---- */

static int
tp_preclaims(tctx *c)
{
    size_t i;

    if (transcript_challenges(&c->t, "tree/tau-z", 0, c->tau_z, c->g) != 0 ||
        (c->beta > 0 && transcript_challenges(&c->t, "tree/tau-s", 0, c->tau_s, c->beta) != 0) ||
        transcript_challenges(&c->t, "lk/tau", 0, c->tau_lk, c->n1) != 0)
        return tp_fail(c, "transcript failure");
    if (c->table) {
        fq_t v[2 + 2];
        size_t n = 2 + c->K, k, first;

        if (c->prover) {
            fq_t *e = tp_alloc(c, (size_t)1 << c->beta, sizeof(fq_t));
            size_t cols[4] = {c->col_S, c->col_Q, c->col_L0, c->col_L0 + 1};

            if (e == NULL)
                return -1;
            mle_eq_table(e, c->tau_s, c->beta);
            for (k = 0; k < n; k++) {
                size_t x;
                fq_t t;

                fq_set_zero(&v[k]);
                for (x = 0; x < ((size_t)1 << c->beta); x++) {
                    fq_mul(&t, &e[x], &c->P1f[c->off1[cols[k]] + x]);
                    fq_add(&v[k], &v[k], &t);
                }
            }
        }
        if (exchange_committed(c, "S1/pre-claims", v, n, &first) != 0)
            return -1;
        c->id_pre = first;
        add_claim(c, POLY_P1, c->off1[c->col_S], c->beta, c->tau_s, first);
        add_claim(c, POLY_P1, c->off1[c->col_Q], c->beta, c->tau_s, first + 1);
        for (k = 0; k < c->K; k++)
            add_claim(c, POLY_P1, c->off1[c->col_L0 + k], c->beta, c->tau_s, first + 2 + k);
    }
    if (transcript_challenges(&c->t, "S1/lambda-z", 0, c->lam_z, 3 * (size_t)c->D) != 0 ||
        transcript_challenge(&c->t, "S1/lambda-s", 0, &c->lam_s) != 0 ||
        transcript_challenges(&c->t, "S1/lambda-lk", 0, c->lam_lk, c->nlk) != 0 ||
        transcript_challenges(&c->t, "S1/lambda-tb", 0, c->lam_tb, c->ntb) != 0 ||
        transcript_challenges(&c->t, "S1/zeta", 0, c->zeta, c->ntb) != 0 ||
        transcript_challenge(&c->t, "S1/rho", 1, &c->rho1) != 0)
        return tp_fail(c, "transcript failure");
    /* test seam: a check switched off in both roles */
    for (i = 0; i < c->D; i++) {
        if (skipped(c, TREE_CHECK_BIT, (unsigned)i))
            fq_set_zero(&c->lam_z[3 * i]);
        if (skipped(c, TREE_CHECK_MISSING, (unsigned)i))
            fq_set_zero(&c->lam_z[3 * i + 1]);
        if (skipped(c, TREE_CHECK_COMPARE, (unsigned)i))
            fq_set_zero(&c->lam_z[3 * i + 2]);
    }
    if (skipped(c, TREE_CHECK_SUM, 0))
        fq_set_zero(&c->lam_s);
    return 0;
}

/* ---- step 7: the instances of S1 (prover) ---- */

/* A copy of a column for a sumcheck table (S1 and S2 fold their tables in place). */
static fq_t *
copy_col(tctx *c, const fq_t *src, size_t n)
{
    fq_t *d = tp_alloc(c, n, sizeof(fq_t));
    size_t chunk = (size_t)1 << 14;
    ptrdiff_t j;

    if (d == NULL)
        return NULL;
    /* in chunks over the threads: the first touch of fresh pages is most of the cost */
#pragma omp parallel for schedule(static) num_threads(zkml_threads()) if (n > chunk)
    for (j = 0; j < (ptrdiff_t)((n + chunk - 1) / chunk); j++) {
        size_t lo = (size_t)j * chunk, len = n - lo < chunk ? n - lo : chunk;

        memcpy(d + lo, src + lo, len * sizeof(fq_t));
    }
    return d;
}

/* P1 as field elements again from the int32 witness, after a sumcheck folded it. */
static void
restore_p1(tctx *c)
{
    ptrdiff_t i, n = (ptrdiff_t)1 << c->l1;

#pragma omp parallel for schedule(static) num_threads(zkml_threads())
    for (i = 0; i < n; i++)
        fq_set_i64(&c->P1f[i], c->p1[i]);
}

static int
term(sumcheck_instance *in, const fq_t *coef, int64_t mult, unsigned nf, unsigned a,
     unsigned b, unsigned d)
{
    unsigned f[3] = {a, b, d};
    fq_t k, m;

    fq_set_i64(&m, mult);
    fq_mul(&k, coef, &m);
    return sumcheck_instance_term(in, &k, nf, f);
}

static sumcheck_instance *
s1_instances(tctx *c, size_t *count)
{
    size_t ng = (size_t)1 << c->g, cols = (size_t)1 << c->beta, n = 0, k, x;
    sumcheck_instance *inst = tp_alloc(c, 2 * (size_t)c->D + 1 + c->nlk + c->ntb,
                                       sizeof(sumcheck_instance));
    fq_t *eqz, *eqlk, two32;
    unsigned s;
    int bad = 0;

    if (inst == NULL || (eqz = tp_alloc(c, ng, sizeof(fq_t))) == NULL ||
        (eqlk = tp_alloc(c, (size_t)1 << c->n1, sizeof(fq_t))) == NULL)
        return NULL;
    mle_eq_table(eqz, c->tau_z, c->g);
    pow2(&two32, 32);
    for (s = 0; s < c->D; s++) {
        const fq_t *lb = &c->lam_z[3 * s], *le = &c->lam_z[3 * s + 1], *lc = &c->lam_z[3 * s + 2];
        sumcheck_instance *A = &inst[n++], *C = &inst[n++];
        fq_t *colp[NGRID];
        unsigned i;

        for (i = 0; i < NGRID; i++)
            colp[i] = c->P1f + c->off1[gcol(s, i)];
        /* P1's columns are folded in place where only one instance reads them (P1 is
         * restored from the int32 witness after S1), copied where two do (b, e) */
        sumcheck_instance_init(A, c->g);
        sumcheck_instance_table(A, copy_col(c, eqz, ng));
        sumcheck_instance_table(A, copy_col(c, colp[GB], ng));
        sumcheck_instance_table(A, colp[GM]);
        sumcheck_instance_table(A, colp[GD]);
        sumcheck_instance_table(A, copy_col(c, colp[GE], ng));
        bad |= term(A, lb, 1, 2, 0, 1, 0) | term(A, lb, -1, 3, 0, 1, 1) |
               term(A, le, 1, 2, 0, 4, 0) | term(A, le, -1, 3, 0, 2, 3);
        sumcheck_instance_init(C, c->g);
        sumcheck_instance_table(C, s + 1 < c->D ? copy_col(c, eqz, ng) : eqz);
        sumcheck_instance_table(C, colp[GB]);
        sumcheck_instance_table(C, colp[GX]);
        sumcheck_instance_table(C, colp[GK]);
        sumcheck_instance_table(C, colp[GE]);
        sumcheck_instance_table(C, colp[GC0]);
        sumcheck_instance_table(C, colp[GC1]);
        {
            fq_t l2e33, l2e32;

            fq_mul(&l2e32, lc, &two32);
            fq_dbl(&l2e33, &l2e32);
            bad |= term(C, lc, 2, 3, 0, 1, 2) | term(C, &l2e33, 1, 3, 0, 1, 4) |
                   term(C, lc, -2, 3, 0, 1, 3) | term(C, lc, -1, 2, 0, 2, 0) |
                   term(C, &l2e32, -1, 2, 0, 4, 0) | term(C, lc, 1, 2, 0, 3, 0) |
                   term(C, lc, -1, 1, 0, 0, 0) | term(C, lc, 1, 2, 0, 1, 0) |
                   term(C, lc, -1, 2, 0, 5, 0) | term(C, lc, -65536, 2, 0, 6, 0);
        }
    }
    {                                   /* the sum: Σ eq(τ_S, b)·v(b, t) */
        sumcheck_instance *S = &inst[n++];
        fq_t *eqs = tp_alloc(c, ng, sizeof(fq_t)), *e = tp_alloc(c, cols, sizeof(fq_t));

        if (eqs == NULL || e == NULL)
            return NULL;
        mle_eq_table(e, c->tau_s, c->beta);
        for (x = 0; x < ng; x++)
            eqs[x] = e[x & (cols - 1)];
        sumcheck_instance_init(S, c->g);
        sumcheck_instance_table(S, eqs);
        sumcheck_instance_table(S, c->P1f + c->off1[c->col_V]);
        bad |= term(S, &c->lam_s, 1, 2, 0, 1, 0);
    }
    for (k = 0; k < c->nlk; k++) {
        const tlookup *lk = &c->lk[k];
        size_t nk = (size_t)1 << lk->vars;
        fq_t zw, *f;

        if (!lk->active)
            continue;
        f = c->fcol[k];                 /* from P2, folded here */
        logup_zeta_weight(&zw, &c->zeta[lk->table], c->n1, lk->vars);
        mle_eq_table(eqlk, c->tau_lk + (c->n1 - lk->vars), lk->vars);
        if (logup_lookup_instance(&inst[n++], lk->vars, copy_col(c, eqlk, nk),
                                  copy_col(c, c->P2f + c->off2[k], nk), f, &c->lam_lk[k],
                                  &c->alpha, &zw) != 0)
            bad = 1;
    }
    for (k = 0; k < c->ntb; k++) {
        const ttable *tb = &c->tb[k];
        size_t nt = (size_t)1 << tb->vars;
        fq_t zw, *tv;

        if ((tv = tp_alloc(c, nt, sizeof(fq_t))) == NULL)
            return NULL;
        table_t_column(c, tb, tv);
        logup_zeta_weight(&zw, &c->zeta[k], c->n1, tb->vars);
        mle_eq_table(eqlk, c->tau_lk + (c->n1 - tb->vars), tb->vars);
        if (logup_table_instance(&inst[n++], tb->vars, copy_col(c, eqlk, nt),
                                 copy_col(c, c->P2f + c->off2[c->nlk + k], nt), tv,
                                 c->P1f + c->off1[tb->mcol], &c->lam_tb[k],
                                 &c->alpha, &zw) != 0)
            bad = 1;
    }
    if (bad || c->fail != NULL) {
        tp_fail(c, "internal failure building S1");
        return NULL;
    }
    *count = n;
    return inst;
}

/* ---- step 8: the finals of S1 and the product proofs ---- */

/* ⟨P, EqTable(z)⟩ over n entries, with a scratch eq table (prover). */
static void
dot_eq(fq_t *r, const fq_t *P, const fq_t *e, size_t n)
{
    fq_t acc, t;
    size_t i;

    fq_set_zero(&acc);
    for (i = 0; i < n; i++) {
        fq_mul(&t, &P[i], &e[i]);
        fq_add(&acc, &acc, &t);
    }
    *r = acc;
}

static int
tp_finals(tctx *c)
{
    size_t n = c->ncol1 + c->ncol2 + 4, i, first, mark = c->n_mem;
    fq_t *v = tp_alloc(c, n, sizeof(fq_t));
    unsigned kappa;

    if (v == NULL)
        return -1;
    if (c->prover) {
        /* one eq table per column size; the columns of a size in parallel */
        for (kappa = 0; kappa <= c->n1; kappa++) {
            fq_t *e = NULL;
            ptrdiff_t j;
            size_t col = (size_t)1 << (c->lN - 2);

            for (i = 0; i < c->ncol1 + c->ncol2; i++)
                if ((i < c->ncol1 ? c->log1[i] : c->log2[i - c->ncol1]) == kappa)
                    break;
            if (i == c->ncol1 + c->ncol2 && kappa != c->lN - 2)
                continue;
            if ((e = tp_alloc(c, (size_t)1 << kappa, sizeof(fq_t))) == NULL)
                return -1;
            mle_eq_table(e, c->r1 + (c->n1 - kappa), kappa);
#pragma omp parallel for schedule(dynamic) num_threads(zkml_threads())
            for (j = 0; j < (ptrdiff_t)(c->ncol1 + c->ncol2); j++) {
                size_t jj = (size_t)j;

                if (jj < c->ncol1 && c->log1[jj] == kappa)
                    dot_eq(&v[jj], c->P1f + c->off1[jj], e, (size_t)1 << kappa);
                else if (jj >= c->ncol1 && c->log2[jj - c->ncol1] == kappa)
                    dot_eq(&v[jj], c->P2f + c->off2[jj - c->ncol1], e, (size_t)1 << kappa);
            }
            if (kappa == c->lN - 2)
                for (i = 0; i < 4; i++)
                    dot_eq(&v[c->ncol1 + c->ncol2 + i], c->Nf + i * col, e, col);
        }
    }
    if (exchange_committed(c, "S1/finals", v, n, &first) != 0)
        return -1;
    c->id_f1 = first;
    c->id_f2 = first + c->ncol1;
    c->id_fN = first + c->ncol1 + c->ncol2;
    for (i = 0; i < c->ncol1; i++)
        add_claim(c, POLY_P1, c->off1[i], c->log1[i], c->r1 + (c->n1 - c->log1[i]),
                  c->id_f1 + i);
    for (i = 0; i < c->ncol2; i++)
        add_claim(c, POLY_P2, c->off2[i], c->log2[i], c->r1 + (c->n1 - c->log2[i]),
                  c->id_f2 + i);
    for (i = 0; i < 4; i++)
        add_claim(c, POLY_N, i << (c->lN - 2), c->lN - 2, c->r1 + (c->n1 - (c->lN - 2)),
                  c->id_fN + i);
    tp_release(c, mark);
    return c->fail != NULL ? -1 : 0;
}

static size_t
fin1(const tctx *c, size_t col)
{
    return c->id_f1 + col;
}

/* The f of lookup k at its final point as a form over the finals. */
static void
lookup_f_form(const tctx *c, const tlookup *lk, tform *f)
{
    const fq_t *r = c->r1 + (c->n1 - lk->vars);
    fq_t t, p;
    unsigned s = lk->s, j;

    form_init(f);
    switch (lk->kind) {
    case LK_NODE:
    case LK_LEAF: {
        unsigned steps = lk->kind == LK_NODE ? s : c->D;

        index_mle(&t, r + c->beta, c->tau);
        pow2(&p, c->nu);
        fq_mul(&f->c, &t, &p);
        if (lk->kind == LK_NODE) {
            pow2(&p, s);
            fq_add(&f->c, &f->c, &p);
        }
        for (j = 0; j < steps; j++) {
            pow2(&p, steps - 1 - j);
            form_add(f, fin1(c, gcol(j, GB)), &p);
        }
        if (lk->kind == LK_NODE) {
            form_add(f, fin1(c, gcol(s, GF)), &c->gpow[1]);
            form_add(f, fin1(c, gcol(s, GK)), &c->gpow[2]);
            form_add(f, fin1(c, gcol(s, GD)), &c->gpow[3]);
        } else {
            form_add(f, fin1(c, c->col_V), &c->gpow[1]);
        }
        break;
    }
    case LK_ROW:
        index_mle(&f->c, r, c->beta);
        pow2(&p, c->beta);
        form_add(f, fin1(c, gcol(s, GF)), &p);
        form_add(f, fin1(c, gcol(s, GX)), &c->gpow[1]);
        form_add(f, fin1(c, gcol(s, GM)), &c->gpow[2]);
        break;
    case LK_C0:
        form_add_i(f, fin1(c, gcol(s, GC0)), 1);
        break;
    case LK_C1:
        form_add_i(f, fin1(c, gcol(s, GC1)), 1);
        break;
    case LK_OUT:
        mle_eval(&t, c->outpub, c->beta, r);
        fq_mul(&f->c, &t, &c->gamma);
        form_add_i(f, fin1(c, c->col_Q), 1);
        break;
    default:
        form_add_i(f, fin1(c, c->col_L0 + s), 1);
        break;
    }
}

/* t of a committed table at its final point, over the finals of N. */
static void
table_t_form(const tctx *c, const ttable *tb, tform *f)
{
    form_init(f);
    index_mle(&f->c, c->r1 + (c->n1 - tb->vars), tb->vars);
    if (tb->kind == TB_NODE) {
        form_add(f, c->id_fN + 0, &c->gpow[1]);
        form_add(f, c->id_fN + 1, &c->gpow[2]);
        form_add(f, c->id_fN + 2, &c->gpow[3]);
    } else {
        form_add(f, c->id_fN + 3, &c->gpow[1]);
    }
}

/*
 * The products, in order: per level b·b, m·d, b·y (y = x + 2^32·e - k); per active
 * lookup h·f; per committed table t·g.  Their values committed ("S1/products"), then
 * one product proof each.
 */
static size_t
n_products(const tctx *c)
{
    size_t n = 3 * (size_t)c->D, k;

    for (k = 0; k < c->nlk; k++)
        n += c->lk[k].active;
    return n + 2;
}

static void
product_forms(const tctx *c, size_t i, tform *X, tform *Y)
{
    size_t D3 = 3 * (size_t)c->D, k, a = 0;

    form_init(X);
    form_init(Y);
    if (i < D3) {
        unsigned s = (unsigned)(i / 3);

        switch (i % 3) {
        case 0:
            form_add_i(X, fin1(c, gcol(s, GB)), 1);
            form_add_i(Y, fin1(c, gcol(s, GB)), 1);
            break;
        case 1:
            form_add_i(X, fin1(c, gcol(s, GM)), 1);
            form_add_i(Y, fin1(c, gcol(s, GD)), 1);
            break;
        default: {
            fq_t two32;

            pow2(&two32, 32);
            form_add_i(X, fin1(c, gcol(s, GB)), 1);
            form_add_i(Y, fin1(c, gcol(s, GX)), 1);
            form_add(Y, fin1(c, gcol(s, GE)), &two32);
            form_add_i(Y, fin1(c, gcol(s, GK)), -1);
        }
        }
        return;
    }
    i -= D3;
    for (k = 0; k < c->nlk; k++) {
        if (!c->lk[k].active)
            continue;
        if (a++ == i) {
            form_add_i(X, c->id_f2 + k, 1);
            lookup_f_form(c, &c->lk[k], Y);
            return;
        }
    }
    i -= a;
    table_t_form(c, &c->tb[i], X);                      /* 0: NODE, 1: LEAF */
    form_add_i(Y, c->id_f2 + c->nlk + i, 1);
}

static int
tp_products(tctx *c)
{
    size_t np = n_products(c), i, first, mark = c->n_mem;
    fq_t *z = tp_alloc(c, np, sizeof(fq_t)), *bx = tp_alloc(c, np, sizeof(fq_t));
    fq_t *by = tp_alloc(c, np, sizeof(fq_t)), *xv = tp_alloc(c, np, sizeof(fq_t));
    fq_t *yv = tp_alloc(c, np, sizeof(fq_t));
    ge_t *CX = tp_alloc(c, np, sizeof(ge_t)), *CY = tp_alloc(c, np, sizeof(ge_t));
    tform *X = tp_alloc(c, 2, sizeof(tform)), *Y = X + 1;

    if (c->fail != NULL)
        return -1;
    for (i = 0; i < np; i++) {
        product_forms(c, i, X, Y);
        form_commit(c, X, &CX[i], &xv[i], &bx[i]);
        form_commit(c, Y, &CY[i], &yv[i], &by[i]);
        if (c->prover)
            fq_mul(&z[i], &xv[i], &yv[i]);
    }
    if (exchange_committed(c, "S1/products", z, np, &first) != 0)
        return -1;
    c->id_prod = first;
    c->n_prod = np;
    for (i = 0; i < np; i++) {
        product_proof pf;
        const char *why = NULL;

        if (c->prover) {
            if (product_prove(&pf, &c->t, &c->rng, &CX[i], &CY[i], &c->com[first + i], &xv[i],
                              &bx[i], &yv[i], &by[i], &c->bl[first + i]) != 0)
                return tp_fail(c, "the product prover failed");
            codec_put_product(c->w, &pf);
        } else {
            codec_get_product(c->r, &pf);
            if (reader_ok(c) != 0)
                return -1;
            if (product_verify(&c->t, &CX[i], &CY[i], &c->com[first + i], &pf, &why) != 1)
                return tp_fail(c, why != NULL ? why : "a product proof does not verify");
        }
    }
    tp_release(c, mark);
    return 0;
}

/* ---- S2 (the claims reduced to one point per polynomial) and the openings ---- */

static unsigned
poly_vars(const tctx *c, int poly)
{
    return poly == POLY_P1 ? c->l1 : poly == POLY_P2 ? c->l2 : c->lN;
}

static int
tp_s2(tctx *c)
{
    sumcheck_instance *inst = NULL;
    static const unsigned pk[2] = {0, 1};
    fq_t v[3];
    size_t i, j, first;

    if (transcript_challenges(&c->t, "S2/theta", 0, c->theta, c->n_claims) != 0 ||
        transcript_challenge(&c->t, "S2/rho", 1, &c->rho2) != 0)
        return tp_fail(c, "transcript failure");
    if (c->prover) {
        fq_t *K[3], *src[3], *e;
        int x;

        inst = tp_alloc(c, 3, sizeof(sumcheck_instance));
        src[0] = c->P1f;
        src[1] = copy_col(c, c->P2f, (size_t)1 << c->l2);
        src[2] = copy_col(c, c->Nf, (size_t)1 << c->lN);
        for (x = 0; x < 3; x++)
            K[x] = tp_alloc(c, (size_t)1 << poly_vars(c, x), sizeof(fq_t));
        e = tp_alloc(c, (size_t)1 << c->n1, sizeof(fq_t));
        if (c->fail != NULL)
            return -1;
        for (i = 0; i < c->n_claims; i++) {
            const tclaim *cl = &c->claims[i];
            fq_t *k = K[cl->poly] + cl->offset;

            mle_eq_table_scaled(e, cl->z, cl->kappa, &c->theta[i]);
            for (j = 0; j < ((size_t)1 << cl->kappa); j++)
                fq_add(&k[j], &k[j], &e[j]);
        }
        for (x = 0; x < 3; x++) {
            sumcheck_instance_init(&inst[x], poly_vars(c, x));
            if (sumcheck_instance_table(&inst[x], src[x]) != 0 ||
                sumcheck_instance_table(&inst[x], K[x]) != 1 ||
                sumcheck_instance_term(&inst[x], &FQ_ONE, 2, pk) != 0)
                return tp_fail(c, "internal failure building S2");
        }
    }
    if (run_sumcheck(c, "S2", c->n2, 2, &c->rho2, c->prover ? c->mask + 4 * (size_t)c->n1 : NULL,
                     inst, 3, &c->T2, c->r2, &c->e2) != 0)
        return -1;
    if (c->prover) {
        size_t n = (size_t)1 << c->l1;

        for (i = 0; i < 3; i++)
            v[i] = inst[i].tables[0][0];
        for (i = 0; i < n; i++)             /* P1 folded in place by S2: back from p1 */
            fq_set_i64(&c->P1f[i], c->p1[i]);
    }
    return exchange_committed(c, "S2/finals", v, 3, &first) != 0 ? -1 :
           (c->id_u[0] = first, c->id_u[1] = first + 1, c->id_u[2] = first + 2, 0);
}

static int
opening(tctx *c, const hyrax_commitment *h, const fq_t *P, const fq_t *beta, size_t id,
        int check)
{
    ipa_proof pf;
    const char *why = NULL;
    const fq_t *z = c->r2 + (c->n2 - h->l);
    int rc;

    if (c->prover) {
        if (hyrax_open(&pf, &c->t, &c->rng, h, P, beta, z, &c->com[id], &c->bl[id]) != 0)
            return tp_fail(c, "the opening prover failed");
        codec_put_ipa(c->w, &pf);
        return 0;
    }
    codec_get_ipa(c->r, &pf, h->lc);
    if (reader_ok(c) != 0)
        return -1;
    rc = hyrax_verify(&c->t, h, z, &c->com[id], &pf, &why);
    if (rc == 0 && !check)
        rc = 1;
    if (rc != 1)
        return tp_fail(c, why != NULL ? why : "an opening does not verify");
    return 0;
}

static int
tp_openings(tctx *c)
{
    fq_t *betaN = NULL;

    if (opening(c, &c->c1, c->P1f, c->beta1, c->id_u[0], 1) != 0 ||
        opening(c, &c->c2, c->P2f, c->beta2, c->id_u[1], 1) != 0)
        return -1;
    if (c->prover) {
        size_t rows = (size_t)1 << c->st->commitment->lr;

        betaN = tp_alloc(c, rows, sizeof(fq_t));
        if (betaN == NULL || hyrax_blinds_from_seed(betaN, rows, c->seed) != 0)
            return tp_fail(c, "could not derive the node blinds");
    }
    return opening(c, c->st->commitment, c->Nf, betaN, c->id_u[2],
                   !skipped(c, TREE_CHECK_OPENING_N, 0));
}

/* ---- the linear relations ---- */

static int
tp_relations(tctx *c)
{
    size_t nf = 2 * (size_t)c->D + 1 + c->nlk + c->ntb, k, i, nfo = 0, ip;
    tform *F = tp_alloc(c, nf + 2, sizeof(tform));
    linrel_form *lf = tp_alloc(c, nf + 2, sizeof(linrel_form));
    linrel_term *t3 = tp_alloc(c, c->n_claims, sizeof(linrel_term));
    const fq_t *rg = c->r1 + (c->n1 - c->g);
    fq_t ez, es, two32, p;
    linrel_form f3, f4;
    linrel_term t4[3];
    unsigned s;

    if (c->fail != NULL)
        return -1;
    pow2(&two32, 32);
    /* the pre-claims (table): S~ + 2^(s-1) = 2^s·q~ + Σ 2^(16k)·limb~_k */
    if (c->table) {
        fq_t one = FQ_ONE, rhs;

        linrel_relation_begin(&c->lr);
        linrel_relation_scalar(&c->lr, c->id_pre, &one);
        pow2(&p, c->shift);
        fq_neg(&p, &p);
        linrel_relation_scalar(&c->lr, c->id_pre + 1, &p);
        for (k = 0; k < c->K; k++) {
            pow2(&p, 16 * (unsigned)k);
            fq_neg(&p, &p);
            linrel_relation_scalar(&c->lr, c->id_pre + 2 + k, &p);
        }
        pow2(&rhs, c->shift - 1);
        fq_neg(&rhs, &rhs);
        linrel_relation_end(&c->lr, &rhs);
    }
    /* R_init of S1: H = 2^(n1-g)·λ_S·S~(τ_S) */
    form_init(&F[0]);
    pow2(&p, c->n1 - c->g);
    fq_mul(&p, &p, &c->lam_s);
    if (c->table) {
        form_add(&F[0], c->id_pre, &p);
    } else {
        mle_eval(&es, c->outpub, c->beta, c->tau_s);
        fq_mul(&F[0].c, &p, &es);
    }
    lf[0] = form_view(&F[0]);
    if (sumcheck_relation_init(&c->lr, c->n1, 3, 0, &c->rho1, &lf[0], 1, &c->T1) != 0)
        return tp_fail(c, "internal failure building the relations");

    /* R_final of S1: each instance at the finals */
    eq_eval(&ez, c->tau_z, rg, c->g);
    for (s = 0; s < c->D; s++) {
        tform *A = &F[nfo++], *C = &F[nfo++];
        fq_t w, m1;
        size_t pb = c->id_prod + 3 * s;

        form_init(A);
        fq_mul(&w, &ez, &c->lam_z[3 * s]);              /* λb·e·(b - b·b) */
        form_add(A, fin1(c, gcol(s, GB)), &w);
        fq_neg(&m1, &w);
        form_add(A, pb, &m1);
        fq_mul(&w, &ez, &c->lam_z[3 * s + 1]);          /* λe·e·(e - m·d) */
        form_add(A, fin1(c, gcol(s, GE)), &w);
        fq_neg(&m1, &w);
        form_add(A, pb + 1, &m1);
        /* λc·e·(2·b·y - x - 2^32·e + k - 1 + b - c0 - 2^16·c1) */
        form_init(C);
        fq_mul(&w, &ez, &c->lam_z[3 * s + 2]);
        fq_dbl(&m1, &w);
        form_add(C, pb + 2, &m1);
        fq_neg(&m1, &w);
        form_add(C, fin1(c, gcol(s, GX)), &m1);
        fq_mul(&m1, &m1, &two32);
        form_add(C, fin1(c, gcol(s, GE)), &m1);
        form_add(C, fin1(c, gcol(s, GK)), &w);
        fq_neg(&C->c, &w);
        form_add(C, fin1(c, gcol(s, GB)), &w);
        fq_neg(&m1, &w);
        form_add(C, fin1(c, gcol(s, GC0)), &m1);
        fq_set_u64(&p, 65536);
        fq_mul(&m1, &m1, &p);
        form_add(C, fin1(c, gcol(s, GC1)), &m1);
    }
    {                                                   /* λ_S·eq(τ_S, r_b)·v~ */
        tform *S = &F[nfo++];

        form_init(S);
        eq_eval(&es, c->tau_s, rg, c->beta);
        fq_mul(&p, &es, &c->lam_s);
        form_add(S, fin1(c, c->col_V), &p);
    }
    ip = c->id_prod + 3 * (size_t)c->D;
    for (k = 0; k < c->nlk; k++) {
        const tlookup *lk = &c->lk[k];
        fq_t zw, e;

        if (!lk->active)
            continue;
        logup_zeta_weight(&zw, &c->zeta[lk->table], c->n1, lk->vars);
        eq_eval(&e, c->tau_lk + (c->n1 - lk->vars), c->r1 + (c->n1 - lk->vars), lk->vars);
        form_init(&F[nfo]);
        logup_lookup_form(&lf[nfo], F[nfo].t, c->id_f2 + k, ip++, &c->lam_lk[k], &c->alpha,
                          &zw, &e);
        F[nfo].n = lf[nfo].n_terms;
        F[nfo].c = lf[nfo].constant;
        nfo++;
    }
    for (k = 0; k < c->ntb; k++) {
        const ttable *tb = &c->tb[k];
        const fq_t *rt = c->r1 + (c->n1 - tb->vars);
        size_t id_g = c->id_f2 + c->nlk + k, id_m = fin1(c, tb->mcol);
        fq_t zw, e, tr, w, m1;

        logup_zeta_weight(&zw, &c->zeta[k], c->n1, tb->vars);
        eq_eval(&e, c->tau_lk + (c->n1 - tb->vars), rt, tb->vars);
        form_init(&F[nfo]);
        if (tb->kind == TB_NODE || tb->kind == TB_LEAF) {
            /* λ·e·(α·g - t·g - m) - ζ_w·g, t·g a product */
            fq_mul(&w, &c->lam_tb[k], &e);
            fq_mul(&m1, &w, &c->alpha);
            fq_sub(&m1, &m1, &zw);
            form_add(&F[nfo], id_g, &m1);
            fq_neg(&m1, &w);
            form_add(&F[nfo], ip + (tb->kind == TB_NODE ? 0 : 1), &m1);
            form_add(&F[nfo], id_m, &m1);
        } else {
            if (tb->kind == TB_ROW) {
                mle_eval(&tr, c->rowtab, tb->vars, rt);
            } else {
                logup_table lt;

                public_table(c, tb, &lt);
                if (logup_table_mle(&tr, &lt, rt, &c->gamma) != 0)
                    return tp_fail(c, "out of memory");
            }
            logup_table_form(&lf[nfo], F[nfo].t, id_g, id_m, &c->lam_tb[k], &c->alpha, &zw, &e,
                             &tr);
            F[nfo].n = lf[nfo].n_terms;
            F[nfo].c = lf[nfo].constant;
        }
        nfo++;
    }
    for (i = 0; i < nfo; i++)
        lf[i] = form_view(&F[i]);
    if (sumcheck_relation_final(&c->lr, c->n1, 3, 0, &c->rho1, c->r1, lf, nfo, &c->e1) != 0)
        return tp_fail(c, "internal failure building the relations");

    /* S2: R_init Σ_c θ_c·2^(n2 - l(X_c))·v_c; R_final Σ_X u_X·K_X(r) */
    for (i = 0; i < 3; i++) {
        t4[i].id = c->id_u[i];
        fq_set_zero(&t4[i].coef);
    }
    for (i = 0; i < c->n_claims; i++) {
        const tclaim *cl = &c->claims[i];
        unsigned lx = poly_vars(c, cl->poly);
        fq_t lifted[LAYOUT_MAX_LOG], e;

        t3[i].id = cl->id;
        pow2(&t3[i].coef, c->n2 - lx);
        fq_mul(&t3[i].coef, &t3[i].coef, &c->theta[i]);
        if (layout_claim_point(lifted, cl->z, cl->kappa, cl->offset, lx) != 0)
            return tp_fail(c, "internal failure lifting a claim");
        eq_eval(&e, lifted, c->r2 + (c->n2 - lx), lx);
        fq_mul(&e, &e, &c->theta[i]);
        fq_add(&t4[cl->poly].coef, &t4[cl->poly].coef, &e);
    }
    f3.terms = t3;
    f3.n_terms = c->n_claims;
    fq_set_zero(&f3.constant);
    f4.terms = t4;
    f4.n_terms = 3;
    fq_set_zero(&f4.constant);
    if (sumcheck_relation_init(&c->lr, c->n2, 2, 4 * (size_t)c->n1, &c->rho2, &f3, 1,
                               &c->T2) != 0 ||
        sumcheck_relation_final(&c->lr, c->n2, 2, 4 * (size_t)c->n1, &c->rho2, c->r2, &f4, 1,
                                &c->e2) != 0)
        return tp_fail(c, "internal failure building the relations");
    return 0;
}

static int
tp_linear(tctx *c)
{
    ipa_proof pf;
    const char *why = NULL;

    if (c->prover) {
        size_t bad;

        if (c->hooks == NULL && linrel_check(&c->lr, c->mask, &bad) != 0)
            return tp_fail(c, "internal error: a linear relation of the proof does not hold");
        if (linrel_prove(&c->lr, &c->t, &c->rng, c->mask, &c->bM, &pf) != 0)
            return tp_fail(c, "the linear-relation prover failed");
        codec_put_ipa(c->w, &pf);
        return 0;
    }
    codec_get_ipa(c->r, &pf, c->mask_log);
    if (reader_ok(c) != 0)
        return -1;
    if (linrel_verify(&c->lr, &c->t, &pf, &why) != 1)
        return tp_fail(c, why != NULL ? why : "the linear relations do not hold");
    return 0;
}

/* Steps 1-12 after the statement, one schedule for both roles. */
static int
run_protocol(tctx *c)
{
    sumcheck_instance *inst = NULL;
    size_t ninst = 0, mark;

    if (tp_commit(c) != 0 || phase_end(c, "commitments") != 0)
        return -1;
    if (c->prover)
        linrel_init_prover(&c->lr, &c->CM, c->mask_log);
    else
        linrel_init_verifier(&c->lr, &c->CM, c->mask_log);
    if (tp_preclaims(c) != 0)
        return -1;
    mark = c->n_mem;
    if (c->prover && (inst = s1_instances(c, &ninst)) == NULL)
        return -1;
    if (run_sumcheck(c, "S1", c->n1, 3, &c->rho1, c->mask, inst, ninst, &c->T1, c->r1,
                     &c->e1) != 0)
        return -1;
    tp_release(c, mark);                /* the folded S1 tables */
    if (c->prover)
        restore_p1(c);
    if (tp_finals(c) != 0 || tp_products(c) != 0 || phase_end(c, "sumcheck S1") != 0)
        return -1;
    if (tp_s2(c) != 0 || phase_end(c, "sumcheck S2") != 0)
        return -1;
    if (tp_openings(c) != 0 || tp_relations(c) != 0 || tp_linear(c) != 0)
        return -1;
    return phase_end(c, "openings");
}

/* ---- entry points ---- */

static void
put_header(codec_writer *w)
{
    uint8_t h[TREE_PROOF_HEADER_LEN] = {0};

    memcpy(h, TREE_PROOF_MAGIC, 8);
    h[8] = TREE_PROOF_VERSION;
    h[9] = 0;                                   /* input mode: public inputs */
    codec_put_bytes(w, h, sizeof h);
}

static int
get_header(codec_reader *r)
{
    uint8_t h[TREE_PROOF_HEADER_LEN];
    size_t i;

    if (codec_get_bytes(r, h, sizeof h) != 0)
        return -1;
    if (memcmp(h, TREE_PROOF_MAGIC, 8) != 0) {
        r->error = "the proof does not start with the ZKMLPT01 header";
        return -1;
    }
    if (h[8] != TREE_PROOF_VERSION) {
        r->error = "the proof has an unknown format version";
        return -1;
    }
    for (i = 9; i < sizeof h; i++)
        if (h[i] != 0) {
            r->error = "the proof header has nonzero reserved bytes";
            return -1;
        }
    return 0;
}

int
tree_proof_forged_outputs(int32_t *outputs, const model_statement *st,
                          const tree_test_hooks *hooks)
{
    tctx c;
    int rc;

    memset(&c, 0, sizeof c);
    c.st = st;
    c.m = st->model;
    c.hooks = hooks;
    rc = tp_setup(&c) == 0 &&
                 build_witness(&c, hooks != NULL && hooks->witness_model != NULL
                                       ? hooks->witness_model : c.m, NULL, outputs) == 0
             ? 0 : -1;
    tp_free_all(&c);
    return rc;
}

int
tree_proof_prove_hooked(uint8_t **proof, size_t *proof_len, const model_statement *st,
                        const uint8_t seed[32], const infer_options *opts,
                        const tree_test_hooks *hooks, char *err)
{
    tctx c;
    codec_writer w;
    int32_t *N = NULL;
    size_t i, len;
    int rc = -1;

    memset(&c, 0, sizeof c);
    codec_writer_init(&w);
    *proof = NULL;
    *proof_len = 0;
    c.prover = 1;
    c.st = st;
    c.m = st->model;
    c.wm = hooks != NULL && hooks->witness_model != NULL ? hooks->witness_model : c.m;
    c.w = &w;
    c.seed = seed;
    c.opts = opts;
    c.hooks = hooks;
    if (c.m == NULL || c.m->leaf == NULL || c.wm->leaf == NULL) {
        tp_fail(&c, "the model has no nodes (a public model)");
        goto out;
    }
    c.phase_start = monotonic_seconds();
    if (tp_setup(&c) != 0)
        goto out;
    len = (size_t)1 << c.l1;
    c.p1 = tp_alloc(&c, len, sizeof(int32_t));
    c.outw = tp_alloc(&c, c.B, sizeof(int32_t));
    c.P1f = tp_alloc(&c, len, sizeof(fq_t));
    c.Nf = tp_alloc(&c, (size_t)1 << c.lN, sizeof(fq_t));
    if (c.fail != NULL)
        goto out;
    if (build_witness(&c, c.wm, c.p1, c.outw) != 0) {
        tp_fail(&c, "a row's sum leaves the output table");
        goto out;
    }
    if (hooks == NULL)
        for (i = 0; i < c.B; i++)
            if (c.outw[i] != st->outputs[i]) {
                tp_fail(&c, "the outputs are not what the model computes for these inputs");
                goto out;
            }
    restore_p1(&c);
    if (tree_model_node_table(&N, c.wm, err) != 0)
        goto out_err;
    for (i = 0; i < ((size_t)1 << c.lN); i++)
        fq_set_i64(&c.Nf[i], N[i]);
    explicit_bzero(N, ((size_t)1 << c.lN) * sizeof *N);
    free(N);
    if (tp_statement(&c) != 0)
        goto out;
    if ((opts != NULL && opts->fixed_rng != NULL
             ? drbg_init_fixed(&c.rng, opts->fixed_rng, seed, c.t.state)
             : drbg_init(&c.rng, seed, c.t.state)) != 0) {
        tp_fail(&c, "the operating system's random generator failed");
        goto out;
    }
    put_header(&w);
    if (phase_end(&c, "witness") != 0)
        goto out;
    if (run_protocol(&c) != 0)
        goto out;
    if (w.failed) {
        tp_fail(&c, "out of memory");
        goto out;
    }
    *proof = w.data;
    *proof_len = w.len;
    w.data = NULL;
    rc = 0;
out:
    if (rc != 0 && err != NULL)
        zkml_fail(err, zkml_interrupted() ? ZKML_E_INTERNAL : ZKML_E_INVALID, "%s",
                  c.fail != NULL ? c.fail : "the proof failed");
out_err:
    codec_writer_free(&w);
    tp_free_all(&c);
    return rc;
}

int
tree_proof_prove(uint8_t **proof, size_t *proof_len, const model_statement *st,
                 const uint8_t seed[32], const infer_options *opts, char *err)
{
    return tree_proof_prove_hooked(proof, proof_len, st, seed, opts, NULL, err);
}

int
tree_proof_verify_hooked(const model_statement *st, const uint8_t *proof, size_t proof_len,
                         const char **reason, const tree_test_hooks *hooks)
{
    tctx c;
    codec_reader r;
    int rc;

    memset(&c, 0, sizeof c);
    c.st = st;
    c.m = st->model;
    c.r = &r;
    c.hooks = hooks;
    *reason = NULL;
    if (tp_setup(&c) != 0 || tp_statement(&c) != 0) {
        *reason = c.fail != NULL ? c.fail : "the statement is not usable";
        tp_free_all(&c);
        return -1;
    }
    codec_reader_init(&r, proof, proof_len);
    if (get_header(&r) == 0 && run_protocol(&c) == 0 && codec_reader_finish(&r) == 0) {
        rc = 1;
    } else {
        rc = 0;
        *reason = c.fail != NULL ? c.fail : (r.error != NULL ? r.error : "rejected");
    }
    tp_free_all(&c);
    return rc;
}

int
tree_proof_verify(const model_statement *st, const uint8_t *proof, size_t proof_len,
                  const char **reason)
{
    return tree_proof_verify_hooked(st, proof, proof_len, reason, NULL);
}

uint64_t
tree_proof_memory_estimate(const void *model, size_t batch)
{
    const tree_model *m = model;
    uint64_t cells, per;

    if (m == NULL || batch == 0)
        return 0;
    cells = ((uint64_t)1 << log2c(batch)) << log2c(m->n_trees);
    /* P1 (int and field), P2, the S1 copies (about 12 + 3 tables per level) */
    per = (uint64_t)m->depth * (9 * 36 + 4 * 32 + 15 * 32) + 64;
    return ((uint64_t)96 << 20) + 2 * cells * per;
}
