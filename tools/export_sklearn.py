#!/usr/bin/env python3
"""Export a scikit-learn classifier as a zkml float model document (zkml-float-v1).

Supported: a binary LogisticRegression, or a binary MLPClassifier (hidden activations
identity, relu, logistic or tanh; logistic output), optionally preceded by a
StandardScaler, MinMaxScaler or RobustScaler, either as a Pipeline or as separate
objects (each scaler is an affine map per feature, which the document's normalization
holds).  The document's output is
the probability of the positive class (classes_[1]), as predict_proba(X)[:, 1] gives it.

As a library:

    from export_sklearn import export
    doc = export(clf, feature_names, scaler=scaler)          # a dict
    json.dump(doc, open("model.float.json", "w"))

From the command line, with an estimator or pipeline saved by pickle or joblib:

    python3 tools/export_sklearn.py model.pkl --out model.float.json \
        [--features NAMES.txt] [--range-from TRAIN.csv]

Feature names come from --features (one per line), else from the estimator's
feature_names_in_ (when it was fitted on a DataFrame), else x1, x2, ... (with a warning:
errors and reports then name features by position only).  --range-from
reads a CSV (a header line, then rows of the features) and records each feature's
minimum and maximum as the document's input_range, which zkml takes as each feature's
domain: joined with the calibration rows' range instead of widening that by a margin,
and the range of its synthetic rows when no calibration rows are given.
"""
import argparse
import json
import math
import pickle
import sys

ACTIVATIONS = {"identity": "identity", "relu": "relu", "logistic": "sigmoid", "tanh": "tanh"}


def _floats(values):
    out = [float(v) for v in values]
    for v in out:
        if not math.isfinite(v):
            raise ValueError("the model holds a non-finite number")
    return out


def _matrix(rows):
    return [_floats(r) for r in rows]


def _layers_logistic(clf):
    coef = clf.coef_
    if len(clf.classes_) != 2 or coef.shape[0] != 1:
        raise ValueError("only binary LogisticRegression is supported (softmax is not)")
    return [{"weights": _matrix(coef), "bias": _floats(clf.intercept_),
             "activation": "sigmoid"}]


def _layers_mlp(clf):
    if len(clf.classes_) != 2 or clf.out_activation_ != "logistic":
        raise ValueError("only binary MLPClassifier is supported (softmax output is not)")
    if clf.activation not in ACTIVATIONS:
        raise ValueError("unsupported MLP activation %r" % clf.activation)
    layers = []
    last = len(clf.coefs_) - 1
    for k, (coef, bias) in enumerate(zip(clf.coefs_, clf.intercepts_)):
        # scikit-learn stores inputs x outputs; zkml wants one row per output
        layers.append({"weights": _matrix(coef.T), "bias": _floats(bias),
                       "activation": "sigmoid" if k == last else ACTIVATIONS[clf.activation]})
    return layers


SCALERS = ("StandardScaler", "MinMaxScaler", "RobustScaler")


def _normalization(scaler, n):
    """(mean, std) such that (x - mean) / std is what the fitted scaler computes."""
    kind = type(scaler).__name__
    if kind == "StandardScaler":
        mean = getattr(scaler, "mean_", None)
        std = getattr(scaler, "scale_", None)
        return (_floats(mean) if mean is not None else [0.0] * n,
                _floats(std) if std is not None else [1.0] * n)
    if kind == "MinMaxScaler":
        # x * scale_ + min_ = (x - (-min_ / scale_)) / (1 / scale_)
        scale, shift = _floats(scaler.scale_), _floats(scaler.min_)
        if any(v == 0.0 for v in scale):
            raise ValueError("MinMaxScaler has a zero scale")
        return [-m / s for m, s in zip(shift, scale)], [1.0 / s for s in scale]
    if kind == "RobustScaler":
        center = getattr(scaler, "center_", None)
        scale = getattr(scaler, "scale_", None)
        return (_floats(center) if center is not None else [0.0] * n,
                _floats(scale) if scale is not None else [1.0] * n)
    raise ValueError("unsupported scaler %s (supported: %s)" % (kind, ", ".join(SCALERS)))


def _split_pipeline(model):
    """(scaler or None, classifier) from a Pipeline or a bare classifier."""
    steps = getattr(model, "steps", None)
    if steps is None:
        return None, model
    objects = [s for _, s in steps if s is not None and s != "passthrough"]
    if len(objects) == 1:
        return None, objects[0]
    if len(objects) == 2 and type(objects[0]).__name__ in SCALERS:
        return objects[0], objects[1]
    raise ValueError("a Pipeline must be [StandardScaler|MinMaxScaler|RobustScaler,] "
                     "LogisticRegression|MLPClassifier; this one is %s"
                     % " -> ".join(type(o).__name__ for o in objects))


# ---- tree ensembles: the zkml tree document (zkml-trees-v1, docs/protocol.md 15.2) ----
#
# DecisionTreeClassifier and RandomForestClassifier: a leaf's value is the probability of
# the positive class in that leaf (divided by the number of trees for a forest, whose
# predict_proba is their mean), summed as it is.  GradientBoostingClassifier and
# HistGradientBoostingClassifier: the leaves hold the raw margin (shrinkage included),
# base is the initial margin, and the sigmoid gives the probability.  scikit-learn sends
# a row left when x <= threshold ("le"); the trees of the first three models compare the
# feature rounded to binary32, as zkml does; HistGradientBoostingClassifier compares
# binary64 values, which zkml reproduces exactly when the features are binary32 numbers
# (integers below 2^24, for instance).

def _tree_arrays(left, right, feature, threshold, default_left, value):
    """One tree of the document from scikit-learn's parallel node arrays."""
    leaf = [int(a) < 0 or int(a) == int(b) for a, b in zip(left, right)]
    # HistGradientBoosting splits that send every non-missing value one way carry an
    # infinite threshold; scikit-learn refuses infinite features, so the largest finite
    # double sends every value it accepts the same way.
    threshold = [0.0 if lf else max(-sys.float_info.max, min(sys.float_info.max, float(t)))
                 for t, lf in zip(threshold, leaf)]
    return {
        "left": [-1 if lf else int(a) for a, lf in zip(left, leaf)],
        "right": [-1 if lf else int(b) for b, lf in zip(right, leaf)],
        "feature": [0 if lf else int(f) for f, lf in zip(feature, leaf)],
        "threshold": [0.0 if lf else t for t, lf in zip(_floats(threshold), leaf)],
        "default_left": [bool(d) for d in default_left],
        "value": [v if lf else 0.0 for v, lf in zip(_floats(value), leaf)],
    }


def _sklearn_tree(tree, scale=1.0, proba=False):
    """A fitted sklearn.tree._tree.Tree; value = the positive class's share, or the
    regression value times scale."""
    if proba:
        counts = tree.value[:, 0, :]
        if counts.shape[1] != 2:
            raise ValueError("only binary classifiers are supported")
        value = counts[:, 1] / counts.sum(axis=1) * scale
    else:
        value = tree.value[:, 0, 0] * scale
    return _tree_arrays(tree.children_left, tree.children_right, tree.feature,
                        tree.threshold, [False] * tree.node_count, value)


def _trees_sklearn(clf):
    """(trees, base, transform) of a scikit-learn tree model."""
    kind = type(clf).__name__
    if len(getattr(clf, "classes_", [])) != 2:
        raise ValueError("only binary classifiers are supported")
    if kind == "DecisionTreeClassifier":
        return [_sklearn_tree(clf.tree_, proba=True)], 0.0, "identity"
    if kind == "RandomForestClassifier":
        n = len(clf.estimators_)
        return ([_sklearn_tree(e.tree_, 1.0 / n, proba=True) for e in clf.estimators_],
                0.0, "identity")
    if kind == "GradientBoostingClassifier":
        if clf.estimators_.shape[1] != 1:
            raise ValueError("only binary GradientBoostingClassifier is supported")
        base = float(clf._raw_predict_init(
            __import__("numpy").zeros((1, clf.n_features_in_)))[0, 0])
        return ([_sklearn_tree(e.tree_, clf.learning_rate) for e in clf.estimators_[:, 0]],
                base, "sigmoid")
    if kind == "HistGradientBoostingClassifier":
        if clf.n_trees_per_iteration_ != 1:
            raise ValueError("only binary HistGradientBoostingClassifier is supported")
        trees = []
        for (pred,) in clf._predictors:
            nodes = pred.nodes
            if nodes["is_categorical"].any():
                raise ValueError("categorical splits are not supported")
            left = [-1 if lf else int(a) for a, lf in zip(nodes["left"], nodes["is_leaf"])]
            right = [-1 if lf else int(b) for b, lf in zip(nodes["right"], nodes["is_leaf"])]
            trees.append(_tree_arrays(left, right, nodes["feature_idx"],
                                      nodes["num_threshold"], nodes["missing_go_to_left"],
                                      nodes["value"]))
        return trees, float(clf._baseline_prediction.ravel()[0]), "sigmoid"
    raise ValueError("unsupported estimator %s" % kind)


TREE_ESTIMATORS = ("DecisionTreeClassifier", "RandomForestClassifier",
                   "GradientBoostingClassifier", "HistGradientBoostingClassifier")


def export_trees(clf, feature_names):
    """The zkml-trees-v1 document (a dict) of a fitted scikit-learn tree model."""
    trees, base, transform = _trees_sklearn(clf)
    if len(feature_names) != clf.n_features_in_:
        raise ValueError("%d feature names for a model of %d inputs"
                         % (len(feature_names), clf.n_features_in_))
    return {"format": "zkml-trees-v1", "features": feature_names, "decision": "le",
            "rounding": "binary32" if type(clf).__name__ != "HistGradientBoostingClassifier"
            else "binary64",
            "base": base, "transform": transform, "output_kind": "probability",
            "trees": trees}

# ---- end of the tree section ----


def export(model, feature_names=None, scaler=None, input_range=None):
    """The zkml-float-v1 document (a dict) of a fitted classifier or pipeline."""
    pipe_scaler, clf = _split_pipeline(model)
    scaler = scaler if scaler is not None else pipe_scaler
    kind = type(clf).__name__
    if kind in TREE_ESTIMATORS:
        n = clf.n_features_in_
        if feature_names is None:
            names = getattr(clf, "feature_names_in_", None)
            feature_names = list(names) if names is not None else ["x%d" % (j + 1) for j in range(n)]
        return export_trees(clf, [str(f) for f in feature_names])
    if kind == "LogisticRegression":
        layers = _layers_logistic(clf)
    elif kind == "MLPClassifier":
        layers = _layers_mlp(clf)
    else:
        raise ValueError("unsupported estimator %s (supported: a binary LogisticRegression "
                         "or MLPClassifier, optionally in a Pipeline after a scaler)" % kind)
    n = len(layers[0]["weights"][0])
    if feature_names is None:
        names = getattr(model, "feature_names_in_", None)
        if names is None:
            names = getattr(clf, "feature_names_in_", None)
        if names is None:
            print("export_sklearn: warning: the model carries no feature names, so the "
                  "document names them x1..x%d; give the names (--features NAMES.txt, or "
                  "fit on a DataFrame) so that errors and reports name each feature" % n,
                  file=sys.stderr)
        feature_names = list(names) if names is not None else ["x%d" % (j + 1) for j in range(n)]
    feature_names = [str(f) for f in feature_names]
    if len(feature_names) != n:
        raise ValueError("%d feature names for a model of %d inputs" % (len(feature_names), n))
    doc = {"format": "zkml-float-v1", "features": feature_names}
    if scaler is not None:
        mean, std = _normalization(scaler, n)
        doc["normalization"] = {"mean": mean, "std": std}
    if input_range is not None:
        lo, hi = input_range
        doc["input_range"] = {"min": _floats(lo), "max": _floats(hi)}
    doc["layers"] = layers
    doc["output_kind"] = "probability"
    return doc


def _read_range(path, n):
    lo, hi = [math.inf] * n, [-math.inf] * n
    with open(path) as f:
        next(f)
        for line in f:
            if not line.strip():
                continue
            vals = [float(v) for v in line.split(",")]
            if len(vals) != n:
                raise ValueError("%s: rows must have %d values" % (path, n))
            lo = [min(a, b) for a, b in zip(lo, vals)]
            hi = [max(a, b) for a, b in zip(hi, vals)]
    return lo, hi


def _load(path):
    """The object saved in path by joblib or pickle; ValueError if it cannot be read."""
    with open(path, "rb") as f:
        f.read(1)   # an unreadable file is an OSError, reported as such
    try:
        try:
            import joblib
        except ImportError:
            joblib = None
        if joblib is not None:
            return joblib.load(path)
        with open(path, "rb") as f:
            return pickle.load(f)
    except ImportError as e:
        raise ValueError("%s: reading it needs a module that is not installed (%s); "
                         "install scikit-learn" % (path, e))
    except Exception as e:  # pickle raises many kinds for bytes that are not a pickle
        raise ValueError("%s is not a pickle or joblib file of a scikit-learn estimator "
                         "(%s: %s)" % (path, type(e).__name__, e))


def main():
    ap = argparse.ArgumentParser(description="scikit-learn classifier -> zkml-float-v1")
    ap.add_argument("model", help="a pickled (or joblib) estimator or pipeline")
    ap.add_argument("--out", required=True, help="the float model document to write")
    ap.add_argument("--features", help="a file with one feature name per line")
    ap.add_argument("--range-from", help="a CSV of rows whose min and max become input_range")
    args = ap.parse_args()
    model = _load(args.model)
    names = None
    if args.features:
        with open(args.features) as f:
            names = [line.rstrip("\n") for line in f if line.strip()]
    doc = export(model, names)
    if args.range_from:
        doc_range = _read_range(args.range_from, len(doc["features"]))
        doc = export(model, names if names is not None else doc["features"],
                     input_range=doc_range)
    with open(args.out, "w") as f:
        json.dump(doc, f)
        f.write("\n")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (ValueError, OSError) as e:
        print("export_sklearn: %s" % e, file=sys.stderr)
        sys.exit(1)
