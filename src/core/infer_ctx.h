/*
 * infer_ctx.h: the state the inference prover and verifier share (internal to the
 * infer_*.c files of the prover and verifier, whose phases infer_phases.h declares;
 * not an API).
 *
 * One context drives both roles through the same schedule, so the prover and the
 * verifier cannot disagree on the transcript order: every prover message goes through
 * an "exchange" that the prover writes and absorbs and the verifier reads and absorbs.
 */
#ifndef ZKML_INFER_CTX_H
#define ZKML_INFER_CTX_H

#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "drbg.h"
#include "hyrax.h"
#include "infer_layout.h"
#include "infer_proof.h"
#include "layout.h"
#include "linrel.h"
#include "logup_gkr.h"
#include "product.h"
#include "sumcheck.h"
#include "transcript.h"
#include "weights.h"

#define POLY_P1 0
#define POLY_P2 1
#define POLY_W 2

/* A claim on one column of P1, P2 or W, tied to a committed scalar (section 7 step 9). */
typedef struct {
    int poly;
    size_t offset;
    unsigned kappa;
    fq_t z[LAYOUT_MAX_LOG];
    size_t id;
} claim;

typedef struct {
    int prover;
    const infer_statement *st;
    const zk_model *m;
    infer_layout *lay;
    weights_layout wl;
    unsigned L, n1, n2, mask_log;
    size_t nM;
    transcript_t t;
    codec_writer *w;
    codec_reader *r;
    linrel lr;
    drbg_t rng;
    const char *fail;           /* first failure, a static sentence */
    const struct infer_test_hooks *hooks;   /* test seam (infer_testing.h); NULL in real runs */

    /* allocations, freed (and wiped) together */
    void **mem;
    size_t n_mem, cap_mem;

    /* public tables */
    fq_t *xpub, *outpub;

    /* challenges */
    fq_t alpha, gamma, rho1, rho2, mu, T1, e1, T2, e2;
    fq_t *tau[MODEL_MAX_LAYERS], *tau_lk, *lam_mm, *lam_lk, *lam_tb, *zeta, *theta;
    fq_t *lam_pw;               /* version 2: one per piecewise zero-check */
    fq_t r1[SUMCHECK_MAX_ROUNDS], r2[SUMCHECK_MAX_ROUNDS];

    /* commitments */
    hyrax_commitment c1, c2;
    ge_t CM;
    ge_t *com;                  /* by linrel id */
    fq_t *val, *bl;             /* prover: by linrel id */
    size_t n_com, cap_com;

    /* claims and the ids of committed scalars */
    claim *claims;
    size_t n_claims;
    size_t id_q[MODEL_MAX_LAYERS], id_rem[MODEL_MAX_LAYERS], id_b[MODEL_MAX_LAYERS];
    size_t id_w[MODEL_MAX_LAYERS], id_x[MODEL_MAX_LAYERS], id_p[MODEL_MAX_LAYERS];
    size_t *id_h, *id_in, *id_out, *id_P, *id_g, *id_m;
    size_t id_u[3];
    /* version 2: pre-claims of the decompositions (first limb; t after the limbs) and,
     * per piecewise zero-check, its finals: a (or z), t, q (or z), P; SIZE_MAX where
     * the column is public */
    size_t id_v[MODEL_MAX_LAYERS], id_t[MODEL_MAX_LAYERS];
    size_t id_vlo[MODEL_MAX_LAYERS], id_tlo[MODEL_MAX_LAYERS];
    size_t id_vhi[MODEL_MAX_LAYERS], id_thi[MODEL_MAX_LAYERS];
    size_t id_pw_out[INFER_MAX_PW], id_pw_t[INFER_MAX_PW], id_pw_in[INFER_MAX_PW];
    size_t id_pw_P[INFER_MAX_PW];
    unsigned n_products;        /* product proofs exchanged so far (step 8) */
    product_batch products;     /* verifier: their equations, checked at the end of step 8 */
    ipa_batch ipas;             /* verifier: the final equations of steps 11-12's IPAs */
    size_t id_e;                /* committed inputs: e_0 (the e_k follow), step 8 */

    /* version 2: the lookup tree (docs/protocol.md 7.18.2, 7.18.3) */
    fq_t *eta, rho_gkr;         /* η_T per table, ρ_G */
    fq_t *leaf_q[INFER_MAX_TABLES];     /* prover: α - t_T of each table, for the leaves */
    gkr_shape gshape;           /* blocks: the lookups, then the tables */
    gkr_proof gkr;
    int gkr_started;
    claim *leaf_claims;         /* joined to the S2 claims after the S1 finals (3.5) */
    size_t n_leaf_claims;

    /* prover only */
    const infer_options *opts;  /* never NULL for the prover */
    double phase_start;         /* of the current phase, for opts->progress */
    const uint8_t *seed;        /* the model's secret seed (W blinds) */
    int64_t *p1;                /* the witness */
    fq_t *P1f, *P2f, *Wf, *mask, bM, *beta1, *beta2;
    /* P1 as the int32 entries its rows were committed from, when they are P1 (no test
     * seam): version 2's S2 then defers P1·K1 and its opening reads these */
    const int32_t *p1_small;
    fq_small_ints ints;         /* the prover's: P1's integers as field elements */
} ictx;

/* Context helpers (infer_ctx.c).  Failures are sticky: the first reason is kept. */
int ictx_fail(ictx *c, const char *why);
/* Entry i of the prover's P1 as a field element: from P1f where it is made (version 1
 * and the test seam: from the start; version 2 never makes it), else from the witness's
 * integers.  ictx_p1_column and ictx_p1_eval read it the same way: n entries from
 * offset in a new array (NULL on failure), and the MLE of 2^k entries from offset at z. */
static inline void
ictx_p1_entry(const ictx *c, size_t i, fq_t *f)
{
    if (c->P1f != NULL)
        *f = c->P1f[i];
    else
        fq_set_i64_small(f, c->p1[i], &c->ints);
}

void *ictx_alloc(ictx *c, size_t n, size_t size);      /* zeroed, freed and wiped at the end */
void ictx_free_all(ictx *c);
/* Arrays given up before the end, for the later phases to reuse their memory: those
 * ictx_alloc returned from the mark `from` (c->n_mem then) up to `to`, or one array. */
void ictx_release(ictx *c, size_t from, size_t to);
void ictx_release_one(ictx *c, const void *p);
void ictx_pow2(fq_t *r, unsigned k);                    /* 2^k, k <= 64 */
void ictx_eq_eval(fq_t *r, const fq_t *a, const fq_t *b, unsigned k);
fq_t *ictx_eq_table(ictx *c, const fq_t *z, unsigned k);
fq_t *ictx_copy(ictx *c, const fq_t *src, size_t n);
fq_t *ictx_p1_column(ictx *c, size_t offset, size_t n);
void ictx_p1_eval(const ictx *c, fq_t *r, size_t offset, unsigned k, const fq_t *z);
/* ictx_p1_eval of n columns (offsets) at one point; 0, or -1 with the context failed */
int ictx_p1_evals(ictx *c, fq_t *r, const size_t *offsets, size_t n, unsigned k,
                  const fq_t *z);
unsigned ictx_poly_vars(const ictx *c, int poly);
int ictx_reader_ok(ictx *c);
int ictx_exchange_points(ictx *c, const char *label, ge_t *p, size_t n);
int ictx_exchange_committed(ictx *c, const char *label, const fq_t *v, size_t n, size_t *first);
int ictx_exchange_rows(ictx *c, const char *label, hyrax_commitment *h, const int32_t *small,
                       const fq_t *full, const fq_t *beta);
void ictx_add_claim(ictx *c, int poly, size_t offset, unsigned kappa, const fq_t *z_lo,
                    unsigned n_lo, const fq_t *z_hi, unsigned n_hi, size_t id);
int ictx_sumcheck(ictx *c, const char *label, unsigned n, unsigned degree, const fq_t *rho,
                  const fq_t *mask, sumcheck_instance *inst, size_t ninst, fq_t *T, fq_t *r,
                  fq_t *e);

/*
 * The prover's phase `name` ends now: report it (infer_options.progress) and ask the
 * interrupt hook (zkml.h).  0, or -1 (the context failed: "interrupted").  The verifier
 * does nothing here.
 */
int ictx_phase_end(ictx *c, const char *name);

#endif
