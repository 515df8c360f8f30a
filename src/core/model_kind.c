/*
 * model_kind.c: the kinds of model the core knows (model_kind.h), and how a descriptor or
 * a document names its kind.
 */
#include <string.h>

#include "json.h"
#include "model_kind.h"
#include "tree_model.h"

static const model_kind *const kinds[] = {
    &model_kind_dense,
    &model_kind_dense_v2,
    &model_kind_trees,
};

#define N_KINDS (sizeof kinds / sizeof kinds[0])

const model_kind *
model_kind_of_descriptor(const uint8_t *buf, size_t len, char *err)
{
    size_t k;

    if (len < MODEL_KIND_MAGIC_LEN) {
        zkml_fail(err, ZKML_E_INVALID, "truncated at byte %zu (magic)", len);
        return NULL;
    }
    for (k = 0; k < N_KINDS; k++)
        if (memcmp(buf, kinds[k]->magic, MODEL_KIND_MAGIC_LEN) == 0)
            return kinds[k];
    zkml_fail(err, ZKML_E_INVALID, "bad magic: not a descriptor of a kind of model this "
              "version knows");
    return NULL;
}

const model_kind *
model_kind_of_document(const char *text, size_t len)
{
    const model_kind *kind = &model_kind_dense;
    const json_value *format;
    json_value *root;
    size_t k;

    if (json_parse(&root, text, len, NULL) != 0)
        return kind;
    format = json_get(root, "format");
    if (format != NULL && format->kind == JSON_STRING)
        for (k = 0; k < N_KINDS; k++)
            if (strcmp(format->str, kinds[k]->document_format) == 0)
                kind = kinds[k];
    if (format == NULL && json_get(root, "learner") != NULL)
        kind = &model_kind_trees;   /* XGBoost's JSON model (docs/protocol.md 15.2.3) */
    json_free(root);
    return kind;
}

const model_kind *
model_kind_by_name(const char *name)
{
    size_t k;

    for (k = 0; k < N_KINDS; k++)
        if (strcmp(name, kinds[k]->name) == 0)
            return kinds[k];
    return NULL;
}
