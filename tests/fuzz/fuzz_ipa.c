/*
 * fuzz_ipa.c: the fixed statement of the proof fuzz target (see fuzz_ipa.h).
 */
#include <string.h>

#include "drbg.h"
#include "fuzz_ipa.h"
#include "pedersen.h"

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
