/*
 * test_infer_layout.c: the shape of an inference proof and its phase-1 witness
 * (docs/protocol.md 6.2, 6.3) on the standard shapes.
 */
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "infer_layout.h"
#include "infer_witness.h"
#include "unit.h"

/* Columns sit at multiples of their size, do not overlap, and fit in 2^l. */
static int
placement_ok(const infer_column *cols, unsigned n, unsigned l)
{
    unsigned i, j;

    for (i = 0; i < n; i++) {
        size_t size = (size_t)1 << cols[i].log_size;

        if (cols[i].offset % size != 0 || cols[i].offset + size > ((size_t)1 << l))
            return 0;
        for (j = 0; j < i; j++) {
            size_t s2 = (size_t)1 << cols[j].log_size;

            if (cols[i].offset < cols[j].offset + s2 && cols[j].offset < cols[i].offset + size)
                return 0;
        }
    }
    return 1;
}

static void
check_layout(const infer_layout *lay, const zk_model *m)
{
    unsigned l, k, n_expected = 0;

    CHECK(placement_ok(lay->p1, lay->n_p1, lay->l_p1));
    CHECK(placement_ok(lay->p2, lay->n_p2, lay->l_p2));
    CHECK(lay->l_P == (lay->l_p1 > lay->l_p2 ? lay->l_p1 : lay->l_p2));
    for (l = 0; l < m->n_layers; l++)
        n_expected += lay->n_limbs[l] + 1;
    CHECK(lay->n_lookups == n_expected);
    CHECK(lay->n_p2 == lay->n_lookups + lay->n_tables);
    for (k = 0; k < lay->n_lookups; k++) {
        const infer_lookup *lk = &lay->lookups[k];
        const infer_table *T = &lay->tables[lk->table];

        CHECK(lk->log_size == lay->beta + lay->mu[lk->layer]);
        CHECK(lay->p1[lk->col_in].log_size == lk->log_size);
        CHECK(lay->p2[k].kind == INFER_COL_H && lay->p2[k].log_size == lk->log_size);
        if (lk->is_act) {
            CHECK(!T->is_range && T->log_size == m->layer[lk->layer].q_bits);
            CHECK(lay->p1[lk->col_in].kind == INFER_COL_Q);
            CHECK(lk->public_output == (lk->layer + 1 == m->n_layers));
            CHECK((lk->col_out < 0) == lk->public_output);
        } else {
            CHECK(T->is_range && T->log_size == lay->limb_width[lk->layer][lk->limb]);
            CHECK(lay->p1[lk->col_in].kind == INFER_COL_REM);
        }
    }
    /* tables: RANGE widths strictly ascending, then ACT tables */
    for (k = 1; k < lay->n_tables; k++)
        CHECK(lay->tables[k - 1].is_range >= lay->tables[k].is_range);
    for (k = 1; k < lay->n_tables && lay->tables[k].is_range; k++)
        CHECK(lay->tables[k - 1].log_size < lay->tables[k].log_size);
}

UNIT_TEST(infer_layout_standard_shapes)
{
    static const char *const shapes[] = {"lr20.q.json", "mlp20.q.json", "mlp64.q.json"};
    static const size_t batches[] = {1, 2, 3, 16, 1000, 1024};
    char err[ZKML_ERR_LEN];
    size_t s, b;

    for (s = 0; s < 3; s++) {
        zk_model m;

        CHECKF(fixture_model(&m, shapes[s], err) == MODEL_OK, "%s: %s", shapes[s], err);
        for (b = 0; b < sizeof batches / sizeof batches[0]; b++) {
            infer_layout *lay = malloc(sizeof *lay);

            CHECKF(infer_layout_build(lay, &m, batches[b], err) == 0, "%s", err);
            CHECK(lay->beta == infer_log2_ceil(batches[b]));
            check_layout(lay, &m);
            free(lay);
        }
        model_free(&m);
    }
}

UNIT_TEST(infer_layout_mlp20_b3_by_hand)
{
    infer_layout *lay = malloc(sizeof *lay);
    char err[ZKML_ERR_LEN];
    zk_model m;
    unsigned l;

    CHECK(fixture_model(&m, "mlp20.q.json", err) == MODEL_OK);
    CHECK(infer_layout_build(lay, &m, 3, err) == 0);
    CHECK(lay->beta == 2);
    CHECK(lay->nu[0] == 5 && lay->nu[1] == 6 && lay->nu[2] == 5);
    CHECK(lay->mu[0] == 6 && lay->mu[1] == 5 && lay->mu[2] == 0);
    /* P1 per layer: q, K limbs, a (not for the last layer), then one m per table */
    {
        unsigned want = lay->n_tables;

        for (l = 0; l < 3; l++)
            want += 1 + lay->n_limbs[l] + (l < 2);
        CHECK(lay->n_p1 == want);
    }
    /* the largest column comes first (the first declared one of that size) */
    {
        unsigned i, big = 0, first = 0;

        for (i = 0; i < lay->n_p1; i++)
            if (lay->p1[i].log_size > big) {
                big = lay->p1[i].log_size;
                first = i;
            }
        CHECK(lay->p1[first].offset == 0);
        CHECK(lay->p1[lay->col_q[0]].log_size == 8);
    }
    CHECK(lay->p1[lay->col_q[2]].log_size == 2);
    model_free(&m);
    free(lay);
}

UNIT_TEST(infer_layout_dedups_tables_and_checks_batch)
{
    infer_layout *lay = malloc(sizeof *lay);
    char err[ZKML_ERR_LEN];
    zk_model m;
    unsigned acts = 0, k;
    int32_t *saved;

    CHECK(fixture_model(&m, "mlp20.q.json", err) == MODEL_OK);
    /* make layers 1 and 2 share one activation table */
    saved = m.layer[1].act;
    CHECK(m.layer[0].q_bits == m.layer[1].q_bits);
    {
        m.layer[1].act = m.layer[0].act;
        CHECK(infer_layout_build(lay, &m, 4, err) == 0);
        for (k = 0; k < lay->n_tables; k++)
            acts += !lay->tables[k].is_range;
        CHECK(acts == 2);
        CHECK(lay->lookups[lay->n_limbs[0]].table == lay->lookups[lay->n_limbs[0] +
                                                                  lay->n_limbs[1] + 1].table);
        m.layer[1].act = saved;
    }
    CHECK(infer_layout_build(lay, &m, 0, err) == -1);
    CHECK(strstr(err, "batch size") != NULL);
    CHECK(infer_layout_build(lay, &m, INFER_MAX_BATCH + 1, err) == -1);
    model_free(&m);
    free(lay);
}

/* P1 against the trace, the padding rules and the multiplicities, for mlp20 and B = 3. */
UNIT_TEST(infer_witness_mlp20)
{
    infer_layout *lay = malloc(sizeof *lay);
    char err[ZKML_ERR_LEN];
    size_t rows, cols, i, b, B = 3;
    int32_t *x = fixture_csv("mlp20.rows.csv", &rows, &cols);
    model_trace tr;
    infer_witness wit;
    zk_model m;
    unsigned l, k, t;

    CHECK(x != NULL && rows >= B);
    CHECK(fixture_model(&m, "mlp20.q.json", err) == MODEL_OK);
    CHECK(model_forward(&tr, &m, x, B, 0, err) == MODEL_OK);
    CHECK(infer_layout_build(lay, &m, B, err) == 0);
    CHECKF(infer_witness_build(&wit, lay, &m, &tr, err) == 0, "%s", err);
    for (l = 0; l < m.n_layers; l++) {
        const model_layer *ly = &m.layer[l];
        size_t ncols = (size_t)1 << lay->beta;
        int64_t act0 = ly->act[(size_t)1 << (ly->q_bits - 1)];

        for (i = 0; i < ((size_t)1 << lay->mu[l]); i++)
            for (b = 0; b < ncols; b++) {
                size_t at = b + ncols * i, src = i * B + (b < B ? b : B - 1);
                int64_t q = wit.p1[lay->p1[lay->col_q[l]].offset + at];
                uint64_t rem = 0;

                for (k = 0; k < lay->n_limbs[l]; k++)
                    rem |= (uint64_t)wit.p1[lay->p1[lay->col_rem[l] + k].offset + at]
                           << lay->limb_offset[l][k];
                if (i < ly->m) {
                    CHECK(q == tr.layer[l].q[src]);
                    CHECK(rem == tr.layer[l].rem[src]);
                    if (l + 1 < m.n_layers)
                        CHECK(wit.p1[lay->p1[lay->col_a[l]].offset + at] ==
                              tr.layer[l].a[src]);
                } else {
                    CHECK(q == 0 && rem == (uint64_t)1 << (ly->shift - 1));
                    if (l + 1 < m.n_layers)
                        CHECK(wit.p1[lay->p1[lay->col_a[l]].offset + at] == act0);
                }
            }
    }
    /* each table's multiplicities add up to the entries looked up in it */
    for (t = 0; t < lay->n_tables; t++) {
        uint64_t total = 0, want = 0;
        size_t y, off = lay->p1[lay->col_mult0 + t].offset;

        for (y = 0; y < ((size_t)1 << lay->tables[t].log_size); y++) {
            CHECK(wit.p1[off + y] >= 0);
            total += (uint64_t)wit.p1[off + y];
        }
        for (k = 0; k < lay->n_lookups; k++)
            if (lay->lookups[k].table == t)
                want += (uint64_t)1 << lay->lookups[k].log_size;
        CHECKF(total == want, "table %u: %llu counted, %llu looked up", t,
               (unsigned long long)total, (unsigned long long)want);
    }
    infer_witness_free(&wit);
    model_trace_free(&tr);
    model_free(&m);
    free(x);
    free(lay);
}
