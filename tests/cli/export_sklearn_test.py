#!/usr/bin/env python3
"""tests/cli/export_sklearn_test.py: tools/export_sklearn.py without scikit-learn.

The exporter reads fitted estimators by their class names and attributes, so stand-ins
with scikit-learn's names and fitted attributes check what it writes: each scaler's
normalization reproduces the scaler's transform, features without names are warned
about, and files that are not a pickle of a supported estimator fail with a message (exit
status 1), not a traceback.  Prints "ok" lines; exits 1 on the first failure.
"""
import contextlib
import io
import os
import pickle
import subprocess
import sys
import tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(ROOT, "tools"))
import export_sklearn  # noqa: E402


class Matrix(list):
    """A list of rows with numpy's .shape and .T, as far as the exporter uses them."""

    @property
    def shape(self):
        return (len(self), len(self[0]))

    @property
    def T(self):
        return Matrix([list(c) for c in zip(*self)])


class LogisticRegression:
    def __init__(self):
        self.classes_ = [0, 1]
        self.coef_ = Matrix([[0.5, -1.25, 2.0]])
        self.intercept_ = [0.1]


class MinMaxScaler:
    def __init__(self, lo, hi):
        self.scale_ = [1.0 / (h - l) for l, h in zip(lo, hi)]
        self.min_ = [-l * s for l, s in zip(lo, self.scale_)]

    def transform(self, x):
        return [v * s + m for v, s, m in zip(x, self.scale_, self.min_)]


class RobustScaler:
    def __init__(self, center, scale):
        self.center_, self.scale_ = center, scale

    def transform(self, x):
        return [(v - c) / s for v, c, s in zip(x, self.center_, self.scale_)]


class Pipeline:
    def __init__(self, steps):
        self.steps = steps


def check(desc, cond):
    print(("ok - " if cond else "not ok - ") + desc)
    if not cond:
        sys.exit(1)


def normalized(doc, x):
    n = doc["normalization"]
    return [(v - m) / s for v, m, s in zip(x, n["mean"], n["std"])]


def close(a, b):
    return all(abs(u - v) <= 1e-12 * max(1.0, abs(v)) for u, v in zip(a, b))


names = ["age", "amount", "rate"]
x = [37.0, 5200.0, 3.0]
for scaler in (MinMaxScaler([18.0, 250.0, 1.0], [75.0, 18424.0, 4.0]),
               RobustScaler([33.0, 2320.0, 3.0], [15.0, 2606.75, 2.0])):
    kind = type(scaler).__name__
    doc = export_sklearn.export(Pipeline([("scale", scaler), ("lr", LogisticRegression())]), names)
    check("%s in a Pipeline: the normalization is the scaler's transform" % kind,
          close(normalized(doc, x), scaler.transform(x)))
    doc = export_sklearn.export(LogisticRegression(), names, scaler=scaler)
    check("%s given apart: the same" % kind, close(normalized(doc, x), scaler.transform(x)))

err = io.StringIO()
with contextlib.redirect_stderr(err):
    doc = export_sklearn.export(LogisticRegression())
check("no feature names: x1..xN, with a warning",
      doc["features"] == ["x1", "x2", "x3"] and "x1..x3" in err.getvalue())
err = io.StringIO()
with contextlib.redirect_stderr(err):
    export_sklearn.export(LogisticRegression(), names)
check("named features: no warning", err.getvalue() == "")
try:
    export_sklearn.export(Pipeline([("a", MinMaxScaler([0.0] * 3, [1.0] * 3)),
                                    ("b", MinMaxScaler([0.0] * 3, [1.0] * 3)),
                                    ("lr", LogisticRegression())]), names)
    check("two scalers are refused", False)
except ValueError as e:
    check("two scalers are refused, naming the steps", "MinMaxScaler -> MinMaxScaler" in str(e))


def run_tool(path):
    return subprocess.run([sys.executable, os.path.join(ROOT, "tools", "export_sklearn.py"),
                           path, "--out", os.path.join(work, "out.json")],
                          capture_output=True, text=True)


with tempfile.TemporaryDirectory() as work:
    text = os.path.join(work, "model.txt")
    with open(text, "w") as f:
        f.write("not a pickle\n")
    r = run_tool(text)
    check("a file that is not a pickle: status 1 and a message, no traceback",
          r.returncode == 1 and "is not a pickle or joblib file" in r.stderr
          and "Traceback" not in r.stderr)
    other = os.path.join(work, "dict.pkl")
    with open(other, "wb") as f:
        pickle.dump({"weights": [1, 2]}, f)
    r = run_tool(other)
    check("a pickle of something else: status 1 and the estimator it is",
          r.returncode == 1 and "unsupported estimator dict" in r.stderr
          and "Traceback" not in r.stderr)
    r = run_tool(os.path.join(work, "missing.pkl"))
    check("a missing file: status 1 and a message",
          r.returncode == 1 and "missing.pkl" in r.stderr and "Traceback" not in r.stderr)
    check("no output written on failure", not os.path.exists(os.path.join(work, "out.json")))
