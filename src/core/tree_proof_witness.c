/*
 * tree_proof_witness.c: step 0, the statement (docs/protocol.md 16.4), the witness grid
 * (7.2) and the f and t columns of the lookups (7.3).
 */

#include <stdlib.h>
#include <string.h>

#include "generators.h"
#include "rowcommit.h"
#include "sha256.h"
#include "tree_proof_internal.h"

/* ---- step 0: the statement (docs/protocol.md 16.4 items 1-8) ---- */

int
tp_statement(tctx *c)
{
    const model_statement *st = c->st;
    uint8_t d[32], params[32], *desc = NULL;
    size_t desc_len;
    unsigned lc, lr;
    char err[ZKML_ERR_LEN];
    sha256_ctx h;

    if (c->committed)                   /* docs/protocol.md 16.10.1 */
        transcript_init(&c->t, TREE_PROOF_COMMITTED_TRANSCRIPT_ID,
                        strlen(TREE_PROOF_COMMITTED_TRANSCRIPT_ID));
    else
        transcript_init(&c->t, TREE_PROOF_TRANSCRIPT_ID, strlen(TREE_PROOF_TRANSCRIPT_ID));
    hyrax_split(c->l1, &lc, &lr);
    if (generators_param_digest(c->nM > ((size_t)1 << lc) ? c->nM : (size_t)1 << lc, d) != 0)
        return tp_fail(c, "could not hash the parameters");
    sha256_begin(&h);
    sha256_write(&h, d, 32);
    sha256_write_u32le(&h, HYRAX_DELTA);
    sha256_write_u32le(&h, TP_LIMB);                    /* the limb width of 16.1 */
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
    if (c->committed) {                 /* the nonce and the rows (docs/protocol.md 16.10.4) */
        transcript_absorb(&c->t, "stmt/nonce", st->nonce, ROWCOMMIT_NONCE_LEN);
        transcript_absorb_points(&c->t, "stmt/input-rows", st->row_commitments, st->batch);
    } else {
        if (sha256_digest_i32le(d, st->inputs, st->batch * c->n) != 0)
            return tp_fail(c, "could not hash the inputs");
        transcript_absorb(&c->t, "stmt/inputs", d, 32);
    }
    if (sha256_digest_i32le(d, st->outputs, st->batch) != 0)
        return tp_fail(c, "could not hash the outputs");
    transcript_absorb(&c->t, "stmt/outputs", d, 32);
    /* the proof's place in its group (docs/protocol.md 16.4, 12.10.2) */
    transcript_absorb(&c->t, "stmt/group", st->group != NULL ? st->group : infer_group_alone, 40);
    return c->t.failed ? tp_fail(c, "transcript failure") : 0;
}

/* ---- the witness (docs/protocol.md 16.2) ---- */

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

/* One limb's multiplicity in RANGE_11, unless the limb is out of it (a lie). */
static void
count_limb(int32_t *m, int64_t limb)
{
    if (limb >= 0 && limb < ((int64_t)1 << TP_LIMB))
        count_up(&m[limb]);
}

/*
 * Committed inputs (docs/protocol.md 16.10.2): per entry y = b + 2^β·j of the rows, the
 * flag M and the 11-bit limbs I0, I1, I2 of u = x + 2^31 - 1 + M (split with a signed top
 * limb, so a u out of range gives a limb out of range rather than a wrong sum), and their
 * multiplicities in RANGE_11.
 */
static void
input_columns(const tctx *c, int32_t *p1)
{
    size_t cols = (size_t)1 << c->beta, nj = (size_t)1 << c->lnf, b, j;
    int32_t *mr = p1 + c->off1[c->tb[TB_R11].mcol];
    const tree_test_hooks *hk = c->hooks;
    const int64_t mask = ((int64_t)1 << TP_LIMB) - 1;

    for (j = 0; j < nj; j++)
        for (b = 0; b < cols; b++) {
            size_t y = b + cols * j;
            int miss = tp_input_missing(c, b, j);
            int64_t u = (int64_t)tp_input_key(c, b, j) + ((int64_t)1 << 31) - 1 + miss;
            int64_t l0 = u & mask, l1 = (u >> TP_LIMB) & mask;
            int64_t l2 = (u - l0 - (l1 << TP_LIMB)) / ((int64_t)1 << (2 * TP_LIMB));

            if (hk != NULL && hk->forge_input_limbs && b == 0 && j == 0)
                l0++;
            p1[c->off1[c->col_M] + y] = miss;
            p1[c->off1[c->col_M + 1] + y] = (int32_t)l0;
            p1[c->off1[c->col_M + 2] + y] = (int32_t)l1;
            p1[c->off1[c->col_M + 3] + y] = (int32_t)l2;
            count_limb(mr, l0);
            count_limb(mr, l1);
            count_limb(mr, l2);
        }
}

int
tp_build_witness(const tctx *c, const tree_model *wm, int32_t *p1, int32_t *outw)
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
                {
                    size_t rb = bb;     /* the row read: the cell's own, unless a test lies */

                    if (hk != NULL && hk->read_row != NULL && b < c->B && t < c->T)
                        rb = hk->read_row(hk->arg, b, t, s);
                    xv = f < c->n ? tp_input_key(c, rb, f) : 0;
                    miss = f < c->n ? tp_input_missing(c, rb, f) : 0;
                }
                bit = miss ? d : xv >= k;
                if (hk != NULL && hk->bit != NULL && b < c->B && t < c->T)
                    bit = hk->bit(hk->arg, b, t, s, bit) != 0;
                e = miss && d;
                if (hk != NULL && hk->forge_missing_e && miss && bit != d)
                    e = !d;
                y = (int64_t)xv + ((int64_t)e << 32) - k;
                delta = bit ? y : -y - 1;
                if (p1 != NULL) {
                    p1[c->off1[tp_gcol(s, GB)] + x] = bit;
                    p1[c->off1[tp_gcol(s, GF)] + x] = (int32_t)f;
                    p1[c->off1[tp_gcol(s, GK)] + x] = k;
                    p1[c->off1[tp_gcol(s, GD)] + x] = d;
                    p1[c->off1[tp_gcol(s, GX)] + x] = xv;
                    p1[c->off1[tp_gcol(s, GM)] + x] = miss;
                    p1[c->off1[tp_gcol(s, GE)] + x] = e;
                    unsigned l;

                    /* the limbs of δ, as the prover's bits make it (a lie's δ < 0 gives
                     * limbs that do not add up: the comparison rejects it) */
                    for (l = 0; l < TP_LIMBS_MAX; l++) {
                        uint64_t limb = ((uint64_t)delta >> (TP_LIMB * l)) &
                                        (((uint64_t)1 << TP_LIMB) - 1);

                        p1[c->off1[tp_gcol(s, GC0 + l)] + x] = (int32_t)limb;
                        count_up(&p1[c->off1[c->tb[TB_R11].mcol] + limb]);
                    }
                    /* multiplicities: what the prover looks up */
                    count_up(&p1[c->off1[c->tb[TB_NODE].mcol] + slot + L * t]);
                    count_up(&p1[c->off1[c->tb[TB_ROW].mcol] + b +
                                 cols * (f < (1u << c->lnf) ? f : 0)]);
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
                count_up(&p1[c->off1[c->tb[TB_LEAF].mcol] + leaf + L * t]);
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
                p1[toff + q + half]++;
                for (k = 0; k < c->K; k++) {
                    int32_t limb = (int32_t)((rem >> (TP_LIMB * k)) &
                                             (((int64_t)1 << TP_LIMB) - 1));
                    const tlookup *lk = &c->lk[(2 + TP_LIMBS_MAX) * c->D + 2 + k];

                    p1[c->off1[c->col_L0 + k] + b] = limb;
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
    if (c->committed && p1 != NULL)
        input_columns(c, p1);
    if (hk != NULL && hk->bump_multiplicity != 0 && p1 != NULL &&
        hk->bump_multiplicity <= c->ntb)
        p1[c->off1[c->tb[hk->bump_multiplicity - 1].mcol]]++;
    return 0;
}

/* ---- the lookups' values and the tables (docs/protocol.md 16.3) ---- */

/* f of lookup lk at entries [lo, hi) (prover), from P1 in field form: f[x] for each x. */
void
tp_lookup_f_column(const tctx *c, const tlookup *lk, fq_t *f, size_t lo, size_t hi)
{
    size_t cols = (size_t)1 << c->beta, x;
    unsigned s = lk->s;

    for (x = lo; x < hi; x++) {
        fq_t v, t;
        size_t b = x & (cols - 1), tr = x >> c->beta;
        const int32_t *p = c->p1;

        switch (lk->kind) {
        case LK_NODE: {
            uint64_t slot = 1;
            unsigned j;

            for (j = 0; j < s; j++)
                slot = 2 * slot + (uint64_t)p[c->off1[tp_gcol(j, GB)] + x];
            fq_set_u64(&v, slot + ((uint64_t)tr << c->nu));
            fq_mul(&t, &c->gpow[1], &c->P1f[c->off1[tp_gcol(s, GF)] + x]);
            fq_add(&v, &v, &t);
            fq_mul(&t, &c->gpow[2], &c->P1f[c->off1[tp_gcol(s, GK)] + x]);
            fq_add(&v, &v, &t);
            fq_mul(&t, &c->gpow[3], &c->P1f[c->off1[tp_gcol(s, GD)] + x]);
            fq_add(&v, &v, &t);
            break;
        }
        case LK_ROW:
            fq_set_u64(&v, b);
            fq_set_u64(&t, (uint64_t)1 << c->beta);
            fq_mul(&t, &t, &c->P1f[c->off1[tp_gcol(s, GF)] + x]);
            fq_add(&v, &v, &t);
            fq_mul(&t, &c->gpow[1], &c->P1f[c->off1[tp_gcol(s, GX)] + x]);
            fq_add(&v, &v, &t);
            fq_mul(&t, &c->gpow[2], &c->P1f[c->off1[tp_gcol(s, GM)] + x]);
            fq_add(&v, &v, &t);
            break;
        case LK_C:
            v = c->P1f[c->off1[tp_gcol(s, GC0 + lk->limb)] + x];
            break;
        case LK_LEAF: {
            uint64_t leaf = 0;
            unsigned j;

            for (j = 0; j < c->D; j++)
                leaf = 2 * leaf + (uint64_t)p[c->off1[tp_gcol(j, GB)] + x];
            fq_set_u64(&v, leaf + ((uint64_t)tr << c->nu));
            fq_mul(&t, &c->gpow[1], &c->P1f[c->off1[c->col_V] + x]);
            fq_add(&v, &v, &t);
            break;
        }
        case LK_OUT:
            fq_mul(&t, &c->gpow[1], &c->outpub[x]);
            fq_add(&v, &c->P1f[c->off1[c->col_Q] + x], &t);
            break;
        case LK_IN:
            v = c->P1f[c->off1[c->col_M + 1 + lk->limb] + x];
            break;
        default:                    /* LK_LIMB */
            v = c->P1f[c->off1[c->col_L0 + lk->limb] + x];
            break;
        }
        f[x - lo] = v;
    }
}

/* t of table tb at rows [lo, hi) (prover): tv[y - lo] for each y; public tables and the
 * committed NODE, LEAF, ROW. */
void
tp_table_t_column(const tctx *c, const ttable *tb, fq_t *tv, size_t lo, size_t hi)
{
    size_t col = (size_t)1 << (c->lN - 2), y;
    logup_table lt;
    fq_t t;

    if (tb->kind == TB_ROW) {
        memcpy(tv, c->rowtab + lo, (hi - lo) * sizeof(fq_t));
        return;
    }
    if (tb->kind != TB_NODE && tb->kind != TB_LEAF)
        tp_public_table(c, tb, &lt);
    for (y = lo; y < hi; y++) {
        if (tb->kind == TB_NODE) {
            fq_set_u64(&tv[y - lo], y);
            fq_mul(&t, &c->gpow[1], &c->Nf[y]);
            fq_add(&tv[y - lo], &tv[y - lo], &t);
            fq_mul(&t, &c->gpow[2], &c->Nf[col + y]);
            fq_add(&tv[y - lo], &tv[y - lo], &t);
            fq_mul(&t, &c->gpow[3], &c->Nf[2 * col + y]);
            fq_add(&tv[y - lo], &tv[y - lo], &t);
        } else if (tb->kind == TB_LEAF) {
            fq_set_u64(&tv[y - lo], y);
            fq_mul(&t, &c->gpow[1], &c->Nf[3 * col + y]);
            fq_add(&tv[y - lo], &tv[y - lo], &t);
        } else {                        /* (y + offset) + γ·out[y] (logup.h) */
            fq_set_i64(&tv[y - lo], (int64_t)y + lt.in_offset);
            if (lt.out != NULL) {
                fq_set_i64(&t, lt.out[y]);
                fq_mul(&t, &t, &c->gamma);
                fq_add(&tv[y - lo], &tv[y - lo], &t);
            }
        }
    }
}
