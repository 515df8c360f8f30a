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

#define DESC_HEADER_BYTES (8 + 3 * 4)
#define DESC_LAYER_BYTES (7 * 4)
#define DESC_KIND_BYTES 4
#define DESC_INPUT_BYTES (4 + 8 + 4)    /* without the name */
#define DESC_OUTPUT_BYTES (8 + 4)

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

static size_t descriptor_size_v2(const zk_model *model);

size_t
model_descriptor_size(const zk_model *model)
{
    size_t size = DESC_HEADER_BYTES;
    uint32_t l;

    if (model_version(model) == 2)
        return descriptor_size_v2(model);
    for (l = 0; l < model->n_layers && l < MODEL_MAX_LAYERS; l++) {
        if (model->layer[l].q_bits > MODEL_MAX_Q)
            return 0;
        size += DESC_LAYER_BYTES + ((size_t)4 << model->layer[l].q_bits);
    }
    if (model->n_layers < 1 || model->n_layers > MODEL_MAX_LAYERS)
        return size;
    size += DESC_KIND_BYTES + (size_t)model->layer[0].n * DESC_INPUT_BYTES +
            (size_t)model->layer[model->n_layers - 1].m * DESC_OUTPUT_BYTES;
    for (l = 0; model->inputs != NULL && l < model->layer[0].n; l++)
        size += name_length(&model->inputs[l]);
    return size;
}

static int descriptor_encode_v2(uint8_t **out, size_t *out_len, const zk_model *model,
                                char *err);
static int descriptor_decode_v2(zk_model *model, const uint8_t *buf, size_t len, char *err);

int
model_descriptor_encode(uint8_t **out, size_t *out_len, const zk_model *model, char *err)
{
    size_t size, y;
    uint8_t *buf, *p;
    uint32_t l;
    int rc;

    *out = NULL;
    *out_len = 0;
    if ((rc = model_validate_public(model, err)) != MODEL_OK)
        return rc;
    if (model_version(model) == 2)
        return descriptor_encode_v2(out, out_len, model, err);
    size = model_descriptor_size(model);
    buf = malloc(size);
    if (buf == NULL)
        return zkml_fail(err, MODEL_ERR_NOMEM, "out of memory");
    memcpy(buf, MODEL_DESCRIPTOR_MAGIC, 8);
    le_put_u32(buf + 8, model->n_layers);
    le_put_u32(buf + 12, model->xbits);
    le_put_u32(buf + 16, MODEL_PADDING_RULE_V1);
    p = buf + 20;
    for (l = 0; l < model->n_layers; l++) {
        const model_layer *ly = &model->layer[l];
        const uint32_t fields[7] = {ly->n, ly->m, ly->wbits, ly->q_bits, ly->limb_bits,
                                    ly->shift, ly->mult};
        unsigned f;

        for (f = 0; f < 7; f++, p += 4)
            le_put_u32(p, fields[f]);
        for (y = 0; y < ((size_t)1 << ly->q_bits); y++, p += 4)
            le_put_i32(p, ly->act[y]);
    }
    le_put_u32(p, model->output_kind);
    p += DESC_KIND_BYTES;
    for (l = 0; l < model->layer[0].n; l++) {
        const model_io *io = model_input_io(model, l);
        size_t n = name_length(io);

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
 * First pass of the decoder: read and check the header and every layer header, and the
 * exact total length, without allocating.
 */
/*
 * The interface part of the descriptor, from pos: every field checked, nothing
 * allocated.  *end is where it ends.
 */
static int
descriptor_scan_interface(const zk_model *model, const uint8_t *buf, size_t len, size_t pos,
                          size_t *end, char *err)
{
    int32_t xmax = (int32_t)1 << (model->xbits - 1);
    uint32_t kind, j, i, n_in = model->layer[0].n, m_out = model->layer[model->n_layers - 1].m;

    if (len - pos < DESC_KIND_BYTES)
        return zkml_fail(err, MODEL_ERR_INVALID, "descriptor: truncated output kind");
    kind = le_get_u32(buf + pos);
    pos += DESC_KIND_BYTES;
    if (kind != MODEL_OUTPUT_SCORE && kind != MODEL_OUTPUT_PROBABILITY)
        return zkml_fail(err, MODEL_ERR_INVALID,
                          "descriptor: output kind must be 0 (score) or 1 (probability)");
    for (j = 0; j < n_in; j++) {
        uint32_t name_len;
        int32_t zp;

        if (len - pos < 4)
            return zkml_fail(err, MODEL_ERR_INVALID, "descriptor: input %u: truncated",
                              (unsigned)j + 1);
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
        if (zp < -xmax || zp >= xmax)
            return zkml_fail(err, MODEL_ERR_INVALID,
                              "descriptor: input %u: the zero point must be a signed %u-bit "
                              "integer", (unsigned)j + 1, (unsigned)model->xbits);
        pos += 12;
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

static int
descriptor_scan(zk_model *model, const uint8_t *buf, size_t len, size_t *iface_pos,
                char *err)
{
    size_t pos = DESC_HEADER_BYTES;
    uint32_t l;
    int rc;

    if (len < DESC_HEADER_BYTES)
        return zkml_fail(err, MODEL_ERR_INVALID, "descriptor: truncated header");
    if (memcmp(buf, MODEL_DESCRIPTOR_MAGIC, 8) != 0)
        return zkml_fail(err, MODEL_ERR_INVALID, "descriptor: bad magic (not ZKMLMD01 or ZKMLMD02)");
    model->n_layers = le_get_u32(buf + 8);
    model->xbits = le_get_u32(buf + 12);
    if (model->n_layers < 1 || model->n_layers > MODEL_MAX_LAYERS)
        return zkml_fail(err, MODEL_ERR_INVALID,
                          "descriptor: the number of layers must be in [1, %d]",
                          MODEL_MAX_LAYERS);
    if (model->xbits < 2 || model->xbits > MODEL_MAX_BITS)
        return zkml_fail(err, MODEL_ERR_INVALID, "descriptor: xbits must be in [2, %u]",
                          MODEL_MAX_BITS);
    if (le_get_u32(buf + 16) != MODEL_PADDING_RULE_V1)
        return zkml_fail(err, MODEL_ERR_INVALID, "descriptor: unknown padding rule");
    for (l = 0; l < model->n_layers; l++) {
        model_layer *ly = &model->layer[l];

        if (len - pos < DESC_LAYER_BYTES)
            return zkml_fail(err, MODEL_ERR_INVALID, "descriptor: layer %u: truncated",
                              (unsigned)l + 1);
        ly->n = le_get_u32(buf + pos);
        ly->m = le_get_u32(buf + pos + 4);
        ly->wbits = le_get_u32(buf + pos + 8);
        ly->q_bits = le_get_u32(buf + pos + 12);
        ly->limb_bits = le_get_u32(buf + pos + 16);
        ly->shift = le_get_u32(buf + pos + 20);
        ly->mult = le_get_u32(buf + pos + 24);
        pos += DESC_LAYER_BYTES;
        if ((rc = model_validate_layer(model, l, err)) != MODEL_OK)
            return rc;
        if (len - pos < ((size_t)4 << ly->q_bits))
            return zkml_fail(err, MODEL_ERR_INVALID,
                              "descriptor: layer %u: truncated activation table",
                              (unsigned)l + 1);
        pos += (size_t)4 << ly->q_bits;
    }
    *iface_pos = pos;
    if ((rc = descriptor_scan_interface(model, buf, len, pos, &pos, err)) != MODEL_OK)
        return rc;
    if (pos != len)
        return zkml_fail(err, MODEL_ERR_INVALID, "descriptor: trailing bytes");
    return MODEL_OK;
}

/* The interface part, already checked by descriptor_scan_interface, into new arrays. */
static int
descriptor_read_interface(zk_model *model, const uint8_t *p, char *err)
{
    uint32_t j, i, n_in = model->layer[0].n, m_out = model->layer[model->n_layers - 1].m;

    model->inputs = alloc_array(n_in, sizeof *model->inputs);
    model->outputs = alloc_array(m_out, sizeof *model->outputs);
    if (model->inputs == NULL || model->outputs == NULL)
        return zkml_fail(err, MODEL_ERR_NOMEM, "out of memory");
    model->output_kind = le_get_u32(p);
    p += DESC_KIND_BYTES;
    for (j = 0; j < n_in; j++) {
        model_io *io = &model->inputs[j];
        uint32_t name_len = le_get_u32(p);

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
    size_t pos = DESC_HEADER_BYTES, iface = 0, y;
    uint32_t l;
    int rc;

    memset(model, 0, sizeof *model);
    if (len >= 8 && memcmp(buf, MODEL_DESCRIPTOR_MAGIC_V2, 8) == 0)
        return descriptor_decode_v2(model, buf, len, err);
    if ((rc = descriptor_scan(model, buf, len, &iface, err)) != MODEL_OK) {
        memset(model, 0, sizeof *model);
        return rc;
    }
    /* every size below was checked against len by descriptor_scan */
    for (l = 0; l < model->n_layers; l++) {
        model_layer *ly = &model->layer[l];
        size_t size = (size_t)1 << ly->q_bits;

        pos += DESC_LAYER_BYTES;
        ly->act = malloc(size * sizeof *ly->act);
        if (ly->act == NULL) {
            model_free(model);
            return zkml_fail(err, MODEL_ERR_NOMEM, "out of memory");
        }
        for (y = 0; y < size; y++, pos += 4)
            ly->act[y] = le_get_i32(buf + pos);
    }
    /* each entry took at least DESC_INPUT_BYTES (DESC_OUTPUT_BYTES) of buf */
    if ((rc = descriptor_read_interface(model, buf + iface, err)) != MODEL_OK) {
        model_free(model);
        return rc;
    }
    if ((rc = model_validate_public(model, err)) != MODEL_OK) {
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

/* ---- version 2 (docs/numerics-0.2.md 3) ---- */

#define DESC2_HEADER_BYTES (8 + 2 * 4)
#define DESC2_LAYER_BYTES (6 * 4)
#define DESC2_INPUT_BYTES (4 + 4 + 8 + 4)   /* without the name */

/* The bytes of layer l's kind-specific fields. */
static size_t
layer_extra_v2(const model_layer *ly)
{
    switch (ly->act_kind) {
    case MODEL_PW_IDENTITY:
    case MODEL_PW_RELU:
        return 4;
    case MODEL_PW_CLAMP:
        return 12;
    default:
        return ly->q_bits <= MODEL_V2_MAX_Q ? (size_t)4 << ly->q_bits : 0;
    }
}

static size_t
descriptor_size_v2(const zk_model *model)
{
    size_t size = DESC2_HEADER_BYTES;
    uint32_t l;

    if (model->n_layers < 1 || model->n_layers > MODEL_MAX_LAYERS)
        return size;
    for (l = 0; l < model->n_layers; l++)
        size += DESC2_LAYER_BYTES + layer_extra_v2(&model->layer[l]);
    size += DESC_KIND_BYTES + (size_t)model->layer[0].n * DESC2_INPUT_BYTES +
            (size_t)model->layer[model->n_layers - 1].m * DESC_OUTPUT_BYTES;
    for (l = 0; model->inputs != NULL && l < model->layer[0].n; l++)
        size += name_length(&model->inputs[l]);
    return size;
}

static int
descriptor_encode_v2(uint8_t **out, size_t *out_len, const zk_model *model, char *err)
{
    size_t size = descriptor_size_v2(model), y;
    uint8_t *buf = malloc(size), *p;
    uint32_t l;

    if (buf == NULL)
        return zkml_fail(err, MODEL_ERR_NOMEM, "out of memory");
    memcpy(buf, MODEL_DESCRIPTOR_MAGIC_V2, 8);
    le_put_u32(buf + 8, model->n_layers);
    le_put_u32(buf + 12, MODEL_PADDING_RULE_V2);
    p = buf + DESC2_HEADER_BYTES;
    for (l = 0; l < model->n_layers; l++) {
        const model_layer *ly = &model->layer[l];
        const uint32_t fields[6] = {ly->n, ly->m, ly->shift, ly->limb_bits, ly->act_kind,
                                    ly->q_bits};
        unsigned f;

        for (f = 0; f < 6; f++, p += 4)
            le_put_u32(p, fields[f]);
        if (ly->act_kind != MODEL_PW_TABLE) {
            le_put_u32(p, ly->u_bits);
            p += 4;
        }
        if (ly->act_kind == MODEL_PW_CLAMP) {
            le_put_i32(p, ly->lo);
            le_put_i32(p + 4, ly->hi);
            p += 8;
        }
        if (ly->act_kind == MODEL_PW_TABLE)
            for (y = 0; y < ((size_t)1 << ly->q_bits); y++, p += 4)
                le_put_i32(p, ly->act[y]);
    }
    le_put_u32(p, model->output_kind);
    p += DESC_KIND_BYTES;
    for (l = 0; l < model->layer[0].n; l++) {
        const model_io *io = model_input_io(model, l);
        size_t n = name_length(io);

        le_put_u32(p, model_input_bits(model, l));
        le_put_u32(p + 4, (uint32_t)n);
        memcpy(p + 8, io->name, n);
        p += 8 + n;
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
 * First pass of the version 2 decoder: every scalar field of the header and the layers
 * checked and the table sizes bounded against len, nothing allocated.  *pos ends after
 * the last layer.
 */
static int
descriptor_scan_v2(zk_model *model, const uint8_t *buf, size_t len, size_t *pos_out,
                   char *err)
{
    size_t pos = DESC2_HEADER_BYTES;
    uint32_t l;
    int rc;

    if (len < DESC2_HEADER_BYTES)
        return zkml_fail(err, MODEL_ERR_INVALID, "descriptor: truncated header");
    model->version = 2;
    model->n_layers = le_get_u32(buf + 8);
    if (model->n_layers < 1 || model->n_layers > MODEL_MAX_LAYERS)
        return zkml_fail(err, MODEL_ERR_INVALID,
                          "descriptor: the number of layers must be in [1, %d]",
                          MODEL_MAX_LAYERS);
    if (le_get_u32(buf + 12) != MODEL_PADDING_RULE_V2)
        return zkml_fail(err, MODEL_ERR_INVALID, "descriptor: unknown padding rule");
    for (l = 0; l < model->n_layers; l++) {
        model_layer *ly = &model->layer[l];

        if (len - pos < DESC2_LAYER_BYTES)
            return zkml_fail(err, MODEL_ERR_INVALID, "descriptor: layer %u: truncated",
                              (unsigned)l + 1);
        ly->n = le_get_u32(buf + pos);
        ly->m = le_get_u32(buf + pos + 4);
        ly->shift = le_get_u32(buf + pos + 8);
        ly->limb_bits = le_get_u32(buf + pos + 12);
        ly->act_kind = le_get_u32(buf + pos + 16);
        ly->q_bits = le_get_u32(buf + pos + 20);
        ly->mult = 1;
        pos += DESC2_LAYER_BYTES;
        if (ly->act_kind <= MODEL_PW_TABLE && ly->act_kind != MODEL_PW_TABLE) {
            if (len - pos < 4)
                return zkml_fail(err, MODEL_ERR_INVALID, "descriptor: layer %u: truncated",
                                  (unsigned)l + 1);
            ly->u_bits = le_get_u32(buf + pos);
            pos += 4;
        }
        if (ly->act_kind == MODEL_PW_CLAMP) {
            if (len - pos < 8)
                return zkml_fail(err, MODEL_ERR_INVALID, "descriptor: layer %u: truncated",
                                  (unsigned)l + 1);
            ly->lo = le_get_i32(buf + pos);
            ly->hi = le_get_i32(buf + pos + 4);
            pos += 8;
        }
        if ((rc = model_validate_layer_v2(model, l, err)) != MODEL_OK)
            return rc;
        if (ly->act_kind == MODEL_PW_TABLE) {
            if (len - pos < ((size_t)4 << ly->q_bits))
                return zkml_fail(err, MODEL_ERR_INVALID,
                                  "descriptor: layer %u: truncated activation table",
                                  (unsigned)l + 1);
            pos += (size_t)4 << ly->q_bits;
        }
    }
    *pos_out = pos;
    return MODEL_OK;
}

/* The interface of version 2: every field checked against len, nothing allocated. */
static int
descriptor_scan_interface_v2(const zk_model *model, const uint8_t *buf, size_t len,
                             size_t pos, size_t *end, char *err)
{
    uint32_t kind, j, n_in = model->layer[0].n, m_out = model->layer[model->n_layers - 1].m;

    if (len - pos < DESC_KIND_BYTES)
        return zkml_fail(err, MODEL_ERR_INVALID, "descriptor: truncated output kind");
    kind = le_get_u32(buf + pos);
    pos += DESC_KIND_BYTES;
    if (kind != MODEL_OUTPUT_SCORE && kind != MODEL_OUTPUT_PROBABILITY)
        return zkml_fail(err, MODEL_ERR_INVALID,
                          "descriptor: output kind must be 0 (score) or 1 (probability)");
    for (j = 0; j < n_in; j++) {
        uint32_t bits, name_len;
        int32_t zp, xmax;

        if (len - pos < 8)
            return zkml_fail(err, MODEL_ERR_INVALID, "descriptor: input %u: truncated",
                              (unsigned)j + 1);
        bits = le_get_u32(buf + pos);
        name_len = le_get_u32(buf + pos + 4);
        pos += 8;
        if (bits < 2 || bits > MODEL_MAX_BITS)
            return zkml_fail(err, MODEL_ERR_INVALID,
                              "descriptor: input %u: the width must be in [2, %u]",
                              (unsigned)j + 1, MODEL_MAX_BITS);
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
    if (len - pos < (size_t)m_out * DESC_OUTPUT_BYTES)
        return zkml_fail(err, MODEL_ERR_INVALID, "descriptor: truncated outputs");
    *end = pos + (size_t)m_out * DESC_OUTPUT_BYTES;     /* checked by model_validate_public */
    return MODEL_OK;
}

static int
descriptor_decode_v2(zk_model *model, const uint8_t *buf, size_t len, char *err)
{
    size_t pos = 0, end = 0, y;
    uint32_t l, j, n_in, m_out;
    int rc;

    if ((rc = descriptor_scan_v2(model, buf, len, &pos, err)) != MODEL_OK ||
        (rc = descriptor_scan_interface_v2(model, buf, len, pos, &end, err)) != MODEL_OK) {
        memset(model, 0, sizeof *model);
        return rc;
    }
    if (end != len) {
        memset(model, 0, sizeof *model);
        return zkml_fail(err, MODEL_ERR_INVALID, "descriptor: trailing bytes");
    }
    /* every size below was checked against len by the scans */
    pos = DESC2_HEADER_BYTES;
    for (l = 0; l < model->n_layers; l++) {
        model_layer *ly = &model->layer[l];

        pos += DESC2_LAYER_BYTES + (ly->act_kind != MODEL_PW_TABLE ? 4 : 0) +
               (ly->act_kind == MODEL_PW_CLAMP ? 8 : 0);
        if (ly->act_kind != MODEL_PW_TABLE)
            continue;
        ly->act = malloc(((size_t)1 << ly->q_bits) * sizeof *ly->act);
        if (ly->act == NULL) {
            model_free(model);
            return zkml_fail(err, MODEL_ERR_NOMEM, "out of memory");
        }
        for (y = 0; y < ((size_t)1 << ly->q_bits); y++, pos += 4)
            ly->act[y] = le_get_i32(buf + pos);
    }
    n_in = model->layer[0].n;
    m_out = model->layer[model->n_layers - 1].m;
    model->inputs = alloc_array(n_in, sizeof *model->inputs);
    model->outputs = alloc_array(m_out, sizeof *model->outputs);
    if (model->inputs == NULL || model->outputs == NULL) {
        model_free(model);
        return zkml_fail(err, MODEL_ERR_NOMEM, "out of memory");
    }
    model->output_kind = le_get_u32(buf + pos);
    pos += DESC_KIND_BYTES;
    model->xbits = 2;
    for (j = 0; j < n_in; j++) {
        model_io *io = &model->inputs[j];
        uint32_t name_len;

        io->bits = le_get_u32(buf + pos);
        name_len = le_get_u32(buf + pos + 4);
        memcpy(io->name, buf + pos + 8, name_len);      /* at most MODEL_MAX_NAME_LEN */
        io->name[name_len] = '\0';
        pos += 8 + name_len;
        io->scale = get_f64(buf + pos);
        io->zero_point = le_get_i32(buf + pos + 8);
        pos += 12;
        if (io->bits > model->xbits)
            model->xbits = io->bits;
    }
    for (j = 0; j < m_out; j++) {
        model->outputs[j].scale = get_f64(buf + pos);
        model->outputs[j].zero_point = le_get_i32(buf + pos + 8);
        pos += DESC_OUTPUT_BYTES;
    }
    if ((rc = model_validate_public(model, err)) != MODEL_OK) {
        model_free(model);
        return rc;
    }
    return MODEL_OK;
}
