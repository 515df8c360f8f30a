/*
 * test_transcript.c: the Fiat-Shamir transcript (docs/protocol.md 3) against a direct
 * reimplementation over whole buffers, plus its separation properties.
 */
#include <string.h>

#include <openssl/evp.h>

#include "generators.h"
#include "transcript.h"
#include "unit.h"
#include "unit_fq.h"

/* ---- reference: each hash input built as one buffer ---- */

static void
ref_sha256(uint8_t out[32], const uint8_t *buf, size_t len)
{
    size_t olen = 0;

    if (!EVP_Q_digest(NULL, "SHA256", NULL, buf, len, out, &olen) || olen != 32)
        memset(out, 0, 32);
}

static size_t
put_le(uint8_t *p, uint64_t v, int bytes)
{
    int i;

    for (i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
    return (size_t)bytes;
}

static void
ref_absorb(uint8_t st[32], const char *label, const uint8_t *data, size_t len)
{
    uint8_t buf[2048];
    size_t n = 0, ll = strlen(label);

    memcpy(buf, st, 32);
    n = 32;
    buf[n++] = 0x01;
    n += put_le(buf + n, ll, 4);
    memcpy(buf + n, label, ll);
    n += ll;
    n += put_le(buf + n, len, 8);
    memcpy(buf + n, data, len);
    n += len;
    ref_sha256(st, buf, n);
}

/* Returns the counter of the accepted block. */
static uint32_t
ref_challenge(uint8_t st[32], const char *label, int nonzero, uint8_t out[32])
{
    uint8_t buf[512], digest[32], v[32];
    size_t n, ll = strlen(label);
    uint32_t ctr;
    int i;

    for (ctr = 0;; ctr++) {
        n = 0;
        memcpy(buf, st, 32);
        n = 32;
        buf[n++] = 0x02;
        n += put_le(buf + n, ll, 4);
        memcpy(buf + n, label, ll);
        n += ll;
        n += put_le(buf + n, ctr, 4);
        ref_sha256(digest, buf, n);
        memcpy(v, digest, 32);
        v[31] &= 0x3f;
        /* v < q, compared as big integers from the top byte down */
        {
            uint8_t q[32];
            int lt = 0, zero = 1;

            for (i = 0; i < 4; i++)
                put_le(q + 8 * i, FQ_MODULUS.l[i], 8);
            for (i = 31; i >= 0; i--) {
                if (v[i] != q[i]) {
                    lt = v[i] < q[i];
                    break;
                }
            }
            for (i = 0; i < 32; i++)
                zero &= v[i] == 0;
            if (lt && !(nonzero && zero))
                break;
        }
    }
    memcpy(out, v, 32);
    n = 0;
    memcpy(buf, st, 32);
    n = 32;
    buf[n++] = 0x03;
    n += put_le(buf + n, ll, 4);
    memcpy(buf + n, label, ll);
    n += ll;
    memcpy(buf + n, digest, 32);
    n += 32;
    ref_sha256(st, buf, n);
    return ctr;
}

static void
ref_init(uint8_t st[32], const char *id)
{
    uint8_t buf[256];
    size_t n = 20, il = strlen(id);

    memcpy(buf, "ZKMLPG-TRANSCRIPT-V1", 20);
    buf[n++] = 0x00;
    n += put_le(buf + n, il, 4);
    memcpy(buf + n, id, il);
    n += il;
    ref_sha256(st, buf, n);
}

static void
challenge_bytes(transcript_t *t, const char *label, uint8_t out[32])
{
    fq_t c;

    if (transcript_challenge(t, label, 0, &c) != 0)
        memset(out, 0xee, 32);
    else
        fq_to_bytes(out, &c);
}

UNIT_TEST(transcript_matches_reference)
{
    static const char *const labels[] = {"", "a", "ipa/u", "S1/round", "a much longer label"};
    uint8_t st[32], data[300], want[32], got[32];
    transcript_t t;
    int i, rejected = 0;

    transcript_init(&t, "test", 4);
    ref_init(st, "test");
    CHECK(memcmp(st, t.state, 32) == 0);
    for (i = 0; i < 400; i++) {
        const char *label = labels[unit_rand64() % 5];
        size_t len = (size_t)(unit_rand64() % sizeof(data));

        unit_rand_bytes(data, len);
        transcript_absorb(&t, label, data, len);
        ref_absorb(st, label, data, len);
        rejected += ref_challenge(st, label, i & 1, want) > 0;
        challenge_bytes(&t, label, got);
        CHECK(memcmp(got, want, 32) == 0 && memcmp(st, t.state, 32) == 0);
    }
    /* About a quarter of the first blocks are >= q: the loop must have run. */
    CHECKF(rejected > 40, "only %d challenges needed a second block", rejected);
    CHECK(!t.failed);
}

UNIT_TEST(transcript_helpers_encode_as_documented)
{
    transcript_t a, b;
    fq_t x[3];
    ge_t p[3];
    gep_t pp[3];
    uint8_t buf[8 + 3 * 32];
    size_t i;

    for (i = 0; i < 3; i++) {
        unit_random_fq(&x[i]);
        p[i] = generators_V(3)[i];
        gep_set_ge(&pp[i], &p[i]);
        gep_dbl(&pp[i], &pp[i]);
        ge_set_gep(&p[i], &pp[i]);
    }

    /* u64 */
    transcript_init(&a, "t", 1);
    b = a;
    transcript_absorb_u64(&a, "n", 0x0102030405060708ULL);
    put_le(buf, 0x0102030405060708ULL, 8);
    transcript_absorb(&b, "n", buf, 8);
    CHECK(memcmp(a.state, b.state, 32) == 0);

    /* single scalar: enc(x), no count */
    transcript_absorb_scalar(&a, "x", &x[0]);
    fq_to_bytes(buf, &x[0]);
    transcript_absorb(&b, "x", buf, 32);
    CHECK(memcmp(a.state, b.state, 32) == 0);

    /* scalar vector: u64le(n) || enc(x_i) */
    transcript_absorb_scalars(&a, "xs", x, 3);
    put_le(buf, 3, 8);
    for (i = 0; i < 3; i++)
        fq_to_bytes(buf + 8 + 32 * i, &x[i]);
    transcript_absorb(&b, "xs", buf, sizeof(buf));
    CHECK(memcmp(a.state, b.state, 32) == 0);

    /* single point and point vectors, affine and projective alike */
    transcript_absorb_point(&a, "P", &p[0]);
    ge_encode(buf, &p[0]);
    transcript_absorb(&b, "P", buf, 32);
    CHECK(memcmp(a.state, b.state, 32) == 0);
    transcript_absorb_gep_point(&a, "P", &pp[1]);
    transcript_absorb_point(&b, "P", &p[1]);
    CHECK(memcmp(a.state, b.state, 32) == 0);

    transcript_absorb_points(&a, "Ps", p, 3);
    put_le(buf, 3, 8);
    for (i = 0; i < 3; i++)
        ge_encode(buf + 8 + 32 * i, &p[i]);
    transcript_absorb(&b, "Ps", buf, sizeof(buf));
    CHECK(memcmp(a.state, b.state, 32) == 0);
    transcript_absorb_gep_points(&a, "Ps", pp, 3);
    transcript_absorb_points(&b, "Ps", p, 3);
    CHECK(memcmp(a.state, b.state, 32) == 0);

    /* empty vectors still absorb their count */
    transcript_absorb_scalars(&a, "e", x, 0);
    put_le(buf, 0, 8);
    transcript_absorb(&b, "e", buf, 8);
    CHECK(memcmp(a.state, b.state, 32) == 0);
}

/* Projective points in batches larger than the internal buffer, with identities. */
UNIT_TEST(transcript_gep_points_many)
{
    enum { N = 75 };
    const ge_t *v = generators_V(N);
    gep_t pp[N];
    ge_t p[N];
    transcript_t a, b;
    fq_t k;
    size_t i;

    for (i = 0; i < N; i++) {
        unit_random_fq(&k);
        gep_set_ge(&pp[i], &v[i]);
        gep_mul_vartime(&pp[i], &pp[i], &k);
        if (i % 17 == 3)
            gep_set_infinity(&pp[i]);
        ge_set_gep(&p[i], &pp[i]);
    }
    transcript_init(&a, "t", 1);
    b = a;
    transcript_absorb_gep_points(&a, "Ps", pp, N);
    transcript_absorb_points(&b, "Ps", p, N);
    CHECK(memcmp(a.state, b.state, 32) == 0);
}

UNIT_TEST(transcript_separation)
{
    transcript_t base, a, b;
    uint8_t ca[32], cb[32], data[64];
    fq_t x[2];

    unit_rand_bytes(data, sizeof(data));
    unit_random_fq(&x[0]);
    unit_random_fq(&x[1]);
    transcript_init(&base, "sep", 3);

    /* different ids */
    transcript_init(&a, "sep", 3);
    transcript_init(&b, "seq", 3);
    CHECK(memcmp(a.state, b.state, 32) != 0);

    /* absorb label vs challenge label */
    a = base;
    b = base;
    transcript_absorb(&a, "l1", data, 32);
    transcript_absorb(&b, "l2", data, 32);
    challenge_bytes(&a, "c", ca);
    challenge_bytes(&b, "c", cb);
    CHECK(memcmp(ca, cb, 32) != 0);
    a = base;
    b = base;
    challenge_bytes(&a, "c1", ca);
    challenge_bytes(&b, "c2", cb);
    CHECK(memcmp(ca, cb, 32) != 0);

    /* different data, and a moved boundary between label and data */
    a = base;
    b = base;
    transcript_absorb(&a, "l", data, 32);
    data[31] ^= 1;
    transcript_absorb(&b, "l", data, 32);
    CHECK(memcmp(a.state, b.state, 32) != 0);
    a = base;
    b = base;
    transcript_absorb(&a, "ab", "c", 1);
    transcript_absorb(&b, "a", "bc", 2);
    CHECK(memcmp(a.state, b.state, 32) != 0);

    /* empty absorb is not a no-op */
    a = base;
    transcript_absorb(&a, "", NULL, 0);
    CHECK(memcmp(a.state, base.state, 32) != 0);

    /* order matters */
    a = base;
    b = base;
    transcript_absorb_scalar(&a, "x", &x[0]);
    transcript_absorb_scalar(&a, "x", &x[1]);
    transcript_absorb_scalar(&b, "x", &x[1]);
    transcript_absorb_scalar(&b, "x", &x[0]);
    CHECK(memcmp(a.state, b.state, 32) != 0);

    /* vectors encode their count: [x0, x1] differs from [x0] then [x1], from two
     * single scalars, and the one-element vector from the single scalar */
    a = base;
    b = base;
    transcript_absorb_scalars(&a, "x", x, 2);
    transcript_absorb_scalars(&b, "x", x, 1);
    transcript_absorb_scalars(&b, "x", x + 1, 1);
    CHECK(memcmp(a.state, b.state, 32) != 0);
    a = base;
    b = base;
    transcript_absorb_scalars(&a, "x", x, 1);
    transcript_absorb_scalar(&b, "x", x);
    CHECK(memcmp(a.state, b.state, 32) != 0);

    /* a challenge ratchets the state: the same label twice gives two values */
    a = base;
    challenge_bytes(&a, "c", ca);
    challenge_bytes(&a, "c", cb);
    CHECK(memcmp(ca, cb, 32) != 0);
}

UNIT_TEST(transcript_nonzero_and_vectors)
{
    transcript_t a, b;
    fq_t c[6], d;
    int i;

    transcript_init(&a, "nz", 2);
    b = a;
    CHECK(transcript_challenges(&a, "r", 1, c, 6) == 0);
    for (i = 0; i < 6; i++) {
        CHECK(!fq_is_zero(&c[i]));
        /* nonzero only changes the outcome when a block is zero: same values here */
        CHECK(transcript_challenge(&b, "r", 0, &d) == 0 && fq_eq(&d, &c[i]));
    }
    CHECK(memcmp(a.state, b.state, 32) == 0);
}

struct trace_log {
    int n;
    transcript_event ev[8];
    size_t len[8];
    uint8_t state[8][32];
};

static void
trace_fn(void *arg, transcript_event ev, const char *label, size_t len,
         const uint8_t state[32])
{
    struct trace_log *log = arg;

    (void)label;
    if (log->n < 8) {
        log->ev[log->n] = ev;
        log->len[log->n] = len;
        memcpy(log->state[log->n], state, 32);
    }
    log->n++;
}

UNIT_TEST(transcript_trace_sees_every_step)
{
    struct trace_log log;
    transcript_t t;
    fq_t x[2], c;

    memset(&log, 0, sizeof(log));
    fq_set_u64(&x[0], 1);
    fq_set_u64(&x[1], 2);
    transcript_init(&t, "trace", 5);
    t.trace = trace_fn;
    t.trace_arg = &log;
    transcript_absorb_scalars(&t, "xs", x, 2);
    CHECK(transcript_challenge(&t, "c", 0, &c) == 0);
    CHECK(log.n == 2);
    CHECK(log.ev[0] == TRANSCRIPT_EVENT_ABSORB && log.len[0] == 8 + 64);
    CHECK(log.ev[1] == TRANSCRIPT_EVENT_CHALLENGE && memcmp(log.state[1], t.state, 32) == 0);
}

UNIT_TEST(transcript_failure_is_sticky)
{
    transcript_t t;
    fq_t c;

    transcript_init(&t, "f", 1);
    t.failed = 1;
    fq_set_u64(&c, 9);
    CHECK(transcript_challenge(&t, "c", 0, &c) == -1 && fq_is_zero(&c));
    transcript_absorb_u64(&t, "n", 1);
    CHECK(transcript_challenge(&t, "c", 1, &c) == -1);
}
