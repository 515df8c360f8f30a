/*
 * tree_json.c: the tree document "zkml-trees-v1" and XGBoost's JSON model format read
 * into a tree_doc (docs/protocol.md 15.2), every rule checked with the JSON path of the value
 * that breaks it.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "tree_model.h"

#define PATH_LEN 160

__attribute__((format(printf, 2, 3))) static void
path_format(char *out, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(out, PATH_LEN, fmt, ap);
    va_end(ap);
}

static int
nomem(char *err)
{
    return zkml_fail(err, ZKML_E_NOMEM, "out of memory");
}

/* The member key of obj, which must exist and be of kind (JSON_NUMBER takes integers). */
static int
member(const json_value **out, const json_value *obj, const char *key, json_kind kind,
       const char *parent, char *err)
{
    const json_value *v = json_get(obj, key);
    const char *sep = parent[0] != '\0' ? "." : "";

    *out = v;
    if (v == NULL)
        return zkml_fail(err, ZKML_E_INVALID, "%s%s%s: missing", parent, sep, key);
    if (v->kind != kind && !(kind == JSON_NUMBER && v->kind == JSON_INT))
        return zkml_fail(err, ZKML_E_INVALID, "%s%s%s: must be %s, not %s", parent, sep, key,
                         json_kind_name(kind), json_kind_name(v->kind));
    return ZKML_OK;
}

static int
is_number(const json_value *v)
{
    return v->kind == JSON_INT || v->kind == JSON_NUMBER;
}

/* A feature name: at most 63 bytes, no control characters (the JSON reader has already
 * checked the UTF-8). */
static int
copy_name(tree_feature *f, const json_value *v, const char *path, char *err)
{
    size_t i;

    if (v->kind != JSON_STRING)
        return zkml_fail(err, ZKML_E_INVALID, "%s: must be a string, not %s", path,
                         json_kind_name(v->kind));
    if (v->len > TREE_MAX_NAME_LEN)
        return zkml_fail(err, ZKML_E_INVALID, "%s: a feature name of %zu bytes (at most %u)",
                         path, v->len, TREE_MAX_NAME_LEN);
    for (i = 0; i < v->len; i++) {
        unsigned char c = (unsigned char)v->str[i];

        if (c < 0x20 || c == 0x7f || (c == 0xc2 && i + 1 < v->len &&
                                      (unsigned char)v->str[i + 1] < 0xa0))
            return zkml_fail(err, ZKML_E_INVALID, "%s: a control character in a feature "
                             "name", path);
    }
    memcpy(f->name, v->str, v->len);
    f->name[v->len] = '\0';
    return ZKML_OK;
}

static int
read_features(tree_doc *doc, const json_value *names, uint32_t n, const char *path, char *err)
{
    char ipath[PATH_LEN];
    uint32_t j;
    int rc;

    if (n < 1 || n > TREE_MAX_FEATURES)
        return zkml_fail(err, ZKML_E_INVALID, "%s: %u features (1 .. %u)", path, n,
                         TREE_MAX_FEATURES);
    if ((doc->features = calloc(n, sizeof *doc->features)) == NULL)
        return nomem(err);
    doc->n_features = n;
    for (j = 0; j < n; j++) {
        if (names == NULL) {
            snprintf(doc->features[j].name, sizeof doc->features[j].name, "x%u", j + 1);
            continue;
        }
        path_format(ipath, "%s[%u]", path, j);
        if ((rc = copy_name(&doc->features[j], &names->items[j], ipath, err)) != ZKML_OK)
            return rc;
    }
    return ZKML_OK;
}

/* The keys of one tree's arrays, per format. */
typedef struct {
    const char *left, *right, *feature, *threshold, *default_left, *value;
} tree_keys;

static const tree_keys doc_keys = {
    "left", "right", "feature", "threshold", "default_left", "value"
};
static const tree_keys xgb_keys = {
    "left_children", "right_children", "split_indices", "split_conditions", "default_left",
    "split_conditions"
};

/* One array of the tree, of exactly n entries (n = 0: take its length). */
static int
tree_array(const json_value **arr, const json_value *tree, const char *key, uint32_t *n,
           const char *path, char *err)
{
    int rc = member(arr, tree, key, JSON_ARRAY, path, err);

    if (rc != ZKML_OK)
        return rc;
    if (*n == 0) {
        if ((*arr)->len < 1 || (*arr)->len > TREE_MAX_DOC_NODES)
            return zkml_fail(err, ZKML_E_INVALID, "%s.%s: %zu nodes (1 .. %u)", path, key,
                             (*arr)->len, TREE_MAX_DOC_NODES);
        *n = (uint32_t)(*arr)->len;
    } else if ((*arr)->len != *n) {
        return zkml_fail(err, ZKML_E_INVALID, "%s.%s: %zu entries, %s has %u", path, key,
                         (*arr)->len, "left", *n);
    }
    return ZKML_OK;
}

/* Depth-first walk from the root: children in range, no node reached twice, depth. */
static int
walk(tree_doc_tree *t, uint8_t *seen, uint32_t node, uint32_t level, const tree_keys *k,
     const char *path, char *err)
{
    int32_t child[2];
    int c, rc;

    if (t->left[node] < 0)
        return ZKML_OK;
    if (level >= TREE_MAX_DEPTH)
        return zkml_fail(err, ZKML_E_INVALID, "%s: depth beyond the limit %u (node %u is a "
                         "split at depth %u)", path, TREE_MAX_DEPTH, node, level + 1);
    if (level + 1 > t->depth)
        t->depth = level + 1;
    child[0] = t->left[node];
    child[1] = t->right[node];
    for (c = 0; c < 2; c++) {
        const char *key = c == 0 ? k->left : k->right;

        if (seen[child[c]])
            return zkml_fail(err, ZKML_E_INVALID, "%s.%s[%u]: node %d is reached twice (a "
                             "cycle or a shared node)", path, key, node, child[c]);
        seen[child[c]] = 1;
        if ((rc = walk(t, seen, (uint32_t)child[c], level + 1, k, path, err)) != ZKML_OK)
            return rc;
    }
    return ZKML_OK;
}

static int
child_range(const json_value *c, uint32_t n, const char *path, char *err)
{
    if (c->kind != JSON_INT)
        return zkml_fail(err, ZKML_E_INVALID, "%s: must be an integer, not %s", path,
                         json_kind_name(c->kind));
    return zkml_fail(err, ZKML_E_INVALID, "%s: child %lld out of range (the tree has %u "
                     "nodes; -1 marks a leaf)", path, (long long)c->i, n);
}

/* One tree of either format; value_of_leaf: the leaf's value is in `value` (for XGBoost
 * the same array as the thresholds). */
static int
read_tree(tree_doc_tree *t, const json_value *tree, const tree_keys *k, uint32_t n_features,
          const char *path, char *err)
{
    const json_value *left, *right, *feat, *thr, *dflt, *val;
    char ipath[PATH_LEN];
    uint32_t n = 0, i;
    uint8_t *seen;
    int rc;

    if (tree->kind != JSON_OBJECT)
        return zkml_fail(err, ZKML_E_INVALID, "%s: must be an object, not %s", path,
                         json_kind_name(tree->kind));
    if ((rc = tree_array(&left, tree, k->left, &n, path, err)) != ZKML_OK ||
        (rc = tree_array(&right, tree, k->right, &n, path, err)) != ZKML_OK ||
        (rc = tree_array(&feat, tree, k->feature, &n, path, err)) != ZKML_OK ||
        (rc = tree_array(&thr, tree, k->threshold, &n, path, err)) != ZKML_OK ||
        (rc = tree_array(&dflt, tree, k->default_left, &n, path, err)) != ZKML_OK ||
        (rc = tree_array(&val, tree, k->value, &n, path, err)) != ZKML_OK)
        return rc;
    t->n_nodes = n;
    t->left = malloc(n * sizeof *t->left);
    t->right = malloc(n * sizeof *t->right);
    t->feature = calloc(n, sizeof *t->feature);
    t->threshold = calloc(n, sizeof *t->threshold);
    t->default_left = calloc(n, sizeof *t->default_left);
    t->value = calloc(n, sizeof *t->value);
    if (t->left == NULL || t->right == NULL || t->feature == NULL || t->threshold == NULL ||
        t->default_left == NULL || t->value == NULL)
        return nomem(err);
    for (i = 0; i < n; i++) {
        const json_value *l = &left->items[i], *r = &right->items[i];
        const json_value *d = &dflt->items[i];

        if (l->kind != JSON_INT || l->i < -1 || l->i >= (int64_t)n) {
            path_format(ipath, "%s.%s[%u]", path, k->left, i);
            return child_range(l, n, ipath, err);
        }
        if (r->kind != JSON_INT || r->i < -1 || r->i >= (int64_t)n) {
            path_format(ipath, "%s.%s[%u]", path, k->right, i);
            return child_range(r, n, ipath, err);
        }
        if ((l->i < 0) != (r->i < 0))
            return zkml_fail(err, ZKML_E_INVALID, "%s.%s[%u]: one child is -1 and the other "
                             "is not (a leaf has both -1)", path, k->right, i);
        if (l->i == 0 || r->i == 0)
            return zkml_fail(err, ZKML_E_INVALID, "%s.%s[%u]: node 0 is the root and cannot "
                             "be a child (a cycle)", path, l->i == 0 ? k->left : k->right, i);
        t->left[i] = (int32_t)l->i;
        t->right[i] = (int32_t)r->i;
        if (d->kind == JSON_TRUE || d->kind == JSON_FALSE)
            t->default_left[i] = d->kind == JSON_TRUE;
        else if (d->kind == JSON_INT && (d->i == 0 || d->i == 1))
            t->default_left[i] = (uint8_t)d->i;
        else
            return zkml_fail(err, ZKML_E_INVALID, "%s.%s[%u]: must be true, false, 0 or 1",
                             path, k->default_left, i);
        if (l->i < 0) {             /* a leaf */
            if (!is_number(&val->items[i]) || !isfinite(val->items[i].d))
                return zkml_fail(err, ZKML_E_INVALID, "%s.%s[%u]: a leaf's value must be a "
                                 "finite number", path, k->value, i);
            t->value[i] = val->items[i].d;
            continue;
        }
        if (feat->items[i].kind != JSON_INT || feat->items[i].i < 0 ||
            feat->items[i].i >= (int64_t)n_features)
            return zkml_fail(err, ZKML_E_INVALID, "%s.%s[%u]: must be a feature index in "
                             "[0, %u)", path, k->feature, i, n_features);
        t->feature[i] = (uint32_t)feat->items[i].i;
        if (!is_number(&thr->items[i]) || !isfinite(thr->items[i].d))
            return zkml_fail(err, ZKML_E_INVALID, "%s.%s[%u]: a split's threshold must be a "
                             "finite number (not NaN)", path, k->threshold, i);
        t->threshold[i] = thr->items[i].d;
    }
    if ((seen = calloc(n, 1)) == NULL)
        return nomem(err);
    seen[0] = 1;
    t->depth = 0;
    rc = walk(t, seen, 0, 0, k, path, err);
    free(seen);
    return rc;
}

static int
read_trees(tree_doc *doc, const json_value *trees, const tree_keys *k, const char *path,
           char *err)
{
    char ipath[PATH_LEN];
    uint32_t t;
    int rc;

    if (trees->len < 1 || trees->len > TREE_MAX_TREES)
        return zkml_fail(err, ZKML_E_INVALID, "%s: %zu trees (1 .. %u)", path, trees->len,
                         TREE_MAX_TREES);
    if ((doc->trees = calloc(trees->len, sizeof *doc->trees)) == NULL)
        return nomem(err);
    doc->n_trees = (uint32_t)trees->len;
    for (t = 0; t < doc->n_trees; t++) {
        path_format(ipath, "%s[%u]", path, t);
        rc = read_tree(&doc->trees[t], &trees->items[t], k, doc->n_features, ipath, err);
        if (rc != ZKML_OK)
            return rc;
    }
    return ZKML_OK;
}

/* ---- zkml-trees-v1 (docs/protocol.md 15.2) ---- */

static int
parse_document(tree_doc *doc, const json_value *root, char *err)
{
    static const char *const keys[] = { "format", "features", "decision", "rounding", "base",
                                         "transform", "output_kind", "depth", "trees", NULL };
    static const char *const tree_keys_allowed[] = { "left", "right", "feature", "threshold",
                                                     "default_left", "value", NULL };
    const json_value *v, *names, *trees;
    const char *unknown;
    char ipath[PATH_LEN];
    size_t t;
    int rc;

    if ((unknown = json_unknown_key(root, keys)) != NULL)
        return zkml_fail(err, ZKML_E_INVALID, "unknown key \"%.40s\"", unknown);
    if ((rc = member(&names, root, "features", JSON_ARRAY, "", err)) != ZKML_OK)
        return rc;
    if ((rc = read_features(doc, names, (uint32_t)(names->len > TREE_MAX_FEATURES
                                                    ? TREE_MAX_FEATURES + 1 : names->len),
                            "features", err)) != ZKML_OK)
        return rc;
    doc->decision_le = 0;
    if ((v = json_get(root, "decision")) != NULL) {
        if (v->kind != JSON_STRING || (strcmp(v->str, "lt") != 0 && strcmp(v->str, "le") != 0))
            return zkml_fail(err, ZKML_E_INVALID, "decision: must be \"lt\" or \"le\"");
        doc->decision_le = strcmp(v->str, "le") == 0;
    }
    if ((v = json_get(root, "rounding")) != NULL) {
        if (v->kind != JSON_STRING ||
            (strcmp(v->str, "binary32") != 0 && strcmp(v->str, "binary64") != 0))
            return zkml_fail(err, ZKML_E_INVALID, "rounding: must be \"binary32\" or "
                             "\"binary64\"");
        doc->rounding_binary64 = strcmp(v->str, "binary64") == 0;
    }
    doc->base = 0.0;
    if ((v = json_get(root, "base")) != NULL) {
        if (!is_number(v) || !isfinite(v->d))
            return zkml_fail(err, ZKML_E_INVALID, "base: must be a finite number");
        doc->base = v->d;
    }
    if ((rc = member(&v, root, "transform", JSON_STRING, "", err)) != ZKML_OK)
        return rc;
    if (strcmp(v->str, "sigmoid") != 0 && strcmp(v->str, "identity") != 0)
        return zkml_fail(err, ZKML_E_INVALID, "transform: must be \"sigmoid\" or "
                         "\"identity\", not \"%.40s\"", v->str);
    doc->sigmoid = strcmp(v->str, "sigmoid") == 0;
    doc->output_kind = doc->sigmoid ? TREE_OUTPUT_PROBABILITY : TREE_OUTPUT_SCORE;
    if ((v = json_get(root, "output_kind")) != NULL) {
        if (v->kind != JSON_STRING ||
            (strcmp(v->str, "score") != 0 && strcmp(v->str, "probability") != 0))
            return zkml_fail(err, ZKML_E_INVALID, "output_kind: must be \"score\" or "
                             "\"probability\"");
        doc->output_kind = strcmp(v->str, "probability") == 0 ? TREE_OUTPUT_PROBABILITY
                                                              : TREE_OUTPUT_SCORE;
    }
    doc->depth = 0;
    if ((v = json_get(root, "depth")) != NULL) {
        if (v->kind != JSON_INT || v->i < 1 || v->i > TREE_MAX_DEPTH)
            return zkml_fail(err, ZKML_E_INVALID, "depth: must be an integer in [1, %u]",
                             TREE_MAX_DEPTH);
        doc->depth = (uint32_t)v->i;
    }
    if ((rc = member(&trees, root, "trees", JSON_ARRAY, "", err)) != ZKML_OK)
        return rc;
    for (t = 0; t < trees->len; t++)
        if (trees->items[t].kind == JSON_OBJECT &&
            (unknown = json_unknown_key(&trees->items[t], tree_keys_allowed)) != NULL) {
            path_format(ipath, "trees[%zu]", t);
            return zkml_fail(err, ZKML_E_INVALID, "%s: unknown key \"%.40s\"", ipath, unknown);
        }
    return read_trees(doc, trees, &doc_keys, "trees", err);
}

/* ---- XGBoost's JSON model (docs/protocol.md 15.2.3) ---- */

/* A number XGBoost writes as a string ("5E-1", or "[5E-1]" in later versions). */
static int
string_number(double *out, const json_value *v, const char *path, char *err)
{
    char buf[64], *end;
    size_t len;

    if (v->kind != JSON_STRING || v->len == 0 || v->len >= sizeof buf)
        return zkml_fail(err, ZKML_E_INVALID, "%s: must be a string holding a number", path);
    memcpy(buf, v->str, v->len + 1);
    len = v->len;
    if (buf[0] == '[' && buf[len - 1] == ']') {
        buf[len - 1] = '\0';
        memmove(buf, buf + 1, len - 1);
    }
    *out = strtod(buf, &end);
    if (end == buf || *end != '\0' || !isfinite(*out))
        return zkml_fail(err, ZKML_E_INVALID, "%s: \"%.40s\" is not a finite number", path,
                         v->str);
    return ZKML_OK;
}

static int
parse_xgboost(tree_doc *doc, const json_value *root, char *err)
{
    const json_value *learner, *param, *obj, *name, *gb, *model, *trees, *names, *v, *types;
    double base_score, num_feature, num_class;
    char ipath[PATH_LEN];
    size_t t, i;
    int rc;

    /* the objective first: a model zkml cannot read (multi-class, ranking, survival) is
     * named as such, whatever else its document lacks */
    if ((rc = member(&learner, root, "learner", JSON_OBJECT, "", err)) != ZKML_OK ||
        (rc = member(&obj, learner, "objective", JSON_OBJECT, "learner", err)) != ZKML_OK ||
        (rc = member(&name, obj, "name", JSON_STRING, "learner.objective", err)) != ZKML_OK)
        return rc;
    if (strcmp(name->str, "binary:logistic") != 0 && strcmp(name->str, "reg:logistic") != 0 &&
        strcmp(name->str, "binary:logitraw") != 0 && strcmp(name->str, "reg:squarederror") != 0)
        return zkml_fail(err, ZKML_E_INVALID, "learner.objective.name: unknown objective "
                         "\"%.40s\" (zkml reads binary:logistic, reg:logistic, "
                         "binary:logitraw, reg:squarederror)", name->str);
    if ((rc = member(&param, learner, "learner_model_param", JSON_OBJECT, "learner",
                     err)) != ZKML_OK ||
        (rc = member(&gb, learner, "gradient_booster", JSON_OBJECT, "learner", err)) != ZKML_OK)
        return rc;
    if ((v = json_get(param, "base_score")) == NULL)
        return zkml_fail(err, ZKML_E_INVALID, "learner.learner_model_param.base_score: missing");
    if ((rc = string_number(&base_score, v, "learner.learner_model_param.base_score",
                            err)) != ZKML_OK)
        return rc;
    if ((v = json_get(param, "num_feature")) == NULL)
        return zkml_fail(err, ZKML_E_INVALID, "learner.learner_model_param.num_feature: "
                         "missing");
    if ((rc = string_number(&num_feature, v, "learner.learner_model_param.num_feature",
                            err)) != ZKML_OK)
        return rc;
    if (num_feature < 1 || num_feature > TREE_MAX_FEATURES || num_feature != floor(num_feature))
        return zkml_fail(err, ZKML_E_INVALID, "learner.learner_model_param.num_feature: must "
                         "be an integer in [1, %u]", TREE_MAX_FEATURES);
    if ((v = json_get(param, "num_class")) != NULL) {
        if ((rc = string_number(&num_class, v, "learner.learner_model_param.num_class",
                                err)) != ZKML_OK)
            return rc;
        if (num_class > 1)
            return zkml_fail(err, ZKML_E_INVALID, "learner.learner_model_param.num_class: "
                             "%.0f classes; zkml reads models of one output (binary or "
                             "regression)", num_class);
    }
    if (strcmp(name->str, "binary:logistic") == 0 || strcmp(name->str, "reg:logistic") == 0) {
        if (!(base_score > 0.0 && base_score < 1.0))
            return zkml_fail(err, ZKML_E_INVALID, "learner.learner_model_param.base_score: "
                             "must lie in (0, 1) for %s", name->str);
        doc->base = log(base_score / (1.0 - base_score));
        doc->sigmoid = 1;
    } else {                    /* binary:logitraw, reg:squarederror (checked above) */
        /* the margin starts at base_score itself (XGBoost 1.7's logitraw does not take
         * its logit: checked against predict(output_margin=True) in the fixtures) */
        doc->base = base_score;
        doc->sigmoid = 0;
    }
    doc->output_kind = doc->sigmoid ? TREE_OUTPUT_PROBABILITY : TREE_OUTPUT_SCORE;
    doc->decision_le = 0;
    names = json_get(learner, "feature_names");
    if (names != NULL && (names->kind != JSON_ARRAY || names->len == 0))
        names = NULL;
    if (names != NULL && names->len != (size_t)num_feature)
        return zkml_fail(err, ZKML_E_INVALID, "learner.feature_names: %zu names for %.0f "
                         "features", names->len, num_feature);
    if ((rc = read_features(doc, names, (uint32_t)num_feature, "learner.feature_names",
                            err)) != ZKML_OK)
        return rc;
    if ((rc = member(&v, gb, "name", JSON_STRING, "learner.gradient_booster", err)) != ZKML_OK)
        return rc;
    if (strcmp(v->str, "gbtree") != 0)
        return zkml_fail(err, ZKML_E_INVALID, "learner.gradient_booster.name: \"%.40s\" is not "
                         "supported (only gbtree; dart and gblinear are not)", v->str);
    if ((rc = member(&model, gb, "model", JSON_OBJECT, "learner.gradient_booster",
                     err)) != ZKML_OK ||
        (rc = member(&trees, model, "trees", JSON_ARRAY, "learner.gradient_booster.model",
                     err)) != ZKML_OK)
        return rc;
    if ((v = json_get(model, "tree_info")) != NULL && v->kind == JSON_ARRAY)
        for (i = 0; i < v->len; i++)
            if (v->items[i].kind != JSON_INT || v->items[i].i != 0)
                return zkml_fail(err, ZKML_E_INVALID, "learner.gradient_booster.model."
                                 "tree_info[%zu]: trees of more than one output", i);
    for (t = 0; t < trees->len; t++) {
        types = trees->items[t].kind == JSON_OBJECT ? json_get(&trees->items[t], "split_type")
                                                    : NULL;
        if (types == NULL || types->kind != JSON_ARRAY)
            continue;
        for (i = 0; i < types->len; i++)
            if (types->items[i].kind != JSON_INT || types->items[i].i != 0) {
                path_format(ipath, "learner.gradient_booster.model.trees[%zu].split_type[%zu]",
                            t, i);
                return zkml_fail(err, ZKML_E_INVALID, "%s: a categorical split (zkml reads "
                                 "numerical splits only)", ipath);
            }
    }
    return read_trees(doc, trees, &xgb_keys, "learner.gradient_booster.model.trees", err);
}

void
tree_doc_free(tree_doc *doc)
{
    uint32_t t;

    if (doc->trees != NULL)
        for (t = 0; t < doc->n_trees; t++) {
            tree_doc_tree *tr = &doc->trees[t];

            free(tr->left);
            free(tr->right);
            free(tr->feature);
            if (tr->threshold != NULL)
                explicit_bzero(tr->threshold, tr->n_nodes * sizeof *tr->threshold);
            if (tr->value != NULL)
                explicit_bzero(tr->value, tr->n_nodes * sizeof *tr->value);
            free(tr->threshold);
            free(tr->default_left);
            free(tr->value);
        }
    free(doc->trees);
    free(doc->features);
    memset(doc, 0, sizeof *doc);
}

int
tree_doc_parse(tree_doc *doc, const char *text, size_t len, char *err)
{
    const json_value *format;
    json_value *root;
    uint32_t t, depth = 0;
    int rc;

    memset(doc, 0, sizeof *doc);
    if (json_parse(&root, text, len, err) != 0)
        return ZKML_E_INVALID;
    if (root->kind != JSON_OBJECT) {
        json_free(root);
        return zkml_fail(err, ZKML_E_INVALID, "the document must be a JSON object");
    }
    format = json_get(root, "format");
    if (format == NULL && json_get(root, "learner") != NULL)
        rc = parse_xgboost(doc, root, err);
    else if (format != NULL && format->kind == JSON_STRING &&
             strcmp(format->str, TREE_DOCUMENT_FORMAT) == 0)
        rc = parse_document(doc, root, err);
    else
        rc = zkml_fail(err, ZKML_E_INVALID, "format: must be \"%s\" (or an XGBoost JSON model "
                       "with \"learner\")", TREE_DOCUMENT_FORMAT);
    json_free(root);
    if (rc == ZKML_OK) {
        for (t = 0; t < doc->n_trees; t++)
            if (doc->trees[t].depth > depth)
                depth = doc->trees[t].depth;
        if (doc->depth != 0 && doc->depth < depth)
            rc = zkml_fail(err, ZKML_E_INVALID, "depth: %u is less than the deepest tree's "
                           "depth %u", doc->depth, depth);
        else if (doc->depth == 0)
            doc->depth = depth > 0 ? depth : 1;
    }
    if (rc != ZKML_OK)
        tree_doc_free(doc);
    return rc;
}
