/*
 * infer_witness.c: the P1 polynomial and the multiplicities (docs/protocol.md 6.2, 6.3).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "infer_witness.h"
#include "runtime.h"

/* Trace index of (i, b) with padded batch columns copying column B-1. */
static size_t
trace_index(const model_trace *tr, size_t i, size_t b)
{
    size_t B = tr->batch;

    return i * B + (b < B ? b : B - 1);
}

/* rem of a padded row: Y = 0 gives t = 2^(s-1), so q = 0 and rem = 2^(s-1). */
static uint64_t
padded_rem(const model_layer *ly)
{
    return (uint64_t)1 << (ly->shift - 1);
}

/* Fill the columns of layer l (q, limbs, a). */
static void
fill_layer(int64_t *p1, const infer_layout *lay, const zk_model *model,
           const model_trace *tr, unsigned l)
{
    const model_layer *ly = &model->layer[l];
    const model_layer_trace *lt = &tr->layer[l];
    size_t rows = (size_t)1 << lay->mu[l], cols = (size_t)1 << lay->beta, i, b;
    size_t off_q = lay->p1[lay->col_q[l]].offset;
    int64_t act0 = model_act_apply(model, l, 0);
    unsigned k;

    for (i = 0; i < rows; i++)
        for (b = 0; b < cols; b++) {
            size_t at = b + cols * i, t = trace_index(tr, i, b);
            int real = i < ly->m;
            uint64_t rem = real ? lt->rem[t] : padded_rem(ly);

            p1[off_q + at] = real ? lt->q[t] : 0;
            for (k = 0; k < lay->n_limbs[l]; k++) {
                unsigned w = lay->limb_width[l][k], o = lay->limb_offset[l][k];

                p1[lay->p1[lay->col_rem[l] + k].offset + at] =
                    (int64_t)((rem >> o) & (((uint64_t)1 << w) - 1));
            }
            if (l + 1 < lay->n_layers)
                p1[lay->p1[lay->col_a[l]].offset + at] = real ? lt->a[t] : act0;
        }
}

/* Limbs of v (bits below `bits`) into the consecutive columns from col. */
static void
put_limbs(int64_t *p1, const infer_layout *lay, unsigned col, unsigned n, const unsigned *width,
          const unsigned *offset, uint64_t v, size_t at)
{
    unsigned k;

    for (k = 0; k < n; k++)
        p1[lay->p1[col + k].offset + at] =
            (int64_t)((v >> offset[k]) & (((uint64_t)1 << width[k]) - 1));
}

/* Version 2 (docs/protocol.md 6.4, 6.5): the columns of layer l, each entry from its q
 * and rem (a padded entry has q = 0 and rem = 2^(s-1)). */
static void
fill_layer_v2(int64_t *p1, const infer_layout *lay, const zk_model *model,
              const model_trace *tr, unsigned l)
{
    const model_layer *ly = &model->layer[l];
    const model_layer_trace *lt = &tr->layer[l];
    size_t rows = (size_t)1 << lay->mu[l], cols = (size_t)1 << lay->beta, i, b;
    int64_t half = (int64_t)1 << (ly->q_bits - 1), full = (int64_t)1 << ly->q_bits;
    unsigned kind = lay->kind[l];

    for (i = 0; i < rows; i++)
        for (b = 0; b < cols; b++) {
            size_t at = b + cols * i, t = trace_index(tr, i, b);
            int real = i < ly->m;
            int64_t q = real ? lt->q[t] : 0;
            uint64_t rem = real ? lt->rem[t] : padded_rem(ly);

            if (!lay->q_public[l])
                p1[lay->p1[lay->col_q[l]].offset + at] = q;
            put_limbs(p1, lay, lay->col_rem[l], lay->n_limbs[l], lay->limb_width[l],
                      lay->limb_offset[l], rem, at);
            if (kind != MODEL_PW_TABLE) {
                uint64_t u = (uint64_t)(q + half);

                put_limbs(p1, lay, lay->col_v[l], lay->n_u[l], lay->u_width[l],
                          lay->u_offset[l], u, at);
                p1[lay->p1[lay->col_t[l]].offset + at] = q >= 0;
            }
            if (kind == MODEL_PW_CLAMP) {
                uint64_t dlo = (uint64_t)(q - ly->lo + full), dhi = (uint64_t)(ly->hi - q + full);

                put_limbs(p1, lay, lay->col_vlo[l], lay->n_d[l], lay->d_width[l],
                          lay->d_offset[l], dlo, at);
                p1[lay->p1[lay->col_tlo[l]].offset + at] = q >= ly->lo;
                put_limbs(p1, lay, lay->col_vhi[l], lay->n_d[l], lay->d_width[l],
                          lay->d_offset[l], dhi, at);
                p1[lay->p1[lay->col_thi[l]].offset + at] = q <= ly->hi;
                p1[lay->p1[lay->col_z[l]].offset + at] = q < ly->hi ? q : ly->hi;
            }
            if (l + 1 < lay->n_layers && kind != MODEL_PW_IDENTITY)
                p1[lay->p1[lay->col_a[l]].offset + at] = model_act_apply(model, l, q);
        }
}

/* The a values of the last layer's lookup: the public outputs, padded likewise. */
static int64_t
last_a(const infer_layout *lay, const zk_model *model, const model_trace *tr, size_t at)
{
    unsigned l = lay->n_layers - 1;
    const model_layer *ly = &model->layer[l];
    size_t cols = (size_t)1 << lay->beta, i = at / cols, b = at % cols;

    if (i >= ly->m)
        return model_act_apply(model, l, 0);
    return tr->layer[l].a[trace_index(tr, i, b)];
}

/* Count every entry of every lookup instance into its table's multiplicity column. */
static int
count_lookups(int64_t *p1, const infer_layout *lay, const zk_model *model,
              const model_trace *tr, char *err)
{
    unsigned k, t;
    uint64_t *m[INFER_MAX_TABLES] = {0};
    int rc = -1;

    for (t = 0; t < lay->n_tables; t++) {
        m[t] = calloc((size_t)1 << lay->tables[t].log_size, sizeof(uint64_t));
        if (m[t] == NULL) {
            zkml_fail(err, -1, "out of memory building the witness");
            goto out;
        }
    }
    for (k = 0; k < lay->n_lookups; k++) {
        const infer_lookup *lk = &lay->lookups[k];
        const infer_table *T = &lay->tables[lk->table];
        size_t n = (size_t)1 << lk->log_size, x;
        const int64_t *in = p1 + lay->p1[lk->col_in].offset;

        for (x = 0; x < n; x++) {
            int64_t a = 0, v = in[x];
            size_t bad;

            if (lk->is_input) {                 /* row 2^w - 1 + v of WR, output w */
                a = infer_input_limb_width(lay, x >> lay->beta, lk->limb);
                v += ((int64_t)1 << a) - 1;
            } else if (lk->is_act)
                a = lk->col_out >= 0 ? p1[lay->p1[lk->col_out].offset + x]
                                     : last_a(lay, model, tr, x);
            if (logup_count(m[lk->table], &T->table, &v, lk->is_act || lk->is_input ? &a : NULL, 1,
                            &bad) != 0) {
                zkml_fail(err, -1, "internal error: a witness entry is not a row of its table");
                goto out;
            }
        }
    }
    for (t = 0; t < lay->n_tables; t++) {
        size_t off = lay->p1[lay->col_mult0 + t].offset, y;

        for (y = 0; y < ((size_t)1 << lay->tables[t].log_size); y++)
            p1[off + y] = (int64_t)m[t][y];
    }
    rc = 0;
out:
    for (t = 0; t < lay->n_tables; t++)
        free(m[t]);
    return rc;
}

/* Committed inputs (docs/protocol.md 7.20.3): the limbs of u = x + 2^(xbits_j - 1),
 * padded features 0, padded batch columns copying row B - 1. */
static void
fill_input_limbs(int64_t *p1, const infer_layout *lay, const zk_model *model,
                 const int32_t *inputs)
{
    size_t n = model->layer[0].n, cols = (size_t)1 << lay->beta, j, b;
    unsigned k;

    for (j = 0; j < n; j++) {
        int64_t half = (int64_t)1 << (model_input_bits(model, (uint32_t)j) - 1);

        for (b = 0; b < cols; b++) {
            size_t bb = b < lay->batch ? b : lay->batch - 1;
            uint64_t u = (uint64_t)(inputs[bb * n + j] + half);

            for (k = 0; k < lay->n_xlimbs; k++) {
                unsigned w = infer_input_limb_width(lay, j, k);

                p1[lay->p1[lay->col_vin + k].offset + b + cols * j] =
                    (int64_t)((u >> (8 * k)) & (((uint64_t)1 << w) - 1));
            }
        }
    }
}

int
infer_witness_build(infer_witness *wit, const infer_layout *lay, const zk_model *model,
                    const model_trace *trace, char *err)
{
    return infer_witness_build_inputs(wit, lay, model, trace, NULL, err);
}

int
infer_witness_build_inputs(infer_witness *wit, const infer_layout *lay,
                           const zk_model *model, const model_trace *trace,
                           const int32_t *inputs, char *err)
{
    unsigned l;

    memset(wit, 0, sizeof *wit);
    if (trace->batch != lay->batch || trace->n_layers != lay->n_layers) {
        zkml_fail(err, -1, "the trace does not match the layout (batch size or layer count)");
        return -1;
    }
    wit->len = (size_t)1 << lay->l_P;
    /* scratch (alloc.h): a proof's largest array but one, kept between proofs with its
     * pages (fresh, its zero pages would fault in as the prover first reads them) */
    wit->p1 = scratch_alloc(wit->len, sizeof(int64_t));
    if (wit->p1 == NULL) {
        zkml_fail(err, -1, "out of memory building the witness");
        return -1;
    }
    for (l = 0; l < lay->n_layers; l++) {
        if (zkml_interrupted()) {
            zkml_fail(err, -1, "interrupted");
            infer_witness_free(wit);
            return -1;
        }
        if (lay->version == 2)
            fill_layer_v2(wit->p1, lay, model, trace, l);
        else
            fill_layer(wit->p1, lay, model, trace, l);
    }
    if (lay->committed) {
        if (inputs == NULL) {
            zkml_fail(err, -1, "internal error: a committed-input witness without its rows");
            infer_witness_free(wit);
            return -1;
        }
        fill_input_limbs(wit->p1, lay, model, inputs);
    }
    if (zkml_interrupted() || count_lookups(wit->p1, lay, model, trace, err) != 0) {
        if (zkml_interrupted())
            zkml_fail(err, -1, "interrupted");
        infer_witness_free(wit);
        return -1;
    }
    return 0;
}

void
infer_witness_free(infer_witness *wit)
{
    scratch_free(wit->p1);                  /* wiped */
    memset(wit, 0, sizeof *wit);
}
