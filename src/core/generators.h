/*
 * generators.h: the transparent generators of ZKMLPG-V1 (docs/protocol.md 1.3).
 *
 *   G   = hash_to_curve("value-generator-G")
 *   H   = hash_to_curve("blinding-generator-H")
 *   V_i = hash_to_curve("vector-generator-" || u32le(i))
 *
 * all with the DST H2C_GENERATORS_DST.  They are computed once per process and cached.
 *
 * Threads: generators_init() and any generators_V() call that may grow the cache must
 * run on the main thread, never concurrently with another call of this module.  The
 * arrays returned stay valid and unchanged for the life of the process (growing the
 * cache never moves or frees an array already handed out), so worker threads may read
 * them freely, and generators_V(n) for an n already cached is a plain read.
 */
#ifndef ZKML_GENERATORS_H
#define ZKML_GENERATORS_H

#include <stddef.h>
#include <stdint.h>

#include "group.h"
#include "msm.h"

/* The largest vector-generator count: u32le(i) names them. */
#define GENERATORS_MAX_V ((size_t)1 << 32)

/*
 * Check the hash-to-curve constants and compute G and H.  NULL on success or a static
 * message.  Idempotent; needs field_init().  Called by zkml_init().
 */
const char *generators_init(void);

const ge_t *generators_G(void);
const ge_t *generators_H(void);

/* Fixed-base tables of G and H (group.h), for constant-time multiples of secrets. */
const ge_fixed_table *generators_G_table(void);
const ge_fixed_table *generators_H_table(void);

/*
 * V_0 .. V_{n-1} (at least n entries), computing missing ones with up to
 * zkml_threads() OpenMP threads.  NULL if an allocation or the hashing failed, or
 * n > GENERATORS_MAX_V.
 */
const ge_t *generators_V(size_t n);

/*
 * The fixed-base table (msm.h) of V_0 .. V_{n'-1}, n' = n rounded up to a power of two,
 * built on the first call that needs it: about 50 us of doublings per generator, spread
 * over zkml_threads() threads, and 2·ceil(255/c) affine points per generator kept for
 * the life of the process.  For provers, which run many MSMs over the same V.  Main
 * thread only; the table stays valid until a call with a larger n replaces it.  NULL if
 * out of memory.
 */
const msm_fixed_table *generators_V_table(size_t n);

/*
 * The parameter digest of docs/protocol.md 1.3:
 * SHA-256(enc(G) || enc(H) || enc(V_0) || ... || enc(V_{n-1})).  0 or -1 (as
 * generators_V; the same threading rule applies).
 */
int generators_param_digest(size_t n, uint8_t out[32]);

/* SHA-256(enc(V_0) || ... || enc(V_{n-1})), the digest of the KAT file.  0 or -1. */
int generators_V_digest(size_t n, uint8_t out[32]);

#endif
