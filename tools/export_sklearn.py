#!/usr/bin/env python3
"""Export a scikit-learn classifier as a zkml float model document (zkml-float-v1).

Supported: a binary LogisticRegression, or a binary MLPClassifier (hidden activations
identity, relu, logistic or tanh; logistic output), optionally preceded by a
StandardScaler, either as a Pipeline or as separate objects.  The document's output is
the probability of the positive class (classes_[1]), as predict_proba(X)[:, 1] gives it.

As a library:

    from export_sklearn import export
    doc = export(clf, feature_names, scaler=scaler)          # a dict
    json.dump(doc, open("model.float.json", "w"))

From the command line, with an estimator or pipeline saved by pickle or joblib:

    python3 tools/export_sklearn.py model.pkl --out model.float.json \
        [--features NAMES.txt] [--range-from TRAIN.csv]

Feature names come from --features (one per line), else from the estimator's
feature_names_in_ (when it was fitted on a DataFrame), else x1, x2, ...  --range-from
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


def _split_pipeline(model):
    """(scaler or None, classifier) from a Pipeline or a bare classifier."""
    steps = getattr(model, "steps", None)
    if steps is None:
        return None, model
    objects = [s for _, s in steps if s is not None and s != "passthrough"]
    if len(objects) == 1:
        return None, objects[0]
    if len(objects) == 2 and type(objects[0]).__name__ == "StandardScaler":
        return objects[0], objects[1]
    raise ValueError("a Pipeline must be [StandardScaler,] LogisticRegression|MLPClassifier")


def export(model, feature_names=None, scaler=None, input_range=None):
    """The zkml-float-v1 document (a dict) of a fitted classifier or pipeline."""
    pipe_scaler, clf = _split_pipeline(model)
    scaler = scaler if scaler is not None else pipe_scaler
    kind = type(clf).__name__
    if kind == "LogisticRegression":
        layers = _layers_logistic(clf)
    elif kind == "MLPClassifier":
        layers = _layers_mlp(clf)
    else:
        raise ValueError("unsupported estimator %s" % kind)
    n = len(layers[0]["weights"][0])
    if feature_names is None:
        names = getattr(model, "feature_names_in_", None)
        if names is None:
            names = getattr(clf, "feature_names_in_", None)
        feature_names = list(names) if names is not None else ["x%d" % (j + 1) for j in range(n)]
    feature_names = [str(f) for f in feature_names]
    if len(feature_names) != n:
        raise ValueError("%d feature names for a model of %d inputs" % (len(feature_names), n))
    doc = {"format": "zkml-float-v1", "features": feature_names}
    if scaler is not None:
        mean = scaler.mean_ if getattr(scaler, "mean_", None) is not None else [0.0] * n
        std = scaler.scale_ if getattr(scaler, "scale_", None) is not None else [1.0] * n
        doc["normalization"] = {"mean": _floats(mean), "std": _floats(std)}
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


def main():
    ap = argparse.ArgumentParser(description="scikit-learn classifier -> zkml-float-v1")
    ap.add_argument("model", help="a pickled (or joblib) estimator or pipeline")
    ap.add_argument("--out", required=True, help="the float model document to write")
    ap.add_argument("--features", help="a file with one feature name per line")
    ap.add_argument("--range-from", help="a CSV of rows whose min and max become input_range")
    args = ap.parse_args()
    try:
        import joblib
        model = joblib.load(args.model)
    except ImportError:
        with open(args.model, "rb") as f:
            model = pickle.load(f)
    names = None
    if args.features:
        with open(args.features) as f:
            names = [line.rstrip("\n") for line in f if line.strip()]
    doc = export(model, names)
    if args.range_from:
        doc_range = _read_range(args.range_from, len(doc["features"]))
        doc = export(model, doc["features"], input_range=doc_range)
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
