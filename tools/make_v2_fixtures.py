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

Standard library only.  Usage (from the repository root): tools/make_v2_fixtures.py
"""

import json
import os

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


if __name__ == "__main__":
    main()
