#!/usr/bin/env python3
"""Write the version 2 fixtures tests/fixtures/{lr20,mlp20,mlp64}v2.q.json.

Each is its version 1 fixture (NAME.q.json) restated in the zkml-quantized-v2 document
(docs/protocol.md 12.6), computing the same function on every input: the layer's
multiplier M folded into each row and its bias (the "M" key, one entry per row), a
hidden ReLU (whose version 1 table, with scales 1 and the default int8 range, is
clamp(q, 0, 127)) as the clamp [0, 127] proven without a table (one limb of u and of
each comparison: u_bits = Q), the sigmoid output as
its table (Q <= 16), every input of the document's xbits.  So a version 1 and a version
2 model of the same name give the same scores, and their proofs can be compared.  The
NAMEv2relu fixtures of mlp20 and mlp64 have their hidden layers as table-free ReLUs (the
kind the quantizer chooses for version 2): not the same function (a hidden q above 127
is no longer clamped), but the cost of a version 2 network as it is usually quantized.

The mixv2a-c fixtures (NAME.q.json and NAME.rows.csv) are small version 2 networks built
to reach every part of the version 2 layer relation (6.4) in the conformance vectors:
every activation kind (identity, relu, clamp, an explicit table in a hidden layer), an
output layer of kinds 0-2 (so the output range of 12.3 step 4 applies), inputs of 2 to 16
bits, several limbs of u, d_lo, d_hi and rem, narrow limbs.  Their weights come from a
seeded generator; their rows are drawn likewise and kept when every requantized value
stays within its layer's range (6.4 step 3), with the extreme rows of each feature first.

Standard library only.  Usage (from the repository root): tools/make_v2_fixtures.py
"""

import json
import math
import os
import random

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "tests", "fixtures")


def v2_document(doc, relu=False):
    """The version 2 document of a version 1 document with named activations; relu:
    hidden ReLUs as the table-free relu of the same Q instead of the clamp (another
    function where a hidden q exceeds 127: a shape for measuring costs only)."""
    xbits = doc.get("xbits", 8)
    out = {"format": "zkml-quantized-v2", "xbits": xbits}
    for key in ("output_kind", "outputs"):
        if key in doc:
            out[key] = doc[key]
    if "inputs" in doc:
        out["inputs"] = [dict(e, bits=xbits) for e in doc["inputs"]]
    layers = []
    for i, ly in enumerate(doc["layers"]):
        act = ly["activation"]
        new = {"s": ly["s"], "Q": ly.get("Q", 16), "limb_bits": min(ly.get("limb_bits", 16), 16),
               "weights": ly["weights"], "bias": ly["bias"],
               "M": [ly["M"]] * len(ly["weights"])}
        last = i == len(doc["layers"]) - 1
        if act["kind"] == "relu" and not last and set(act) == {"kind"} and relu:
            new["activation"] = {"kind": "relu"}
            new["u_bits"] = new["Q"]
        elif act["kind"] == "relu" and not last and set(act) == {"kind"}:
            new["activation"] = {"kind": "clamp", "min": 0, "max": 127}
            # one limb each for u (Q - 1 bits) and d_lo, d_hi (Q bits): fewer columns
            # and lookups than 8-bit limbs, tables no larger than the rem limbs'
            new["u_bits"] = new["Q"]
        elif act["kind"] in ("sigmoid", "tanh", "table"):
            new["activation"] = act
        else:
            raise ValueError("layer %d: no version 2 form for %r" % (i, act))
        layers.append(new)
    out["layers"] = layers
    return out


# name: (input bits, layers (n_out, s, Q, limb_bits, u_bits, activation), seed)
MIXED = {
    "mixv2a": ([2, 8, 12, 16],
               [(3, 14, 16, 7, 8, {"kind": "relu"}),
                (2, 18, 12, 5, 5, {"kind": "identity"})], 11),
    "mixv2b": ([16, 3, 10],
               [(4, 17, 12, 16, 6, {"kind": "clamp", "min": -100, "max": 300}),
                (2, 15, 8, 4, None, "tanh"),
                (1, 15, 8, 16, 4, {"kind": "clamp", "min": -50, "max": 50})], 12),
    "mixv2c": ([16, 16],
               [(2, 12, 16, 3, 16, {"kind": "identity"}),
                (1, 19, 9, 16, 3, {"kind": "relu"})], 13),
}


def mixed_document(bits, layers, seed):
    """A version 2 document of the shapes given, its weights drawn from seed."""
    rnd = random.Random(seed)
    n = len(bits)
    doc = {"format": "zkml-quantized-v2", "xbits": max(bits), "output_kind": "score",
           "inputs": [{"name": "f%d" % j, "bits": b, "scale": 2.0 ** -(b - 3),
                       "zero_point": 0} for j, b in enumerate(bits)],
           "layers": []}
    width = [2 ** (b - 1) for b in bits]          # the magnitude of each input
    for m, s, Q, limb, ubits, act in layers:
        # rows whose accumulator reaches about 2^(s + Q - 2): q fills its range at times
        W = [[rnd.randint(-2 ** 20, 2 ** 20) * 2 ** (s + Q - 2) // (2 ** 20 * width[j] * n)
              for j in range(n)] for _ in range(m)]
        b = [rnd.randint(-2 ** (s + Q - 6), 2 ** (s + Q - 6)) for _ in range(m)]
        ly = {"s": s, "Q": Q, "limb_bits": limb, "weights": W, "bias": b}
        if act == "tanh":
            half = 2 ** (Q - 1)
            ly["activation"] = {"kind": "table", "table": [
                int(round(1000 * math.tanh((i - half) / 32.0))) for i in range(2 * half)]}
            out = 1000
        else:
            ly["activation"] = act
            ly["u_bits"] = ubits
            out = act.get("max", 2 ** (Q - 1))
        doc["layers"].append(ly)
        n, width = m, [max(out // 4, 1)] * m      # hidden values rarely reach the bound
    doc["outputs"] = [{"scale": 2.0 ** -8, "zero_point": 0}] * n
    return doc


def forward(doc, x):
    """The integer function of 6.4, or None when a requantized value leaves its range."""
    for ly in doc["layers"]:
        s, Q, act = ly["s"], ly["Q"], ly["activation"]
        y = []
        for row, b in zip(ly["weights"], ly["bias"]):
            q = (sum(w * v for w, v in zip(row, x)) + b + 2 ** (s - 1)) >> s
            if not -2 ** (Q - 1) <= q < 2 ** (Q - 1):
                return None
            if act["kind"] == "identity":
                y.append(q)
            elif act["kind"] == "relu":
                y.append(max(q, 0))
            elif act["kind"] == "clamp":
                y.append(min(max(q, act["min"]), act["max"]))
            else:
                y.append(act["table"][q + 2 ** (Q - 1)])
        x = y
    return x


def mixed_rows(doc, bits, seed, count=8):
    """Rows of the model's domain: each feature's extremes first, then random ones."""
    rnd = random.Random(seed + 1000)
    lo = [-2 ** (b - 1) for b in bits]
    hi = [2 ** (b - 1) - 1 for b in bits]
    cands = [lo, hi, [l if j % 2 else h for j, (l, h) in enumerate(zip(lo, hi))]]
    cands += [[rnd.randint(l, h) for l, h in zip(lo, hi)] for _ in range(200)]
    rows = [r for r in cands if forward(doc, r) is not None][:count]
    if len(rows) < count:
        raise SystemExit("too few rows within the model's ranges")
    return rows


def write_mixed():
    for name, (bits, layers, seed) in MIXED.items():
        doc = mixed_document(bits, layers, seed)
        path = os.path.join(FIXTURES, name + ".q.json")
        with open(path, "w") as f:
            json.dump(doc, f, separators=(",", ":"))
            f.write("\n")
        rows = mixed_rows(doc, bits, seed)
        with open(os.path.join(FIXTURES, name + ".rows.csv"), "w") as f:
            f.write(",".join("f%d" % j for j in range(len(bits))) + "\n")
            for r in rows:
                f.write(",".join(map(str, r)) + "\n")
        with open(os.path.join(FIXTURES, name + ".expected.csv"), "w") as f:
            for r in rows:
                f.write(",".join(map(str, forward(doc, r))) + "\n")
        print(os.path.relpath(path, ROOT))


def main():
    for name, relu in (("lr20", False), ("mlp20", False), ("mlp64", False),
                       ("mlp20", True), ("mlp64", True)):
        with open(os.path.join(FIXTURES, name + ".q.json")) as f:
            doc = json.load(f)
        path = os.path.join(FIXTURES, name + ("v2relu" if relu else "v2") + ".q.json")
        with open(path, "w") as f:
            json.dump(v2_document(doc, relu), f, separators=(",", ":"))
            f.write("\n")
        print(os.path.relpath(path, ROOT))
    write_mixed()


if __name__ == "__main__":
    main()
