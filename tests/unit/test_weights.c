/*
 * test_weights.c: the W polynomial and its registration commitment (docs/protocol.md 6.3, 7).
 */
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "hyrax.h"
#include "weights.h"
#include "unit.h"

UNIT_TEST(weights_table_places_every_entry)
{
    char err[ZKML_ERR_LEN];
    weights_layout lay;
    zk_model m;
    int64_t *P;
    size_t i, j, total = 0, nonzero = 0, expected_nonzero = 0;
    unsigned l;

    CHECK(fixture_model(&m, "mlp20.q.json", err) == MODEL_OK);
    CHECK(weights_layout_build(&lay, &m) == 0);
    /* 20->64->32->1: W columns 2^(5+6), 2^(6+5), 2^(5+0); b columns 2^6, 2^5, 2^0 */
    CHECK(lay.l_W == 13);               /* 2048 + 2048 + 32 + 64 + 32 + 1 -> 8192 */
    CHECK(weights_table(&P, &lay, &m) == 0);
    for (l = 0; l < m.n_layers; l++) {
        const model_layer *ly = &m.layer[l];

        for (i = 0; i < ly->m; i++) {
            for (j = 0; j < ly->n; j++) {
                int32_t w = m.weights[l].w[i * ly->n + j];

                CHECK(P[lay.w_offset[l] + j + ((size_t)1 << lay.nu[l]) * i] == w);
                expected_nonzero += w != 0;
            }
            CHECK(P[lay.b_offset[l] + i] == m.weights[l].bias[i]);
            expected_nonzero += m.weights[l].bias[i] != 0;
        }
    }
    /* nothing else is nonzero: padding is zero */
    for (total = 0; total < ((size_t)1 << lay.l_W); total++)
        nonzero += P[total] != 0;
    CHECK(nonzero == expected_nonzero);
    free(P);
    model_free(&m);
}

UNIT_TEST(weights_commitment_is_bound_to_weights_and_seed)
{
    char err[ZKML_ERR_LEN];
    uint8_t seed[32];
    weights_layout lay;
    hyrax_commitment a, b, c, direct;
    zk_model m;
    int64_t *P;
    fq_t *beta, *Pf;
    size_t i, nrows, differ = 0;

    unit_rand_bytes(seed, sizeof seed);
    CHECK(fixture_model(&m, "lr20.q.json", err) == MODEL_OK);
    CHECK(weights_layout_build(&lay, &m) == 0);
    CHECK(weights_commit(&a, &lay, &m, seed) == 0);
    nrows = (size_t)1 << a.lr;
    /* the same rows from the definition: Hyrax of the table with the seed's blinds */
    CHECK(weights_table(&P, &lay, &m) == 0);
    beta = malloc(nrows * sizeof(fq_t));
    Pf = malloc(((size_t)1 << lay.l_W) * sizeof(fq_t));
    for (i = 0; i < ((size_t)1 << lay.l_W); i++)
        fq_set_i64(&Pf[i], P[i]);
    CHECK(hyrax_blinds_from_seed(beta, nrows, seed) == 0);
    CHECK(hyrax_commit(&direct, Pf, lay.l_W, hyrax_lc(lay.l_W), beta) == 0);
    for (i = 0; i < nrows; i++)
        CHECK(ge_eq(&a.rows[i], &direct.rows[i]));
    /* deterministic; another seed changes every row; one weight changes one row */
    CHECK(weights_commit(&b, &lay, &m, seed) == 0);
    for (i = 0; i < nrows; i++)
        CHECK(ge_eq(&a.rows[i], &b.rows[i]));
    hyrax_commitment_free(&b);
    seed[5] ^= 1;
    CHECK(weights_commit(&b, &lay, &m, seed) == 0);
    for (i = 0; i < nrows; i++)
        CHECK(!ge_eq(&a.rows[i], &b.rows[i]));
    seed[5] ^= 1;
    m.weights[0].w[3] ^= 1;
    CHECK(weights_commit(&c, &lay, &m, seed) == 0);
    for (i = 0; i < nrows; i++)
        differ += !ge_eq(&a.rows[i], &c.rows[i]);
    CHECK(differ == 1);
    hyrax_commitment_free(&b);
    /* a descriptor-only model cannot be committed */
    {
        int32_t *w = m.weights[0].w;

        m.weights[0].w = NULL;
        CHECK(weights_commit(&b, &lay, &m, seed) == -1);
        m.weights[0].w = w;
    }
    hyrax_commitment_free(&a);
    hyrax_commitment_free(&b);
    hyrax_commitment_free(&c);
    hyrax_commitment_free(&direct);
    free(P);
    free(Pf);
    free(beta);
    model_free(&m);
}
