/*
 * tree_model.c: tree ensembles as a kind of model (model_kind.h, docs/protocol.md 15, 16): the
 * integer model on the complete layout, its descriptor, secret part, forward pass,
 * interface and the commitment to N.  The proof (docs/protocol.md 16) is tree_proof.c.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hyrax.h"
#include "le.h"
#include "tree_model.h"
#include "tree_proof.h"


static int
nomem(char *err)
{
    return zkml_fail(err, ZKML_E_NOMEM, "out of memory");
}

static unsigned
log2c(uint64_t v)
{
    unsigned l = 0;

    while (((uint64_t)1 << l) < v)
        l++;
    return l;
}

/* Slots (and leaves) per tree. */
static size_t
slots(const tree_model *m)
{
    return (size_t)1 << m->depth;
}

/* ---- docs/protocol.md 15.3.1: the binary32 order key ---- */

int32_t
tree_key_of_double(double x)
{
    float f;
    uint32_t u;

    if (isnan(x))
        return TREE_MISSING;
    f = (float)x;
    memcpy(&u, &f, sizeof u);
    return (u & 0x80000000u) ? -(int32_t)(u & 0x7fffffffu) : (int32_t)u;
}

double
tree_double_of_key(int32_t key)
{
    uint32_t u;
    float f;

    if (key == TREE_MISSING)
        return NAN;
    u = key >= 0 ? (uint32_t)key : (0x80000000u | (uint32_t)(-key));
    memcpy(&f, &u, sizeof f);
    return (double)f;
}

static int32_t
key_of_float(float f)
{
    return tree_key_of_double((double)f);
}

/* The least binary32 >= t (ru32) and the greatest <= t (rd32), possibly infinite. */
static float
round_up32(double t)
{
    float f = (float)t;

    return (double)f < t ? nextafterf(f, INFINITY) : f;
}

static float
round_down32(double t)
{
    float f = (float)t;

    return (double)f > t ? nextafterf(f, -INFINITY) : f;
}

/* The integer threshold k: a row goes right when key(x) >= k. */
static int32_t
threshold_key(double t, int decision_le)
{
    if (decision_le)
        return key_of_float(round_down32(t)) + 1;   /* at most key(+inf) + 1 */
    return key_of_float(round_up32(t));
}

/* ---- release ---- */

static void
wipe_free(void *p, size_t bytes)
{
    if (p != NULL)
        explicit_bzero(p, bytes);
    free(p);
}

static void
trees_free(void *model)
{
    tree_model *m = model;
    size_t n = m->feature != NULL || m->leaf != NULL ? (size_t)m->n_trees * slots(m) : 0;

    wipe_free(m->feature, n * sizeof *m->feature);
    wipe_free(m->threshold, n * sizeof *m->threshold);
    wipe_free(m->right_default, n * sizeof *m->right_default);
    wipe_free(m->leaf, n * sizeof *m->leaf);
    wipe_free(m->leaf_origin, n * sizeof *m->leaf_origin);
    free(m->table);
    free(m->features);
    memset(m, 0, sizeof *m);
}

/* ---- the public part: rules and descriptor (docs/protocol.md 12.7) ---- */

static int
check_public(const tree_model *m, char *err)
{
    if (m->n_trees < 1 || m->n_trees > TREE_MAX_TREES)
        return zkml_fail(err, ZKML_E_INVALID, "trees: %u (1 .. %u)", m->n_trees, TREE_MAX_TREES);
    if (m->depth < 1 || m->depth > TREE_MAX_DEPTH)
        return zkml_fail(err, ZKML_E_INVALID, "depth: %u (1 .. %u)", m->depth, TREE_MAX_DEPTH);
    if (log2c(m->n_trees) + m->depth > TREE_MAX_LAYOUT_VARS)
        return zkml_fail(err, ZKML_E_INVALID, "%u trees of depth %u: the layout has more "
                         "than 2^%u slots", m->n_trees, m->depth, TREE_MAX_LAYOUT_VARS);
    if (m->n_features < 1 || m->n_features > TREE_MAX_FEATURES)
        return zkml_fail(err, ZKML_E_INVALID, "features: %u (1 .. %u)", m->n_features,
                         TREE_MAX_FEATURES);
    if (m->frac_bits > TREE_MAX_FRAC_BITS)
        return zkml_fail(err, ZKML_E_INVALID, "leaf fraction bits: %u (0 .. %u)", m->frac_bits,
                         TREE_MAX_FRAC_BITS);
    if (m->transform > TREE_TRANSFORM_TABLE)
        return zkml_fail(err, ZKML_E_INVALID, "transform: %u (0 identity, 1 table)",
                         m->transform);
    if (m->transform == TREE_TRANSFORM_TABLE) {
        if (m->shift < 1 || m->shift > TREE_MAX_SHIFT)
            return zkml_fail(err, ZKML_E_INVALID, "shift: %u (1 .. %u)", m->shift,
                             TREE_MAX_SHIFT);
        if (m->q_bits < 2 || m->q_bits > TREE_MAX_Q)
            return zkml_fail(err, ZKML_E_INVALID, "table width: %u (2 .. %u)", m->q_bits,
                             TREE_MAX_Q);
        if (m->out_bits > TREE_MAX_FRAC_BITS)
            return zkml_fail(err, ZKML_E_INVALID, "output fraction bits: %u (0 .. %u)",
                             m->out_bits, TREE_MAX_FRAC_BITS);
    }
    if (m->output_kind > TREE_OUTPUT_PROBABILITY)
        return zkml_fail(err, ZKML_E_INVALID, "output kind: %u (0 score, 1 probability)",
                         m->output_kind);
    return ZKML_OK;
}

/* Feature names: UTF-8 (shortest forms, no surrogates, at most U+10FFFF) without control
 * characters (C0, DEL, C1), as docs/protocol.md 12.1. */
static int
name_is_valid(const uint8_t *s, size_t len)
{
    size_t i = 0;

    while (i < len) {
        uint32_t c = s[i], cp = 0;
        size_t n = 0, k;

        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f)
                return 0;
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return 0;
        }
        for (k = 1; k <= n; k++) {
            if (i + k >= len || (s[i + k] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
            return 0;
        i += n + 1;
    }
    return 1;
}

static int
trees_descriptor_encode(uint8_t **out, size_t *out_len, const void *model, char *err)
{
    const tree_model *m = model;
    size_t total, y, ntab;
    uint8_t *buf, *p;
    uint32_t j;
    int rc;

    *out = NULL;
    *out_len = 0;
    if ((rc = check_public(m, err)) != ZKML_OK)
        return rc;
    ntab = m->transform == TREE_TRANSFORM_TABLE ? (size_t)1 << m->q_bits : 0;
    if (ntab > 0 && m->table == NULL)
        return zkml_fail(err, ZKML_E_INVALID, "the output table is missing");
    total = 8 + 4 * 5 + (ntab > 0 ? 12 + 4 * ntab : 0) + 4;
    for (j = 0; j < m->n_features; j++)
        total += 4 + strlen(m->features[j].name);
    if ((buf = malloc(total)) == NULL)
        return nomem(err);
    memcpy(buf, TREE_DESCRIPTOR_MAGIC, 8);
    p = buf + 8;
    le_put_u32(p, m->n_trees), p += 4;
    le_put_u32(p, m->depth), p += 4;
    le_put_u32(p, m->n_features), p += 4;
    le_put_u32(p, m->frac_bits), p += 4;
    le_put_u32(p, m->transform), p += 4;
    if (ntab > 0) {
        le_put_u32(p, m->shift), p += 4;
        le_put_u32(p, m->q_bits), p += 4;
        le_put_u32(p, m->out_bits), p += 4;
        for (y = 0; y < ntab; y++, p += 4)
            le_put_u32(p, (uint32_t)m->table[y]);
    }
    le_put_u32(p, m->output_kind), p += 4;
    for (j = 0; j < m->n_features; j++) {
        size_t n = strlen(m->features[j].name);

        le_put_u32(p, (uint32_t)n), p += 4;
        memcpy(p, m->features[j].name, n);
        p += n;
    }
    *out = buf;
    *out_len = total;
    return ZKML_OK;
}

typedef struct {
    const uint8_t *d;
    size_t len, pos;
} rd;

static int
get32(uint32_t *v, rd *r, const char *what, char *err)
{
    if (r->len - r->pos < 4)
        return zkml_fail(err, ZKML_E_INVALID, "truncated at byte %zu (%s)", r->len, what);
    *v = le_get_u32(r->d + r->pos);
    r->pos += 4;
    return ZKML_OK;
}

static int
trees_descriptor_decode(void *model, const uint8_t *buf, size_t len, char *err)
{
    tree_model *m = model;
    rd r = { buf, len, 0 };
    size_t ntab = 0, y, at;
    uint32_t j, n = 0;
    int rc;

    memset(m, 0, sizeof *m);
    if (len < 8 || memcmp(buf, TREE_DESCRIPTOR_MAGIC, 8) != 0)
        return zkml_fail(err, ZKML_E_INVALID, "bad magic: not a tree ensemble descriptor");
    r.pos = 8;
    if ((rc = get32(&m->n_trees, &r, "trees", err)) != ZKML_OK ||
        (rc = get32(&m->depth, &r, "depth", err)) != ZKML_OK ||
        (rc = get32(&m->n_features, &r, "features", err)) != ZKML_OK ||
        (rc = get32(&m->frac_bits, &r, "leaf fraction bits", err)) != ZKML_OK ||
        (rc = get32(&m->transform, &r, "transform", err)) != ZKML_OK)
        goto fail;
    if (m->transform == TREE_TRANSFORM_TABLE) {
        if ((rc = get32(&m->shift, &r, "shift", err)) != ZKML_OK ||
            (rc = get32(&m->q_bits, &r, "table width", err)) != ZKML_OK ||
            (rc = get32(&m->out_bits, &r, "output fraction bits", err)) != ZKML_OK)
            goto fail;
        if (m->q_bits < 2 || m->q_bits > TREE_MAX_Q) {
            rc = zkml_fail(err, ZKML_E_INVALID, "table width at byte %zu: %u (2 .. %u)",
                           r.pos - 8, m->q_bits, TREE_MAX_Q);
            goto fail;
        }
        ntab = (size_t)1 << m->q_bits;
        if ((r.len - r.pos) / 4 < ntab) {
            rc = zkml_fail(err, ZKML_E_INVALID, "truncated at byte %zu (output table)", len);
            goto fail;
        }
        at = r.pos;
        r.pos += 4 * ntab;
    }
    if ((rc = get32(&m->output_kind, &r, "output kind", err)) != ZKML_OK)
        goto fail;
    if ((rc = check_public(m, err)) != ZKML_OK)
        goto fail;
    /* every name needs 4 bytes at least: bound n_features by the bytes left first */
    if ((r.len - r.pos) / 4 < m->n_features) {
        rc = zkml_fail(err, ZKML_E_INVALID, "truncated at byte %zu (feature names)", len);
        goto fail;
    }
    m->features = calloc(m->n_features, sizeof *m->features);
    if (m->features == NULL || (ntab > 0 && (m->table = malloc(ntab * sizeof(int32_t))) == NULL)) {
        rc = nomem(err);
        goto fail;
    }
    for (y = 0; y < ntab; y++)
        m->table[y] = le_get_i32(buf + at + 4 * y);
    for (j = 0; j < m->n_features; j++) {
        if ((rc = get32(&n, &r, "feature name length", err)) != ZKML_OK)
            goto fail;
        if (n > TREE_MAX_NAME_LEN) {
            rc = zkml_fail(err, ZKML_E_INVALID, "feature %u: a name of %u bytes (at most %u)",
                           j, n, TREE_MAX_NAME_LEN);
            goto fail;
        }
        if (r.len - r.pos < n) {
            rc = zkml_fail(err, ZKML_E_INVALID, "truncated at byte %zu (feature %u name)",
                           len, j);
            goto fail;
        }
        if (!name_is_valid(buf + r.pos, n)) {
            rc = zkml_fail(err, ZKML_E_INVALID, "feature %u: the name is not UTF-8 without "
                           "control characters", j);
            goto fail;
        }
        memcpy(m->features[j].name, buf + r.pos, n);
        r.pos += n;
    }
    if (r.pos != len) {
        rc = zkml_fail(err, ZKML_E_INVALID, "%zu unexpected bytes after the descriptor, at "
                       "byte %zu", len - r.pos, r.pos);
        goto fail;
    }
    return ZKML_OK;
fail:
    trees_free(m);
    return rc;
}

static uint32_t
trees_n_inputs(const void *model)
{
    return ((const tree_model *)model)->n_features;
}

static uint32_t
trees_n_outputs(const void *model)
{
    (void)model;
    return 1;
}

static void
trees_shapes(const void *model, char *buf, size_t len)
{
    const tree_model *m = model;

    if (len > 0)
        snprintf(buf, len, "%u tree%s, depth %u, %u feature%s", m->n_trees,
                 m->n_trees == 1 ? "" : "s", m->depth, m->n_features,
                 m->n_features == 1 ? "" : "s");
}

/* ---- the interface (docs/protocol.md 15.3.1, 12.7) ---- */

static const char *
trees_input_name(const void *model, uint32_t j)
{
    const tree_model *m = model;

    return j < m->n_features && m->features != NULL ? m->features[j].name : "";
}

static int
trees_input_range(const void *model, uint32_t j, double *min, double *max)
{
    (void)model;
    (void)j;
    *min = -INFINITY;           /* every binary32 value, and NaN, is an input */
    *max = INFINITY;
    return ZKML_OK;
}

static int
trees_quantize_row(const void *model, const double *features, zkml_feature_policy policy,
                   int32_t *out, uint32_t *failed, char *err)
{
    const tree_model *m = model;
    uint32_t j;

    (void)policy;               /* no range to leave: NaN is the missing code */
    (void)failed;
    (void)err;
    for (j = 0; j < m->n_features; j++)
        out[j] = tree_key_of_double(features[j]);
    return ZKML_OK;
}

static double
trees_dequantize_input(const void *model, uint32_t j, int32_t v)
{
    (void)model;
    (void)j;
    return tree_double_of_key(v);
}

static double
trees_dequantize_output(const void *model, uint32_t i, int32_t v)
{
    const tree_model *m = model;

    (void)i;
    return ldexp((double)v, -(int)(m->transform == TREE_TRANSFORM_TABLE ? m->out_bits
                                                                        : m->frac_bits));
}

/* ---- the secret part ---- */

/* Σ_t max_l |leaf|: |S| is at most this for every input. */
static int64_t
leaf_bound(const tree_model *m)
{
    size_t L = slots(m), l;
    int64_t bound = 0;
    uint32_t t;

    for (t = 0; t < m->n_trees; t++) {
        int64_t mx = 0;

        for (l = 0; l < L; l++) {
            int64_t v = m->leaf[(size_t)t * L + l];

            if (v < 0)
                v = -v;
            if (v > mx)
                mx = v;
        }
        bound += mx;
    }
    return bound;
}

/* floor(a / 2^s) for any sign. */
static int64_t
floor_shift(int64_t a, unsigned s)
{
    int64_t d = (int64_t)1 << s;

    return a >= 0 ? a / d : -((-a + d - 1) / d);
}

static int64_t
table_index(const tree_model *m, int64_t sum)
{
    return floor_shift(sum + ((int64_t)1 << (m->shift - 1)), m->shift);
}

static int
trees_validate(const void *model, char *err)
{
    const tree_model *m = model;
    size_t L, t, i;
    int64_t bound, half;
    int rc;

    if ((rc = check_public(m, err)) != ZKML_OK)
        return rc;
    if (m->features == NULL || (m->transform == TREE_TRANSFORM_TABLE && m->table == NULL))
        return zkml_fail(err, ZKML_E_INVALID, "the public part is incomplete");
    if (m->feature == NULL || m->threshold == NULL || m->right_default == NULL ||
        m->leaf == NULL)
        return zkml_fail(err, ZKML_E_INVALID, "the model has no nodes (a public model)");
    L = slots(m);
    for (t = 0; t < m->n_trees; t++) {
        size_t base = t * L;

        if (m->feature[base] != 0 || m->threshold[base] != 0 || m->right_default[base] != 0)
            return zkml_fail(err, ZKML_E_INVALID, "tree %zu: slot 0 is not zero", t);
        for (i = 1; i < L; i++) {
            if (m->feature[base + i] >= m->n_features)
                return zkml_fail(err, ZKML_E_INVALID, "tree %zu slot %zu: feature out of "
                                 "range", t, i);
            if (m->threshold[base + i] == TREE_MISSING)
                return zkml_fail(err, ZKML_E_INVALID, "tree %zu slot %zu: the threshold is "
                                 "the missing code", t, i);
            if (m->right_default[base + i] > 1)
                return zkml_fail(err, ZKML_E_INVALID, "tree %zu slot %zu: default direction "
                                 "not 0 or 1", t, i);
        }
    }
    bound = leaf_bound(m);
    if (bound >= TREE_SUM_LIMIT)
        return zkml_fail(err, ZKML_E_INVALID, "the leaves' sum can reach 2^%u or more",
                         (unsigned)log2c((uint64_t)bound));
    if (m->transform == TREE_TRANSFORM_TABLE) {
        half = (int64_t)1 << (m->q_bits - 1);
        if (table_index(m, -bound) < -half || table_index(m, bound) >= half)
            return zkml_fail(err, ZKML_E_INVALID, "the output table does not cover every sum "
                             "the leaves allow");
    }
    return ZKML_OK;
}

/* docs/protocol.md 12.8: per tree and slot f, k, d (u32, i32, u32); per tree and leaf v. */
static uint64_t
trees_secret_size(const void *model)
{
    const tree_model *m = model;

    return (uint64_t)16 * m->n_trees * ((uint64_t)1 << m->depth);
}

static void
trees_secret_write(uint8_t *p, const void *model)
{
    const tree_model *m = model;
    size_t n = (size_t)m->n_trees * slots(m), i;

    for (i = 0; i < n; i++, p += 12) {
        le_put_u32(p, m->feature[i]);
        le_put_u32(p + 4, (uint32_t)m->threshold[i]);
        le_put_u32(p + 8, m->right_default[i]);
    }
    for (i = 0; i < n; i++, p += 4)
        le_put_u32(p, (uint32_t)m->leaf[i]);
}

static int
alloc_secret(tree_model *m, char *err)
{
    size_t n = (size_t)m->n_trees * slots(m);

    m->feature = calloc(n, sizeof *m->feature);
    m->threshold = calloc(n, sizeof *m->threshold);
    m->right_default = calloc(n, sizeof *m->right_default);
    m->leaf = calloc(n, sizeof *m->leaf);
    if (m->feature == NULL || m->threshold == NULL || m->right_default == NULL ||
        m->leaf == NULL)
        return nomem(err);
    return ZKML_OK;
}

/* The caller has checked that len is trees_secret_size(model); validate follows. */
static int
trees_secret_decode(void *model, const uint8_t *p, size_t len, char *err)
{
    tree_model *m = model;
    size_t n = (size_t)m->n_trees * slots(m), i;
    uint32_t d;
    int rc;

    (void)len;
    if ((rc = alloc_secret(m, err)) != ZKML_OK)
        return rc;
    for (i = 0; i < n; i++, p += 12) {
        m->feature[i] = le_get_u32(p);
        m->threshold[i] = le_get_i32(p + 4);
        d = le_get_u32(p + 8);
        if (d > 1)
            return zkml_fail(err, ZKML_E_INVALID, "slot %zu of the nodes: default direction "
                             "%u (0 or 1)", i, d);
        m->right_default[i] = (uint8_t)d;
    }
    for (i = 0; i < n; i++, p += 4)
        m->leaf[i] = le_get_i32(p);
    return ZKML_OK;
}

/* ---- the forward pass (docs/protocol.md 15.1, 15.3.3) ---- */

void
tree_model_leaves(const tree_model *m, const int32_t *row, uint32_t *leaves)
{
    size_t L = slots(m);
    uint32_t t, s;

    for (t = 0; t < m->n_trees; t++) {
        size_t base = (size_t)t * L, i = 1;

        for (s = 0; s < m->depth; s++) {
            int32_t x = row[m->feature[base + i]];
            unsigned right = x == TREE_MISSING ? m->right_default[base + i]
                                               : x >= m->threshold[base + i];

            i = 2 * i + right;
        }
        leaves[t] = (uint32_t)(i - L);
    }
}

static int
trees_forward(const void *model, const int32_t *rows, size_t batch, int32_t *outputs,
              size_t *failed_row, char *err)
{
    const tree_model *m = model;
    size_t L = slots(m), b;
    uint32_t *leaves, t;
    int64_t half = m->transform == TREE_TRANSFORM_TABLE ? (int64_t)1 << (m->q_bits - 1) : 0;

    if (m->leaf == NULL)
        return zkml_fail(err, ZKML_E_INVALID, "the model has no nodes (a public model)");
    if ((leaves = malloc(m->n_trees * sizeof *leaves)) == NULL)
        return nomem(err);
    for (b = 0; b < batch; b++) {
        const int32_t *row = rows + b * m->n_features;
        int64_t sum = 0, q;

        tree_model_leaves(m, row, leaves);
        for (t = 0; t < m->n_trees; t++)
            sum += m->leaf[(size_t)t * L + leaves[t]];
        if (m->transform == TREE_TRANSFORM_IDENTITY) {
            outputs[b] = (int32_t)sum;      /* |sum| < 2^30 (trees_validate) */
            continue;
        }
        q = table_index(m, sum);
        if (q < -half || q >= half) {       /* excluded by trees_validate */
            if (failed_row != NULL)
                *failed_row = b;
            explicit_bzero(leaves, m->n_trees * sizeof *leaves);
            free(leaves);
            return zkml_fail(err, ZKML_E_ROW_RANGE, "row %zu: the sum leaves the output "
                             "table", b);
        }
        outputs[b] = m->table[q + half];
    }
    explicit_bzero(leaves, m->n_trees * sizeof *leaves);
    free(leaves);
    return ZKML_OK;
}

/* ---- registration: the integer model of a document (docs/protocol.md 15.3) ---- */

/* Lay out the document subtree of node at slot (a leaf index + 2^D when slot >= 2^D). */
static void
lay_out(tree_model *m, const tree_doc *doc, const tree_doc_tree *tr, size_t t, int32_t node,
        size_t slot, const int32_t *leaf_int)
{
    size_t L = slots(m), base = t * L;

    if (slot >= L) {
        m->leaf[base + slot - L] = leaf_int[node];
        m->leaf_origin[base + slot - L] = node;
        return;
    }
    if (tr->left[node] < 0) {               /* a leaf above depth D: pass through */
        m->feature[base + slot] = 0;
        m->threshold[base + slot] = TREE_PASS_THRESHOLD;
        m->right_default[base + slot] = 1;
        lay_out(m, doc, tr, t, node, 2 * slot, leaf_int);
        lay_out(m, doc, tr, t, node, 2 * slot + 1, leaf_int);
        return;
    }
    m->feature[base + slot] = tr->feature[node];
    m->threshold[base + slot] = threshold_key(tr->threshold[node], doc->decision_le);
    m->right_default[base + slot] = !tr->default_left[node];
    lay_out(m, doc, tr, t, tr->left[node], 2 * slot, leaf_int);
    lay_out(m, doc, tr, t, tr->right[node], 2 * slot + 1, leaf_int);
}

static double
sigmoid(double z)
{
    return z >= 0 ? 1.0 / (1.0 + exp(-z)) : exp(z) / (1.0 + exp(z));
}

/* F, s, Q and the table (docs/protocol.md 15.3.2, 15.3.3). */
static int
choose_frac_bits(uint32_t *frac, const tree_doc *doc, char *err)
{
    double bound = fabs(doc->base);
    uint32_t t, i;
    int f;

    for (t = 0; t < doc->n_trees; t++) {
        double mx = 0;

        for (i = 0; i < doc->trees[t].n_nodes; i++)
            if (doc->trees[t].left[i] < 0 && fabs(doc->trees[t].value[i]) > mx)
                mx = fabs(doc->trees[t].value[i]);
        bound += mx;
    }
    for (f = TREE_DEFAULT_FRAC_BITS; f >= 0; f--)
        if (ldexp(bound, f) + doc->n_trees + 1.0 < (double)TREE_SUM_LIMIT)
            break;
    if (f < 0)
        return zkml_fail(err, ZKML_E_INVALID, "trees: the leaves' values can sum to %g, "
                         "beyond what zkml represents (2^30)", bound);
    *frac = (uint32_t)f;
    return ZKML_OK;
}

static int
build_table(tree_model *m, char *err)
{
    int64_t bound = leaf_bound(m), half;
    size_t n, y;

    m->out_bits = TREE_SIGMOID_OUT_BITS;
    m->shift = m->frac_bits > TREE_TABLE_STEP_BITS ? m->frac_bits - TREE_TABLE_STEP_BITS : 1;
    for (;;) {
        for (m->q_bits = TREE_MIN_Q; m->q_bits <= TREE_MAX_Q; m->q_bits++) {
            half = (int64_t)1 << (m->q_bits - 1);
            if (table_index(m, -bound) >= -half && table_index(m, bound) < half)
                break;
        }
        if (m->q_bits <= TREE_MAX_Q)
            break;
        if (++m->shift > TREE_MAX_SHIFT)
            return zkml_fail(err, ZKML_E_INVALID, "no output table covers the sums");
    }
    n = (size_t)1 << m->q_bits;
    half = (int64_t)n / 2;
    if ((m->table = malloc(n * sizeof *m->table)) == NULL)
        return nomem(err);
    for (y = 0; y < n; y++) {
        double z = ldexp((double)((int64_t)y - half), (int)m->shift - (int)m->frac_bits);

        m->table[y] = (int32_t)llround(ldexp(sigmoid(z), (int)m->out_bits));
    }
    return ZKML_OK;
}

int
tree_model_from_doc(tree_model *m, const tree_doc *doc, char *err)
{
    int32_t *leaf_int = NULL;
    uint32_t t, i, nmax = 0;
    int rc;

    memset(m, 0, sizeof *m);
    m->n_trees = doc->n_trees;
    m->depth = doc->depth;
    m->n_features = doc->n_features;
    m->transform = doc->sigmoid ? TREE_TRANSFORM_TABLE : TREE_TRANSFORM_IDENTITY;
    m->output_kind = doc->output_kind;
    if (log2c(m->n_trees) + m->depth > TREE_MAX_LAYOUT_VARS) {
        rc = zkml_fail(err, ZKML_E_INVALID, "trees: %u trees of depth %u need more than 2^%u "
                       "slots (fewer trees, or a smaller max_depth)", m->n_trees, m->depth,
                       TREE_MAX_LAYOUT_VARS);
        goto fail;
    }
    if ((rc = choose_frac_bits(&m->frac_bits, doc, err)) != ZKML_OK)
        goto fail;
    if ((m->features = calloc(m->n_features, sizeof *m->features)) == NULL) {
        rc = nomem(err);
        goto fail;
    }
    memcpy(m->features, doc->features, m->n_features * sizeof *m->features);
    if ((rc = alloc_secret(m, err)) != ZKML_OK)
        goto fail;
    m->leaf_origin = calloc((size_t)m->n_trees * slots(m), sizeof *m->leaf_origin);
    for (t = 0; t < doc->n_trees; t++)
        if (doc->trees[t].n_nodes > nmax)
            nmax = doc->trees[t].n_nodes;
    leaf_int = malloc(nmax * sizeof *leaf_int);
    if (m->leaf_origin == NULL || leaf_int == NULL) {
        rc = nomem(err);
        goto fail;
    }
    for (t = 0; t < doc->n_trees; t++) {
        const tree_doc_tree *tr = &doc->trees[t];
        int64_t base = t == 0 ? llround(ldexp(doc->base, (int)m->frac_bits)) : 0;

        for (i = 0; i < tr->n_nodes; i++)
            leaf_int[i] = tr->left[i] < 0
                ? (int32_t)(llround(ldexp(tr->value[i], (int)m->frac_bits)) + base) : 0;
        lay_out(m, doc, tr, t, 0, 1, leaf_int);
    }
    explicit_bzero(leaf_int, nmax * sizeof *leaf_int);
    free(leaf_int);
    leaf_int = NULL;
    if (m->transform == TREE_TRANSFORM_TABLE && (rc = build_table(m, err)) != ZKML_OK)
        goto fail;
    if ((rc = trees_validate(m, err)) != ZKML_OK)
        goto fail;
    return ZKML_OK;
fail:
    free(leaf_int);
    trees_free(m);
    return rc;
}

static int
trees_from_document(void *model, const char *text, size_t len, char *err)
{
    tree_doc doc;
    int rc = tree_doc_parse(&doc, text, len, err);

    memset(model, 0, sizeof(tree_model));
    if (rc != ZKML_OK)
        return rc;
    rc = tree_model_from_doc(model, &doc, err);
    tree_doc_free(&doc);
    return rc;
}

/* ---- the committed polynomial N (docs/protocol.md 15.4) ---- */

unsigned
tree_model_node_vars(const tree_model *m)
{
    return log2c(m->n_trees) + m->depth + 2;
}

int
tree_model_node_table(int32_t **out, const tree_model *m, char *err)
{
    unsigned l = tree_model_node_vars(m);
    size_t col = (size_t)1 << (l - 2), n = (size_t)m->n_trees * slots(m), i;
    int32_t *P;

    *out = NULL;
    if (m->leaf == NULL)
        return zkml_fail(err, ZKML_E_INVALID, "the model has no nodes (a public model)");
    if ((P = calloc((size_t)1 << l, sizeof *P)) == NULL)
        return nomem(err);
    for (i = 0; i < n; i++) {       /* index slot + 2^D·t = i: the tables' own order */
        P[i] = (int32_t)m->feature[i];
        P[col + i] = m->threshold[i];
        P[2 * col + i] = m->right_default[i];
        P[3 * col + i] = m->leaf[i];
    }
    *out = P;
    return ZKML_OK;
}

static unsigned
trees_commitment_vars(const void *model)
{
    const tree_model *m = model;

    return check_public(m, NULL) == ZKML_OK ? tree_model_node_vars(m) : 0;
}

static int
trees_commit(hyrax_commitment *c, const void *model, const uint8_t seed[32], char *err)
{
    const tree_model *m = model;
    unsigned l = tree_model_node_vars(m), lc, lr;
    size_t nrows;
    int32_t *P;
    fq_t *beta;
    int rc;

    memset(c, 0, sizeof *c);
    if ((rc = tree_model_node_table(&P, m, err)) != ZKML_OK)
        return rc;
    hyrax_split(l, &lc, &lr);
    nrows = (size_t)1 << lr;
    if ((beta = malloc(nrows * sizeof *beta)) == NULL) {
        rc = nomem(err);
    } else if (hyrax_blinds_from_seed(beta, nrows, seed) != 0 ||
               hyrax_commit_small(c, P, l, hyrax_lc(l), beta) != 0) {
        rc = zkml_fail(err, ZKML_E_INTERNAL, "committing to the nodes failed");
    }
    if (beta != NULL)
        explicit_bzero(beta, nrows * sizeof *beta);
    free(beta);
    explicit_bzero(P, ((size_t)1 << l) * sizeof *P);
    free(P);
    return rc;
}

/* ---- the proof: docs/protocol.md 16 (tree_proof.c) ---- */

static uint64_t
trees_prove_memory_estimate(const void *model, size_t batch)
{
    return tree_proof_memory_estimate(model, batch);
}

static int
trees_prove(uint8_t **proof, size_t *proof_len, const model_statement *st,
            const uint8_t seed[32], const infer_options *opts, char *err)
{
    return tree_proof_prove(proof, proof_len, st, seed, opts, err);
}

static int
trees_verify(const model_statement *st, const uint8_t *proof, size_t proof_len,
             const char **reason)
{
    return tree_proof_verify(st, proof, proof_len, reason);
}

const model_kind model_kind_trees = {
    .name = "trees",
    .magic = TREE_DESCRIPTOR_MAGIC,
    .document_format = TREE_DOCUMENT_FORMAT,
    .binds_group = 1,                   /* docs/protocol.md 16.4 */
    .descriptor_decode = trees_descriptor_decode,
    .descriptor_encode = trees_descriptor_encode,
    .free = trees_free,
    .n_inputs = trees_n_inputs,
    .n_outputs = trees_n_outputs,
    .shapes = trees_shapes,
    .input_name = trees_input_name,
    .input_range = trees_input_range,
    .quantize_row = trees_quantize_row,
    .dequantize_input = trees_dequantize_input,
    .dequantize_output = trees_dequantize_output,
    .from_document = trees_from_document,
    .validate = trees_validate,
    .secret_size = trees_secret_size,
    .secret_write = trees_secret_write,
    .secret_decode = trees_secret_decode,
    .forward = trees_forward,
    .commitment_vars = trees_commitment_vars,
    .commit = trees_commit,
    .prove_memory_estimate = trees_prove_memory_estimate,
    .prove = trees_prove,
    .verify = trees_verify,
};
