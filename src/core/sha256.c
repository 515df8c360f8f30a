/*
 * sha256.c: SHA-256 through OpenSSL EVP with per-thread context reuse.
 */
#include <pthread.h>
#include <string.h>

#include <openssl/evp.h>

#include "sha256.h"

/* Contexts kept per thread; more than this many live at once are allocated freshly. */
#define SHA256_CACHED_CTX 4

struct ctx_cache {
    EVP_MD_CTX *ctx[SHA256_CACHED_CTX];
    int n;
    int registered;
};

static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;
static const EVP_MD *sha256_md;        /* fetched once: implicit fetches are slow */
static pthread_key_t sha256_key;       /* only to free a thread's cache when it exits */
static int sha256_key_ok;
static __thread struct ctx_cache tls_cache;

static void
cache_destroy(void *arg)
{
    struct ctx_cache *c = arg;

    while (c->n > 0)
        EVP_MD_CTX_free(c->ctx[--c->n]);
}

static void
sha256_setup(void)
{
    EVP_MD *md = EVP_MD_fetch(NULL, "SHA256", NULL);

    sha256_md = md != NULL ? md : EVP_sha256();
    sha256_key_ok = pthread_key_create(&sha256_key, cache_destroy) == 0;
}

void
sha256_begin(sha256_ctx *h)
{
    struct ctx_cache *c = &tls_cache;
    EVP_MD_CTX *ctx;

    h->ctx = NULL;
    h->failed = 1;
    if (pthread_once(&sha256_once, sha256_setup) != 0 || sha256_md == NULL)
        return;
    if (c->n > 0) {
        ctx = c->ctx[--c->n];
    } else if ((ctx = EVP_MD_CTX_new()) == NULL) {
        return;
    }
    h->ctx = ctx;
    h->failed = EVP_DigestInit_ex2(ctx, sha256_md, NULL) != 1;
}

void
sha256_write(sha256_ctx *h, const void *data, size_t len)
{
    if (h->failed || len == 0)
        return;
    if (EVP_DigestUpdate(h->ctx, data, len) != 1)
        h->failed = 1;
}

/* Return a context to this thread's cache, or free it when the cache is full. */
static void
ctx_release(EVP_MD_CTX *ctx)
{
    struct ctx_cache *c = &tls_cache;

    if (ctx == NULL)
        return;
    if (c->n < SHA256_CACHED_CTX && sha256_key_ok) {
        if (!c->registered) {
            if (pthread_setspecific(sha256_key, c) != 0) {
                EVP_MD_CTX_free(ctx);
                return;
            }
            c->registered = 1;
        }
        c->ctx[c->n++] = ctx;
    } else {
        EVP_MD_CTX_free(ctx);
    }
}

int
sha256_finish(sha256_ctx *h, uint8_t out[32])
{
    unsigned int len = 0;
    int failed = h->failed;

    if (!failed && (EVP_DigestFinal_ex(h->ctx, out, &len) != 1 || len != 32))
        failed = 1;
    if (failed) {
        /* A context in an unknown state is not reused. */
        EVP_MD_CTX_free(h->ctx);
        memset(out, 0, 32);
    } else {
        ctx_release(h->ctx);
    }
    h->ctx = NULL;
    h->failed = 1;
    return failed ? -1 : 0;
}

int
sha256_digest(uint8_t out[32], const void *data, size_t len)
{
    sha256_ctx h;

    sha256_begin(&h);
    sha256_write(&h, data, len);
    return sha256_finish(&h, out);
}

int
sha256_digest_i32le(uint8_t out[32], const int32_t *v, size_t n)
{
    sha256_ctx h;
    size_t i;

    sha256_begin(&h);
    for (i = 0; i < n; i++)
        sha256_write_u32le(&h, (uint32_t)v[i]);
    return sha256_finish(&h, out);
}
