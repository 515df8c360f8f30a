/*
 * alloc.c: arrays with an overflow check, large ones on huge pages, and the pool of a
 * proof's scratch arrays kept between proofs (alloc.h).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "alloc.h"

#define HUGE_PAGE ((uintptr_t)2 << 20)

/* Advise the whole huge pages of a new block of bytes at p, before anything faults them
 * in (malloc and calloc return a large block fresh from mmap, untouched).  Advice only:
 * where the kernel has no huge pages it changes nothing. */
static void *
advise_huge(void *p, size_t bytes)
{
#ifdef MADV_HUGEPAGE
    if (p != NULL && bytes >= ALLOC_HUGE_MIN) {
        uintptr_t lo = ((uintptr_t)p + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1),
                  hi = ((uintptr_t)p + bytes) & ~(HUGE_PAGE - 1);

        if (hi > lo)
            (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
    }
#else
    (void)bytes;
#endif
    return p;
}

/* count·size bytes (count at least one), or 0 if the product overflows. */
static size_t
array_bytes(size_t count, size_t size)
{
    if (count == 0)
        count = 1;
    if (size == 0 || count > SIZE_MAX / size)
        return size == 0 ? 1 : 0;
    return count * size;
}

void *
alloc_array(size_t count, size_t size)
{
    size_t bytes = array_bytes(count, size);

    return bytes == 0 ? NULL : advise_huge(calloc(1, bytes), bytes);
}

void *
alloc_array_uninit(size_t count, size_t size)
{
    size_t bytes = array_bytes(count, size);

    return bytes == 0 ? NULL : advise_huge(malloc(bytes), bytes);
}

/* ---- scratch: a pool of kept mappings ---- */

#define SCRATCH_MAGIC_HEAP 0x7061656862726373ull    /* "scrbheap" */
#define SCRATCH_MAGIC_MAP 0x70616d6d62726373ull     /* "scrbmmap" */
#define SCRATCH_MAP_MIN ((size_t)256 << 10)         /* smaller arrays come from the heap */
#define SCRATCH_GRAIN ((size_t)64 << 10)
#define SCRATCH_SLOTS 64

/* In front of every scratch array; 64 bytes, so the array stays 64-byte aligned. */
typedef struct {
    uint64_t magic;
    size_t map_len;             /* bytes mapped, this header included (0: the heap) */
    size_t used;                /* bytes handed out */
    uint64_t pad[5];
} scratch_header;

_Static_assert(sizeof(scratch_header) == 64, "the header keeps arrays 64-byte aligned");

/* Kept mappings, oldest first; each is zero past its header. */
static struct {
    pthread_mutex_t lock;
    void *block[SCRATCH_SLOTS];
    size_t len[SCRATCH_SLOTS];
    size_t n, kept, keep;
} pool = {PTHREAD_MUTEX_INITIALIZER, {NULL}, {0}, 0, 0, ALLOC_SCRATCH_KEEP_DEFAULT};

static size_t
round_up(size_t v, size_t grain)
{
    return (v + grain - 1) / grain * grain;
}

/* Under the lock: remove kept mapping i into out[*n] (unmapped by the caller, outside the
 * lock). */
static void
remove_locked(size_t i, void **out, size_t *out_len, size_t *n)
{
    if (out != NULL) {
        out[*n] = pool.block[i];
        out_len[(*n)++] = pool.len[i];
    }
    pool.kept -= pool.len[i];
    for (i++; i < pool.n; i++) {
        pool.block[i - 1] = pool.block[i];
        pool.len[i - 1] = pool.len[i];
    }
    pool.n--;
}

/* Under the lock: drop the oldest kept mappings until `more` bytes (in one more slot, if
 * `slot`) fit under the limit. */
static size_t
evict_locked(void **out, size_t *out_len, size_t more, int slot)
{
    size_t n = 0;

    while (pool.n > 0 && (pool.kept + more > pool.keep || (slot && pool.n == SCRATCH_SLOTS)))
        remove_locked(0, out, out_len, &n);
    return n;
}

static void
unmap_all(void **b, const size_t *len, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        (void)munmap(b[i], len[i]);
}

/* The smallest kept mapping of len to 2·len bytes, taken; NULL if none. */
static void *
take_kept(size_t len)
{
    size_t i, best = SCRATCH_SLOTS;
    void *b = NULL;

    pthread_mutex_lock(&pool.lock);
    for (i = 0; i < pool.n; i++)
        if (pool.len[i] >= len && pool.len[i] / 2 <= len &&
            (best == SCRATCH_SLOTS || pool.len[i] < pool.len[best]))
            best = i;
    if (best < SCRATCH_SLOTS) {
        b = pool.block[best];
        remove_locked(best, NULL, NULL, NULL);
    }
    pthread_mutex_unlock(&pool.lock);
    return b;
}

void *
scratch_alloc(size_t count, size_t size)
{
    size_t bytes = array_bytes(count, size), len;
    scratch_header *h;

    if (bytes == 0 || bytes > SIZE_MAX / 2)
        return NULL;
    if (bytes + sizeof *h < SCRATCH_MAP_MIN) {
        len = round_up(bytes + sizeof *h, sizeof *h);
        if ((h = aligned_alloc(sizeof *h, len)) == NULL)
            return NULL;
        memset(h, 0, len);
        h->magic = SCRATCH_MAGIC_HEAP;
        h->used = bytes;
        return h + 1;
    }
    len = round_up(bytes + sizeof *h, bytes >= ALLOC_HUGE_MIN ? HUGE_PAGE : SCRATCH_GRAIN);
    if ((h = take_kept(len)) != NULL) {
        len = h->map_len;
    } else {
        void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

        if (m == MAP_FAILED)
            return NULL;
        h = advise_huge(m, len);
    }
    h->magic = SCRATCH_MAGIC_MAP;
    h->map_len = len;
    h->used = bytes;
    return h + 1;
}

void
scratch_free(void *p)
{
    scratch_header *h;
    void *gone[SCRATCH_SLOTS];
    size_t gone_len[SCRATCH_SLOTS], n, len;
    int keep;

    if (p == NULL)
        return;
    h = (scratch_header *)p - 1;
    if (h->magic == SCRATCH_MAGIC_HEAP) {
        explicit_bzero(p, h->used);
        h->magic = 0;
        free(h);
        return;
    }
    if (h->magic != SCRATCH_MAGIC_MAP)
        abort();                            /* not a scratch array: a bug of the caller */
    len = h->map_len;
    pthread_mutex_lock(&pool.lock);
    keep = len <= pool.keep;
    pthread_mutex_unlock(&pool.lock);
    if (!keep) {                            /* the kernel zeroes what it takes back */
        (void)munmap(h, len);
        return;
    }
    explicit_bzero(p, h->used);
    pthread_mutex_lock(&pool.lock);
    n = evict_locked(gone, gone_len, len, 1);
    if (len <= pool.keep) {
        pool.block[pool.n] = h;
        pool.len[pool.n++] = len;
        pool.kept += len;
        h = NULL;
    }
    pthread_mutex_unlock(&pool.lock);
    unmap_all(gone, gone_len, n);
    if (h != NULL)                          /* the limit fell meanwhile */
        (void)munmap(h, len);
}

void
scratch_set_keep(size_t bytes)
{
    void *gone[SCRATCH_SLOTS];
    size_t gone_len[SCRATCH_SLOTS], n;

    pthread_mutex_lock(&pool.lock);
    pool.keep = bytes;
    n = evict_locked(gone, gone_len, 0, 0);
    pthread_mutex_unlock(&pool.lock);
    unmap_all(gone, gone_len, n);
}

size_t
scratch_kept(void)
{
    size_t k;

    pthread_mutex_lock(&pool.lock);
    k = pool.kept;
    pthread_mutex_unlock(&pool.lock);
    return k;
}
