/*
 * test_kat.c: every line of tests/kat/zkmlpg-v1.kat against the implementation.
 *
 * The file is read at run time (tests/kat/zkmlpg-v1.kat from the repository root, or
 * the path in $ZKML_KAT).  A line is "<key> <value>": the value is the last
 * whitespace-separated token, the key everything before it.  Keys are parsed by their
 * form (V_<i>, expand_message_xmd(...), ...), so a new value of a known form is
 * checked too; a key of no known form fails the test, so that no KAT is skipped.
 * The transcript lines are interpreted in file order on one transcript, started by
 * the transcript_init line (see transcript.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmp.h>

#include "field.h"
#include "generators.h"
#include "group.h"
#include "h2c.h"
#include "mle.h"
#include "pedersen.h"
#include "selftest.h"
#include "transcript.h"
#include "unit.h"
#include "zkml.h"

#define KAT_DEFAULT_PATH "tests/kat/zkmlpg-v1.kat"
#define KAT_MAX_LIST 64

static int
hex_to_bytes(uint8_t *out, size_t len, const char *hex)
{
    size_t i;

    if (strlen(hex) != 2 * len)
        return 0;
    for (i = 0; i < len; i++) {
        unsigned v;

        if (!isxdigit((unsigned char)hex[2 * i]) || !isxdigit((unsigned char)hex[2 * i + 1]) ||
            sscanf(hex + 2 * i, "%2x", &v) != 1)
            return 0;
        out[i] = (uint8_t)v;
    }
    return 1;
}

static int
point_equals_hex(const gep_t *p, const char *hex)
{
    uint8_t want[32], got[32];

    gep_encode(got, p);
    return hex_to_bytes(want, 32, hex) && memcmp(want, got, 32) == 0;
}

static int
ge_equals_hex(const ge_t *p, const char *hex)
{
    gep_t q;

    gep_set_ge(&q, p);
    return point_equals_hex(&q, hex);
}

/* Decimal string of canonical limbs (GMP is the independent oracle). */
static int
limbs_equal_decimal(const uint64_t l[4], const char *dec)
{
    mpz_t a, b;
    int eq;

    mpz_init(a);
    mpz_import(a, 4, -1, sizeof(uint64_t), 0, 0, l);
    eq = mpz_init_set_str(b, dec, 10) == 0 && mpz_cmp(a, b) == 0;
    mpz_clear(a);
    mpz_clear(b);
    return eq;
}

/* "a,b,c" of signed decimal integers -> out; returns the count or -1. */
static int
parse_int_list(const char *s, size_t len, long long *out, int max)
{
    char buf[512], *p, *end;
    int n = 0;

    if (len == 0 || len >= sizeof(buf))
        return -1;
    memcpy(buf, s, len);
    buf[len] = 0;
    for (p = buf;; p = end + 1) {
        if (n == max)
            return -1;
        out[n++] = strtoll(p, &end, 10);
        if (end == p)
            return -1;
        if (*end == 0)
            return n;
        if (*end != ',')
            return -1;
    }
}

/* A named point of the KAT file: G, H or V_<i>. */
static int
named_point(const char *name, ge_t *out)
{
    unsigned long i;
    int used = 0;

    if (strcmp(name, "G") == 0) {
        *out = *generators_G();
        return 1;
    }
    if (strcmp(name, "H") == 0) {
        *out = *generators_H();
        return 1;
    }
    if (sscanf(name, "V_%lu%n", &i, &used) == 1 && name[used] == 0 && i < 65536) {
        const ge_t *v = generators_V(i + 1);

        if (v == NULL)
            return 0;
        *out = v[i];
        return 1;
    }
    return 0;
}

/*
 * "expand_message_xmd(msg='<msg>', dst='<dst>', L=<n>)", msg possibly empty; quotes
 * are not escaped, so neither string may contain one.
 */
static int
parse_xmd_key(const char *key, char msg[256], char dst[256], unsigned long *len)
{
    static const char pre[] = "expand_message_xmd(msg='", mid[] = "', dst='", post[] = "', L=";
    const char *m, *d, *l;
    int used = 0;

    if (strncmp(key, pre, sizeof(pre) - 1) != 0)
        return 0;
    m = key + sizeof(pre) - 1;
    if ((d = strstr(m, mid)) == NULL || d - m > 255)
        return 0;
    memcpy(msg, m, (size_t)(d - m));
    msg[d - m] = 0;
    d += sizeof(mid) - 1;
    if ((l = strstr(d, post)) == NULL || l - d > 255)
        return 0;
    memcpy(dst, d, (size_t)(l - d));
    dst[l - d] = 0;
    l += sizeof(post) - 1;
    return sscanf(l, "%lu)%n", len, &used) == 1 && l[used] == 0 &&
           strchr(msg, '\'') == NULL && strchr(dst, '\'') == NULL;
}

struct kat_state {
    transcript_t t;
    int have_transcript;
    int lines;
    int seen_xmd, seen_v, seen_vdigest, seen_init, seen_scalar, seen_point;
    int seen_q, seen_p, seen_G, seen_H, seen_comv, seen_com1, seen_mle;
};

static int
check_challenge(struct kat_state *st, const char *label, const char *value)
{
    uint8_t got[32], want[32];
    fq_t c;

    if (!st->have_transcript || transcript_challenge(&st->t, label, 0, &c) != 0)
        return 0;
    fq_to_bytes(got, &c);
    return hex_to_bytes(want, 32, value) && memcmp(got, want, 32) == 0;
}

/* Returns 0 if the key has no known form. */
static int
check_line(struct kat_state *st, const char *key, const char *value)
{
    char a[256], b[256], c[256];
    long long x, y, z, list1[KAT_MAX_LIST], list2[KAT_MAX_LIST];
    unsigned long n;
    int used = 0;
    size_t klen = strlen(key);

    if (strcmp(key, "q_dec") == 0) {
        CHECKF(limbs_equal_decimal(FQ_MODULUS.l, value), "q_dec %s", value);
        st->seen_q = 1;
        return 1;
    }
    if (strcmp(key, "r_base_dec") == 0) {
        CHECKF(limbs_equal_decimal(FP_MODULUS.l, value), "r_base_dec %s", value);
        st->seen_p = 1;
        return 1;
    }
    if (parse_xmd_key(key, a, b, &n)) {
        uint8_t got[H2C_XMD_MAX_LEN], want[H2C_XMD_MAX_LEN];

        CHECK(n <= H2C_XMD_MAX_LEN);
        if (n <= H2C_XMD_MAX_LEN) {
            CHECK(h2c_expand_message_xmd(got, n, (const uint8_t *)a, strlen(a),
                                         (const uint8_t *)b, strlen(b)) == 0);
            CHECKF(hex_to_bytes(want, n, value) && memcmp(got, want, n) == 0,
                   "expand_message_xmd msg='%s' L=%lu", a, n);
        }
        st->seen_xmd = 1;
        return 1;
    }
    if (strcmp(key, "G") == 0 || strcmp(key, "H") == 0 ||
        (sscanf(key, "V_%lu%n", &n, &used) == 1 && (size_t)used == klen)) {
        ge_t p;

        CHECKF(named_point(key, &p) && ge_equals_hex(&p, value), "point %s", key);
        if (key[0] == 'G')
            st->seen_G = 1;
        else if (key[0] == 'H')
            st->seen_H = 1;
        else
            st->seen_v++;
        return 1;
    }
    used = 0;
    if (sscanf(key, "sha256(enc(V_0)||...||enc(V_%lu))%n", &n, &used) == 1 &&
        (size_t)used == klen) {
        uint8_t got[32], want[32];

        CHECK(generators_V_digest(n + 1, got) == 0);
        CHECKF(hex_to_bytes(want, 32, value) && memcmp(got, want, 32) == 0,
               "digest of V_0..V_%lu", n);
        st->seen_vdigest = 1;
        return 1;
    }
    used = 0;
    if (sscanf(key, "transcript_init('%255[^']').state%n", a, &used) == 1 &&
        (size_t)used == klen) {
        uint8_t want[32];

        transcript_init(&st->t, a, strlen(a));
        st->have_transcript = 1;
        CHECKF(hex_to_bytes(want, 32, value) && memcmp(st->t.state, want, 32) == 0,
               "transcript_init('%s')", a);
        st->seen_init = 1;
        return 1;
    }
    used = 0;
    if (sscanf(key, "after absorb_scalar('%255[^']',%lld): challenge('%255[^']')%n",
               a, &x, c, &used) == 3 && (size_t)used == klen) {
        fq_t s;

        fq_set_i64(&s, x);
        if (st->have_transcript)
            transcript_absorb_scalar(&st->t, a, &s);
        CHECKF(check_challenge(st, c, value), "%s", key);
        st->seen_scalar = 1;
        return 1;
    }
    used = 0;
    if (sscanf(key, "after absorb_point('%255[^']',%255[^)]): challenge('%255[^']')%n",
               a, b, c, &used) == 3 && (size_t)used == klen) {
        ge_t p;
        int ok = named_point(b, &p);

        CHECKF(ok, "unknown point %s", b);
        if (ok && st->have_transcript)
            transcript_absorb_point(&st->t, a, &p);
        CHECKF(ok && check_challenge(st, c, value), "%s", key);
        st->seen_point = 1;
        return 1;
    }
    used = 0;
    if (sscanf(key, "ComV([%lld..%lld]; %lld)%n", &x, &y, &z, &used) == 3 &&
        (size_t)used == klen) {
        fq_t v[KAT_MAX_LIST], blind;
        gep_t com;
        long long i;

        CHECK(x <= y && y - x < KAT_MAX_LIST);
        if (x <= y && y - x < KAT_MAX_LIST) {
            for (i = x; i <= y; i++)
                fq_set_i64(&v[i - x], i);
            fq_set_i64(&blind, z);
            CHECK(pedersen_comv(&com, v, (size_t)(y - x + 1), &blind) == 0);
            CHECKF(point_equals_hex(&com, value), "%s", key);
        }
        st->seen_comv = 1;
        return 1;
    }
    used = 0;
    if (sscanf(key, "Com1(%lld; %lld)%n", &x, &y, &used) == 2 && (size_t)used == klen) {
        fq_t v, blind;
        gep_t com;

        fq_set_i64(&v, x);
        fq_set_i64(&blind, y);
        pedersen_com1(&com, &v, &blind);
        CHECKF(point_equals_hex(&com, value), "%s", key);
        st->seen_com1 = 1;
        return 1;
    }
    used = 0;
    if (sscanf(key, "MLE([%255[^]]])(%255[^)]) mod q (decimal, LSB-first variables)%n",
               a, b, &used) == 2 && (size_t)used == klen) {
        int nf = parse_int_list(a, strlen(a), list1, KAT_MAX_LIST);
        int nz = parse_int_list(b, strlen(b), list2, KAT_MAX_LIST);
        fq_t f[KAT_MAX_LIST], z[KAT_MAX_LIST], r;
        uint64_t limbs[4];
        int i;

        CHECK(nf > 0 && nz >= 0 && nz < 31 && nf == 1 << nz);
        if (nf > 0 && nz >= 0 && nz < 31 && nf == 1 << nz) {
            for (i = 0; i < nf; i++)
                fq_set_i64(&f[i], list1[i]);
            for (i = 0; i < nz; i++)
                fq_set_i64(&z[i], list2[i]);
            mle_eval(&r, f, (unsigned)nz, z);
            fq_to_limbs(limbs, &r);
            CHECKF(limbs_equal_decimal(limbs, value), "%s = %s", key, value);
        }
        st->seen_mle = 1;
        return 1;
    }
    return 0;
}

UNIT_TEST(kat_file_every_line)
{
    const char *path = getenv("ZKML_KAT") != NULL ? getenv("ZKML_KAT") : KAT_DEFAULT_PATH;
    struct kat_state st;
    char *line = NULL, *key, *value, *end;
    size_t cap = 0;
    ssize_t len;
    FILE *f = fopen(path, "r");

    CHECKF(f != NULL, "cannot open %s (run from the repository root or set ZKML_KAT)", path);
    if (f == NULL)
        return;
    memset(&st, 0, sizeof(st));
    while ((len = getline(&line, &cap, f)) >= 0) {
        while (len > 0 && isspace((unsigned char)line[len - 1]))
            line[--len] = 0;
        key = line;
        while (isspace((unsigned char)*key))
            key++;
        if (*key == 0 || *key == '#')
            continue;
        value = strrchr(key, ' ');
        CHECKF(value != NULL, "no value: %s", key);
        if (value == NULL)
            continue;
        *value++ = 0;
        for (end = value - 1; end > key && isspace((unsigned char)end[-1]); end--)
            end[-1] = 0;
        st.lines++;
        CHECKF(check_line(&st, key, value), "unknown KAT key: %s", key);
    }
    free(line);
    fclose(f);

    /* Every kind of value the protocol fixes must be present. */
    CHECK(st.seen_q && st.seen_p && st.seen_xmd && st.seen_G && st.seen_H);
    CHECK(st.seen_v >= 8 && st.seen_vdigest);
    CHECK(st.seen_init && st.seen_scalar && st.seen_point);
    CHECK(st.seen_comv && st.seen_com1 && st.seen_mle);
}

/* Repeatable (the SQL function may call it many times in one process), and with the
 * MSM checks running on 1, 2 and 4 threads. */
UNIT_TEST(kat_selftest_all_ok)
{
    static const int thread_counts[] = {1, 2, 4, 1};
    size_t n = selftest_count(), i;
    selftest_result res[64];
    int round, threads = zkml_threads();

    CHECK(n > 0 && n <= 64);
    if (n == 0 || n > 64)
        return;
    for (round = 0; round < 4; round++) {
        zkml_set_threads(thread_counts[round]);
        CHECK(selftest_run(res) == 0);
        for (i = 0; i < n; i++)
            CHECKF(res[i].ok && res[i].check != NULL, "self-test check %s failed",
                   res[i].check != NULL ? res[i].check : "(null)");
        for (i = 0; i < n; i++)
            CHECK(strchr(res[i].check, ' ') == NULL);
    }
    zkml_set_threads(threads);
}
