/*
 * model_descriptor.c: the canonical public descriptor of a quantized model and its digest
 * (model.h, docs/protocol.md 6.1): what a public file carries of the model, byte by byte.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "le.h"
#include "model.h"
#include "model_internal.h"
#include "sha256.h"

/* ---- the canonical public descriptor ---- */

/*
 * Both versions in one path: version 1 (ZKMLMD01, docs/protocol.md 6.1) and version 2
 * (ZKMLMD02, docs/protocol.md 12.5) differ in the header (version 1 carries xbits),
 * in each layer's fields (version 1: wbits and M; version 2: the kind, u's limb width
 * and a clamp's bounds) and which layers carry a table (version 1: all; version 2: kind
 * 3), and in each input's width field (version 2 only).  The rest is shared.
 */
#define DESC_KIND_BYTES 4
#define DESC_OUTPUT_BYTES (8 + 4)

static size_t
header_bytes(int v2)
{
    return v2 ? 8 + 2 * 4 : 8 + 3 * 4;
}

/* The fixed fields of a layer: n, m, wbits, Q, w, s, M or n, m, s, w, kind, Q. */
static size_t
layer_fixed_bytes(int v2)
{
    return v2 ? 6 * 4 : 7 * 4;
}

/* Without the name: (the width,) the name's length, the scale, the zero point. */
static size_t
input_bytes(int v2)
{
    return (v2 ? 4 : 0) + 4 + 8 + 4;
}

static int
has_table(const model_layer *ly, int v2)
{
    return !v2 || ly->act_kind == MODEL_PW_TABLE;
}

/* The bytes of a layer after its fixed fields; 0 for a table too wide to encode. */
static size_t
layer_extra_bytes(const model_layer *ly, int v2, int *too_wide)
{
    size_t extra = 0;

    if (v2 && ly->act_kind != MODEL_PW_TABLE)
        extra += 4;                                 /* w_u */
    if (v2 && ly->act_kind == MODEL_PW_CLAMP)
        extra += 8;                                 /* lo, hi */
    if (has_table(ly, v2)) {
        if (ly->q_bits > (v2 ? MODEL_V2_MAX_Q : MODEL_MAX_Q)) {
            *too_wide = 1;
            return 0;
        }
        extra += (size_t)4 << ly->q_bits;
    }
    return extra;
}

static void
put_f64(uint8_t *p, double d)
{
    uint64_t bits;

    memcpy(&bits, &d, sizeof bits);
    le_put_u64(p, bits);
}

static double
get_f64(const uint8_t *p)
{
    uint64_t bits = le_get_u64(p);
    double d;

    memcpy(&d, &bits, sizeof d);
    return d;
}

/* strlen of a name that fits its array, bounded for a model that does not validate. */
static size_t
name_length(const model_io *io)
{
    const char *nul = memchr(io->name, 0, sizeof io->name);

    return nul != NULL ? (size_t)(nul - io->name) : sizeof io->name;
}

size_t
model_descriptor_size(const zk_model *model)
{
    int v2 = model_version(model) == 2, too_wide = 0;
    size_t size = header_bytes(v2);
    uint32_t l;

    for (l = 0; l < model->n_layers && l < MODEL_MAX_LAYERS; l++)
        size += layer_fixed_bytes(v2) + layer_extra_bytes(&model->layer[l], v2, &too_wide);
    if (too_wide)
        return 0;
    if (model->n_layers < 1 || model->n_layers > MODEL_MAX_LAYERS)
        return size;
    size += DESC_KIND_BYTES + (size_t)model->layer[0].n * input_bytes(v2) +
            (size_t)model->layer[model->n_layers - 1].m * DESC_OUTPUT_BYTES;
    for (l = 0; model->inputs != NULL && l < model->layer[0].n; l++)
        size += name_length(&model->inputs[l]);
    return size;
}

int
model_descriptor_encode(uint8_t **out, size_t *out_len, const zk_model *model, char *err)
{
    int v2 = model_version(model) == 2;
    size_t size, y;
    uint8_t *buf, *p;
    uint32_t l;
    int rc;

    *out = NULL;
    *out_len = 0;
    if ((rc = model_validate_public(model, err)) != MODEL_OK)
        return rc;
    size = model_descriptor_size(model);
    buf = malloc(size);
    if (buf == NULL)
        return zkml_fail(err, MODEL_ERR_NOMEM, "out of memory");
    memcpy(buf, v2 ? MODEL_DESCRIPTOR_MAGIC_V2 : MODEL_DESCRIPTOR_MAGIC, 8);
    le_put_u32(buf + 8, model->n_layers);
    if (v2) {
        le_put_u32(buf + 12, MODEL_PADDING_RULE_V2);
    } else {
        le_put_u32(buf + 12, model->xbits);
        le_put_u32(buf + 16, MODEL_PADDING_RULE_V1);
    }
    p = buf + header_bytes(v2);
    for (l = 0; l < model->n_layers; l++) {
        const model_layer *ly = &model->layer[l];
        const uint32_t f1[7] = {ly->n, ly->m, ly->wbits, ly->q_bits, ly->limb_bits,
                                ly->shift, ly->mult};
        const uint32_t f2[6] = {ly->n, ly->m, ly->shift, ly->limb_bits, ly->act_kind,
                                ly->q_bits};
        unsigned f;

        for (f = 0; f < (v2 ? 6u : 7u); f++, p += 4)
            le_put_u32(p, v2 ? f2[f] : f1[f]);
        if (v2 && ly->act_kind != MODEL_PW_TABLE) {
            le_put_u32(p, ly->u_bits);
            p += 4;
        }
        if (v2 && ly->act_kind == MODEL_PW_CLAMP) {
            le_put_i32(p, ly->lo);
            le_put_i32(p + 4, ly->hi);
            p += 8;
        }
        if (has_table(ly, v2))
            for (y = 0; y < ((size_t)1 << ly->q_bits); y++, p += 4)
                le_put_i32(p, ly->act[y]);
    }
    le_put_u32(p, model->output_kind);
    p += DESC_KIND_BYTES;
    for (l = 0; l < model->layer[0].n; l++) {
        const model_io *io = model_input_io(model, l);
        size_t n = name_length(io);

        if (v2) {
            le_put_u32(p, model_input_bits(model, l));
            p += 4;
        }
        le_put_u32(p, (uint32_t)n);
        memcpy(p + 4, io->name, n);
        p += 4 + n;
        put_f64(p, io->scale);
        le_put_i32(p + 8, io->zero_point);
        p += 12;
    }
    for (l = 0; l < model->layer[model->n_layers - 1].m; l++) {
        const model_io *io = model_output_io(model, l);

        put_f64(p, io->scale);
        le_put_i32(p + 8, io->zero_point);
        p += DESC_OUTPUT_BYTES;
    }
    *out = buf;
    *out_len = size;
    return MODEL_OK;
}

/*
 * The interface part of the descriptor, from pos: every field checked, nothing
 * allocated.  *end is where it ends.  Version 2 leaves the outputs' values to
 * model_validate_public (their zero points depend on the last layer's kind).
 */
static int
descriptor_scan_interface(const zk_model *model, int v2, const uint8_t *buf, size_t len,
                          size_t pos, size_t *end, char *err)
{
    uint32_t kind, j, i, n_in = model->layer[0].n, m_out = model->layer[model->n_layers - 1].m;

    if (len - pos < DESC_KIND_BYTES)
        return zkml_fail(err, MODEL_ERR_INVALID, "descriptor: truncated output kind");
    kind = le_get_u32(buf + pos);
    pos += DESC_KIND_BYTES;
    if (kind != MODEL_OUTPUT_SCORE && kind != MODEL_OUTPUT_PROBABILITY)
        return zkml_fail(err, MODEL_ERR_INVALID,
                          "descriptor: output kind must be 0 (score) or 1 (probability)");
    for (j = 0; j < n_in; j++) {
        uint32_t bits = model->xbits, name_len;
        int32_t zp, xmax;

        if (len - pos < (v2 ? 8u : 4u))
            return zkml_fail(err, MODEL_ERR_INVALID, "descriptor: input %u: truncated",
                              (unsigned)j + 1);
        if (v2) {
            bits = le_get_u32(buf + pos);
            pos += 4;
            if (bits < 2 || bits > MODEL_MAX_BITS)
                return zkml_fail(err, MODEL_ERR_INVALID,
                                  "descriptor: input %u: the width must be in [2, %u]",
                                  (unsigned)j + 1, MODEL_MAX_BITS);
        }
        name_len = le_get_u32(buf + pos);
        pos += 4;
        if (name_len > MODEL_MAX_NAME_LEN)
            return zkml_fail(err, MODEL_ERR_INVALID,
                              "descriptor: input %u: the name must be at most %u bytes",
                              (unsigned)j + 1, MODEL_MAX_NAME_LEN);
        if (len - pos < (size_t)name_len + 12)
            return zkml_fail(err, MODEL_ERR_INVALID, "descriptor: input %u: truncated",
                              (unsigned)j + 1);
        if (!model_name_is_valid((const char *)buf + pos, name_len))
            return zkml_fail(err, MODEL_ERR_INVALID,
                              "descriptor: input %u: the name must be UTF-8 without control "
                              "characters", (unsigned)j + 1);
        pos += name_len;
        if (!model_scale_is_valid(get_f64(buf + pos)))
            return zkml_fail(err, MODEL_ERR_INVALID,
                              "descriptor: input %u: the scale must be finite and positive",
                              (unsigned)j + 1);
        zp = le_get_i32(buf + pos + 8);
        xmax = (int32_t)1 << (bits - 1);
        if (zp < -xmax || zp >= xmax)
            return zkml_fail(err, MODEL_ERR_INVALID,
                              "descriptor: input %u: the zero point must be a signed %u-bit "
                              "integer", (unsigned)j + 1, (unsigned)bits);
        pos += 12;
    }
    if (v2) {
        if (len - pos < (size_t)m_out * DESC_OUTPUT_BYTES)
            return zkml_fail(err, MODEL_ERR_INVALID, "descriptor: truncated outputs");
        *end = pos + (size_t)m_out * DESC_OUTPUT_BYTES;
        return MODEL_OK;
    }
    for (i = 0; i < m_out; i++) {
        int32_t zp;

        if (len - pos < DESC_OUTPUT_BYTES)
            return zkml_fail(err, MODEL_ERR_INVALID, "descriptor: output %u: truncated",
                              (unsigned)i + 1);
        if (!model_scale_is_valid(get_f64(buf + pos)))
            return zkml_fail(err, MODEL_ERR_INVALID,
                              "descriptor: output %u: the scale must be finite and positive",
                              (unsigned)i + 1);
        zp = le_get_i32(buf + pos + 8);
        if (zp < INT16_MIN || zp > INT16_MAX)
            return zkml_fail(err, MODEL_ERR_INVALID,
                              "descriptor: output %u: the zero point must be an int16",
                              (unsigned)i + 1);
        pos += DESC_OUTPUT_BYTES;
    }
    *end = pos;
    return MODEL_OK;
}

/*
 * First pass of the decoder: the header, every layer's fields (each layer validated as
 * its version wants) and its table's size against len, then the interface and the exact
 * total length, without allocating.  *iface_pos is where the interface starts.
 */
static int
descriptor_scan(zk_model *model, int v2, const uint8_t *buf, size_t len, size_t *iface_pos,
                char *err)
{
    size_t pos = header_bytes(v2);
    uint32_t l;
    int rc;

    if (len < header_bytes(v2))
        return zkml_fail(err, MODEL_ERR_INVALID, "descriptor: truncated header");
    if (memcmp(buf, v2 ? MODEL_DESCRIPTOR_MAGIC_V2 : MODEL_DESCRIPTOR_MAGIC, 8) != 0)
        return zkml_fail(err, MODEL_ERR_INVALID,
                          "descriptor: bad magic (not ZKMLMD01 or ZKMLMD02)");
    model->version = v2 ? 2 : 0;
    model->n_layers = le_get_u32(buf + 8);
    if (model->n_layers < 1 || model->n_layers > MODEL_MAX_LAYERS)
        return zkml_fail(err, MODEL_ERR_INVALID,
                          "descriptor: the number of layers must be in [1, %d]",
                          MODEL_MAX_LAYERS);
    if (!v2) {
        model->xbits = le_get_u32(buf + 12);
        if (model->xbits < 2 || model->xbits > MODEL_MAX_BITS)
            return zkml_fail(err, MODEL_ERR_INVALID, "descriptor: xbits must be in [2, %u]",
                              MODEL_MAX_BITS);
    }
    if (le_get_u32(buf + (v2 ? 12 : 16)) != (v2 ? MODEL_PADDING_RULE_V2 : MODEL_PADDING_RULE_V1))
        return zkml_fail(err, MODEL_ERR_INVALID, "descriptor: unknown padding rule");
    for (l = 0; l < model->n_layers; l++) {
        model_layer *ly = &model->layer[l];
        const uint8_t *f = buf + pos;

        if (len - pos < layer_fixed_bytes(v2))
            return zkml_fail(err, MODEL_ERR_INVALID, "descriptor: layer %u: truncated",
                              (unsigned)l + 1);
        ly->n = le_get_u32(f);
        ly->m = le_get_u32(f + 4);
        if (v2) {
            ly->shift = le_get_u32(f + 8);
            ly->limb_bits = le_get_u32(f + 12);
            ly->act_kind = le_get_u32(f + 16);
            ly->q_bits = le_get_u32(f + 20);
            ly->mult = 1;
        } else {
            ly->wbits = le_get_u32(f + 8);
            ly->q_bits = le_get_u32(f + 12);
            ly->limb_bits = le_get_u32(f + 16);
            ly->shift = le_get_u32(f + 20);
            ly->mult = le_get_u32(f + 24);
        }
        pos += layer_fixed_bytes(v2);
        if (v2 && ly->act_kind < MODEL_PW_TABLE) {
            if (len - pos < 4)
                return zkml_fail(err, MODEL_ERR_INVALID, "descriptor: layer %u: truncated",
                                  (unsigned)l + 1);
            ly->u_bits = le_get_u32(buf + pos);
            pos += 4;
        }
        if (v2 && ly->act_kind == MODEL_PW_CLAMP) {
            if (len - pos < 8)
                return zkml_fail(err, MODEL_ERR_INVALID, "descriptor: layer %u: truncated",
                                  (unsigned)l + 1);
            ly->lo = le_get_i32(buf + pos);
            ly->hi = le_get_i32(buf + pos + 4);
            pos += 8;
        }
        rc = v2 ? model_validate_layer_v2(model, l, err) : model_validate_layer(model, l, err);
        if (rc != MODEL_OK)
            return rc;
        if (has_table(ly, v2)) {
            if (len - pos < ((size_t)4 << ly->q_bits))
                return zkml_fail(err, MODEL_ERR_INVALID,
                                  "descriptor: layer %u: truncated activation table",
                                  (unsigned)l + 1);
            pos += (size_t)4 << ly->q_bits;
        }
    }
    *iface_pos = pos;
    if ((rc = descriptor_scan_interface(model, v2, buf, len, pos, &pos, err)) != MODEL_OK)
        return rc;
    if (pos != len)
        return zkml_fail(err, MODEL_ERR_INVALID, "descriptor: trailing bytes");
    return MODEL_OK;
}

/* The tables and the interface, already checked by descriptor_scan, into new arrays. */
static int
descriptor_read(zk_model *model, int v2, const uint8_t *buf, size_t iface, char *err)
{
    const uint8_t *p = buf + header_bytes(v2);
    uint32_t l, j, i, n_in = model->layer[0].n, m_out = model->layer[model->n_layers - 1].m;
    size_t y;

    for (l = 0; l < model->n_layers; l++) {
        model_layer *ly = &model->layer[l];
        size_t size = (size_t)1 << ly->q_bits;
        int too_wide = 0;

        p += layer_fixed_bytes(v2) + layer_extra_bytes(ly, v2, &too_wide);
        if (!has_table(ly, v2))
            continue;
        ly->act = malloc(size * sizeof *ly->act);
        if (ly->act == NULL)
            return zkml_fail(err, MODEL_ERR_NOMEM, "out of memory");
        for (y = 0; y < size; y++)
            ly->act[y] = le_get_i32(p - 4 * size + 4 * y);
    }
    p = buf + iface;
    model->inputs = alloc_array(n_in, sizeof *model->inputs);
    model->outputs = alloc_array(m_out, sizeof *model->outputs);
    if (model->inputs == NULL || model->outputs == NULL)
        return zkml_fail(err, MODEL_ERR_NOMEM, "out of memory");
    model->output_kind = le_get_u32(p);
    p += DESC_KIND_BYTES;
    if (v2)
        model->xbits = 2;       /* the widest input's, below */
    for (j = 0; j < n_in; j++) {
        model_io *io = &model->inputs[j];
        uint32_t name_len;

        if (v2) {
            io->bits = le_get_u32(p);
            model->xbits = io->bits > model->xbits ? io->bits : model->xbits;
            p += 4;
        }
        name_len = le_get_u32(p);
        memcpy(io->name, p + 4, name_len);          /* at most MODEL_MAX_NAME_LEN */
        io->name[name_len] = '\0';
        p += 4 + name_len;
        io->scale = get_f64(p);
        io->zero_point = le_get_i32(p + 8);
        p += 12;
    }
    for (i = 0; i < m_out; i++) {
        model->outputs[i].scale = get_f64(p);
        model->outputs[i].zero_point = le_get_i32(p + 8);
        p += DESC_OUTPUT_BYTES;
    }
    return MODEL_OK;
}

int
model_descriptor_decode(zk_model *model, const uint8_t *buf, size_t len, char *err)
{
    int v2 = len >= 8 && memcmp(buf, MODEL_DESCRIPTOR_MAGIC_V2, 8) == 0;
    size_t iface = 0;
    int rc;

    memset(model, 0, sizeof *model);
    if ((rc = descriptor_scan(model, v2, buf, len, &iface, err)) != MODEL_OK) {
        memset(model, 0, sizeof *model);
        return rc;
    }
    /* every size read was checked against len by descriptor_scan */
    if ((rc = descriptor_read(model, v2, buf, iface, err)) != MODEL_OK ||
        (rc = model_validate_public(model, err)) != MODEL_OK) {
        model_free(model);
        return rc;
    }
    return MODEL_OK;
}

int
model_descriptor_digest(uint8_t digest[32], const zk_model *model, char *err)
{
    uint8_t *buf;
    size_t len;
    int rc = model_descriptor_encode(&buf, &len, model, err);

    if (rc != MODEL_OK)
        return rc;
    rc = sha256_digest(digest, buf, len);
    free(buf);
    if (rc != 0)
        return zkml_fail(err, MODEL_ERR_NOMEM, "SHA-256 failed");
    return MODEL_OK;
}
