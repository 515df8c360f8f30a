#!/usr/bin/env python3
"""Export a PyTorch nn.Sequential as a zkml float model document (zkml-float-v1).

Supported modules: Linear, ReLU, Sigmoid, Tanh and Identity.  Each Linear takes the
activation module that follows it (identity when another Linear or the end follows).

As a library:

    from export_torch import export
    doc = export(seq, feature_names, mean=mu, std=sigma)      # a dict
    json.dump(doc, open("model.float.json", "w"))

From the command line, with a whole module saved by torch.save(seq, "model.pt"):

    python3 tools/export_torch.py model.pt --out model.float.json [--features NAMES.txt]
        [--output-kind probability|score]

The output kind defaults to probability when the last module is a Sigmoid.
"""
import argparse
import json
import math
import sys

ACTIVATIONS = {"ReLU": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh", "Identity": "identity"}


def _floats(values):
    out = [float(v) for v in values]
    for v in out:
        if not math.isfinite(v):
            raise ValueError("the model holds a non-finite number")
    return out


def export(seq, feature_names=None, mean=None, std=None, output_kind=None):
    """The zkml-float-v1 document (a dict) of an nn.Sequential."""
    layers = []
    for k, module in enumerate(seq):
        name = type(module).__name__
        if name == "Linear":
            w = module.weight.detach().double().cpu().tolist()
            if module.bias is not None:
                b = module.bias.detach().double().cpu().tolist()
            else:
                b = [0.0] * len(w)
            layers.append({"weights": [_floats(r) for r in w], "bias": _floats(b),
                           "activation": "identity"})
        elif name in ACTIVATIONS:
            if not layers or layers[-1]["activation"] != "identity" or layers[-1].get("_act"):
                raise ValueError("module %d (%s) must follow a Linear" % (k, name))
            layers[-1]["activation"] = ACTIVATIONS[name]
            layers[-1]["_act"] = True
        else:
            raise ValueError("module %d: unsupported %s (Linear, ReLU, Sigmoid, Tanh)" % (k, name))
    if not layers:
        raise ValueError("the Sequential has no Linear module")
    for layer in layers:
        layer.pop("_act", None)
    n = len(layers[0]["weights"][0])
    if feature_names is None:
        feature_names = ["x%d" % (j + 1) for j in range(n)]
    if len(feature_names) != n:
        raise ValueError("%d feature names for a model of %d inputs" % (len(feature_names), n))
    doc = {"format": "zkml-float-v1", "features": [str(f) for f in feature_names]}
    if mean is not None or std is not None:
        doc["normalization"] = {"mean": _floats(mean if mean is not None else [0.0] * n),
                                "std": _floats(std if std is not None else [1.0] * n)}
    doc["layers"] = layers
    if output_kind is None:
        output_kind = "probability" if layers[-1]["activation"] == "sigmoid" else "score"
    doc["output_kind"] = output_kind
    return doc


def main():
    ap = argparse.ArgumentParser(description="PyTorch nn.Sequential -> zkml-float-v1")
    ap.add_argument("model", help="a module saved with torch.save(seq, path)")
    ap.add_argument("--out", required=True, help="the float model document to write")
    ap.add_argument("--features", help="a file with one feature name per line")
    ap.add_argument("--output-kind", choices=["probability", "score"])
    args = ap.parse_args()
    import torch
    seq = torch.load(args.model, map_location="cpu", weights_only=False)
    names = None
    if args.features:
        with open(args.features) as f:
            names = [line.rstrip("\n") for line in f if line.strip()]
    doc = export(seq, names, output_kind=args.output_kind)
    with open(args.out, "w") as f:
        json.dump(doc, f)
        f.write("\n")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (ValueError, OSError) as e:
        print("export_torch: %s" % e, file=sys.stderr)
        sys.exit(1)
