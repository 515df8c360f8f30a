/*
 * rowcommit.c: row commitments, their blinds and nonce (docs/protocol.md 7.19.2-7.19.4,
 * 12.9.2).
 */
#include "rowcommit.h"

#include <string.h>

#include "drbg.h"
#include "generators.h"
#include "h2c.h"
#include "pedersen.h"
#include "runtime.h"
#include "sha256.h"

/* docs/protocol.md 7.19.4 */
int
rowcommit_nonce(uint8_t nonce[ROWCOMMIT_NONCE_LEN], const uint8_t seed[32],
                const uint8_t *context, size_t context_len, const uint8_t *fixed_rng)
{
    static const char tag[] = "ZKMLPG-V2/input-nonce";
    uint8_t state[32] = {0}, fresh[32];
    drbg_t d;
    sha256_ctx h;
    int rc;

    /* the generator is hedged with σ like the prover's: the OS bytes alone do not decide */
    rc = fixed_rng != NULL ? drbg_init_fixed(&d, fixed_rng, seed, state)
                           : drbg_init(&d, seed, state);
    if (rc == 0)
        rc = drbg_bytes(&d, fresh, sizeof fresh);
    drbg_clear(&d);
    if (rc != 0)
        return -1;
    sha256_begin(&h);
    sha256_write(&h, tag, sizeof tag - 1);
    sha256_write(&h, fresh, sizeof fresh);
    sha256_write(&h, seed, 32);
    if (context_len > 0)
        sha256_write(&h, context, context_len);
    rc = sha256_finish(&h, nonce);
    explicit_bzero(fresh, sizeof fresh);
    return rc == 0 ? 0 : -1;
}

/* docs/protocol.md 7.19.3: ρ_b = expand_message_xmd(σ || nonce || u64le(b)) mod q */
int
rowcommit_blinds(fq_t *rho, size_t first, size_t n, const uint8_t seed[32],
                 const uint8_t nonce[ROWCOMMIT_NONCE_LEN])
{
    static const char dst[] = "ZKMLPG-V2/input-row-blind";
    uint8_t msg[32 + ROWCOMMIT_NONCE_LEN + 8], wide[64];
    size_t i;
    int j, rc = 0;

    memcpy(msg, seed, 32);
    memcpy(msg + 32, nonce, ROWCOMMIT_NONCE_LEN);
    for (i = 0; i < n && rc == 0; i++) {
        uint64_t b = (uint64_t)(first + i);

        for (j = 0; j < 8; j++)
            msg[32 + ROWCOMMIT_NONCE_LEN + j] = (uint8_t)(b >> (8 * j));
        rc = h2c_expand_message_xmd(wide, sizeof wide, msg, sizeof msg,
                                    (const uint8_t *)dst, sizeof dst - 1);
        fq_from_bytes_wide(&rho[i], wide);
    }
    explicit_bzero(msg, sizeof msg);
    explicit_bzero(wide, sizeof wide);
    return rc;
}

int
rowcommit_row(ge_t *C, const int32_t *x, size_t n, const fq_t *rho)
{
    gep_t p;

    if (generators_V(n) == NULL || pedersen_comv_small(&p, x, n, rho) != 0)
        return -1;
    ge_set_gep(C, &p);
    return 0;
}

int
rowcommit_rows(ge_t *C, const int32_t *rows, size_t batch, size_t n, const fq_t *rho)
{
    ptrdiff_t b;
    int failed = 0;

    if (generators_V(n) == NULL)                    /* grow the cache before the threads */
        return -1;
#pragma omp parallel for schedule(dynamic, 16) num_threads(zkml_threads()) if (batch >= 64) \
    reduction(| : failed)
    for (b = 0; b < (ptrdiff_t)batch; b++)
        failed |= rowcommit_row(&C[b], rows + (size_t)b * n, n, &rho[b]) != 0;
    return failed ? -1 : 0;
}

int
rowcommit_encode(uint8_t out[ROWCOMMIT_POINT_LEN], const ge_t *C)
{
    if (C->infinity)
        return -1;
    fp_to_bytes(out, &C->x);
    fp_to_bytes(out + 32, &C->y);
    return 0;
}

int
rowcommit_decode(ge_t *C, const uint8_t in[ROWCOMMIT_POINT_LEN])
{
    ge_t p;

    memset(&p, 0, sizeof p);
    if (!fp_from_bytes(&p.x, in) || !fp_from_bytes(&p.y, in + 32))
        return -1;
    p.infinity = 0;
    if (!ge_is_on_curve(&p))
        return -1;
    *C = p;
    return 0;
}

/* docs/protocol.md 7.19.2: the rows as X's Hyrax commitment, padded rows C_{B-1} */
void
rowcommit_matrix(hyrax_commitment *xc, ge_t *rows, const ge_t *C, size_t batch,
                 unsigned nu, unsigned beta)
{
    size_t b, nrows = (size_t)1 << beta;

    xc->l = nu + beta;
    xc->lc = nu;
    xc->lr = beta;
    xc->rows = rows;
    for (b = 0; b < nrows; b++)
        rows[b] = C[b < batch ? b : batch - 1];
}

int
rowcommit_matrix_values(fq_t *table, fq_t *rho, const int32_t *x, size_t batch, size_t n,
                        unsigned nu, unsigned beta, const uint8_t seed[32],
                        const uint8_t nonce[ROWCOMMIT_NONCE_LEN])
{
    size_t cols = (size_t)1 << nu, nrows = (size_t)1 << beta, b, j;

    if (rowcommit_blinds(rho, 0, batch, seed, nonce) != 0)
        return -1;
    for (b = 0; b < nrows; b++) {
        size_t bb = b < batch ? b : batch - 1;

        rho[b] = rho[bb];
        for (j = 0; j < cols; j++) {
            if (j < n)
                fq_set_i64(&table[j + cols * b], x[bb * n + j]);
            else
                fq_set_zero(&table[j + cols * b]);
        }
    }
    return 0;
}
