/*
 * infer_case.c: inference-proof statements and the integer reference pass of the unit
 * tests (infer_case.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "infer_case.h"
#include "unit.h"

/* ---- statements ---- */

int
icase_finish(infer_case *ic, const int32_t *x, size_t B)
{
    size_t n1 = ic->m.layer[0].n, mL = ic->m.layer[ic->m.n_layers - 1].m;
    ref_trace rt;
    int rc;

    ic->B = B;
    ic->x = malloc(B * n1 * sizeof(int32_t));
    ic->y = malloc(B * mL * sizeof(int32_t));
    if (ic->x == NULL || ic->y == NULL)
        return -1;
    memcpy(ic->x, x, B * n1 * sizeof(int32_t));
    if (model_version(&ic->m) == 2) {           /* the reference pass is version 1's */
        model_trace tr;
        char err[ZKML_ERR_LEN];

        if (model_forward(&tr, &ic->m, ic->x, B, 0, err) != MODEL_OK)
            return -1;
        memcpy(ic->y, tr.out, B * mL * sizeof(int32_t));
        model_trace_free(&tr);
    } else {
        if (ref_forward(&rt, &ic->m, ic->x, B) != 0)
            return -1;
        rc = rt.out_of_range == 0 ? 0 : -1;
        ref_outputs(&rt, ic->y);
        ref_free(&rt);
        if (rc != 0)
            return -1;
    }
    unit_rand_bytes(ic->seed, 32);
    if (weights_layout_build(&ic->wl, &ic->m) != 0 ||
        weights_commit(&ic->rows, &ic->wl, &ic->m, ic->seed) != 0)
        return -1;
    memcpy(ic->context, "audit-42", 8);
    ic->st.model = &ic->m;
    ic->st.w_rows = &ic->rows;
    ic->st.batch = B;
    ic->st.inputs = ic->x;
    ic->st.outputs = ic->y;
    ic->st.context = ic->context;
    ic->st.context_len = 8;
    return 0;
}

int
icase_fixture(infer_case *ic, const char *shape, size_t B)
{
    char err[ZKML_ERR_LEN], name[64];
    size_t rows, cols, i;
    int32_t *all, *x;
    int rc;

    memset(ic, 0, sizeof *ic);
    snprintf(name, sizeof name, "%s.q.json", shape);
    if (fixture_model(&ic->m, name, err) != MODEL_OK)
        return -1;
    all = fixture_rows(shape, &rows, &cols);
    if (all == NULL || cols != ic->m.layer[0].n || (x = malloc(B * cols * sizeof(int32_t))) == NULL) {
        free(all);
        return -1;
    }
    for (i = 0; i < B; i++)                         /* cycle through the fixture rows */
        memcpy(x + i * cols, all + (i % rows) * cols, cols * sizeof(int32_t));
    free(all);
    rc = icase_finish(ic, x, B);
    free(x);
    return rc;
}

/* Q.json text for layers of the given widths, small seeded weights, M = 1, s = 4, Q = 8. */
static char *
odd_model_json(const unsigned *dims, unsigned L, int all_identity)
{
    size_t cap = 1 << 16, n = 0;
    char *s = malloc(cap);
    unsigned l, i, j;

    if (s == NULL)
        return NULL;
    n += (size_t)snprintf(s + n, cap - n, "{\"format\":\"zkml-quantized-v1\",\"layers\":[");
    for (l = 0; l < L; l++) {
        n += (size_t)snprintf(s + n, cap - n, "%s{\"weights\":[", l ? "," : "");
        for (i = 0; i < dims[l + 1]; i++) {
            n += (size_t)snprintf(s + n, cap - n, "%s[", i ? "," : "");
            for (j = 0; j < dims[l]; j++)
                n += (size_t)snprintf(s + n, cap - n, "%s%d", j ? "," : "",
                                      (int)(unit_rand64() % 7) - 3);
            n += (size_t)snprintf(s + n, cap - n, "]");
        }
        n += (size_t)snprintf(s + n, cap - n, "],\"bias\":[");
        for (i = 0; i < dims[l + 1]; i++)
            n += (size_t)snprintf(s + n, cap - n, "%s%d", i ? "," : "",
                                  (int)(unit_rand64() % 41) - 20);
        n += (size_t)snprintf(s + n, cap - n,
                              "],\"M\":1,\"s\":4,\"Q\":8,\"activation\":{\"kind\":\"%s\"}}",
                              l % 2 && !all_identity ? "relu" : "identity");
    }
    snprintf(s + n, cap - n, "]}");
    return s;
}

int
icase_odd(infer_case *ic, const unsigned *dims, unsigned L, size_t B, int all_identity)
{
    char *text = odd_model_json(dims, L, all_identity), err[ZKML_ERR_LEN] = "";
    int32_t *x = malloc(B * dims[0] * sizeof(int32_t));
    size_t i;
    int rc = -1;

    memset(ic, 0, sizeof *ic);
    if (text != NULL && x != NULL &&
        model_from_json(&ic->m, text, strlen(text), err) == MODEL_OK) {
        for (i = 0; i < B * dims[0]; i++)
            x[i] = (int32_t)(unit_rand64() % 256) - 128;
        rc = icase_finish(ic, x, B);
    } else if (err[0] != '\0')
        fprintf(stderr, "    odd model: %s\n", err);
    free(text);
    free(x);
    return rc;
}

void
icase_free(infer_case *ic)
{
    hyrax_commitment_free(&ic->rows);
    model_free(&ic->m);
    free(ic->x);
    free(ic->y);
    memset(ic, 0, sizeof *ic);
}

/* ---- the reference pass ---- */

static unsigned
log2_ceil(size_t v)
{
    unsigned k = 0;

    while (((size_t)1 << k) < v)
        k++;
    return k;
}

long
ref_row(const ref_trace *rt, unsigned l, int64_t q)
{
    int64_t half = (int64_t)1 << (rt->m->layer[l].q_bits - 1);

    if (q < -half || q >= half)
        return -1;
    return (long)(q + half);
}

void
ref_split(ref_trace *rt, unsigned l, size_t e)
{
    size_t plane = rt->rows[l] * rt->cols;
    unsigned k;

    for (k = 0; k < rt->K[l]; k++)
        rt->limb[l][k * plane + e] =
            (rt->rem[l][e] >> rt->offset[l][k]) & (((int64_t)1 << rt->width[l][k]) - 1);
}

void
ref_layer(ref_trace *rt, unsigned l)
{
    const model_layer *ly = &rt->m->layer[l];
    const model_weights *wt = &rt->m->weights[l];
    size_t i, b, j, cols = rt->cols, tsize = (size_t)1 << ly->q_bits;
    int32_t lo = ly->act[0], hi = ly->act[0];

    for (i = 1; i < tsize; i++) {
        lo = ly->act[i] < lo ? ly->act[i] : lo;
        hi = ly->act[i] > hi ? ly->act[i] : hi;
    }
    for (i = 0; i < rt->rows[l]; i++)
        for (b = 0; b < cols; b++) {
            size_t e = b + cols * i;
            int real = i < ly->m && b < rt->B;
            __int128 y = 0, t, q;
            long row;

            if (i < ly->m) {                        /* padded rows have zero W and bias */
                y = wt->bias[i];
                for (j = 0; j < ly->n; j++) {
                    int64_t xv = l == 0 ? rt->x[(b < rt->B ? b : rt->B - 1) * ly->n + j]
                                        : rt->a[l - 1][b + cols * j];

                    y += (__int128)wt->w[i * ly->n + j] * xv;
                }
            }
            t = (__int128)ly->mult * y + ((__int128)1 << (ly->shift - 1));
            q = t >> ly->shift;                     /* an arithmetic shift: the floor */
            rt->q[l][e] = (int64_t)q;
            rt->rem[l][e] = (int64_t)(t - q * ((__int128)1 << ly->shift));
            ref_split(rt, l, e);
            row = ref_row(rt, l, rt->q[l][e]);
            rt->a[l][e] = row < 0 ? 0 : ly->act[row];
            if (!real)
                continue;
            rt->out_of_range += row < 0;
            rt->ties += rt->rem[l][e] == 0;
            rt->negative += y < 0;
            rt->negative_ties += y < 0 && rt->rem[l][e] == 0;
            if (row >= 0 && ((rt->a[l][e] == hi && row > 0 && ly->act[row - 1] == hi) ||
                             (rt->a[l][e] == lo && (size_t)row + 1 < tsize &&
                              ly->act[row + 1] == lo)))
                rt->saturated++;
        }
}

int
ref_forward(ref_trace *rt, const zk_model *m, const int32_t *x, size_t B)
{
    unsigned l, k;

    memset(rt, 0, sizeof *rt);
    rt->m = m;
    rt->x = x;
    rt->B = B;
    rt->L = m->n_layers;
    rt->beta = log2_ceil(B);
    rt->cols = (size_t)1 << rt->beta;
    for (l = 0; l < rt->L; l++) {
        const model_layer *ly = &m->layer[l];
        size_t n;

        if (ly->shift > 62)
            return -1;                              /* rem kept in an int64 */
        rt->rows[l] = (size_t)1 << log2_ceil(ly->m);
        rt->K[l] = (ly->shift + ly->limb_bits - 1) / ly->limb_bits;
        for (k = 0; k < rt->K[l]; k++) {
            rt->offset[l][k] = k * ly->limb_bits;
            rt->width[l][k] = k + 1 < rt->K[l] ? ly->limb_bits : ly->shift - k * ly->limb_bits;
        }
        n = rt->rows[l] * rt->cols;
        rt->q[l] = calloc(n, sizeof(int64_t));
        rt->rem[l] = calloc(n, sizeof(int64_t));
        rt->a[l] = calloc(n, sizeof(int64_t));
        rt->limb[l] = calloc(n * rt->K[l], sizeof(int64_t));
        if (rt->q[l] == NULL || rt->rem[l] == NULL || rt->a[l] == NULL || rt->limb[l] == NULL) {
            ref_free(rt);
            return -1;
        }
    }
    for (l = 0; l < rt->L; l++)
        ref_layer(rt, l);
    return 0;
}

void
ref_outputs(const ref_trace *rt, int32_t *y)
{
    unsigned l = rt->L - 1;
    size_t mL = rt->m->layer[l].m, i, b;

    for (b = 0; b < rt->B; b++)
        for (i = 0; i < mL; i++)
            y[b * mL + i] = (int32_t)rt->a[l][b + rt->cols * i];
}

void
ref_free(ref_trace *rt)
{
    unsigned l;

    for (l = 0; l < MODEL_MAX_LAYERS; l++) {
        free(rt->q[l]);
        free(rt->rem[l]);
        free(rt->a[l]);
        free(rt->limb[l]);
    }
    memset(rt, 0, sizeof *rt);
}

/* ---- the phase-1 witness ---- */

size_t
ref_p1_q(const infer_layout *lay, unsigned l, size_t e)
{
    return lay->p1[lay->col_q[l]].offset + e;
}

size_t
ref_p1_a(const infer_layout *lay, unsigned l, size_t e)
{
    return lay->p1[lay->col_a[l]].offset + e;
}

size_t
ref_p1_limb(const infer_layout *lay, unsigned l, unsigned k, size_t e)
{
    return lay->p1[lay->col_rem[l] + k].offset + e;
}

void
ref_count(int64_t *p1, const infer_layout *lay, const ref_trace *rt, int skip_padding)
{
    unsigned k, t;

    for (t = 0; t < lay->n_tables; t++)
        memset(p1 + lay->p1[lay->col_mult0 + t].offset, 0,
               ((size_t)1 << lay->tables[t].log_size) * sizeof(int64_t));
    for (k = 0; k < lay->n_lookups; k++) {
        const infer_lookup *lk = &lay->lookups[k];
        const logup_table *T = &lay->tables[lk->table].table;
        int64_t *mult = p1 + lay->p1[lay->col_mult0 + lk->table].offset;
        size_t n = (size_t)1 << lk->log_size, e;

        for (e = 0; e < n; e++) {
            size_t i = e / rt->cols, b = e % rt->cols;
            int64_t row = p1[lay->p1[lk->col_in].offset + e] - T->in_offset;
            int padding = i >= rt->m->layer[lk->layer].m || b >= rt->B;

            if (row < 0 || row >= ((int64_t)1 << T->log_size) || (skip_padding && padding))
                continue;
            if (lk->is_act) {
                int64_t a = lk->col_out >= 0 ? p1[lay->p1[lk->col_out].offset + e]
                                             : rt->a[lk->layer][e];

                if (T->out[row] != a)
                    continue;
            }
            mult[row]++;
        }
    }
}

int64_t *
ref_witness(const ref_trace *rt, const infer_layout *lay, int skip_padding)
{
    int64_t *p1 = calloc((size_t)1 << lay->l_P, sizeof(int64_t));
    unsigned l, k;
    size_t e;

    if (p1 == NULL)
        return NULL;
    for (l = 0; l < rt->L; l++)
        for (e = 0; e < rt->rows[l] * rt->cols; e++) {
            p1[ref_p1_q(lay, l, e)] = rt->q[l][e];
            for (k = 0; k < rt->K[l]; k++)
                p1[ref_p1_limb(lay, l, k, e)] = rt->limb[l][k * rt->rows[l] * rt->cols + e];
            if (l + 1 < rt->L)
                p1[ref_p1_a(lay, l, e)] = rt->a[l][e];
        }
    ref_count(p1, lay, rt, skip_padding);
    return p1;
}

/* ---- version 2 test networks ---- */

static void
cat(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    size_t at = strlen(buf);

    va_start(ap, fmt);
    vsnprintf(buf + at, cap - at, fmt, ap);
    va_end(ap);
}

char *
icase_v2_doc(const unsigned *dims, const char *kinds, unsigned L,
             unsigned (*input_bits)(unsigned j))
{
    size_t cap = 1 << 20;
    char *buf = calloc(cap, 1);
    unsigned l, i, j;

    cat(buf, cap, "{\"format\": \"zkml-quantized-v2\", \"inputs\": [");
    for (j = 0; j < dims[0]; j++)
        cat(buf, cap, "%s{\"bits\": %u}", j ? "," : "", input_bits(j));
    cat(buf, cap, "], \"layers\": [");
    for (l = 0; l < L; l++) {
        unsigned Q = kinds[l] == 's' ? 8 : 10 + l % 3;

        cat(buf, cap, "%s{\"s\": %u, \"Q\": %u, \"limb_bits\": %u, \"u_bits\": %u, \"weights\": [",
            l ? "," : "", 12 + l, Q, 5 + l, 3 + l);
        for (i = 0; i < dims[l + 1]; i++) {
            cat(buf, cap, "%s[", i ? "," : "");
            for (j = 0; j < dims[l]; j++)
                cat(buf, cap, "%s%d", j ? "," : "", (int)(unit_rand64() % 31) - 15);
            cat(buf, cap, "]");
        }
        cat(buf, cap, "], \"bias\": [");
        for (i = 0; i < dims[l + 1]; i++)
            cat(buf, cap, "%s%d", i ? "," : "", (int)(unit_rand64() % 2001) - 1000);
        cat(buf, cap, "], \"M\": [");
        for (i = 0; i < dims[l + 1]; i++)
            cat(buf, cap, "%s%u", i ? "," : "", 1 + (unsigned)(unit_rand64() % 40));
        cat(buf, cap, "], \"activation\": ");
        switch (kinds[l]) {
        case 'r':
            cat(buf, cap, "{\"kind\": \"relu\"}}");
            break;
        case 'c':
            cat(buf, cap, "{\"kind\": \"clamp\", \"min\": -100, \"max\": 90}}");
            break;
        case 'i':
            cat(buf, cap, "{\"kind\": \"identity\"}}");
            break;
        default:
            cat(buf, cap, "{\"kind\": \"sigmoid\", \"in_scale\": 0.05, \"out_scale\": 0.001}}");
        }
    }
    cat(buf, cap, "]}");
    return buf;
}
