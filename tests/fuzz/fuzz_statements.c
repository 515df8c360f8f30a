/*
 * fuzz_statements.c: the fixed statements of the proof fuzz targets (see the header).
 */
#include <string.h>

#include "drbg.h"
#include "fuzz_statements.h"
#include "pedersen.h"
#include "weights.h"

#define LABEL "fuzz/ipa"

int
fuzz_ipa_setup(fuzz_ipa_statement *st, codec_writer *w)
{
    fq_t x[1 << FUZZ_IPA_K], bx, by, y, t;
    uint8_t fixed[32] = {3}, seed[32] = {4};
    transcript_t tr;
    drbg_t rng;
    ipa_proof pf;
    gep_t p;
    int i, rc;

    fq_set_zero(&y);
    for (i = 0; i < (1 << FUZZ_IPA_K); i++) {
        fq_set_u64(&x[i], (uint64_t)(i + 1));
        fq_set_u64(&st->a[i], (uint64_t)(i + 2));
        fq_mul(&t, &x[i], &st->a[i]);
        fq_add(&y, &y, &t);
    }
    fq_set_u64(&bx, 5);
    fq_set_u64(&by, 7);
    if (pedersen_comv(&p, x, 1 << FUZZ_IPA_K, &bx) != 0)
        return -1;
    ge_set_gep(&st->Cx, &p);
    pedersen_com1(&p, &y, &by);
    ge_set_gep(&st->Cy, &p);
    if (w == NULL)
        return 0;
    transcript_init(&tr, LABEL, strlen(LABEL));
    drbg_init_fixed(&rng, fixed, seed, tr.state);
    rc = ipa_prove(&pf, &tr, &rng, &st->Cx, &st->Cy, x, &bx, &by, st->a, FUZZ_IPA_K);
    drbg_clear(&rng);
    if (rc != 0)
        return -1;
    codec_writer_init(w);
    codec_put_header(w);
    codec_put_ipa(w, &pf);
    return w->failed ? -1 : 0;
}

int
fuzz_ipa_accepts(const fuzz_ipa_statement *st, const uint8_t *data, size_t len)
{
    codec_reader r;
    ipa_proof pf;
    transcript_t tr;
    const char *why;

    codec_reader_init(&r, data, len);
    codec_get_header(&r);
    codec_get_ipa(&r, &pf, FUZZ_IPA_K);
    if (codec_reader_finish(&r) != 0)
        return 0;
    transcript_init(&tr, LABEL, strlen(LABEL));
    return ipa_verify(&tr, &st->Cx, &st->Cy, st->a, FUZZ_IPA_K, &pf, &why) == 1;
}

/* 4 -> 3 (relu) -> 2 (identity), Q = 8: small tables keep a verification cheap. */
static const char FUZZ_MODEL[] =
    "{\"format\":\"zkml-quantized-v1\",\"layers\":["
    "{\"weights\":[[1,-2,3,0],[2,2,-1,1],[-3,1,0,2]],\"bias\":[5,-7,3],"
    "\"M\":1,\"s\":4,\"Q\":8,\"activation\":{\"kind\":\"relu\"}},"
    "{\"weights\":[[1,-1,2],[3,0,-2]],\"bias\":[1,-1],"
    "\"M\":3,\"s\":3,\"Q\":8,\"activation\":{\"kind\":\"identity\"}}]}";

int
fuzz_infer_setup(fuzz_infer_statement *fs, uint8_t **proof, size_t *len)
{
    static const int32_t x[3 * 4] = {10, -20, 30, 40, -128, 127, 0, 5, 7, 7, -7, -100};
    uint8_t seed[32] = {5}, fixed[32] = {6};
    char err[ZKML_ERR_LEN];
    weights_layout wl;
    model_trace tr;

    memset(fs, 0, sizeof *fs);
    memcpy(fs->inputs, x, sizeof x);
    if (model_from_json(&fs->model, FUZZ_MODEL, sizeof FUZZ_MODEL - 1, err) != MODEL_OK ||
        model_forward(&tr, &fs->model, fs->inputs, 3, 0, err) != MODEL_OK)
        return -1;
    memcpy(fs->outputs, tr.out, sizeof fs->outputs);
    model_trace_free(&tr);
    if (weights_layout_build(&wl, &fs->model) != 0 ||
        weights_commit(&fs->w_rows, &wl, &fs->model, seed) != 0)
        return -1;
    fs->st.model = &fs->model;
    fs->st.w_rows = &fs->w_rows;
    fs->st.batch = 3;
    fs->st.inputs = fs->inputs;
    fs->st.outputs = fs->outputs;
    fs->st.context = (const uint8_t *)"fuzz";
    fs->st.context_len = 4;
    if (proof == NULL)
        return 0;
    return infer_prove(proof, len, &fs->st, seed,
                       &(infer_options){.fixed_rng = fixed}, err) == 0 ? 0 : -1;
}
