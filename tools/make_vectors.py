#!/usr/bin/env python3
"""Write the conformance vectors of tests/vectors (docs/protocol.md 13).

For each model kind of protocol version 1 (a logistic regression, lr20, and a dense
network, mlp20, both with public inputs) and their version 2 twins (lr20v2, mlp20v2:
tests/fixtures/*v2.q.json, docs/protocol.md 6.4), and for two small tree ensembles
(trees, trees-id: docs/protocol.md 15, 16; their documents are in this script), this
makes a fresh key with the built `zkml` command, writes the model's public file, proves a few batches (honest receipts), and
derives damaged receipts from one of them, one file per kind of damage the verifier must
catch.  It also copies, unchanged, receipts issued by release 0.1.0 (from the database
dump tests/fixtures/lender-0.1.0.sql), which carry row keys and a context, and damages
one of them.  For committed inputs (lr20v2c, mlp20v2c: docs/protocol.md 7.19-7.20, 12.9,
12.11) it proves committed receipts of the version 2 models and openings of their rows, and damages
both; for receipts of several proofs (groups: docs/protocol.md 12.10) it proves containers
and damages them (parts dropped, exchanged, taken from elsewhere; the container's
fields); for openings of a container of committed parts (groupsc: 12.10.1, 12.11) it
opens rows counted across the parts and moves them to other parts.  Every file is listed in tests/vectors/MANIFEST with the verdict and reason
class that docs/protocol.md prescribes; tests/vectors/check runs `zkml verify` (with
--opening for an opening) on each.

The damage is computed from the specification, not from the verifier: this script
parses the public file and the receipt by the layouts of docs/protocol.md 12, derives
the byte offset of every part of the proof from the sizes of docs/protocol.md 7.13 (16.8
for a tree proof, docs/protocol.md 7.18.7 for version 2, with the additions of
docs/protocol.md 7.20.6 for committed inputs), and insists that they add up to
the proof's length.  So it is also a check of those sections against the prover.

Receipts are zero knowledge, hence randomized: running this again gives other bytes
(and, since a key's seed is drawn afresh, other public files).  The expected verdicts
do not change.  The private keys are not kept.

Standard library only.  Usage (from the repository root, after make):

    tools/make_vectors.py [--zkml ./zkml] [--out tests/vectors] [--sets lr20v2c,groups]
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "tests", "fixtures")

# docs/protocol.md 1.1
Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583
P = 21888242871839275222246405745257275088548364400416034343698204186575808495617

POINT = 32
SCALAR = 32


def log2_ceil(v):
    l = 0
    while (1 << l) < v:
        l += 1
    return l


def hyrax_split(l, delta=2):
    """docs/protocol.md 4.2: (l_c, l_r) with delta = 2; version 2's P1 has delta = 1
    (7.18.0)."""
    lc = min(l, (l + 1) // 2 + delta)
    return lc, l - lc


def place(log_sizes):
    """docs/protocol.md 6.3: the variables of the polynomial holding these columns."""
    total = sum(1 << s for s in log_sizes)
    return log2_ceil(total)


# ---- files (docs/protocol.md 12) ----

class Reader:
    def __init__(self, data, pos=0):
        self.data, self.pos = data, pos

    def take(self, n):
        if self.pos + n > len(self.data):
            raise ValueError("truncated")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def u32(self):
        return struct.unpack("<I", self.take(4))[0]

    def i32(self):
        return struct.unpack("<i", self.take(4))[0]

    def u64(self):
        return struct.unpack("<Q", self.take(8))[0]

    def f64(self):
        return struct.unpack("<d", self.take(8))[0]


def parse_descriptor_v2(d):
    """docs/protocol.md 12.5: the ZKMLMD02 descriptor."""
    r = Reader(d)
    r.take(8)
    L, rule = r.u32(), r.u32()
    layers = []
    for _ in range(L):
        n, m, s, w, kind, qb = (r.u32() for _ in range(6))
        ly = dict(n=n, m=m, s=s, w=w, kind=kind, Q=qb, act=None)
        if kind != 3:
            ly["wu"] = r.u32()
        if kind == 2:
            ly["lo"], ly["hi"] = r.i32(), r.i32()
        if kind == 3:
            ly["act"] = [r.i32() for _ in range(1 << qb)]
        layers.append(ly)
    kind = r.u32()
    xbits = []
    for _ in range(layers[0]["n"]):
        xbits.append(r.u32())
        r.take(r.u32())
        r.f64()
        r.i32()
    for _ in range(layers[-1]["m"]):
        r.f64()
        r.i32()
    if r.pos != len(d):
        raise ValueError("descriptor length")
    return dict(version=2, L=L, rule=rule, layers=layers, output_kind=kind, xbits=xbits)


def parse_descriptor(d):
    if d[:8] == b"ZKMLMD02":
        return parse_descriptor_v2(d)
    if d[:8] == b"ZKMLTE01":
        return parse_descriptor_trees(d)
    r = Reader(d)
    if r.take(8) != b"ZKMLMD01":
        raise ValueError("descriptor magic")
    L, xbits, rule = r.u32(), r.u32(), r.u32()
    layers = []
    for _ in range(L):
        n, m, wbits, qb, w, s, mult = (r.u32() for _ in range(7))
        act = [r.i32() for _ in range(1 << qb)]
        layers.append(dict(n=n, m=m, wbits=wbits, Q=qb, w=w, s=s, M=mult, act=act))
    kind = r.u32()
    for _ in range(layers[0]["n"]):
        r.take(r.u32())
        r.f64()
        r.i32()
    for _ in range(layers[-1]["m"]):
        r.f64()
        r.i32()
    if r.pos != len(d):
        raise ValueError("descriptor length")
    return dict(version=1, L=L, xbits=xbits, rule=rule, layers=layers, output_kind=kind)


def parse_public(pub):
    r = Reader(pub)
    if r.take(8) != b"ZKMLPUB1":
        raise ValueError("public file magic")
    model = parse_descriptor(r.take(r.u64()))
    l_w = r.u32()
    _, lr = hyrax_split(l_w)
    rows_at = r.pos
    r.take(POINT << lr)
    if r.pos != len(pub):
        raise ValueError("public file length")
    model["l_W"] = l_w
    model["w_rows_at"] = rows_at
    return model


def parse_receipt(rct):
    r = Reader(rct)
    if r.take(8) != b"ZKMLRCT1":
        raise ValueError("receipt magic")
    digest = r.take(32)
    B, n_in, n_out, C = r.u32(), r.u32(), r.u32(), r.u32()
    context_at = r.pos
    context = r.take(C)
    keys = []
    for _ in range(B):
        keys.append((r.pos, r.take(r.u32())))
    inputs_at = r.pos
    inputs = [r.i32() for _ in range(B * n_in)]
    outputs_at = r.pos
    outputs = [r.i32() for _ in range(B * n_out)]
    plen_at = r.pos
    plen = r.u64()
    proof_at = r.pos
    r.take(plen)
    if r.pos != len(rct):
        raise ValueError("receipt length")
    return dict(digest=digest, B=B, n_in=n_in, n_out=n_out, context=context,
                context_at=context_at, keys=keys, inputs_at=inputs_at, inputs=inputs,
                outputs_at=outputs_at, outputs=outputs, plen_at=plen_at, plen=plen,
                proof_at=proof_at)



def parse_committed(rct):
    """docs/protocol.md 12.9.1: the ZKMLRCC1 receipt."""
    r = Reader(rct)
    if r.take(8) != b"ZKMLRCC1":
        raise ValueError("committed receipt magic")
    digest = r.take(32)
    B, n_in, n_out, C = r.u32(), r.u32(), r.u32(), r.u32()
    context_at = r.pos
    context = r.take(C)
    keys = []
    for _ in range(B):
        keys.append((r.pos, r.take(r.u32())))
    nonce_at = r.pos
    r.take(32)
    rows_at = r.pos
    rows = [r.take(64) for _ in range(B)]
    outputs_at = r.pos
    outputs = [r.i32() for _ in range(B * n_out)]
    plen_at = r.pos
    plen = r.u64()
    proof_at = r.pos
    r.take(plen)
    if r.pos != len(rct):
        raise ValueError("receipt length")
    return dict(digest=digest, B=B, n_in=n_in, n_out=n_out, context=context,
                context_at=context_at, keys=keys, nonce_at=nonce_at, rows_at=rows_at,
                rows=rows, outputs_at=outputs_at, outputs=outputs, plen_at=plen_at,
                plen=plen, proof_at=proof_at, committed=True)


def parse_any_receipt(rct):
    return parse_committed(rct) if rct[:8] == b"ZKMLRCC1" else parse_receipt(rct)


def parse_group(rct):
    """docs/protocol.md 12.10.1: the ZKMLRCTM container; its parts as (offset, bytes)."""
    r = Reader(rct)
    if r.take(8) != b"ZKMLRCTM":
        raise ValueError("container magic")
    k, total = r.u32(), r.u64()
    parts = []
    for _ in range(k):
        n = r.u64()
        parts.append((r.pos, r.take(n)))
    if r.pos != len(rct) or sum(parse_any_receipt(p)["B"] for _, p in parts) != total:
        raise ValueError("container length or rows")
    return dict(k=k, total=total, parts=parts)


def make_group(parts, k=None, total=None):
    """A ZKMLRCTM container of these part receipts (docs/protocol.md 12.10.1)."""
    if total is None:
        total = sum(parse_any_receipt(p)["B"] for p in parts)
    out = b"ZKMLRCTM" + struct.pack("<IQ", len(parts) if k is None else k, total)
    for p in parts:
        out += struct.pack("<Q", len(p)) + p
    return out


def parse_opening(opn, n_in):
    """docs/protocol.md 12.11.1: the ZKMLOPN1 opening; its rows as (offset, b)."""
    r = Reader(opn)
    if r.take(8) != b"ZKMLOPN1":
        raise ValueError("opening magic")
    digest = r.take(32)
    if r.u32() != n_in:
        raise ValueError("opening n_1")
    K = r.u32()
    rows = []
    for _ in range(K):
        at = r.pos
        b = r.u32()
        feats = [r.i32() for _ in range(n_in)]
        blind = int.from_bytes(r.take(32), "little")
        rows.append(dict(at=at, b=b, features=feats, blind=blind))
    if r.pos != len(opn):
        raise ValueError("opening length")
    return dict(digest=digest, rows=rows)

# ---- the proof's parts (docs/protocol.md 7.13) ----

def limb_widths(bits, width):
    widths, done = [], 0
    while done < bits:
        widths.append(min(width, bits - done))
        done += widths[-1]
    return widths


def gkr_layer_parts(depth):
    """docs/protocol.md 7.18.7 (16.8): the fractional-sum tree's layers 0..d-1."""
    parts = []
    for j in range(depth):
        if j >= 1:
            parts += [("GKR/layer%d/T" % j, "scalar", 1),
                      ("GKR/layer%d/rounds" % j, "scalar", 3 * j)]
        parts += [("GKR/layer%d/finals" % j, "point", 6)]
        for i in (1, 2):
            parts += [("GKR/layer%d/product%d/ABD" % (j, i), "point", 3),
                      ("GKR/layer%d/product%d/z" % (j, i), "scalar", 5)]
    return parts


def proof_parts_v2(model, B, committed=False):
    """docs/protocol.md 6.5, 7.17 and docs/protocol.md 7.18.7: the parts of a version 2
    proof (lookups by the fractional-sum tree, no P2); committed: those of a committed-
    input proof (docs/protocol.md 7.20.1, 7.20.3, 7.20.4, 7.20.6 applied to that schedule:
    the input limbs, their lookups into WR and WR first in every list, layer 1's product,
    the e_k, and the opening of X after that of W)."""
    layers = model["layers"]
    L = len(layers)
    beta = log2_ceil(B)
    nu = [log2_ceil(ly["n"]) for ly in layers]
    mu = [log2_ceil(ly["m"]) for ly in layers]
    rem = [limb_widths(ly["s"], ly["w"]) for ly in layers]
    u = [limb_widths(ly["Q"] - 1, ly["wu"]) if ly["kind"] != 3 else [] for ly in layers]
    d = [limb_widths(ly["Q"], ly["wu"]) if ly["kind"] == 2 else [] for ly in layers]
    widths = {w for ws in rem + u + d for w in ws}
    if any(ly["kind"] != 3 for ly in layers):
        widths.add(1)
    tables = sorted(widths)
    acts = []
    for ly in layers:
        if ly["kind"] == 3 and (ly["Q"], tuple(ly["act"])) not in acts:
            acts.append((ly["Q"], tuple(ly["act"])))
    tables += [a[0] for a in acts]
    p1, lookups, pre, pw = [], [], 0, []
    kx, nu1 = 0, nu[0]
    if committed:
        kx = (max(model["xbits"]) + 7) // 8
        tables = [9] + tables                   # WR, 512 rows, first
        p1 += [beta + nu1] * kx                 # the input limbs v^in_k
        lookups += [(beta + nu1, False)] * kx   # one lookup into WR each
    for l, ly in enumerate(layers):
        size, k, last = beta + mu[l], ly["kind"], l == L - 1
        q_public = last and k == 0
        cols = (0 if q_public else 1) + len(rem[l])
        look = [(size, False)] * len(rem[l])
        if k != 3:
            cols += len(u[l]) + 1
            look += [(size, False)] * (len(u[l]) + 1)
        if k == 2:
            cols += 2 * (len(d[l]) + 1) + 1
            look += [(size, False)] * (2 * (len(d[l]) + 1))
        if not last and k != 0:
            cols += 1
        if k == 3:
            look.append((size, not last))
        p1 += [size] * cols
        lookups += look
        pre += (0 if q_public else 1) + len(rem[l]) + (len(u[l]) + 1 if k != 3 else 0) \
            + (2 * (len(d[l]) + 1) if k == 2 else 0) + 1
        # zero-checks: (log size, out committed)
        if k == 1:
            pw.append(not last)
        if k == 2:
            pw += [True, not last]
    p1 += tables
    l_p = place(p1)                         # no P2 (docs/protocol.md 7.18.0)
    l_w = place([nu[l] + mu[l] for l in range(L)] + mu)
    if l_w != model["l_W"]:
        raise ValueError("l_W of the public file is not the one its shapes give")
    n1 = max(max(nu), max(beta + m for m in mu))
    if committed:
        n1 = max(n1, beta + nu1)
    n2 = max(l_p, l_w)
    # the tree (docs/protocol.md 6.6.2, 7.18.0): blocks of the lookups, then the tables
    n_leaf = sum(1 << size for size, _ in lookups) + sum(1 << w for w in tables)
    depth = log2_ceil(n_leaf)
    n_lc = sum(2 if out else 1 for _, out in lookups) + len(tables)
    mask_log = log2_ceil(4 * n1 + 3 * n2 + 2 * depth * (depth - 1))
    lc_p, lr_p = hyrax_split(l_p, 1)
    lc_w, _ = hyrax_split(l_w)
    finals = L + 2 * (L - 1) + sum(3 + (1 if out else 0) for out in pw)
    if committed:
        finals += 2 + kx                        # x_1, p_1, then the e_k
    parts = [("header", "header", 16),
             ("P1/rows", "point", 1 << lr_p),
             ("mask/C", "point", 1)]
    parts += gkr_layer_parts(depth)
    parts += [("GKR/leaves", "point", n_lc),
              ("S1/pre-claims", "point", pre),
              ("S1/T", "scalar", 1),
              ("S1/rounds", "scalar", 3 * n1),
              ("S1/finals", "point", finals)]
    for l in range(0 if committed else 1, L):
        parts += [("S1/product-mm%d/ABD" % (l + 1), "point", 3),
                  ("S1/product-mm%d/z" % (l + 1), "scalar", 5)]
    for k in range(len(pw)):
        parts += [("S1/product-pw%d/ABD" % (k + 1), "point", 3),
                  ("S1/product-pw%d/z" % (k + 1), "scalar", 5)]
    parts += [("S2/T", "scalar", 1),
              ("S2/rounds", "scalar", 2 * n2),
              ("S2/finals", "point", 2)]
    opens = (("open-P", lc_p), ("open-W", lc_w)) + ((("open-X", nu1),) if committed else ()) \
        + (("lin", mask_log),)
    for name, k in opens:
        parts += [(name + "/LR", "point", 2 * k),
                  (name + "/delta-beta", "point", 2),
                  (name + "/z", "scalar", 2)]
    sizes = dict(beta=beta, n1=n1, n2=n2, l_P=l_p, l_W=l_w, mask_log=mask_log,
                 lookups=len(lookups), tables=len(tables), d=depth, N_LC=n_lc, K_x=kx)
    return parts, sizes


def proof_parts(model, B, committed=False):
    """[(name, kind, count)] in proof order; kind is "point", "scalar" or "header"."""
    if model.get("kind") == "trees":
        return proof_parts_trees(model, B, committed)
    if model.get("version") == 2:
        return proof_parts_v2(model, B, committed)
    layers = model["layers"]
    L = len(layers)
    beta = log2_ceil(B)
    nu = [log2_ceil(ly["n"]) for ly in layers]
    mu = [log2_ceil(ly["m"]) for ly in layers]
    limbs = []
    for ly in layers:
        widths, done = [], 0
        while done < ly["s"]:
            widths.append(min(ly["w"], ly["s"] - done))
            done += widths[-1]
        limbs.append(widths)
    # tables: RANGE_w per distinct limb width ascending, then ACT deduplicated by content
    tables = [w for w in sorted({w for ws in limbs for w in ws})]
    acts = []
    for ly in layers:
        key = (ly["Q"], tuple(ly["act"]))
        if key not in acts:
            acts.append(key)
    tables += [a[0] for a in acts]
    p1 = []
    lookups = []            # (log size, has a committed output column)
    for l in range(L):
        p1 += [beta + mu[l]] * (1 + len(limbs[l]) + (1 if l < L - 1 else 0))
        lookups += [(beta + mu[l], False)] * len(limbs[l])
        lookups.append((beta + mu[l], l < L - 1))
    p1 += tables
    p2 = [lk[0] for lk in lookups] + tables
    l_p = max(place(p1), place(p2))
    l_w = place([nu[l] + mu[l] for l in range(L)] + mu)
    if l_w != model["l_W"]:
        raise ValueError("l_W of the public file is not the one its shapes give")
    n1 = max(max(nu), max(beta + m for m in mu), max(tables))
    n2 = max(l_p, l_w)
    mask_log = log2_ceil(4 * n1 + 3 * n2)
    lc_p, lr_p = hyrax_split(l_p)
    lc_w, _ = hyrax_split(l_w)
    pre = sum(len(ws) + 2 for ws in limbs)
    finals = L + 2 * (L - 1) + sum(3 + (1 if out else 0) for _, out in lookups) \
        + 2 * len(tables)
    parts = [("header", "header", 16),
             ("P1/rows", "point", 1 << lr_p),
             ("mask/C", "point", 1),
             ("P2/rows", "point", 1 << lr_p),
             ("S1/pre-claims", "point", pre),
             ("S1/T", "scalar", 1),
             ("S1/rounds", "scalar", 3 * n1),
             ("S1/finals", "point", finals)]
    for l in range(1, L):
        parts += [("S1/product-mm%d/ABD" % (l + 1), "point", 3),
                  ("S1/product-mm%d/z" % (l + 1), "scalar", 5)]
    for k in range(len(lookups)):
        parts += [("S1/product-lk%d/ABD" % (k + 1), "point", 3),
                  ("S1/product-lk%d/z" % (k + 1), "scalar", 5)]
    parts += [("S2/T", "scalar", 1),
              ("S2/rounds", "scalar", 2 * n2),
              ("S2/finals", "point", 3)]
    for name, k in (("open-P", lc_p), ("open-W", lc_w), ("lin", mask_log)):
        parts += [(name + "/LR", "point", 2 * k),
                  (name + "/delta-beta", "point", 2),
                  (name + "/z", "scalar", 2)]
    sizes = dict(beta=beta, n1=n1, n2=n2, l_P=l_p, l_W=l_w, mask_log=mask_log,
                 lookups=len(lookups), tables=len(tables))
    return parts, sizes


def part_offsets(parts):
    out, pos = [], 0
    for name, kind, count in parts:
        size = count if kind == "header" else 32 * count
        out.append((name, kind, count, pos))
        pos += size
    return out, pos


# ---- encodings (docs/protocol.md 1.2) ----

def scalar_bytes(v):
    return v.to_bytes(32, "little")


def point_decodes(b):
    """1 if the 32 bytes are a valid, non-identity point encoding."""
    if b[31] & 0x40:
        return 0
    x = int.from_bytes(b[:31] + bytes([b[31] & 0x3F]), "little")
    if x >= P:
        return 0
    w = (x * x * x - 17) % P
    return 1 if w == 0 or pow(w, (P - 1) // 2, P) == 1 else 0


def non_point_x():
    """The smallest x whose x^3 - 17 is not a square mod p (no point has it)."""
    x = 0
    while point_decodes(x.to_bytes(32, "little")):
        x += 1
    return x


# ---- running zkml ----

def run(zkml, *args):
    subprocess.run([zkml] + list(args), check=True, stdout=subprocess.DEVNULL)


def write_rows(path, header, rows):
    with open(path, "w") as f:
        f.write(",".join(header) + "\n")
        for row in rows:
            f.write(",".join(str(v) for v in row) + "\n")


def read_rows(path):
    with open(path) as f:
        lines = [l.strip() for l in f if l.strip()]
    return lines[0].split(","), [[int(v) for v in l.split(",")] for l in lines[1:]]


# ---- the manifest ----

class Manifest:
    def __init__(self, out):
        self.out = out
        self.lines = []

    def add(self, rel, pub, verdict, reason, what, data=None):
        if data is not None:
            with open(os.path.join(self.out, rel), "wb") as f:
                f.write(data)
        self.lines.append((rel, pub, verdict, reason, what))

    def write(self):
        # the column of receipts is as wide as the widest receipt without an opening
        # (RECEIPT+OPENING lines run over it)
        w = max(len(l[0]) for l in self.lines if "+" not in l[0])
        wp = max(len(l[1]) for l in self.lines)
        with open(os.path.join(self.out, "MANIFEST"), "w") as f:
            f.write(MANIFEST_HEAD)
            for rel, pub, verdict, reason, what in self.lines:
                f.write("%-*s  %-*s  %-6s  %-16s  %s\n"
                        % (w, rel, wp, pub, verdict, reason, what))


MANIFEST_HEAD = """\
# Conformance vectors of zkml's proof format (docs/protocol.md 13): protocol version 1
# (lr20, mlp20, v0.1.0) and 2 (lr20v2, mlp20v2, and every layer kind mixv2a-c: 6.4,
# 7.17; tree ensembles trees, trees-id: 16; committed inputs and openings lr20v2c,
# mlp20v2c, mixv2ac: 7.19-7.20, 12.9, 12.11, treesc: 16.10; receipts of
# several proofs groups, groups-trees: 12.10; openings of a container of committed parts groupsc:
# 12.10.1, 12.11).
# Written by tools/make_vectors.py; checked by tests/vectors/check.
#
# One vector a line, five fields separated by spaces (the last runs to the end of
# the line); paths are relative to this directory:
#
#   RECEIPT[+OPENING]  PUBLIC  VERDICT  CLASS  DESCRIPTION
#
# RECEIPT+OPENING (two paths joined by "+"): check the receipt against the public file,
#          then, if it is valid, the opening against both (docs/protocol.md 12.11.2).
# VERDICT  accept: the receipt is valid for the public file (and the opening checks);
#          reject: it is not (the verifier must say so, never crash or accept);
#          unusable: the public file does not decode, no verdict on the receipt.
# CLASS    why, for reject and unusable (docs/protocol.md 13.2); "-" for accept:
#          receipt-format  the receipt file does not decode (12.3)
#          model-mismatch  it names the digest of another public file
#          shape-mismatch  its n_1 or m_L is not the model's
#          statement-domain  an input beyond its feature's width, or an output
#                          beyond the output layer's range (12.3 step 4)
#          proof-encoding  the proof bytes are not a proof of the expected length
#                          with canonical elements (1.2, 7.13)
#          proof-check     a well-formed proof fails a check of 7 (the statement,
#                          any commitment or message altered)
#          public-file     the public file does not decode (12.2)
#          opening-format  the receipt is valid; the opening does not decode or does
#                          not fit it (docs/protocol.md 12.11.2 step 2)
#          opening-check   an opened row is not what its commitment holds (step 3)
"""


def honest_set(zkml, m, tmp, name, qjson, rows_csv, batches, context):
    """Key, public file and honest receipts of one model; returns their paths."""
    out = os.path.join(m.out, name)
    os.makedirs(out, exist_ok=True)
    key = os.path.join(tmp, name + ".key")
    pub = os.path.join(out, "model.pub")
    run(zkml, "keygen", "--model", qjson, "--out", key, "--force")
    run(zkml, "public", "--key", key, "--out", pub, "--force")
    header, rows = read_rows(rows_csv)
    made = {}
    for label, sel in batches:
        csv = os.path.join(tmp, "%s-%s.csv" % (name, label))
        write_rows(csv, header, sel(rows, len(header)))
        rct = os.path.join(out, label + ".rct")
        run(zkml, "prove", "--key", key, "--input", csv, "--context", context,
            "--out", rct, "--force")
        made[label] = rct
    return pub, made


def damage_receipt(m, name, base_label, pub_path, rct_path, with_shape, statement_only=False):
    """Every kind of damage, each in its own file, derived from one honest receipt
    (statement_only: only the statement's items, for a second batch size)."""
    pub = open(pub_path, "rb").read()
    rct = open(rct_path, "rb").read()
    model = parse_public(pub)
    rc = parse_receipt(rct)
    if hashlib.sha256(pub).digest() != rc["digest"]:
        raise SystemExit("%s: the receipt does not name its public file" % rct_path)
    parts, sizes = proof_parts(model, rc["B"])
    offs, total = part_offsets(parts)
    if total != rc["plen"]:
        raise SystemExit("%s: the proof has %d bytes, the specification's layout %d"
                         % (rct_path, rc["plen"], total))
    pa = rc["proof_at"]
    pubrel = name + "/model.pub"
    prefix = "%s/%s." % (name, base_label)

    def add(tag, reason, what, data):
        m.add(prefix + tag + ".rct", pubrel, "reject", reason, what, bytes(data))

    def patched(at, new):
        d = bytearray(rct)
        d[at:at + len(new)] = new
        return d

    if statement_only:
        damage_statement(rct, rc, add, patched)
        return sizes
    # the receipt file (12.3)
    add("magic", "receipt-format", "receipt magic ZKMLRCT1 changed to ZKMLRCT2",
        patched(7, b"2"))
    add("truncated", "receipt-format", "the last byte of the file removed", rct[:-1])
    add("extended", "receipt-format", "one byte appended after the proof", rct + b"\0")
    add("proof-length", "receipt-format", "the proof length field one more than the bytes",
        patched(rc["plen_at"], struct.pack("<Q", rc["plen"] + 1)))
    add("batch", "receipt-format", "B one less: the fields no longer fill the file",
        patched(40, struct.pack("<I", rc["B"] - 1)))
    add("digest", "model-mismatch", "a byte of the model digest flipped",
        patched(8, bytes([rct[8] ^ 0x01])))
    if with_shape:
        # n_1 - 1 inputs and m_L + 1 outputs a row: the same count of values, so the
        # file still decodes, with shapes other than the model's (one-row receipts)
        assert rc["B"] == 1
        add("shapes", "shape-mismatch",
            "n_1 one less and m_L one more (the same number of values)",
            patched(44, struct.pack("<II", rc["n_in"] - 1, rc["n_out"] + 1)))
    damage_statement(rct, rc, add, patched)
    damage_proof(rct, rc, offs, add, patched)
    return sizes


def damage_statement(rct, rc, add, patched):
    """The statement (7.0) changed: the proof no longer fits it."""
    def i32(v):
        return struct.pack("<i", v)

    o0 = rc["outputs_at"]
    add("score", "proof-check", "the first output (score) one more",
        patched(o0, i32(rc["outputs"][0] + 1)))
    last = o0 + 4 * (rc["B"] * rc["n_out"] - 1)
    add("score-last", "proof-check", "the last row's output one less",
        patched(last, i32(rc["outputs"][-1] - 1)))
    add("input", "proof-check", "the first input feature one more",
        patched(rc["inputs_at"], i32(rc["inputs"][0] + 1)))
    if rc["B"] >= 2:
        n, mo = rc["n_in"], rc["n_out"]
        d = bytearray(rct)
        ia, oa = rc["inputs_at"], rc["outputs_at"]
        d[ia:ia + 4 * n], d[ia + 4 * n:ia + 8 * n] = rct[ia + 4 * n:ia + 8 * n], rct[ia:ia + 4 * n]
        d[oa:oa + 4 * mo], d[oa + 4 * mo:oa + 8 * mo] = rct[oa + 4 * mo:oa + 8 * mo], rct[oa:oa + 4 * mo]
        add("rows-swapped", "proof-check", "rows 1 and 2 swapped (inputs and outputs)", d)
    if len(rc["context"]) > 0:
        c0 = rc["context_at"]
        add("context", "proof-check", "a byte of the context changed",
            patched(c0, bytes([rct[c0] ^ 0x20])))


def damage_proof(rct, rc, offs, add, patched):
    """The proof's bytes: header, length, each part, encodings."""
    pa = rc["proof_at"]
    seen = set()
    version = rct[pa + 8]
    # the proof header (1.2)
    add("proof-magic", "proof-encoding", "proof header ZKMLPG01 changed to ZKMLPG02",
        patched(pa + 7, b"2"))
    add("proof-version", "proof-encoding", "proof version byte %d changed to %d"
        % (version, 3 - version), patched(pa + 8, bytes([3 - version])))
    add("proof-reserved", "proof-encoding", "a reserved header byte set to 1",
        patched(pa + 15, b"\x01"))
    # the proof's length (7.13): the receipt's length field follows, so only the
    # proof is wrong
    short = bytearray(rct[:-32])
    short[rc["plen_at"]:rc["plen_at"] + 8] = struct.pack("<Q", rc["plen"] - 32)
    add("proof-short", "proof-encoding", "the proof's last 32 bytes removed", short)
    long_ = bytearray(rct + bytes(32))
    long_[rc["plen_at"]:rc["plen_at"] + 8] = struct.pack("<Q", rc["plen"] + 32)
    add("proof-long", "proof-encoding", "32 zero bytes appended to the proof", long_)
    # each part of the proof: a valid element changed (proof-check)
    first_point = first_scalar = None
    for pname, kind, count, off in offs:
        at = pa + off
        # one product proof of each kind (the others are laid out alike)
        group = re.sub(r"(mm|lk|pw|layer)\d+", r"\1", pname)
        if group != pname and group in seen:
            continue
        seen.add(group)
        tag = "part-" + pname.replace("/", "-")
        if kind == "point":
            first_point = first_point or at
            # the parity bit flipped: the negated point, always a valid encoding
            d = patched(at + 31, bytes([rct[at + 31] ^ 0x80]))
            add(tag, "proof-check",
                "proof part %s (%d points at proof byte %d): its first point negated"
                % (pname, count, off), d)
        elif kind == "scalar":
            first_scalar = first_scalar or at
            v = int.from_bytes(rct[at:at + 32], "little")
            d = patched(at, scalar_bytes((v + 1) % Q))
            add(tag, "proof-check",
                "proof part %s (%d scalars at proof byte %d): its first scalar plus one"
                % (pname, count, off), d)
    # encodings a decoder must refuse (1.2), in the first point and the first scalar
    at = first_point
    bad_x = non_point_x()
    add("point-not-on-curve", "proof-encoding",
        "first point of P1/rows: x = %d, x^3 - 17 not a square" % bad_x,
        patched(at, bad_x.to_bytes(32, "little")))
    add("point-x-range", "proof-encoding", "first point of P1/rows: x = p",
        patched(at, P.to_bytes(32, "little")))
    add("point-identity", "proof-encoding", "first point of P1/rows: the identity",
        patched(at, bytes(31) + b"\x40"))
    add("point-bad-infinity", "proof-encoding",
        "first point of P1/rows: infinity flag with a nonzero x byte",
        patched(at, b"\x01" + bytes(30) + b"\x40"))
    add("point-both-flags", "proof-encoding",
        "first point of P1/rows: identity encoding with the parity bit also set",
        patched(at, bytes(31) + b"\xc0"))
    at = first_scalar
    add("scalar-q", "proof-encoding", "first scalar of S1/T set to q",
        patched(at, scalar_bytes(Q)))
    add("scalar-max", "proof-encoding", "first scalar of S1/T set to 2^256 - 1",
        patched(at, b"\xff" * 32))


# ---- tree ensembles (docs/protocol.md 12.7, 15, 16) ----

MISSING = -2 ** 31


def parse_descriptor_trees(d):
    """docs/protocol.md 12.7: the ZKMLTE01 descriptor."""
    r = Reader(d)
    r.take(8)
    T, D, n, F, transform = (r.u32() for _ in range(5))
    # openings (12.11) of a committed tree receipt carry every feature at width 32 (16.10.1)
    model = dict(kind="trees", T=T, D=D, n=n, F=F, transform=transform, xbits=[32] * n)
    if transform == 1:
        model["s"], model["Q"], model["G"] = r.u32(), r.u32(), r.u32()
        model["table"] = [r.i32() for _ in range(1 << model["Q"])]
    elif transform != 0:
        raise ValueError("tree transform")
    model["output_kind"] = r.u32()
    for _ in range(n):
        r.take(r.u32())
    if r.pos != len(d):
        raise ValueError("descriptor length")
    return model


def proof_parts_trees(model, B, committed=False):
    """docs/protocol.md 16.1 and 16.8 (16.10.3, 16.10.5 with committed inputs): the parts of
    a tree proof, in proof order; its lookups by the fractional-sum tree, limbs of 11 bits."""
    D, table = model["D"], model["transform"] == 1
    beta, tau, lnf = log2_ceil(B), log2_ceil(model["T"]), log2_ceil(model["n"])
    g, l_n = beta + tau, tau + D + 2
    K = (model["s"] + 10) // 11 if table else 0
    lastw = model["s"] - 11 * (K - 1) if table else 11
    # tables: NODE, LEAF, ROW, RANGE_11, [RANGE_w], [OUTT]
    tables = [tau + D, tau + D, beta + lnf, 11]
    if table:
        tables += ([lastw] if lastw < 11 else []) + [model["Q"]]
    # committed (16.10.3): M, I0, I1, I2 over the row domain before the multiplicities;
    # the lookups IN0, IN1, IN2 after every other lookup
    rowcols = [beta + lnf] * 4 if committed else []
    p1 = [g] * (10 * D + 1) + ([beta] * (2 + K) if table else []) + rowcols + tables
    lookups = [g] * (5 * D + 1) + ([beta] * (1 + K) if table else [])
    lookups += [beta + lnf] * 3 if committed else []
    l1 = place(p1)
    if l_n != model["l_W"]:
        raise ValueError("l_N of the public file is not the one its shapes give")
    n1 = max(1, g, beta + lnf if committed else 0)
    n2 = max(l1, l_n)
    # the tree (6.6.2, 16.1): one block per lookup, then one per table
    depth = log2_ceil(sum(1 << k for k in lookups + tables))
    n_lc = 9 * D + 1 + (K + 1 if table else 0) + (5 if committed else 0) + 4 + len(tables)
    mask_log = log2_ceil(4 * n1 + 3 * n2 + 2 * depth * (depth - 1))
    lc1, lr1 = hyrax_split(l1)
    lcn, _ = hyrax_split(l_n)
    parts = [("header", "header", 16),
             ("P1/rows", "point", 1 << lr1),
             ("mask/C", "point", 1)]
    parts += gkr_layer_parts(depth)
    parts.append(("GKR/leaves", "point", n_lc))
    if table:
        parts.append(("S1/pre-claims", "point", 2 + K))
    names = []
    for s in range(D):
        names += ["bit%d" % (s + 1), "missing%d" % (s + 1), "compare%d" % (s + 1)]
    names += ["in-MM", "in-Mu"] if committed else []
    parts += [("S1/T", "scalar", 1),
              ("S1/rounds", "scalar", 3 * n1),
              ("S1/finals", "point", 9 * D + 1 + (4 if committed else 0)),
              ("S1/products", "point", len(names))]
    for nm in names:
        parts += [("S1/product-%s/ABD" % nm, "point", 3),
                  ("S1/product-%s/z" % nm, "scalar", 5)]
    parts += [("S2/T", "scalar", 1),
              ("S2/rounds", "scalar", 2 * n2),
              ("S2/finals", "point", 2)]
    for name, k in (("open-P1", lc1), ("open-N", lcn)) + \
            ((("open-X", lnf),) if committed else ()) + (("lin", mask_log),):
        parts += [(name + "/LR", "point", 2 * k),
                  (name + "/delta-beta", "point", 2),
                  (name + "/z", "scalar", 2)]
    sizes = dict(beta=beta, n1=n1, n2=n2, l_P1=l1, l_N=l_n, mask_log=mask_log,
                 lookups=len(lookups), tables=len(tables), d=depth, N_LC=n_lc)
    return parts, sizes


def tree_node(feature, threshold, default_left, left, right):
    return dict(feature=feature, threshold=threshold, default_left=default_left,
                left=left, right=right, value=0)


def tree_leaf(value):
    return dict(feature=0, threshold=0, default_left=False, left=-1, right=-1, value=value)


def tree_arrays(nodes):
    """A tree of the zkml-trees-v1 document (docs/protocol.md 15.2) from its nodes."""
    return {k: [nd[k] for nd in nodes]
            for k in ("left", "right", "feature", "threshold", "default_left", "value")}


# Two small ensembles over three features.  "trees": three trees of depth up to 3 (one
# leaf at depth 1, so pass-through subtrees), default directions both ways, a sigmoid
# output (the table transform, with its pre-claims, limbs and output lookup; margins
# below 0.1 keep its table, hence the public file, small); "trees-id":
# two trees of depth 2, the identity transform (the margin is the output).
TREE_DOCS = {
    "trees": {
        "format": "zkml-trees-v1", "features": ["income", "debt", "age"],
        "decision": "lt", "rounding": "binary32", "base": -0.25 / 16,
        "transform": "sigmoid", "depth": 3,
        "trees": [tree_arrays([tree_node(0, 1.5, True, 1, 2),
                               tree_node(1, -2.25, False, 3, 4),
                               tree_leaf(0.4 / 16),
                               tree_node(2, 30.0, True, 5, 6),
                               tree_leaf(0.1 / 16),
                               tree_leaf(-0.3 / 16), tree_leaf(-0.05 / 16)]),
                  tree_arrays([tree_node(2, 10.0, False, 1, 2),
                               tree_leaf(-0.5 / 16), tree_leaf(0.25 / 16)]),
                  tree_arrays([tree_node(1, 0.5, True, 1, 2),
                               tree_leaf(0.05 / 16),
                               tree_node(2, 3.0, True, 3, 4),
                               tree_leaf(-0.15 / 16), tree_leaf(0.35 / 16)])]},
    "trees-id": {
        "format": "zkml-trees-v1", "features": ["income", "debt", "age"],
        "decision": "le", "rounding": "binary32", "base": 0.5,
        "transform": "identity",
        "trees": [tree_arrays([tree_node(0, 2.0, False, 1, 2),
                               tree_node(2, 40.0, True, 3, 4),
                               tree_leaf(1.25), tree_leaf(-0.75), tree_leaf(0.5)]),
                  tree_arrays([tree_node(1, -1.0, True, 1, 2),
                               tree_leaf(-2.0), tree_leaf(0.125)])]},
}

# Feature rows (an empty field is a missing value, docs/protocol.md 15.2.2)
TREE_ROWS = ["2,-3,", ",1,4", "0.5,,12", "1.5,-2.25,30"]


def tree_key_of(x):
    """docs/protocol.md 15.3.1: the binary32 order key of a double."""
    u = struct.unpack("<I", struct.pack("<f", x))[0]
    return u if u < 2 ** 31 else -(u - 2 ** 31)


def tree_set(zkml, m, tmp, name):
    """Key, public file, honest and damaged receipts and public files of one ensemble."""
    out = os.path.join(m.out, name)
    os.makedirs(out, exist_ok=True)
    doc = os.path.join(tmp, name + ".json")
    with open(doc, "w") as f:
        json.dump(TREE_DOCS[name], f)
    key = os.path.join(tmp, name + ".key")
    pub = os.path.join(out, "model.pub")
    pubrel = name + "/model.pub"
    run(zkml, "keygen", "--model", doc, "--out", key, "--force")
    run(zkml, "public", "--key", key, "--out", pub, "--force")
    header = TREE_DOCS[name]["features"]
    made = {}
    for label, rows, flag in (("b1", TREE_ROWS[:1], "--features"),
                              ("b3", TREE_ROWS[:3], "--features"),
                              ("b4", TREE_ROWS, "--features"),
                              ("edge", ["2147483647,-2147483647,%d" % MISSING,
                                        "%d,0,2139095040" % MISSING,
                                        "%d,%d,%d" % (MISSING, MISSING, MISSING)],
                               "--input")):
        csv = os.path.join(tmp, "%s-%s.csv" % (name, label))
        with open(csv, "w") as f:
            f.write(",".join(header) + "\n" + "\n".join(rows) + "\n")
        rct = os.path.join(out, label + ".rct")
        run(zkml, "prove", "--key", key, flag, csv, "--context", "conformance vectors",
            "--out", rct, "--force")
        made[label] = rct
    descr = {"b1": "one row, a missing value",
             "b3": "three rows (batch padded to 4), a missing value in each",
             "b4": "four rows (no batch padding), values equal to thresholds",
             "edge": "three rows of extreme keys (2^31 - 1, -(2^31 - 1), +infinity) and "
                     "the missing code, one row all missing"}
    for label in ("b1", "b3", "b4", "edge"):
        m.add("%s/%s.rct" % (name, label), pubrel, "accept", "-",
              "honest receipt, %s" % descr[label])
    # the inputs of b3 are the keys of its rows (a check of 15.3.1 against the prover)
    rc3 = parse_receipt(open(made["b3"], "rb").read())
    keys = [MISSING if v == "" else tree_key_of(float(v))
            for row in TREE_ROWS[:3] for v in row.split(",")]
    if rc3["inputs"] != keys:
        raise SystemExit("%s: the receipt's inputs are not the order keys of its rows" % name)

    damage_tree_receipt(m, name, "b1", pub, made["b1"])
    damage_tree_receipt(m, name, "b3", pub, made["b3"], statement_only=True)
    # damage_proof describes the dense header; a tree proof has its own magic
    m.lines = [(rel, p, v, c, what.replace("ZKMLPG01 changed to ZKMLPG02",
                                           "ZKMLPT01 changed to ZKMLPT02")
                if rel.startswith(name + "/") else what)
               for rel, p, v, c, what in m.lines]
    damage_tree_public(m, name, pub)
    return pub


def damage_tree_receipt(m, name, base_label, pub_path, rct_path, statement_only=False):
    """damage_receipt's kinds of damage for a tree receipt, and the tree's own: the
    missing code in the inputs, a row key, the tree proof header's mode byte and a
    dense proof header."""
    pub = open(pub_path, "rb").read()
    rct = open(rct_path, "rb").read()
    model = parse_public(pub)
    rc = parse_receipt(rct)
    if hashlib.sha256(pub).digest() != rc["digest"]:
        raise SystemExit("%s: the receipt does not name its public file" % rct_path)
    parts, sizes = proof_parts_trees(model, rc["B"])
    offs, total = part_offsets(parts)
    if total != rc["plen"]:
        raise SystemExit("%s: the proof has %d bytes, the specification's layout %d"
                         % (rct_path, rc["plen"], total))
    prefix = "%s/%s." % (name, base_label)
    pubrel = name + "/model.pub"

    def add(tag, reason, what, data):
        m.add(prefix + tag + ".rct", pubrel, "reject", reason, what, bytes(data))

    def patched(at, new):
        d = bytearray(rct)
        d[at:at + len(new)] = new
        return d

    def i32(v):
        return struct.pack("<i", v)

    inputs = rc["inputs"]
    gone = [j for j, v in enumerate(inputs) if v == MISSING]
    here = [j for j, v in enumerate(inputs) if v != MISSING]
    if gone:
        j = gone[0]
        add("input-unmissing", "proof-check",
            "input %d (row %d, feature %d) the missing code changed to key 0"
            % (j, j // rc["n_in"] + 1, j % rc["n_in"] + 1),
            patched(rc["inputs_at"] + 4 * j, i32(0)))
    j = here[-1]
    add("input-missing", "proof-check",
        "input %d (row %d, feature %d) key %d changed to the missing code"
        % (j, j // rc["n_in"] + 1, j % rc["n_in"] + 1, inputs[j]),
        patched(rc["inputs_at"] + 4 * j, i32(MISSING)))
    # a row key given to row 1 (empty in these receipts): the statement context changes
    at, k0 = rc["keys"][0]
    assert k0 == b""
    add("row-key", "proof-check", "row 1 given the one-byte key \"1\" (the file still "
        "decodes; the statement context is not the one proven)",
        rct[:at] + struct.pack("<I", 1) + b"1" + rct[at + 4:])
    if statement_only:
        damage_statement(rct, rc, add, patched)
        return sizes
    pa = rc["proof_at"]
    add("proof-mode", "proof-encoding", "the proof header's input mode byte 0 changed to 1 "
        "(committed inputs: no such tree proof)", patched(pa + 9, b"\x01"))
    add("proof-dense-magic", "proof-encoding", "proof header ZKMLPT01 changed to the dense "
        "proof's ZKMLPG01", patched(pa + 6, b"G"))
    damage_receipt(m, name, base_label, pub_path, rct_path, True)
    return sizes


def damage_tree_public(m, name, pub_path):
    """Public files of a tree model that must not decode, and one of another digest."""
    data = open(pub_path, "rb").read()
    model = parse_public(data)
    d0 = 16                                         # the descriptor, after magic and D

    def write(tag, reason, verdict, what, blob):
        rel = "%s/%s.pub" % (name, tag)
        with open(os.path.join(m.out, rel), "wb") as f:
            f.write(bytes(blob))
        m.add("%s/b3.rct" % name, rel, verdict, reason, "b3.rct against " + what)

    def patched(at, new):
        d = bytearray(data)
        d[at:at + len(new)] = new
        return d

    write("bad-magic", "public-file", "unusable", "its public file with the magic changed",
          patched(7, bytes([data[7] ^ 0x01])))
    write("truncated", "public-file", "unusable", "its public file without its last byte",
          data[:-1])
    write("bad-kind", "public-file", "unusable", "its public file with the descriptor magic "
          "ZKMLTE01 changed to ZKMLTE02 (no such kind)", patched(d0 + 7, b"2"))
    write("bad-depth", "public-file", "unusable", "its public file with the depth D = 21 "
          "(above 20)", patched(d0 + 12, struct.pack("<I", 21)))
    write("bad-transform", "public-file", "unusable", "its public file with the transform 2 "
          "(neither identity nor table)", patched(d0 + 24, struct.pack("<I", 2)))
    write("bad-trees", "public-file", "unusable", "its public file with T = 0 trees",
          patched(d0 + 8, struct.pack("<I", 0)))
    at = model["w_rows_at"]
    write("other-rows", "model-mismatch", "reject", "a public file with its first N row "
          "negated (another digest)", patched(at + 31, bytes([data[at + 31] ^ 0x80])))



# ---- committed inputs and openings (docs/protocol.md 12.9, 7.20.6, 12.11) ----

def prove(zkml, key, csv, out, *extra):
    run(zkml, "prove", "--key", key, "--input", csv, "--out", out, "--force", *extra)


def committed_set(zkml, m, tmp, name, base, rows_csv=None, document=None):
    """Committed receipts (ZKMLRCC1) of the model `base` with their damage, and openings
    (ZKMLOPN1) with theirs: a version 2 network (FIXTURES/base.q.json, rows from rows_csv,
    default its version 1 twin's), or the document given (a tree ensemble; rows_csv its
    integer keys)."""
    out = os.path.join(m.out, name)
    os.makedirs(out, exist_ok=True)
    key = os.path.join(tmp, name + ".key")
    pub = os.path.join(out, "model.pub")
    pubrel = name + "/model.pub"
    run(zkml, "keygen", "--model", document or os.path.join(FIXTURES, base + ".q.json"),
        "--out", key, "--force")
    run(zkml, "public", "--key", key, "--out", pub, "--force")
    header, rows = read_rows(rows_csv or os.path.join(FIXTURES, base.replace("v2", "") +
                                                      ".rows.csv"))
    csv = {}
    for label, sel in (("c1", rows[:1]), ("c3", rows[:3]), ("c3-nc", rows[:3]),
                       ("p3", rows[:3])):
        csv[label] = os.path.join(tmp, "%s-%s.csv" % (name, label))
        write_rows(csv[label], header, sel)
    made = {}
    for label, extra, what in (
            ("c1", ("--inputs", "committed", "--context", "conformance vectors"),
             "honest committed receipt, one row, a context"),
            ("c3", ("--inputs", "committed", "--context", "conformance vectors"),
             "honest committed receipt, three rows (batch padded to 4), a context"),
            ("c3-nc", ("--inputs", "committed"),
             "honest committed receipt, the same three rows, no context (another nonce)"),
            ("p3", ("--context", "conformance vectors"),
             "honest public-input receipt of the same three rows (for the mode damage)")):
        made[label] = os.path.join(out, label + ".rct")
        prove(zkml, key, csv[label], made[label], *extra)
        m.add("%s/%s.rct" % (name, label), pubrel, "accept", "-", what)
    data = open(pub, "rb").read()
    model = parse_public(data)
    for label in ("c1", "c3"):
        damage_committed(m, name, label, data, model, open(made[label], "rb").read(),
                         statement_only=label == "c3")
    c3 = open(made["c3"], "rb").read()
    p3 = open(made["p3"], "rb").read()
    rp3 = parse_receipt(p3)

    def add(rel, reason, what, blob, public=pubrel):
        m.add("%s/%s.rct" % (name, rel), public, "reject", reason, what, bytes(blob))

    # the mode (docs/protocol.md 7.19.1): magic, header byte 9, descriptor
    add("p3.magic-committed", "receipt-format", "p3.rct (public inputs) with the magic "
        "ZKMLRCT1 changed to ZKMLRCC1: the fields do not fill the file", b"ZKMLRCC1" + p3[8:])
    add("c3.magic-public", "receipt-format", "c3.rct with the magic ZKMLRCC1 changed to "
        "ZKMLRCT1: the fields do not fill the file", b"ZKMLRCT1" + c3[8:])
    d = bytearray(p3)
    d[rp3["proof_at"] + 9] = 1
    add("p3.proof-mode", "proof-encoding", "p3.rct (public inputs) with the proof header's "
        "input mode byte 0 changed to 1 (committed)", d)
    if "lr20" in SETS and base == "lr20v2" and os.path.exists(
            os.path.join(m.out, "lr20", "model.pub")):
        m.add("%s/c3.rct" % name, "lr20/model.pub", "reject", "model-mismatch",
              "c3.rct against the version 1 model of the same weights (another digest)")
        v1 = open(os.path.join(m.out, "lr20", "model.pub"), "rb").read()
        add("c3.digest-v1", "proof-encoding", "c3.rct naming the version 1 model lr20 "
            "(its digest written in): a committed receipt of a ZKMLMD01 model, refused by "
            "the rule of the three magics", c3[:8] + hashlib.sha256(v1).digest() + c3[40:],
            public="lr20/model.pub")
    opening_vectors(zkml, m, tmp, name, key, csv, made, model)


def damage_committed(m, name, label, data, model, rct, statement_only=False):
    """docs/protocol.md 12.9.1, 12.9.2, 12.9.3 and 4.6: every kind of damage of one committed
    receipt (statement_only: only the statement's, for a second batch size)."""
    rc = parse_committed(rct)
    if hashlib.sha256(data).digest() != rc["digest"]:
        raise SystemExit("%s/%s: the receipt does not name its public file" % (name, label))
    parts, sizes = proof_parts(model, rc["B"], committed=True)
    offs, total = part_offsets(parts)
    if total != rc["plen"]:
        raise SystemExit("%s/%s: the proof has %d bytes, the specification's layout %d"
                         % (name, label, rc["plen"], total))
    pubrel = name + "/model.pub"
    prefix = "%s/%s." % (name, label)

    def add(tag, reason, what, blob):
        m.add(prefix + tag + ".rct", pubrel, "reject", reason, what, bytes(blob))

    def patched(at, new):
        d = bytearray(rct)
        d[at:at + len(new)] = new
        return d

    def i32(v):
        return struct.pack("<i", v)

    ra, B = rc["rows_at"], rc["B"]
    x0 = int.from_bytes(rct[ra:ra + 32], "little")
    y0 = int.from_bytes(rct[ra + 32:ra + 64], "little")
    # the statement (4.2): outputs, context, nonce, row commitments
    o0 = rc["outputs_at"]
    add("score", "proof-check", "the first output (score) one more",
        patched(o0, i32(rc["outputs"][0] + 1)))
    add("score-last", "proof-check", "the last row's output one less",
        patched(o0 + 4 * (B * rc["n_out"] - 1), i32(rc["outputs"][-1] - 1)))
    c0 = rc["context_at"]
    add("context", "proof-check", "a byte of the context changed",
        patched(c0, bytes([rct[c0] ^ 0x20])))
    add("nonce", "proof-check", "a byte of the nonce changed",
        patched(rc["nonce_at"], bytes([rct[rc["nonce_at"]] ^ 0x01])))
    add("row-negated", "proof-check", "row 1's commitment negated (y = p - y: a valid "
        "point, another commitment)", patched(ra + 32, scalar_bytes(P - y0)))
    if B >= 2:
        r0, r1 = rct[ra:ra + 64], rct[ra + 64:ra + 128]
        add("rows-swapped", "proof-check", "the commitments of rows 1 and 2 exchanged",
            patched(ra, r1 + r0))
        n = rc["n_out"]
        add("outputs-swapped", "proof-check", "the outputs of rows 1 and 2 exchanged",
            patched(o0, rct[o0 + 4 * n:o0 + 8 * n] + rct[o0:o0 + 4 * n]))
        add("row-copied", "proof-check", "row 2's commitment replaced by row 1's",
            patched(ra + 64, r0))
    at, k0 = rc["keys"][0]
    assert k0 == b""
    add("row-key", "proof-check", "row 1 given the one-byte key \"1\" (the file still "
        "decodes; the statement context is not the one proven)",
        rct[:at] + struct.pack("<I", 1) + b"1" + rct[at + 4:])
    if statement_only:
        return sizes
    # the receipt file (3.1, 3.2)
    add("magic", "receipt-format", "receipt magic ZKMLRCC1 changed to ZKMLRCC2",
        patched(7, b"2"))
    add("truncated", "receipt-format", "the last byte of the file removed", rct[:-1])
    add("truncated-rows", "receipt-format", "the file cut in the middle of row 1's "
        "commitment", rct[:ra + 32])
    add("extended", "receipt-format", "one byte appended after the proof", rct + b"\0")
    add("proof-length", "receipt-format", "the proof length field one more than the bytes",
        patched(rc["plen_at"], struct.pack("<Q", rc["plen"] + 1)))
    add("batch", "receipt-format", "B one more: the fields no longer fill the file",
        patched(40, struct.pack("<I", B + 1)))
    add("digest", "model-mismatch", "a byte of the model digest flipped",
        patched(8, bytes([rct[8] ^ 0x01])))
    add("shapes", "shape-mismatch", "n_1 one less (the file still decodes: no input is in "
        "it)", patched(44, struct.pack("<I", rc["n_in"] - 1)))
    y1 = (y0 + 1) % P
    add("row-not-on-curve", "receipt-format", "row 1's commitment with y one more: not a "
        "point of the curve (3.2)", patched(ra + 32, scalar_bytes(y1)))
    add("row-identity", "receipt-format", "row 1's commitment all zero bytes: (0, 0) is no "
        "point, and the identity has no affine encoding (3.2)", patched(ra, bytes(64)))
    add("row-x-range", "receipt-format", "row 1's commitment with x + p in place of x "
        "(x not below p)", patched(ra, scalar_bytes(x0 + P)))
    add("row-y-range", "receipt-format", "row 1's commitment with y + p in place of y "
        "(y not below p)", patched(ra + 32, scalar_bytes(y0 + P)))
    pa = rc["proof_at"]
    add("proof-mode", "proof-encoding", "the proof header's input mode byte 1 changed to 0 "
        "(public inputs)", patched(pa + 9, b"\x00"))
    damage_proof(rct, rc, offs, add, patched)
    return sizes


def opening_vectors(zkml, m, tmp, name, key, csv, made, model):
    """Openings of rows of c3 (docs/protocol.md 12.11): honest ones and their damage,
    each checked with `zkml verify --opening`."""
    pubrel = name + "/model.pub"
    c3 = open(made["c3"], "rb").read()
    n_in = parse_committed(c3)["n_in"]
    opened = {}
    for label, rows_arg, what in (("c3.open-2", "2", "row 2"),
                                  ("c3.open-13", "1,3", "rows 1 and 3")):
        path = os.path.join(m.out, name, label + ".opn")
        run(zkml, "open", "--key", key, "--receipt", made["c3"], "--input", csv["c3"],
            "--rows", rows_arg, "--out", path, "--force")
        opened[label] = open(path, "rb").read()
        m.add("%s/c3.rct+%s/%s.opn" % (name, name, label), pubrel, "accept", "-",
              "honest opening of %s of c3.rct" % what)
    path = os.path.join(m.out, name, "c1.open-1.opn")
    run(zkml, "open", "--key", key, "--receipt", made["c1"], "--input", csv["c1"],
        "--rows", "1", "--out", path, "--force")
    m.add("%s/c1.rct+%s/c1.open-1.opn" % (name, name), pubrel, "accept", "-",
          "honest opening of the one row of c1.rct")
    o13 = opened["c3.open-13"]
    op = parse_opening(o13, n_in)
    if op["digest"] != hashlib.sha256(c3).digest() or [r["b"] for r in op["rows"]] != [0, 2]:
        raise SystemExit("%s: the opening does not name its receipt and rows" % name)
    xbits = model["xbits"]

    def add(tag, reason, what, blob, receipt="c3"):
        rel = "%s/c3.open-13.%s.opn" % (name, tag)
        with open(os.path.join(m.out, rel), "wb") as f:
            f.write(bytes(blob))
        m.add("%s/%s.rct+%s" % (name, receipt, rel), pubrel, "reject", reason, what)

    def patched(at, new):
        d = bytearray(o13)
        d[at:at + len(new)] = new
        return d

    r1 = op["rows"][0]
    f0 = r1["features"][0]
    lim = 1 << (xbits[0] - 1)
    g = f0 + 1 if f0 + 1 < lim else f0 - 1
    fat = r1["at"] + 4
    bat = r1["at"] + 4 + 4 * n_in
    r2at = op["rows"][1]["at"]
    # 7.2 step 3: binding (opening-check)
    add("feature", "opening-check", "row 1's first feature %d changed to %d (within its "
        "width)" % (f0, g), patched(fat, struct.pack("<i", g)))
    add("blind", "opening-check", "row 1's blind plus one",
        patched(bat, scalar_bytes((r1["blind"] + 1) % Q)))
    add("row-moved", "opening-check", "the second entry's index 2 (row 3) changed to 1 "
        "(row 2: another commitment)", patched(r2at, struct.pack("<I", 1)))
    # 7.2 step 2: the opening's fields (opening-format)
    add("other-receipt", "opening-format", "c3.open-13.opn checked against c3-nc.rct (the "
        "same rows, another receipt: its receipt digest)", o13, receipt="c3-nc")
    add("magic", "opening-format", "opening magic ZKMLOPN1 changed to ZKMLOPN2",
        patched(7, b"2"))
    add("truncated", "opening-format", "the last byte of the opening removed", o13[:-1])
    add("extended", "opening-format", "one byte appended to the opening", o13 + b"\0")
    add("count", "opening-format", "K one more than the rows in the file",
        patched(44, struct.pack("<I", 3)))
    add("n-inputs", "opening-format", "n_1 one less than the receipt's",
        patched(40, struct.pack("<I", n_in - 1)))
    add("order", "opening-format", "the two entries exchanged (indices not increasing)",
        o13[:48] + o13[r2at:] + o13[48:r2at])
    add("repeated", "opening-format", "the second entry's index set to the first's",
        patched(r2at, struct.pack("<I", 0)))
    add("index-range", "opening-format", "the second entry's index set to B = 3 (beyond "
        "the receipt's rows)", patched(r2at, struct.pack("<I", 3)))
    if xbits[0] < 32:                   # a tree's features are any i32 (16.10.1)
        add("feature-width", "opening-format", "row 1's first feature set to 2^(xbits - 1) "
            "= %d (beyond its width)" % lim, patched(fat, struct.pack("<i", lim)))
    add("blind-q", "opening-format", "row 1's blind set to q (not a canonical scalar)",
        patched(bat, scalar_bytes(Q)))
    # 7.2 step 1: the receipt must verify first; an opening of a public receipt
    m.add("%s/c3.score.rct+%s/c3.open-13.opn" % (name, name), pubrel, "reject",
          "proof-check", "an honest opening of c3.rct with its damaged copy c3.score.rct "
          "(the receipt is checked first)")
    m.add("%s/p3.rct+%s/c3.open-2.opn" % (name, name), pubrel, "reject", "opening-format",
          "an opening of c3.rct given with p3.rct, a public-input receipt (nothing to open)")


# ---- version 2 networks of every layer kind (tools/make_v2_fixtures.py) ----

MIXED = ("mixv2a", "mixv2b", "mixv2c")


def mixed_set(zkml, m, tmp, name):
    """Honest receipts of one mixed fixture, their damage, and statements outside the
    model's domain (12.3 step 4); for mixv2a also committed receipts and openings."""
    qjson = os.path.join(FIXTURES, name + ".q.json")
    rows_csv = os.path.join(FIXTURES, name + ".rows.csv")
    batches = [("b1", lambda rows, n: rows[:1]), ("b3", lambda rows, n: rows[:3]),
               ("b8", lambda rows, n: rows)]
    pub, made = honest_set(zkml, m, tmp, name, qjson, rows_csv, batches,
                           "conformance vectors")
    # the receipts hold the outputs of the fixture's own forward pass (6.4)
    with open(os.path.join(FIXTURES, name + ".expected.csv")) as f:
        expected = [int(v) for line in f for v in line.split(",")]
    if parse_receipt(open(made["b8"], "rb").read())["outputs"] != expected:
        raise SystemExit("%s: b8.rct's outputs are not the fixture's expected ones" % name)
    for label, what in (("b1", "one row, each feature at its minimum"),
                        ("b3", "three rows (batch padded to 4): each feature at its minimum, "
                               "at its maximum, alternating"),
                        ("b8", "eight rows (no padding)")):
        m.add("%s/%s.rct" % (name, label), name + "/model.pub", "accept", "-",
              "honest receipt, %s" % what)
    damage_receipt(m, name, "b3", pub, made["b3"], False)
    # 12.3 step 4: a statement outside the model's domain, refused before the proof
    doc = json.load(open(qjson))
    bits = [e["bits"] for e in doc["inputs"]]
    kind, lo, hi = output_range(doc)
    rct = open(made["b3"], "rb").read()
    rc = parse_receipt(rct)

    def add(tag, what, at, value):
        d = bytearray(rct)
        d[at:at + 4] = struct.pack("<i", value)
        m.add("%s/b3.%s.rct" % (name, tag), name + "/model.pub", "reject",
              "statement-domain", what, bytes(d))

    j = bits.index(min(bits))
    top = 1 << (bits[j] - 1)
    add("input-above", "row 1's feature %d set to 2^(xbits - 1) = %d, one above its %d-bit "
        "width" % (j + 1, top, bits[j]), rc["inputs_at"] + 4 * j, top)
    add("input-below", "row 2's feature %d set to -2^(xbits - 1) - 1 = %d, one below its "
        "%d-bit width" % (j + 1, -top - 1, bits[j]),
        rc["inputs_at"] + 4 * (len(bits) + j), -top - 1)
    j = bits.index(max(bits))
    add("input-wide", "row 3's feature %d (of %d bits) set to 2^15 = 32768"
        % (j + 1, bits[j]), rc["inputs_at"] + 4 * (2 * len(bits) + j), 32768)
    add("output-above", "row 1's first output set to %d, one above the range [%d, %d] of "
        "the output layer (%s)" % (hi + 1, lo, hi, kind), rc["outputs_at"], hi + 1)
    add("output-below", "the last row's last output set to %d, one below the range [%d, %d]"
        % (lo - 1, lo, hi), rc["outputs_at"] + 4 * (rc["B"] * rc["n_out"] - 1), lo - 1)


def output_range(doc):
    """The activation kind of a version 2 document's output layer (kinds 0-2) and its
    range (6.4)."""
    last = doc["layers"][-1]
    act, half = last["activation"], 1 << (last["Q"] - 1)
    lo, hi = {"identity": (-half, half - 1), "relu": (0, half - 1)}.get(
        act["kind"], (act.get("min"), act.get("max")))
    return act["kind"], lo, hi


def mixed_committed_set(zkml, m, tmp, name, base):
    """committed_set for a mixed fixture (features of 2 to 16 bits in the row
    commitments), and an output outside the range in a committed receipt."""
    committed_set(zkml, m, tmp, name, base, os.path.join(FIXTURES, base + ".rows.csv"))
    _, lo, hi = output_range(json.load(open(os.path.join(FIXTURES, base + ".q.json"))))
    rct = open(os.path.join(m.out, name, "c3.rct"), "rb").read()
    rc = parse_committed(rct)
    d = bytearray(rct)
    d[rc["outputs_at"]:rc["outputs_at"] + 4] = struct.pack("<i", hi + 1)
    m.add("%s/c3.output-above.rct" % name, name + "/model.pub", "reject",
          "statement-domain", "c3.rct with row 1's first output set to %d, one above the "
          "output layer's range [%d, %d] (committed inputs: the outputs are still in the "
          "statement)" % (hi + 1, lo, hi), bytes(d))


# ---- receipts of several proofs (docs/protocol.md 12.10) ----

def group_set(zkml, m, tmp, name, base):
    """Containers (ZKMLRCTM) of the version 2 model `base`, honest and damaged."""
    out = os.path.join(m.out, name)
    os.makedirs(out, exist_ok=True)
    pubrel = name + "/model.pub"
    keys = {}
    for tag in ("model", "other"):
        keys[tag] = os.path.join(tmp, "%s-%s.key" % (name, tag))
        run(zkml, "keygen", "--model", os.path.join(FIXTURES, base + ".q.json"), "--out",
            keys[tag], "--force")
    pub = os.path.join(out, "model.pub")
    run(zkml, "public", "--key", keys["model"], "--out", pub, "--force")
    other_pub = os.path.join(out, "other.pub")
    run(zkml, "public", "--key", keys["other"], "--out", other_pub, "--force")
    header, rows = read_rows(os.path.join(FIXTURES, base.replace("v2", "") + ".rows.csv"))
    csv3 = os.path.join(tmp, name + "-3.csv")
    write_rows(csv3, header, rows[:3])
    csv3b = os.path.join(tmp, name + "-3b.csv")
    write_rows(csv3b, header, rows[3:6])
    csv4 = os.path.join(tmp, name + "-4.csv")
    write_rows(csv4, header, rows[3:7])
    ctx = ("--context", "conformance vectors")
    made = {}
    for label, k, csv, extra, what in (
            ("g3", "1", csv3, ctx, "3 parts of one row each, public inputs"),
            ("g3-again", "1", csv3, ctx, "the same rows and context proven again (the "
             "same statements, other proofs)"),
            ("g3-rows", "1", csv3b, ctx, "3 parts of one row each, other rows (rows 4-6 "
             "of the fixture)"),
            ("g2", "2", csv3, ctx, "2 parts (2 rows, then 1 row), public inputs"),
            ("g2-4", "2", csv4, (), "2 parts of 2 rows each, public inputs, no context"),
            ("gc2", "2", csv3, ctx + ("--inputs", "committed"),
             "2 parts (2 rows, then 1), committed inputs"),
            ("g3-other", "1", csv3, ctx, "3 parts of one row each, of another model "
             "(another key of the same weights)")):
        made[label] = os.path.join(out, label + ".rct")
        prove(zkml, keys["other" if label == "g3-other" else "model"], csv, made[label],
              "--rows-per-proof", k, *extra)
        m.add("%s/%s.rct" % (name, label), name + "/other.pub" if label == "g3-other"
              else pubrel, "accept", "-", "honest container, " + what)
    data = open(pub, "rb").read()
    model = parse_public(data)
    blobs = {l: open(p, "rb").read() for l, p in made.items()}
    groups = {l: parse_group(b) for l, b in blobs.items()}
    # each part's proof has the length of the specification's layout
    for l, g in groups.items():
        if g["k"] != len(g["parts"]):
            raise SystemExit("%s: k is not the number of parts" % l)
        for _, part in g["parts"]:
            rc = parse_any_receipt(part)
            parts, _ = proof_parts(model, rc["B"], committed=rc.get("committed", False))
            if part_offsets(parts)[1] != rc["plen"]:
                raise SystemExit("%s: a part's proof length differs from the layout" % l)

    def add(tag, reason, what, blob, base_label="g3"):
        m.add("%s/%s.%s.rct" % (name, base_label, tag), pubrel, "reject", reason, what,
              bytes(blob))

    g3 = blobs["g3"]
    p3 = [p for _, p in groups["g3"]["parts"]]
    pa = [p for _, p in groups["g3-again"]["parts"]]
    po = [p for _, p in groups["g3-other"]["parts"]]
    # the parts' order and membership (6.2): the file decodes, the proofs fail
    add("dropped", "proof-check", "part 3 dropped, k and the total rows lowered to match "
        "(a valid container of 2 parts whose proofs name k = 3)", make_group(p3[:2]))
    add("dropped-first", "proof-check", "part 1 dropped, k and the total rows lowered",
        make_group(p3[1:]))
    add("swapped", "proof-check", "parts 1 and 2 exchanged", make_group([p3[1], p3[0], p3[2]]))
    pr = [p for _, p in groups["g3-rows"]["parts"]]
    add("other-group", "proof-check", "part 2 taken from g3-rows.rct (the same model and "
        "context, another row: another group digest)", make_group([p3[0], pr[1], p3[2]]))
    # G is a function of the parts' statements only (6.2): a part proven again for the
    # same statement, in the same place, leaves a valid container
    m.add("%s/g3.reproven.rct" % name, pubrel, "accept", "-", "part 2 taken from "
          "g3-again.rct (the same statement proven again: the group digest is the same, "
          "and so are the part's index and k)", make_group([p3[0], pa[1], p3[2]]))
    add("duplicated", "proof-check", "part 1 in place of part 2 (part 1 twice)",
        make_group([p3[0], p3[0], p3[2]]))
    add("duplicated-extra", "proof-check", "part 1 appended as a fourth part, k and the "
        "total rows raised", make_group(p3 + [p3[0]]))
    m.add("%s/g3.part-1.rct" % name, pubrel, "reject", "proof-check", "part 1 of g3.rct "
          "alone, as a single ZKMLRCT1 receipt (its proof names k = 3)", p3[0])
    d = bytearray(p3[1])
    rc = parse_receipt(p3[1])
    d[rc["outputs_at"]:rc["outputs_at"] + 4] = struct.pack("<i", rc["outputs"][0] + 1)
    add("part-score", "proof-check", "part 2's output one more (part 2 of 3 fails)",
        make_group([p3[0], bytes(d), p3[2]]))
    # the container's fields (6.1): receipt-format
    add("count-more", "receipt-format", "k = 4 for 3 parts", make_group(p3, k=4))
    add("count-less", "receipt-format", "k = 2 for 3 parts (bytes follow part 2)",
        make_group(p3, k=2))
    add("count-one", "receipt-format", "k = 1 and only part 1 (a container has 2 parts or "
        "more)", make_group(p3[:1]))
    add("total", "receipt-format", "the total rows one more than the parts' B",
        make_group(p3, total=4))
    add("magic", "receipt-format", "container magic ZKMLRCTM changed to ZKMLRCTN",
        b"ZKMLRCTN" + g3[8:])
    add("truncated", "receipt-format", "the last byte of the file removed", g3[:-1])
    add("extended", "receipt-format", "one byte appended after part 3", g3 + b"\0")
    last_len_at = groups["g3"]["parts"][2][0] - 8
    add("part-length", "receipt-format", "part 3's length field one more than its bytes "
        "(past the end)", g3[:last_len_at] + struct.pack("<Q", len(p3[2]) + 1)
        + g3[last_len_at + 8:])
    add("part-length-short", "receipt-format", "part 1's length field 7 (below 8)",
        g3[:20] + struct.pack("<Q", 7) + g3[28:])
    add("other-model", "receipt-format", "part 2 taken from g3-other.rct (another model: "
        "the parts' digests differ)", make_group([p3[0], po[1], p3[2]]))
    ctx_part = p3[1][:56] + bytes([p3[1][56] ^ 0x20]) + p3[1][57:]
    add("other-context", "receipt-format", "a byte of part 2's context changed (the parts' "
        "contexts differ)", make_group([p3[0], ctx_part, p3[2]]))
    gp = [p for _, p in groups["g2"]["parts"]]
    gc = [p for _, p in groups["gc2"]["parts"]]
    add("mixed-modes", "receipt-format", "part 2 of gc2.rct (committed) in place of part 2 "
        "of g2.rct (the parts' magics differ)", make_group([gp[0], gc[1]]), "g2")
    # the container against other public files (6.3 steps 3, 4)
    m.add("%s/g3.rct" % name, "%s/other.pub" % name, "reject", "model-mismatch",
          "g3.rct against the public file of another key")
    if base == "lr20v2" and os.path.exists(os.path.join(m.out, "lr20", "model.pub")):
        v1 = open(os.path.join(m.out, "lr20", "model.pub"), "rb").read()
        dv = hashlib.sha256(v1).digest()
        m.add("%s/g3.rct" % name, "lr20/model.pub", "reject", "model-mismatch",
              "g3.rct against the version 1 model of the same weights (another digest)")
        m.add("%s/g3.digest-v1.rct" % name, "lr20/model.pub", "reject", "receipt-format",
              "g3.rct with every part naming the version 1 model lr20 (its digest written "
              "in): containers exist for version 2 models only",
              make_group([p[:8] + dv + p[40:] for p in p3]))
    # committed parts
    gcb = blobs["gc2"]
    rc = parse_committed(gc[1])
    ra = rc["rows_at"]
    y0 = int.from_bytes(gc[1][ra + 32:ra + 64], "little")
    add("part-row-negated", "proof-check", "part 2's row commitment negated (a valid point)",
        make_group([gc[0], gc[1][:ra + 32] + scalar_bytes(P - y0) + gc[1][ra + 64:]]), "gc2")
    add("swapped", "proof-check", "parts 1 and 2 exchanged", make_group([gc[1], gc[0]]),
        "gc2")
    add("truncated", "receipt-format", "the last byte of the file removed", gcb[:-1], "gc2")
    gd = [p for _, p in groups["g2-4"]["parts"]]
    add("swapped", "proof-check", "parts 1 and 2 (2 rows each) exchanged: the same rows in "
        "another order", make_group([gd[1], gd[0]]), "g2-4")


def tree_committed_set(zkml, m, tmp, name):
    """committed_set for the `trees` ensemble (docs/protocol.md 16.10): its rows' order keys
    committed, missing values included."""
    doc = os.path.join(tmp, name + ".json")
    with open(doc, "w") as f:
        json.dump(TREE_DOCS["trees"], f)
    keys = os.path.join(tmp, name + "-keys.csv")
    write_rows(keys, TREE_DOCS["trees"]["features"],
               [[MISSING if v == "" else tree_key_of(float(v)) for v in row.split(",")]
                for row in TREE_ROWS])
    committed_set(zkml, m, tmp, name, "trees", keys, doc)
    # damage_proof describes the dense header; a tree proof has its own magic
    m.lines = [(rel, p, v, c, what.replace("ZKMLPG01 changed to ZKMLPG02",
                                           "ZKMLPT01 changed to ZKMLPT02")
                if rel.startswith(name + "/") else what)
               for rel, p, v, c, what in m.lines]


def tree_group_set(zkml, m, tmp, name):
    """Containers (ZKMLRCTM) of the `trees` ensemble: its proofs bind their place in the
    group as a version 2 network's do (docs/protocol.md 16.4, 12.10.2)."""
    out = os.path.join(m.out, name)
    os.makedirs(out, exist_ok=True)
    pubrel = name + "/model.pub"
    doc = os.path.join(tmp, name + ".json")
    with open(doc, "w") as f:
        json.dump(TREE_DOCS["trees"], f)
    key = os.path.join(tmp, name + ".key")
    pub = os.path.join(out, "model.pub")
    run(zkml, "keygen", "--model", doc, "--out", key, "--force")
    run(zkml, "public", "--key", key, "--out", pub, "--force")
    csv = os.path.join(tmp, name + ".csv")
    with open(csv, "w") as f:
        f.write(",".join(TREE_DOCS["trees"]["features"]) + "\n" + "\n".join(TREE_ROWS[:3])
                + "\n")
    blobs = {}
    for label, k, extra, what in (
            ("g3", "1", (), "3 parts of one row each, public inputs"),
            ("gc2", "2", ("--inputs", "committed"),
             "2 parts (2 rows, then 1), committed inputs")):
        path = os.path.join(out, label + ".rct")
        run(zkml, "prove", "--key", key, "--features", csv, "--context",
            "conformance vectors", "--rows-per-proof", k, "--out", path, "--force", *extra)
        blobs[label] = open(path, "rb").read()
        m.add("%s/%s.rct" % (name, label), pubrel, "accept", "-", "honest container, " + what)
    model = parse_public(open(pub, "rb").read())
    p3 = [p for _, p in parse_group(blobs["g3"])["parts"]]
    for part in p3:
        rc = parse_receipt(part)
        if part_offsets(proof_parts_trees(model, rc["B"])[0])[1] != rc["plen"]:
            raise SystemExit("%s: a part's proof length differs from the layout" % name)
    gc = [p for _, p in parse_group(blobs["gc2"])["parts"]]

    def add(tag, what, blob, base_label="g3", reason="proof-check"):
        m.add("%s/%s.%s.rct" % (name, base_label, tag), pubrel, "reject", reason, what,
              bytes(blob))

    add("dropped", "part 3 dropped, k and the total rows lowered to match",
        make_group(p3[:2]))
    add("swapped", "parts 1 and 2 exchanged", make_group([p3[1], p3[0], p3[2]]))
    add("duplicated", "part 1 in place of part 2 (part 1 twice)",
        make_group([p3[0], p3[0], p3[2]]))
    m.add("%s/g3.part-1.rct" % name, pubrel, "reject", "proof-check", "part 1 of g3.rct "
          "alone, as a single ZKMLRCT1 receipt (its proof names k = 3)", p3[0])
    d = bytearray(p3[1])
    rc = parse_receipt(p3[1])
    d[rc["outputs_at"]:rc["outputs_at"] + 4] = struct.pack("<i", rc["outputs"][0] + 1)
    add("part-score", "part 2's output one more (part 2 of 3 fails)",
        make_group([p3[0], bytes(d), p3[2]]))
    add("swapped", "parts 1 and 2 exchanged", make_group([gc[1], gc[0]]), "gc2")
    add("mixed-modes", "part 2 of gc2.rct (committed) in place of part 2 of g3.rct (the "
        "parts' magics differ)", make_group([p3[0], gc[1], p3[2]]), reason="receipt-format")
    if os.path.exists(os.path.join(m.out, "trees", "model.pub")):
        m.add("%s/g3.rct" % name, "trees/model.pub", "reject", "model-mismatch",
              "g3.rct against the public file of another key of the same ensemble")


# ---- openings of a container of committed parts (docs/protocol.md 12.10.1, 12.11) ----

def group_opening_set(zkml, m, tmp, name, base):
    """A container (ZKMLRCTM) of committed parts of the version 2 model `base`, five rows
    in parts of 2, 2 and 1, and openings of its rows, which count across the parts:
    row 4 is the second row of part 2."""
    out = os.path.join(m.out, name)
    os.makedirs(out, exist_ok=True)
    pubrel = name + "/model.pub"
    key = os.path.join(tmp, name + ".key")
    pub = os.path.join(out, "model.pub")
    run(zkml, "keygen", "--model", os.path.join(FIXTURES, base + ".q.json"), "--out", key,
        "--force")
    run(zkml, "public", "--key", key, "--out", pub, "--force")
    header, rows = read_rows(os.path.join(FIXTURES, base.replace("v2", "") + ".rows.csv"))
    csv = os.path.join(tmp, name + ".csv")
    write_rows(csv, header, rows[:5])
    made = {}
    for label, what in (("gc", "honest container of committed parts: 5 rows in parts of "
                         "2, 2 and 1"),
                        ("gc-again", "the same rows proven again (other nonces, another "
                         "container)")):
        made[label] = os.path.join(out, label + ".rct")
        prove(zkml, key, csv, made[label], "--rows-per-proof", "2", "--context",
              "conformance vectors", "--inputs", "committed")
        m.add("%s/%s.rct" % (name, label), pubrel, "accept", "-", what)
    gc = open(made["gc"], "rb").read()
    g = parse_group(gc)
    parts = [parse_committed(p) for _, p in g["parts"]]
    if [p["B"] for p in parts] != [2, 2, 1]:
        raise SystemExit("%s: the parts do not hold 2, 2 and 1 rows" % name)
    n_in = parts[0]["n_in"]
    opened = {}
    for label, rows_arg, what in (("gc.open-4", "4", "row 4 (the second row of part 2)"),
                                  ("gc.open-25", "2,5", "rows 2 and 5 (parts 1 and 3)")):
        path = os.path.join(out, label + ".opn")
        run(zkml, "open", "--key", key, "--receipt", made["gc"], "--input", csv,
            "--rows", rows_arg, "--out", path, "--force")
        opened[label] = open(path, "rb").read()
        m.add("%s/gc.rct+%s/%s.opn" % (name, name, label), pubrel, "accept", "-",
              "honest opening of %s of gc.rct" % what)
    o4 = opened["gc.open-4"]
    op = parse_opening(o4, n_in)
    if op["digest"] != hashlib.sha256(gc).digest() or [r["b"] for r in op["rows"]] != [3]:
        raise SystemExit("%s: the opening does not name the container and row 4" % name)
    r4 = op["rows"][0]

    def add(tag, reason, what, blob, receipt="gc"):
        rel = "%s/gc.open-4.%s.opn" % (name, tag)
        with open(os.path.join(m.out, rel), "wb") as f:
            f.write(bytes(blob))
        m.add("%s/%s.rct+%s" % (name, receipt, rel), pubrel, "reject", reason, what)

    def patched(at, new):
        d = bytearray(o4)
        d[at:at + len(new)] = new
        return d

    lim = 1 << (parse_public(open(pub, "rb").read())["xbits"][0] - 1)
    f0 = r4["features"][0]
    g0 = f0 + 1 if f0 + 1 < lim else f0 - 1
    bat = r4["at"] + 4 + 4 * n_in
    # 12.11.2 step 3: the commitment of the part that holds the row (opening-check)
    add("part-1", "opening-check", "the index 3 (row 4, part 2) changed to 1: row 2, the "
        "same place in part 1 (another nonce, another commitment)",
        patched(r4["at"], struct.pack("<I", 1)))
    add("part-3", "opening-check", "the index changed to 4: row 5, part 3",
        patched(r4["at"], struct.pack("<I", 4)))
    add("same-part", "opening-check", "the index changed to 2: row 3, the other row of "
        "part 2", patched(r4["at"], struct.pack("<I", 2)))
    add("feature", "opening-check", "row 4's first feature %d changed to %d (within its "
        "width)" % (f0, g0), patched(r4["at"] + 4, struct.pack("<i", g0)))
    add("blind", "opening-check", "row 4's blind plus one",
        patched(bat, scalar_bytes((r4["blind"] + 1) % Q)))
    # 12.11.2 step 2 (opening-format)
    add("index-range", "opening-format", "the index set to 5, the container's total rows "
        "(beyond its rows)", patched(r4["at"], struct.pack("<I", 5)))
    add("other-receipt", "opening-format", "gc.open-4.opn checked against gc-again.rct (the "
        "same rows, another container: its receipt digest)", o4, receipt="gc-again")


# ---- receipts of release 0.1.0 ----

def copy_rows(path):
    """{table: [fields...]} of the COPY blocks of a plain pg_dump."""
    out, cur = {}, None
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if cur is None:
                mt = re.match(r"COPY (\S+) ", line)
                if mt:
                    cur = mt.group(1)
                    out[cur] = []
            elif line == "\\.":
                cur = None
            else:
                out[cur].append(line.split("\t"))
    return out


def bytea(field):
    assert field.startswith("\\\\x")
    return bytes.fromhex(field[3:])


def release_010(m):
    dump = copy_rows(os.path.join(FIXTURES, "lender-0.1.0.sql"))
    out = os.path.join(m.out, "v0.1.0")
    os.makedirs(out, exist_ok=True)
    pubs = {}
    for row in dump["zkml.models"]:
        name, version, digest, public = row[0], row[1], bytea(row[2]), bytea(row[3])
        if name == "partner":
            continue
        rel = "v0.1.0/%s-v%s.pub" % (name, version)
        with open(os.path.join(m.out, rel), "wb") as f:
            f.write(public)
        assert hashlib.sha256(public).digest() == digest
        pubs[digest] = rel
    n = 0
    for row in dump["public.receipts"]:
        label, rct = row[0], bytea(row[1])
        rc = parse_receipt(rct)
        if rc["digest"] not in pubs:
            continue
        pub = pubs[rc["digest"]]
        model = parse_public(open(os.path.join(m.out, pub), "rb").read())
        parts, _ = proof_parts(model, rc["B"])
        if part_offsets(parts)[1] != rc["plen"]:
            raise SystemExit("0.1.0 receipt %s: proof length differs from the layout" % label)
        n += 1
        rel = "v0.1.0/receipt-%d.rct" % n
        keyed = sum(1 for _, k in rc["keys"] if k)
        m.add(rel, pub, "accept", "-",
              "issued by release 0.1.0: %d rows, %d with keys, context of %d bytes (%s)"
              % (rc["B"], keyed, len(rc["context"]), label), rct)
        if rc["B"] >= 2 and keyed >= 2:
            (a0, k0), (a1, k1) = rc["keys"][0], rc["keys"][1]
            d = bytearray(rct)
            # the two keys exchanged (same lengths: app-NN)
            assert len(k0) == len(k1)
            d[a0 + 4:a0 + 4 + len(k0)] = k1
            d[a1 + 4:a1 + 4 + len(k1)] = k0
            m.add(rel.replace(".rct", ".keys-swapped.rct"), pub, "reject", "proof-check",
                  "receipt-%d with the keys of rows 1 and 2 exchanged" % n, bytes(d))
            d = bytearray(rct)
            d[a0 + 4 + len(k0) - 1] ^= 0x01
            m.add(rel.replace(".rct", ".key-changed.rct"), pub, "reject", "proof-check",
                  "receipt-%d with the last byte of row 1's key changed" % n, bytes(d))
            # the same receipt against the other version's public file (same model,
            # another seed): the digest is not this one's
            other = [p for dg, p in pubs.items() if dg != rc["digest"]]
            if other:
                m.add(rel, other[0], "reject", "model-mismatch",
                      "receipt-%d against the public file of the other registration" % n)


SETS = ("lr20", "mlp20", "lr20v2", "mlp20v2", "mixv2a", "mixv2b", "mixv2c", "mixv2ac",
        "trees", "trees-id", "treesc", "v0.1.0", "lr20v2c", "mlp20v2c", "groups", "groupsc",
        "groups-trees")


def kept_lines(out, sets):
    """The MANIFEST lines of the sets not regenerated, as Manifest.lines tuples."""
    path = os.path.join(out, "MANIFEST")
    lines = []
    if not os.path.exists(path):
        return lines
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            rel, pub, verdict, reason, what = line.rstrip("\n").split(None, 4)
            if rel.split("/")[0] not in sets:
                lines.append((rel, pub, verdict, reason, what))
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--zkml", default=os.path.join(ROOT, "zkml"))
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "vectors"))
    ap.add_argument("--sets", default=",".join(SETS),
                    help="comma-separated sets to write again (default all: %s); the "
                    "MANIFEST lines of the others are kept" % ",".join(SETS))
    args = ap.parse_args()
    zkml = os.path.abspath(args.zkml)
    sets = [x for x in args.sets.split(",") if x]
    if any(x not in SETS for x in sets):
        raise SystemExit("--sets: the sets are %s" % ", ".join(SETS))
    for sub in sets:
        shutil.rmtree(os.path.join(args.out, sub), ignore_errors=True)
    m = Manifest(args.out)
    kept = kept_lines(args.out, sets)
    edge = lambda rows, n: [[-128] * n, [127] * n, [(-128 if j % 2 else 127) for j in range(n)]]
    with tempfile.TemporaryDirectory() as tmp:
        for name, with_shape in (("lr20", True), ("mlp20", False), ("lr20v2", True),
                                 ("mlp20v2", False)):
            if name not in sets:
                continue
            base_name = name.replace("v2", "")
            batches = [("b1", lambda rows, n: rows[:1]),
                       ("b3", lambda rows, n: rows[:3]),
                       ("b4", lambda rows, n: rows[3:7]),
                       ("edge", edge)]
            pub, made = honest_set(zkml, m, tmp, name,
                                   os.path.join(FIXTURES, name + ".q.json"),
                                   os.path.join(FIXTURES, base_name + ".rows.csv"),
                                   batches, "conformance vectors")
            descr = {"b1": "one row", "b3": "three rows (batch padded to 4)",
                     "b4": "four rows (no batch padding)",
                     "edge": "three rows of extreme inputs (-128, 127, alternating)"}
            for label in ("b1", "b3", "b4", "edge"):
                m.add("%s/%s.rct" % (name, label), name + "/model.pub", "accept", "-",
                      "honest receipt, %s" % descr[label])
            base = "b1" if with_shape else "b3"
            damage_receipt(m, name, base, pub, made[base], with_shape)
            if with_shape:
                damage_receipt(m, name, "b3", pub, made["b3"], False, statement_only=True)
            # public files that do not decode
            data = open(pub, "rb").read()
            bad = bytearray(data)
            bad[7] ^= 0x01
            m.add("%s/b3.rct" % name, "%s/bad-magic.pub" % name, "unusable", "public-file",
                  "b3.rct against its public file with the magic changed")
            with open(os.path.join(args.out, name, "bad-magic.pub"), "wb") as f:
                f.write(bytes(bad))
            with open(os.path.join(args.out, name, "truncated.pub"), "wb") as f:
                f.write(data[:-1])
            m.add("%s/b3.rct" % name, "%s/truncated.pub" % name, "unusable", "public-file",
                  "b3.rct against its public file without its last byte")
            model = parse_public(data)
            at = model["w_rows_at"]
            neg = bytearray(data)
            neg[at + 31] ^= 0x80
            with open(os.path.join(args.out, name, "other-rows.pub"), "wb") as f:
                f.write(bytes(neg))
            m.add("%s/b3.rct" % name, "%s/other-rows.pub" % name, "reject", "model-mismatch",
                  "b3.rct against a public file with its first W row negated (another digest)")
            if name.endswith("v2") and base_name in SETS:
                # a version 2 receipt against its version 1 twin's public file
                m.add("%s/b3.rct" % name, "%s/model.pub" % base_name, "reject",
                      "model-mismatch", "b3.rct against the version 1 model of the same "
                      "weights (another digest)")
        for name in MIXED:
            if name in sets:
                mixed_set(zkml, m, tmp, name)
        if "mixv2ac" in sets:
            mixed_committed_set(zkml, m, tmp, "mixv2ac", "mixv2a")
        for name in ("trees", "trees-id"):
            if name in sets:
                tree_set(zkml, m, tmp, name)
                if os.path.exists(os.path.join(args.out, "lr20", "model.pub")):
                    m.add("%s/b3.rct" % name, "lr20/model.pub", "reject", "model-mismatch",
                          "a tree receipt against a dense model's public file")
        for name in ("lr20v2c", "mlp20v2c"):
            if name in sets:
                committed_set(zkml, m, tmp, name, name[:-1])
        if "treesc" in sets:
            tree_committed_set(zkml, m, tmp, "treesc")
        if "groups" in sets:
            group_set(zkml, m, tmp, "groups", "lr20v2")
        if "groupsc" in sets:
            group_opening_set(zkml, m, tmp, "groupsc", "lr20v2")
        if "groups-trees" in sets:
            tree_group_set(zkml, m, tmp, "groups-trees")
    if "v0.1.0" in sets:
        release_010(m)
    order = {x: i for i, x in enumerate(SETS)}
    m.lines = sorted(kept + m.lines, key=lambda l: order.get(l[0].split("/")[0], len(SETS)))
    m.write()
    print("%d vectors in %s" % (len(m.lines), os.path.relpath(args.out)))


if __name__ == "__main__":
    main()
