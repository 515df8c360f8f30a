/*
 * generators.c: the cached generators G, H and V_i (docs/protocol.md 1.3).
 */
#include <stdlib.h>
#include <string.h>

#include "generators.h"
#include "h2c.h"
#include "msm.h"
#include "sha256.h"
#include "runtime.h"

/* The cache grows to a power of two, at least this many generators. */
#define GENERATORS_MIN_ALLOC 1024
#define GENERATORS_BLOCK 1024

/*
 * Every array ever handed out stays allocated: a grown cache is a new array, and the
 * old one is kept on a list (the total is below twice the largest array).
 */
struct retired {
    struct retired *next;
    ge_t *v;
};

static ge_t gen_G, gen_H;
static ge_fixed_table gen_G_table, gen_H_table;
static int gen_ready;
static ge_t *gen_V;
static size_t gen_V_count;
static struct retired *gen_retired;
static msm_fixed_table *gen_V_table;

static int
hash_named(ge_t *r, const uint8_t *name, size_t len)
{
    return h2c_hash_to_curve(r, name, len, (const uint8_t *)H2C_GENERATORS_DST,
                             sizeof(H2C_GENERATORS_DST) - 1);
}

static int
hash_vector_generator(ge_t *r, uint32_t i)
{
    static const char prefix[] = "vector-generator-";
    uint8_t name[sizeof(prefix) - 1 + 4];
    size_t n = sizeof(prefix) - 1;

    memcpy(name, prefix, n);
    name[n] = (uint8_t)i;
    name[n + 1] = (uint8_t)(i >> 8);
    name[n + 2] = (uint8_t)(i >> 16);
    name[n + 3] = (uint8_t)(i >> 24);
    return hash_named(r, name, sizeof(name));
}

const char *
generators_init(void)
{
    static const char name_G[] = "value-generator-G", name_H[] = "blinding-generator-H";
    const char *err;

    if (gen_ready)
        return NULL;
    if ((err = h2c_init()) != NULL)
        return err;
    if (hash_named(&gen_G, (const uint8_t *)name_G, sizeof(name_G) - 1) != 0 ||
        hash_named(&gen_H, (const uint8_t *)name_H, sizeof(name_H) - 1) != 0)
        return "generators: hashing failed";
    if (!ge_is_on_curve(&gen_G) || gen_G.infinity || !ge_is_on_curve(&gen_H) ||
        gen_H.infinity)
        return "generators: G or H is not a curve point";
    if (ge_fixed_table_init(&gen_G_table, &gen_G) != 0 ||
        ge_fixed_table_init(&gen_H_table, &gen_H) != 0)
        return "generators: out of memory";
    gen_ready = 1;
    return NULL;
}

const ge_t *
generators_G(void)
{
    return &gen_G;
}

const ge_t *
generators_H(void)
{
    return &gen_H;
}

const ge_fixed_table *
generators_G_table(void)
{
    return &gen_G_table;
}

const ge_fixed_table *
generators_H_table(void)
{
    return &gen_H_table;
}

const ge_t *
generators_V(size_t n)
{
    struct retired *old = NULL;
    size_t cap, start, lo;
    ge_t *v;
    long i;
    int failed = 0;

    if (n == 0)
        n = 1;      /* a valid (unused) array, not the NULL of an empty cache */
    if (n <= gen_V_count)
        return gen_V;
    if (!gen_ready || n > GENERATORS_MAX_V)
        return NULL;
    for (cap = GENERATORS_MIN_ALLOC; cap < n; cap *= 2)
        ;
    if (cap > GENERATORS_MAX_V)
        cap = GENERATORS_MAX_V;
    if ((v = malloc(cap * sizeof(ge_t))) == NULL)
        return NULL;
    if (gen_V != NULL && (old = malloc(sizeof(*old))) == NULL) {
        free(v);
        return NULL;
    }
    start = gen_V_count;
    if (start > 0)
        memcpy(v, gen_V, start * sizeof(ge_t));

    /* blocks of GENERATORS_BLOCK (~50 ms), the interrupt hook asked between: an
     * interrupted extension leaves the cache as it was */
    for (lo = start; lo < cap && !failed; lo += GENERATORS_BLOCK) {
        long hi = (long)(cap - lo < GENERATORS_BLOCK ? cap : lo + GENERATORS_BLOCK);

        if (zkml_interrupted()) {
            failed = 1;
            break;
        }
#pragma omp parallel for schedule(dynamic, 16) num_threads(zkml_threads()) reduction(|:failed)
        for (i = (long)lo; i < hi; i++)
            failed |= hash_vector_generator(&v[i], (uint32_t)i) != 0;
    }

    if (failed) {
        free(v);
        free(old);
        return NULL;
    }
    if (old != NULL) {
        old->v = gen_V;
        old->next = gen_retired;
        gen_retired = old;
    }
    gen_V = v;
    gen_V_count = cap;
    return gen_V;
}

/* SHA-256 over the encodings of an optional G, H prefix and V_0 .. V_{n-1}. */
static int
digest_generators(int with_GH, size_t n, uint8_t out[32])
{
    const ge_t *v = generators_V(n);
    uint8_t enc[32];
    sha256_ctx h;
    size_t i;

    if (v == NULL) {
        memset(out, 0, 32);
        return -1;
    }
    sha256_begin(&h);
    if (with_GH) {
        ge_encode(enc, &gen_G);
        sha256_write(&h, enc, 32);
        ge_encode(enc, &gen_H);
        sha256_write(&h, enc, 32);
    }
    for (i = 0; i < n; i++) {
        ge_encode(enc, &v[i]);
        sha256_write(&h, enc, 32);
    }
    return sha256_finish(&h, out);
}

int
generators_param_digest(size_t n, uint8_t out[32])
{
    return digest_generators(1, n, out);
}

int
generators_V_digest(size_t n, uint8_t out[32])
{
    return digest_generators(0, n, out);
}

const msm_fixed_table *
generators_V_table(size_t n)
{
    const ge_t *v;
    msm_fixed_table *t;
    size_t cap;

    if (gen_V_table != NULL && msm_fixed_size(gen_V_table) >= n)
        return gen_V_table;
    for (cap = 1; cap < n; cap *= 2)
        ;
    if ((v = generators_V(cap)) == NULL || msm_fixed_build(&t, v, cap, zkml_threads()) != 0)
        return NULL;
    msm_fixed_free(gen_V_table);
    gen_V_table = t;
    return t;
}
