/*
 * infer_layout.c: tables, lookup instances, columns and placement of an inference
 * proof (docs/protocol.md 6.2, 6.3).
 */
#include <stdio.h>
#include <string.h>

#include "hyrax.h"
#include "infer_layout.h"
#include "layout.h"

/* The largest witness polynomial a proof may use (2^28 entries of P1 or P2). */
#define INFER_MAX_POLY_LOG 28

unsigned
infer_log2_ceil(uint64_t v)
{
    unsigned l = 0;

    while (l < 64 && ((uint64_t)1 << l) < v)
        l++;
    return l;
}

/* Tables in canonical order; writes each layer's ACT table index and each width's
 * RANGE table index. */
static void
layout_tables(infer_layout *lay, const zk_model *model, unsigned *range_of_width,
              unsigned *act_of_layer)
{
    unsigned w, l, l2;

    lay->n_tables = 0;
    for (w = 1; w <= MODEL_MAX_LIMB_BITS; w++) {
        int used = 0;

        for (l = 0; l < lay->n_layers && !used; l++) {
            unsigned k;

            for (k = 0; k < lay->n_limbs[l]; k++)
                used |= lay->limb_width[l][k] == w;
        }
        if (!used)
            continue;
        range_of_width[w] = lay->n_tables;
        lay->tables[lay->n_tables].log_size = w;
        lay->tables[lay->n_tables].is_range = 1;
        lay->tables[lay->n_tables].table = (logup_table){w, 0, NULL};
        lay->n_tables++;
    }
    for (l = 0; l < lay->n_layers; l++) {
        const model_layer *ly = &model->layer[l];

        act_of_layer[l] = lay->n_tables;
        for (l2 = 0; l2 < l; l2++) {        /* same content as an earlier layer's table */
            const model_layer *o = &model->layer[l2];

            if (o->q_bits == ly->q_bits &&
                memcmp(o->act, ly->act, ((size_t)1 << ly->q_bits) * sizeof(int32_t)) == 0) {
                act_of_layer[l] = act_of_layer[l2];
                break;
            }
        }
        if (act_of_layer[l] != lay->n_tables)
            continue;
        lay->tables[lay->n_tables].log_size = ly->q_bits;
        lay->tables[lay->n_tables].is_range = 0;
        lay->tables[lay->n_tables].table =
            (logup_table){ly->q_bits, -((int64_t)1 << (ly->q_bits - 1)), ly->act};
        lay->n_tables++;
    }
}

static unsigned
push_column(infer_column *cols, unsigned *n, infer_col_kind kind, unsigned layer,
            unsigned limb, unsigned index, unsigned log_size)
{
    infer_column *c = &cols[*n];

    c->kind = kind;
    c->layer = layer;
    c->limb = limb;
    c->index = index;
    c->log_size = log_size;
    c->offset = 0;
    return (*n)++;
}

/* Place a polynomial's columns; returns its variable count or -1. */
static int
place(infer_column *cols, unsigned n)
{
    unsigned logs[INFER_MAX_P1 > INFER_MAX_P2 ? INFER_MAX_P1 : INFER_MAX_P2] = {0};
    size_t offsets[INFER_MAX_P1 > INFER_MAX_P2 ? INFER_MAX_P1 : INFER_MAX_P2];
    unsigned i;
    int l;

    for (i = 0; i < n; i++)
        logs[i] = cols[i].log_size;
    l = layout_place(offsets, logs, n);
    for (i = 0; l >= 0 && i < n; i++)
        cols[i].offset = offsets[i];
    return l;
}


/* ---- version 2 (docs/protocol.md 6.5) ---- */

/* A range lookup of column col (layer l) into RANGE_width, with its h column in P2. */
static void
push_range_lookup(infer_layout *lay, const unsigned *range_of_width, unsigned l,
                  unsigned width, unsigned col)
{
    infer_lookup *lk = &lay->lookups[lay->n_lookups];

    lk->layer = l;
    lk->is_act = 0;
    lk->limb = 0;
    lk->table = range_of_width[width];
    lk->log_size = lay->beta + lay->mu[l];
    lk->public_output = 0;
    lk->col_in = (int)col;
    lk->col_out = -1;
    push_column(lay->p2, &lay->n_p2, INFER_COL_H, l, 0, lay->n_lookups, lk->log_size);
    lay->n_lookups++;
}

/* ---- committed inputs (docs/protocol.md 7.20.3) ---- */

/* ω(y) = floor(log2(y + 1)) for y = 0..511, filled once (it is a constant table). */
const int32_t infer_wr_omega[1 << INFER_WR_LOG] = {
#define W2(w) w, w
#define W4(w) W2(w), W2(w)
#define W8(w) W4(w), W4(w)
#define W16(w) W8(w), W8(w)
#define W32(w) W16(w), W16(w)
#define W64(w) W32(w), W32(w)
#define W128(w) W64(w), W64(w)
#define W256(w) W128(w), W128(w)
    0, W2(1), W4(2), W8(3), W16(4), W32(5), W64(6), W128(7), W256(8), 9
#undef W2
#undef W4
#undef W8
#undef W16
#undef W32
#undef W64
#undef W128
#undef W256
};

unsigned
infer_input_limb_width(const infer_layout *lay, size_t j, unsigned k)
{
    unsigned bits;

    if (!lay->committed || j >= lay->model->layer[0].n)
        return 0;
    bits = model_input_bits(lay->model, (uint32_t)j);
    return bits <= 8 * k ? 0 : bits - 8 * k > 8 ? 8 : bits - 8 * k;
}

/* The input part, first in every list: WR (table 0), the K_x limb columns, and their
 * lookups with their h columns in P2. */
static void
layout_inputs(infer_layout *lay, const zk_model *model)
{
    unsigned k, logn = lay->beta + lay->nu[0], maxbits = 0;
    uint32_t j;

    for (j = 0; j < model->layer[0].n; j++)
        if (model_input_bits(model, j) > maxbits)
            maxbits = model_input_bits(model, j);
    lay->n_xlimbs = (maxbits + 7) / 8;
    lay->table_wr = lay->n_tables;
    lay->tables[lay->n_tables].log_size = INFER_WR_LOG;
    lay->tables[lay->n_tables].is_range = 0;
    lay->tables[lay->n_tables].table = (logup_table){INFER_WR_LOG, 0, infer_wr_omega};
    lay->n_tables++;
    lay->col_vin = lay->n_p1;
    for (k = 0; k < lay->n_xlimbs; k++)
        push_column(lay->p1, &lay->n_p1, INFER_COL_VIN, 0, k, 0, logn);
    for (k = 0; k < lay->n_xlimbs; k++) {
        infer_lookup *lk = &lay->lookups[lay->n_lookups];

        memset(lk, 0, sizeof *lk);
        lk->layer = 0;
        lk->limb = k;
        lk->table = lay->table_wr;
        lk->log_size = logn;
        lk->col_in = (int)(lay->col_vin + k);
        lk->col_out = -1;
        lk->is_input = 1;
        push_column(lay->p2, &lay->n_p2, INFER_COL_H, 0, k, lay->n_lookups, logn);
        lay->n_lookups++;
    }
}

/* Tables, P1 columns, lookup instances and piecewise zero-checks of a version 2 model:
 * the layer plans (n_limbs, widths) are already set. */
static void
layout_v2(infer_layout *lay, const zk_model *model)
{
    unsigned range_of_width[MODEL_MAX_LIMB_BITS + 1] = {0}, act_of_layer[MODEL_MAX_LAYERS];
    int used[MODEL_MAX_LIMB_BITS + 1] = {0};
    unsigned l, l2, k, w, t, last = lay->n_layers - 1;

    for (l = 0; l < lay->n_layers; l++) {
        const model_layer *ly = &model->layer[l];

        lay->kind[l] = ly->act_kind;
        lay->q_public[l] = l == last && ly->act_kind == MODEL_PW_IDENTITY;
        for (k = 0; k < lay->n_limbs[l]; k++)
            used[lay->limb_width[l][k]] = 1;
        if (ly->act_kind == MODEL_PW_TABLE)
            continue;
        lay->n_u[l] = model_u_limb_plan(ly, lay->u_width[l], lay->u_offset[l]);
        for (k = 0; k < lay->n_u[l]; k++)
            used[lay->u_width[l][k]] = 1;
        used[1] = 1;                                /* the sign bits */
        if (ly->act_kind == MODEL_PW_CLAMP) {
            lay->n_d[l] = model_d_limb_plan(ly, lay->d_width[l], lay->d_offset[l]);
            for (k = 0; k < lay->n_d[l]; k++)
                used[lay->d_width[l][k]] = 1;
        }
    }
    /* tables: RANGE_w ascending, then the kind 3 tables deduplicated by content */
    lay->n_tables = 0;
    if (lay->committed)
        layout_inputs(lay, model);
    for (w = 1; w <= MODEL_MAX_LIMB_BITS; w++) {
        if (!used[w])
            continue;
        range_of_width[w] = lay->n_tables;
        lay->tables[lay->n_tables].log_size = w;
        lay->tables[lay->n_tables].is_range = 1;
        lay->tables[lay->n_tables].table = (logup_table){w, 0, NULL};
        lay->n_tables++;
    }
    for (l = 0; l < lay->n_layers; l++) {
        const model_layer *ly = &model->layer[l];

        if (ly->act_kind != MODEL_PW_TABLE)
            continue;
        act_of_layer[l] = lay->n_tables;
        for (l2 = 0; l2 < l; l2++) {
            const model_layer *o = &model->layer[l2];

            if (o->act_kind == MODEL_PW_TABLE && o->q_bits == ly->q_bits &&
                memcmp(o->act, ly->act, ((size_t)1 << ly->q_bits) * sizeof(int32_t)) == 0) {
                act_of_layer[l] = act_of_layer[l2];
                break;
            }
        }
        if (act_of_layer[l] != lay->n_tables)
            continue;
        lay->tables[lay->n_tables].log_size = ly->q_bits;
        lay->tables[lay->n_tables].is_range = 0;
        lay->tables[lay->n_tables].table =
            (logup_table){ly->q_bits, -((int64_t)1 << (ly->q_bits - 1)), ly->act};
        lay->n_tables++;
    }

    /* P1: per layer q (unless public), rem limbs, v limbs and t, the clamp's columns,
     * a (l < L, kinds 1-3); then the multiplicities */
    for (l = 0; l < lay->n_layers; l++) {
        unsigned logn = lay->beta + lay->mu[l], kind = lay->kind[l];

        if (!lay->q_public[l])
            lay->col_q[l] = push_column(lay->p1, &lay->n_p1, INFER_COL_Q, l, 0, 0, logn);
        lay->col_rem[l] = lay->n_p1;
        for (k = 0; k < lay->n_limbs[l]; k++)
            push_column(lay->p1, &lay->n_p1, INFER_COL_REM, l, k, 0, logn);
        if (kind != MODEL_PW_TABLE) {
            lay->col_v[l] = lay->n_p1;
            for (k = 0; k < lay->n_u[l]; k++)
                push_column(lay->p1, &lay->n_p1, INFER_COL_V, l, k, 0, logn);
            lay->col_t[l] = push_column(lay->p1, &lay->n_p1, INFER_COL_T, l, 0, 0, logn);
        }
        if (kind == MODEL_PW_CLAMP) {
            lay->col_vlo[l] = lay->n_p1;
            for (k = 0; k < lay->n_d[l]; k++)
                push_column(lay->p1, &lay->n_p1, INFER_COL_VLO, l, k, 0, logn);
            lay->col_tlo[l] = push_column(lay->p1, &lay->n_p1, INFER_COL_TLO, l, 0, 0, logn);
            lay->col_vhi[l] = lay->n_p1;
            for (k = 0; k < lay->n_d[l]; k++)
                push_column(lay->p1, &lay->n_p1, INFER_COL_VHI, l, k, 0, logn);
            lay->col_thi[l] = push_column(lay->p1, &lay->n_p1, INFER_COL_THI, l, 0, 0, logn);
            lay->col_z[l] = push_column(lay->p1, &lay->n_p1, INFER_COL_Z, l, 0, 0, logn);
        }
        if (l < last && kind != MODEL_PW_IDENTITY)
            lay->col_a[l] = push_column(lay->p1, &lay->n_p1, INFER_COL_A, l, 0, 0, logn);
        if (l < last)
            lay->col_x[l] = kind == MODEL_PW_IDENTITY ? lay->col_q[l] : lay->col_a[l];
    }
    lay->col_mult0 = lay->n_p1;
    for (t = 0; t < lay->n_tables; t++)
        push_column(lay->p1, &lay->n_p1, INFER_COL_MULT, 0, 0, t, lay->tables[t].log_size);

    /* lookups in canonical order, and P2: h_k for each, then g_T for each table */
    for (l = 0; l < lay->n_layers; l++) {
        unsigned kind = lay->kind[l];

        for (k = 0; k < lay->n_limbs[l]; k++)
            push_range_lookup(lay, range_of_width, l, lay->limb_width[l][k],
                              lay->col_rem[l] + k);
        if (kind != MODEL_PW_TABLE) {
            for (k = 0; k < lay->n_u[l]; k++)
                push_range_lookup(lay, range_of_width, l, lay->u_width[l][k], lay->col_v[l] + k);
            push_range_lookup(lay, range_of_width, l, 1, lay->col_t[l]);
        }
        if (kind == MODEL_PW_CLAMP) {
            for (k = 0; k < lay->n_d[l]; k++)
                push_range_lookup(lay, range_of_width, l, lay->d_width[l][k],
                                  lay->col_vlo[l] + k);
            push_range_lookup(lay, range_of_width, l, 1, lay->col_tlo[l]);
            for (k = 0; k < lay->n_d[l]; k++)
                push_range_lookup(lay, range_of_width, l, lay->d_width[l][k],
                                  lay->col_vhi[l] + k);
            push_range_lookup(lay, range_of_width, l, 1, lay->col_thi[l]);
        }
        if (kind == MODEL_PW_TABLE) {
            infer_lookup *lk = &lay->lookups[lay->n_lookups];

            lk->layer = l;
            lk->is_act = 1;
            lk->limb = 0;
            lk->table = act_of_layer[l];
            lk->log_size = lay->beta + lay->mu[l];
            lk->public_output = l == last;
            lk->col_in = (int)lay->col_q[l];
            lk->col_out = l < last ? (int)lay->col_a[l] : -1;
            push_column(lay->p2, &lay->n_p2, INFER_COL_H, l, 0, lay->n_lookups, lk->log_size);
            lay->n_lookups++;
        }
        /* the piecewise zero-checks of step 7, in layer order */
        if (kind == MODEL_PW_RELU)
            lay->pw[lay->n_pw++] = (infer_pw){l, INFER_PW_RELU, lay->beta + lay->mu[l]};
        if (kind == MODEL_PW_CLAMP) {
            lay->pw[lay->n_pw++] = (infer_pw){l, INFER_PW_CLAMP_HI, lay->beta + lay->mu[l]};
            lay->pw[lay->n_pw++] = (infer_pw){l, INFER_PW_CLAMP_LO, lay->beta + lay->mu[l]};
        }
    }
    for (t = 0; t < lay->n_tables; t++)
        push_column(lay->p2, &lay->n_p2, INFER_COL_G, 0, 0, t, lay->tables[t].log_size);
}

int
infer_layout_build(infer_layout *lay, const zk_model *model, size_t batch, char *err)
{
    return infer_layout_build_mode(lay, model, batch, 0, err);
}

int
infer_layout_build_mode(infer_layout *lay, const zk_model *model, size_t batch,
                        int committed, char *err)
{
    unsigned range_of_width[MODEL_MAX_LIMB_BITS + 1], act_of_layer[MODEL_MAX_LAYERS];
    unsigned l, k, t, last;
    int lp1, lp2;

    memset(lay, 0, sizeof *lay);
    if (model_validate_public(model, err) != MODEL_OK)
        return -1;
    if (batch < 1 || batch > INFER_MAX_BATCH) {
        zkml_fail(err, -1, "the batch size B must be between 1 and 2^24 rows");
        return -1;
    }
    lay->batch = batch;
    lay->beta = infer_log2_ceil(batch);
    lay->n_layers = model->n_layers;
    last = model->n_layers - 1;
    for (l = 0; l < lay->n_layers; l++) {
        lay->nu[l] = infer_log2_ceil(model->layer[l].n);
        lay->mu[l] = infer_log2_ceil(model->layer[l].m);
        lay->n_limbs[l] = model_limb_plan(&model->layer[l], lay->limb_width[l],
                                          lay->limb_offset[l]);
    }
    lay->version = model_version(model);
    if (committed && lay->version != 2) {
        zkml_fail(err, -1, "committed inputs need a model of protocol version 2: register "
                  "the model again under 0.2.0");
        return -1;
    }
    lay->committed = committed;
    lay->model = committed ? model : NULL;
    if (lay->version == 2) {
        layout_v2(lay, model);
        goto place;
    }
    layout_tables(lay, model, range_of_width, act_of_layer);

    /* P1: per layer q, limbs, a (not the public output); then the multiplicities */
    for (l = 0; l < lay->n_layers; l++) {
        unsigned logn = lay->beta + lay->mu[l];

        lay->col_q[l] = push_column(lay->p1, &lay->n_p1, INFER_COL_Q, l, 0, 0, logn);
        lay->col_rem[l] = lay->n_p1;
        for (k = 0; k < lay->n_limbs[l]; k++)
            push_column(lay->p1, &lay->n_p1, INFER_COL_REM, l, k, 0, logn);
        if (l < last)
            lay->col_a[l] = lay->col_x[l] =
                push_column(lay->p1, &lay->n_p1, INFER_COL_A, l, 0, 0, logn);
    }
    lay->col_mult0 = lay->n_p1;
    for (t = 0; t < lay->n_tables; t++)
        push_column(lay->p1, &lay->n_p1, INFER_COL_MULT, 0, 0, t, lay->tables[t].log_size);

    /* lookup instances, and P2: h_k for each, then g_T for each table */
    for (l = 0; l < lay->n_layers; l++) {
        unsigned logn = lay->beta + lay->mu[l];

        for (k = 0; k <= lay->n_limbs[l]; k++) {
            infer_lookup *lk = &lay->lookups[lay->n_lookups];
            int is_act = k == lay->n_limbs[l];

            lk->layer = l;
            lk->is_act = is_act;
            lk->limb = is_act ? 0 : k;
            lk->table = is_act ? act_of_layer[l] : range_of_width[lay->limb_width[l][k]];
            lk->log_size = logn;
            lk->public_output = is_act && l == last;
            lk->col_in = (int)(is_act ? lay->col_q[l] : lay->col_rem[l] + k);
            lk->col_out = is_act && l < last ? (int)lay->col_a[l] : -1;
            push_column(lay->p2, &lay->n_p2, INFER_COL_H, l, lk->limb, lay->n_lookups, logn);
            lay->n_lookups++;
        }
    }
    for (t = 0; t < lay->n_tables; t++)
        push_column(lay->p2, &lay->n_p2, INFER_COL_G, 0, 0, t, lay->tables[t].log_size);

place:
    lp1 = place(lay->p1, lay->n_p1);
    lp2 = place(lay->p2, lay->n_p2);
    if (lp1 < 0 || lp2 < 0 || lp1 > INFER_MAX_POLY_LOG || lp2 > INFER_MAX_POLY_LOG) {
        zkml_fail(err, -1, "the proof's witness polynomials would exceed 2^28 entries: "
                     "use a smaller batch");
        return -1;
    }
    lay->l_p1 = (unsigned)lp1;
    lay->l_p2 = (unsigned)lp2;
    /* version 2 has no P2 (docs/protocol.md 7.18.0): l_P = l(P1) */
    lay->l_P = lay->version == 2 || lay->l_p1 > lay->l_p2 ? lay->l_p1 : lay->l_p2;
    /* version 2 commits P1 in shorter rows, δ = 1 (docs/protocol.md 7.18.0): an opening
     * half the size for twice the row commitments */
    hyrax_split_delta(lay->l_P, lay->version == 2 ? 1 : HYRAX_DELTA, &lay->lc_P, &lay->lr_P);
    return 0;
}
