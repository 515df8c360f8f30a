#!/usr/bin/env python3
"""refverify: an independent verifier of zkml receipts, written from docs/protocol.md.

A second implementation of the verifier, in Python 3 with the standard library only,
written from the specification (docs/protocol.md), the known-answer file
tests/kat/zkmlpg-v1.kat and the conformance vectors of tests/vectors, without zkml's C
code: it shows that the document is enough to implement a verifier. Speed is not a goal
(pure Python integers: one to two seconds per receipt, dense or tree).

What it implements (sections of docs/protocol.md):
  0-3       notation, fields, Grumpkin, the encodings of points and scalars, the
            generators (RFC 9380 hash_to_curve with the SvdW map), the SHA-256
            transcript; checked against the known answers (--kat)
  4-5       Pedersen, Hyrax evaluation proofs, the dot-product argument (IPA), product
            proofs, the linear-relation accumulator, the masked batched sumcheck
  6.1-6.3   version 1 models; 7.0-7.14 the version 1 inference proof
  6.4-6.6   version 2 models and the fractional-sum tree of the lookups;
  7.17-7.18 the version 2 inference proof (public inputs)
  7.19-7.20 committed inputs; 12.9 the receipt ZKMLRCC1; 12.11 the opening ZKMLOPN1
  12.10     receipts of several proofs (ZKMLRCTM) and the group digest
  12.7-12.8, 15-16  tree ensembles (ZKMLTE01) and the tree proof (ZKMLPT01), in both
            input modes (16.10)
  12.1-12.5 descriptors, public files, receipts, and the order of checks that gives the
            verdict and reason class of 13.2
  13        the MANIFEST of tests/vectors: each line's verdict and class compared
Not implemented: the prover's side of anything, key files (12.4, 12.6), the documents
of 15.2 and quantization.

Run (from the repository root):
  python3 tools/refverify.py --kat tests/kat/zkmlpg-v1.kat
  python3 tools/refverify.py --manifest tests/vectors/MANIFEST --sets lr20,mlp20,v0.1.0
  python3 tools/refverify.py --manifest tests/vectors/MANIFEST        (every set)
  python3 tools/refverify.py --public MODEL.pub --receipt R.rct [--opening O.opn]
A set is the first directory of a line's receipt path (lr20, mlp20, v0.1.0, lr20v2,
mlp20v2, mixv2a, mixv2b, mixv2c, mixv2ac, lr20v2c, mlp20v2c, groups, groupsc,
groups-trees, trees, trees-id, treesc). --only STRING keeps the lines whose
receipt field contains STRING; -v prints every line. Exit status: 0 when every chosen
line agrees with the MANIFEST (with --kat: every known answer matches; with --receipt:
the receipt, and the opening if given, is valid), 1 otherwise, 2 for bad arguments.
A verdict of this verifier is "accept", "reject" or "unusable" with the classes of 13.2;
a statement beyond the limits of 7 or 16.1 is "unusable" with class "limits".
"""

import argparse
import hashlib
import os
import struct
import sys
import time

# ---------------------------------------------------------------- 1.1 fields, curve

Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583  # scalar field
P = 21888242871839275222246405745257275088548364400416034343698204186575808495617  # base field
B_CURVE = P - 17  # y^2 = x^3 - 17


class Reject(Exception):
    """A verdict other than accept: verdict in {reject, unusable}, cls the reason class."""

    def __init__(self, verdict, cls, why):
        super().__init__(why)
        self.verdict = verdict
        self.cls = cls
        self.why = why


def rej(cls, why):
    return Reject("reject", cls, why)


def inv(x, m=Q):
    return pow(x, -1, m)


def fp_is_square(a):
    a %= P
    return a == 0 or pow(a, (P - 1) // 2, P) == 1


_TS_S = 28
_TS_T = (P - 1) >> 28


def fp_sqrt(a):
    """Tonelli-Shanks with the non-residue 5 (1.1); None when a is not a square."""
    a %= P
    if a == 0:
        return 0
    if pow(a, (P - 1) // 2, P) != 1:
        return None
    m = _TS_S
    c = pow(5, _TS_T, P)
    t = pow(a, _TS_T, P)
    r = pow(a, (_TS_T + 1) // 2, P)
    while t != 1:
        i, t2 = 0, t
        while t2 != 1:
            t2 = t2 * t2 % P
            i += 1
        b = pow(c, 1 << (m - i - 1), P)
        m = i
        c = b * b % P
        t = t * c % P
        r = r * b % P
    return r


# Points: Jacobian (X, Y, Z) over F_p, identity as None.

def pt_affine(Pt):
    if Pt is None:
        return None
    X, Y, Z = Pt
    zi = inv(Z, P)
    zi2 = zi * zi % P
    return (X * zi2 % P, Y * zi2 * zi % P)


def pt_from_affine(a):
    if a is None:
        return None
    return (a[0], a[1], 1)


def pt_double(A):
    if A is None:
        return None
    X, Y, Z = A
    if Y == 0:
        return None
    YY = Y * Y % P
    S = 4 * X * YY % P
    M = 3 * X * X % P
    X3 = (M * M - 2 * S) % P
    Y3 = (M * (S - X3) - 8 * YY * YY) % P
    Z3 = 2 * Y * Z % P
    return (X3, Y3, Z3)


def pt_add(A, Bp):
    if A is None:
        return Bp
    if Bp is None:
        return A
    X1, Y1, Z1 = A
    X2, Y2, Z2 = Bp
    Z1Z1 = Z1 * Z1 % P
    Z2Z2 = Z2 * Z2 % P
    U1 = X1 * Z2Z2 % P
    U2 = X2 * Z1Z1 % P
    S1 = Y1 * Z2 * Z2Z2 % P
    S2 = Y2 * Z1 * Z1Z1 % P
    H = (U2 - U1) % P
    R = (S2 - S1) % P
    if H == 0:
        if R == 0:
            return pt_double(A)
        return None
    HH = H * H % P
    HHH = H * HH % P
    V = U1 * HH % P
    X3 = (R * R - HHH - 2 * V) % P
    Y3 = (R * (V - X3) - S1 * HHH) % P
    Z3 = Z1 * Z2 * H % P
    return (X3, Y3, Z3)


def pt_neg(A):
    if A is None:
        return None
    return (A[0], (-A[1]) % P, A[2])


def pt_mul(A, k):
    k %= Q
    R = None
    if A is None or k == 0:
        return None
    for bit in bin(k)[2:]:
        R = pt_double(R)
        if bit == '1':
            R = pt_add(R, A)
    return R


def pt_eq(A, Bp):
    if A is None or Bp is None:
        return A is None and Bp is None
    X1, Y1, Z1 = A
    X2, Y2, Z2 = Bp
    Z1Z1 = Z1 * Z1 % P
    Z2Z2 = Z2 * Z2 % P
    return (X1 * Z2Z2 - X2 * Z1Z1) % P == 0 and (Y1 * Z2 * Z2Z2 - Y2 * Z1 * Z1Z1) % P == 0


def msm(points, scalars):
    """Σ scalars_i·points_i (Pippenger buckets for long sums)."""
    pairs = [(pt, s % Q) for pt, s in zip(points, scalars) if pt is not None and s % Q]
    n = len(pairs)
    if n == 0:
        return None
    if n < 8:
        acc = None
        for pt, s in pairs:
            acc = pt_add(acc, pt_mul(pt, s))
        return acc
    c = 4 if n < 32 else (5 if n < 128 else (6 if n < 512 else 7))
    nwin = (254 + c - 1) // c
    acc = None
    mask = (1 << c) - 1
    for w in range(nwin - 1, -1, -1):
        for _ in range(c):
            acc = pt_double(acc)
        buckets = [None] * (1 << c)
        sh = w * c
        for pt, s in pairs:
            d = (s >> sh) & mask
            if d:
                buckets[d] = pt_add(buckets[d], pt)
        run = None
        tot = None
        for d in range(mask, 0, -1):
            run = pt_add(run, buckets[d])
            tot = pt_add(tot, run)
        acc = pt_add(acc, tot)
    return acc


# ---------------------------------------------------------------- 1.2 encodings

IDENTITY_ENC = bytes(31) + b'\x40'


def enc_scalar(x):
    return (x % Q).to_bytes(32, 'little')


def dec_scalar(b):
    v = int.from_bytes(b, 'little')
    if v >= Q:
        raise rej("proof-encoding", "scalar not below q")
    return v


def enc_point(Pt):
    a = pt_affine(Pt)
    if a is None:
        return IDENTITY_ENC
    x, y = a
    v = x | ((y & 1) << 255)
    return v.to_bytes(32, 'little')


def dec_point(b, allow_identity=False, cls="proof-encoding"):
    """1.2, in its order; raises Reject(cls) on any invalid encoding (and the identity
    unless allowed)."""
    v = int.from_bytes(b, 'little')
    if v & (1 << 254):
        if b != IDENTITY_ENC:
            raise rej(cls, "identity flag with other bits set")
        if not allow_identity:
            raise rej(cls, "the identity")
        return None
    x = v & ((1 << 254) - 1)
    par = v >> 255
    if x >= P:
        raise rej(cls, "x not below p")
    w = (x * x * x + B_CURVE) % P
    y = fp_sqrt(w)
    if y is None:
        raise rej(cls, "x^3 - 17 not a square")
    if (y & 1) != par:
        y = P - y
    return (x, y, 1)


# ---------------------------------------------------------------- 1.3 generators

DST_GEN = b"ZKMLPG-V1-GENERATORS-GRUMPKIN_XMD:SHA-256_SVDW_RO_"
SVDW_C1 = P - 16
SVDW_C2 = 10944121435919637611123202872628637544274182200208017171849102093287904247808
SVDW_C3 = 17631683881184975371348829942606096167675058198229016842588
SVDW_C4 = 14592161914559516814830937163504850059032242933610689562465469457717205663766


def expand_message_xmd(msg, dst, n):
    ell = (n + 31) // 32
    assert ell <= 255 and len(dst) <= 255
    dst_prime = dst + bytes([len(dst)])
    z_pad = bytes(64)
    l_i_b = n.to_bytes(2, 'big')
    b0 = hashlib.sha256(z_pad + msg + l_i_b + b'\x00' + dst_prime).digest()
    b1 = hashlib.sha256(b0 + b'\x01' + dst_prime).digest()
    out = [b1]
    for i in range(2, ell + 1):
        prev = out[-1]
        bi = hashlib.sha256(bytes(x ^ y for x, y in zip(b0, prev)) + bytes([i]) + dst_prime).digest()
        out.append(bi)
    return b''.join(out)[:n]


def map_svdw(u):
    """RFC 9380 6.6.1, straight-line, Z = 1, A = 0, B = -17."""
    Z = 1
    tv1 = u * u % P
    tv1 = tv1 * SVDW_C1 % P
    tv2 = (1 + tv1) % P
    tv1 = (1 - tv1) % P
    tv3 = tv1 * tv2 % P
    tv3 = pow(tv3, P - 2, P)  # inv0
    tv4 = u * tv1 % P
    tv4 = tv4 * tv3 % P
    tv4 = tv4 * SVDW_C3 % P
    x1 = (SVDW_C2 - tv4) % P
    gx1 = (x1 * x1 * x1 + B_CURVE) % P
    e1 = fp_is_square(gx1)
    x2 = (SVDW_C2 + tv4) % P
    gx2 = (x2 * x2 * x2 + B_CURVE) % P
    e2 = fp_is_square(gx2) and not e1
    x3 = tv2 * tv2 % P
    x3 = x3 * tv3 % P
    x3 = x3 * x3 % P
    x3 = x3 * SVDW_C4 % P
    x3 = (x3 + Z) % P
    x = x3
    if e1:
        x = x1
    if e2:
        x = x2
    gx = (x * x * x + B_CURVE) % P
    y = fp_sqrt(gx)
    if (u & 1) != (y & 1):
        y = (P - y) % P
    return (x, y, 1)


def hash_to_curve(msg):
    ub = expand_message_xmd(msg, DST_GEN, 96)
    u0 = int.from_bytes(ub[:48], 'big') % P
    u1 = int.from_bytes(ub[48:], 'big') % P
    return pt_add(map_svdw(u0), map_svdw(u1))


def _norm(Pt):
    a = pt_affine(Pt)
    return None if a is None else (a[0], a[1], 1)


GEN_G = _norm(hash_to_curve(b"value-generator-G"))
GEN_H = _norm(hash_to_curve(b"blinding-generator-H"))
_V = []
_V_ENC = []


def gens_v(n):
    while len(_V) < n:
        i = len(_V)
        pt = _norm(hash_to_curve(b"vector-generator-" + struct.pack('<I', i)))
        _V.append(pt)
        _V_ENC.append(enc_point(pt))
    return _V[:n]


_PARAM_DIGEST = {}


def param_digest(n):
    if n not in _PARAM_DIGEST:
        gens_v(n)
        h = hashlib.sha256(enc_point(GEN_G) + enc_point(GEN_H))
        for i in range(n):
            h.update(_V_ENC[i])
        _PARAM_DIGEST[n] = h.digest()
    return _PARAM_DIGEST[n]


def com1(v, b):
    return pt_add(pt_mul(GEN_G, v), pt_mul(GEN_H, b))


# ---------------------------------------------------------------- 3 transcript

def u32(v):
    return struct.pack('<I', v)


def u64(v):
    return struct.pack('<Q', v)


class Transcript:
    def __init__(self, ident):
        if isinstance(ident, str):
            ident = ident.encode()
        self.st = hashlib.sha256(b"ZKMLPG-TRANSCRIPT-V1" + b'\x00' + u32(len(ident)) + ident).digest()
        self.trace = None

    def absorb(self, label, data):
        lb = label.encode()
        self.st = hashlib.sha256(self.st + b'\x01' + u32(len(lb)) + lb + u64(len(data)) + data).digest()
        if self.trace is not None:
            self.trace.append(('a', label, len(data)))

    def absorb_u64(self, label, v):
        self.absorb(label, u64(v))

    def absorb_scalar(self, label, x):
        self.absorb(label, enc_scalar(x))

    def absorb_scalars(self, label, xs):
        self.absorb(label, u64(len(xs)) + b''.join(enc_scalar(x) for x in xs))

    def absorb_points(self, label, pts):
        self.absorb(label, u64(len(pts)) + b''.join(enc_point(p) for p in pts))

    def challenge(self, label, nonzero=False):
        lb = label.encode()
        ctr = 0
        while True:
            out = hashlib.sha256(self.st + b'\x02' + u32(len(lb)) + lb + u32(ctr)).digest()
            o = bytearray(out)
            o[31] &= 0x3f
            v = int.from_bytes(o, 'little')
            if v < Q and (v != 0 or not nonzero):
                break
            ctr += 1
        self.st = hashlib.sha256(self.st + b'\x03' + u32(len(lb)) + lb + out).digest()
        if self.trace is not None:
            self.trace.append(('c', label))
        return v

    def challenges(self, label, k, nonzero=False):
        return [self.challenge(label, nonzero) for _ in range(k)]


# ---------------------------------------------------------------- 0 notation

def log2c(v):
    l = 0
    while (1 << l) < v:
        l += 1
    return l


def nextpow2(v):
    return 1 << log2c(v)


def eq_table(z):
    T = [1]
    for zj in z:
        T = [t * (1 - zj) % Q for t in T] + [t * zj % Q for t in T]
    return T


def eq_pt(a, b):
    r = 1
    for x, y in zip(a, b):
        r = r * ((x * y + (1 - x) * (1 - y)) % Q) % Q
    return r


def mle(f, z):
    """MLE of the table f (len 2^len(z)) at z by folding the lowest variable first."""
    f = [v % Q for v in f]
    for zj in z:
        f = [(f[2 * i] + zj * (f[2 * i + 1] - f[2 * i])) % Q for i in range(len(f) // 2)]
    assert len(f) == 1
    return f[0]


def bits_of(v, k):
    return [(v >> i) & 1 for i in range(k)]


def sha(b):
    return hashlib.sha256(b).digest()


# ---------------------------------------------------------------- 12 files: a reader

class Reader:
    def __init__(self, data, cls):
        self.d = data
        self.o = 0
        self.cls = cls

    def left(self):
        return len(self.d) - self.o

    def take(self, n, what="field"):
        if n < 0 or n > self.left():
            raise Reject("reject", self.cls, "%s: %d bytes needed, %d left" % (what, n, self.left()))
        b = self.d[self.o:self.o + n]
        self.o += n
        return b

    def u32(self, what="u32"):
        return struct.unpack('<I', self.take(4, what))[0]

    def i32(self, what="i32"):
        return struct.unpack('<i', self.take(4, what))[0]

    def u64(self, what="u64"):
        return struct.unpack('<Q', self.take(8, what))[0]

    def f64(self, what="f64"):
        return struct.unpack('<d', self.take(8, what))[0]

    def end(self):
        if self.left():
            raise Reject("reject", self.cls, "%d bytes after the last field" % self.left())


def bad(r, why):
    return Reject("reject", r.cls, why)


def check_name(r, name):
    try:
        s = name.decode('utf-8', 'strict')
    except UnicodeDecodeError:
        raise bad(r, "feature name not UTF-8")
    for ch in s:
        o = ord(ch)
        if o < 0x20 or 0x7f <= o <= 0x9f:
            raise bad(r, "control character in a feature name")


def check_scale(r, v):
    if not (v == v) or v in (float('inf'), float('-inf')) or not v > 0:
        raise bad(r, "scale not finite and positive")


# ---------------------------------------------------------------- 12.1 ZKMLMD01

class Layer:
    pass


def limb_plan(s, w):
    K = (s + w - 1) // w
    widths = [w] * (K - 1) + [s - w * (K - 1)]
    offs = []
    o = 0
    for x in widths:
        offs.append(o)
        o += x
    return widths, offs


def parse_md01(r):
    """12.1; r positioned after the magic."""
    d = {'version': 1}
    L = r.u32()
    if not 1 <= L <= 16:
        raise bad(r, "L")
    xbits = r.u32()
    if not 2 <= xbits <= 16:
        raise bad(r, "xbits")
    if r.u32() != 1:
        raise bad(r, "padding rule")
    layers = []
    for l in range(L):
        ly = Layer()
        ly.n = r.u32(); ly.m = r.u32(); ly.wbits = r.u32(); ly.Q = r.u32()
        ly.w = r.u32(); ly.s = r.u32(); ly.M = r.u32()
        if not (1 <= ly.n <= 65536 and 1 <= ly.m <= 65536):
            raise bad(r, "layer shape")
        if l > 0 and ly.n != layers[-1].m:
            raise bad(r, "n_l != m_{l-1}")
        if not (2 <= ly.wbits <= 16 and 2 <= ly.Q <= 20 and 1 <= ly.w <= 24 and 1 <= ly.s <= 64
                and 1 <= ly.M < 2 ** 31):
            raise bad(r, "layer parameter out of range")
        lim = 128 if l < L - 1 else 32768
        nb = 4 << ly.Q
        if nb > r.left():
            raise bad(r, "activation table")
        ly.act = list(struct.unpack('<%di' % (1 << ly.Q), r.take(nb)))
        if any(not -lim <= a < lim for a in ly.act):
            raise bad(r, "activation entry out of range")
        ly.kind = 3
        ly.limbw, ly.limbo = limb_plan(ly.s, ly.w)
        layers.append(ly)
    d['L'] = L
    d['xbits'] = [xbits] * layers[0].n
    d['layers'] = layers
    if r.u32() not in (0, 1):
        raise bad(r, "output kind")
    for j in range(layers[0].n):
        N = r.u32()
        if N > 63:
            raise bad(r, "name length")
        check_name(r, r.take(N))
        check_scale(r, r.f64())
        z = r.i32()
        if not -(1 << (xbits - 1)) <= z < (1 << (xbits - 1)):
            raise bad(r, "zero point")
    for i in range(layers[-1].m):
        check_scale(r, r.f64())
        z = r.i32()
        if not -32768 <= z < 32768:
            raise bad(r, "output zero point")
    return d


def parse_descriptor(data, cls):
    r = Reader(data, cls)
    magic = r.take(8, "descriptor magic")
    if magic == b"ZKMLMD01":
        d = parse_md01(r)
    elif magic == b"ZKMLMD02":
        d = parse_md02(r)
    elif magic == b"ZKMLTE01":
        d = parse_te01(r)
    else:
        raise bad(r, "descriptor magic %r" % magic)
    r.end()
    if 'layers' in d:
        d['n_in'] = d['layers'][0].n
        d['m_out'] = d['layers'][-1].m
    d['bytes'] = data
    d['digest'] = sha(data)
    return d


# ---------------------------------------------------------------- 12.2 ZKMLPUB1

def parse_public(data):
    cls = "public-file"
    r = Reader(data, cls)
    if r.take(8, "magic") != b"ZKMLPUB1":
        raise Reject("unusable", cls, "public file magic")
    try:
        D = r.u64()
        desc = parse_descriptor(r.take(D, "descriptor"), cls)
        lay = tree_layout(desc, 1) if desc['version'] == 'tree' else dense_layout(desc, 1)
        lW = r.u32()
        if lW != lay.lW:
            raise bad(r, "l_W %d, the descriptor gives %d" % (lW, lay.lW))
        rows = [dec_point(r.take(32, "W row"), cls=cls) for _ in range(1 << split(lW)[1])]
        r.end()
    except Reject as e:
        raise Reject("unusable", cls, e.why)
    return {'desc': desc, 'lW': lW, 'rows': rows, 'digest': sha(data)}


# ---------------------------------------------------------------- 12.3 ZKMLRCT1

def parse_receipt(data):
    r = Reader(data, "receipt-format")
    rc = {}
    magic = r.take(8, "magic")
    if magic != b"ZKMLRCT1":
        raise bad(r, "receipt magic %r" % magic)
    rc['magic'] = magic
    rc['digest'] = r.take(32)
    B = r.u32(); n1 = r.u32(); mL = r.u32()
    if not (1 <= B <= 1 << 24 and 1 <= n1 <= 65536 and 1 <= mL <= 65536):
        raise bad(r, "B, n_1 or m_L out of range")
    c0 = r.o
    C = r.u32()
    if C > 65536:
        raise bad(r, "context length")
    rc['context_field'] = r.take(C, "context")
    keys = []
    for b in range(B):
        k = r.u32()
        if k > 4096:
            raise bad(r, "row key length")
        keys.append(r.take(k, "row key"))
    rc['context'] = data[c0:r.o]
    if B * n1 * 4 > r.left():
        raise bad(r, "inputs")
    ib = r.take(B * n1 * 4)
    if B * mL * 4 > r.left():
        raise bad(r, "outputs")
    ob = r.take(B * mL * 4)
    rc['stmt_bytes'] = data[:r.o]
    Pn = r.u64()
    if Pn != r.left():
        raise bad(r, "proof length %d, %d bytes left" % (Pn, r.left()))
    rc['proof'] = r.take(Pn)
    rc.update(B=B, n1=n1, mL=mL, inputs_bytes=ib, outputs_bytes=ob)
    rc['inputs'] = list(struct.unpack('<%di' % (B * n1), ib))
    rc['outputs'] = list(struct.unpack('<%di' % (B * mL), ob))
    return rc


# ---------------------------------------------------------------- 4.2 / 6.3 layout

DELTA = 2


def split(l, delta=DELTA):
    """4.2's split; version 2 commits P1 with delta = 1 (7.18.0)."""
    lc = min(l, (l + 1) // 2 + delta)
    return lc, l - lc


def place(cols):
    """6.3 placement: cols is a list of (name, nvars) in canonical order; returns
    ({name: (offset, nvars)}, l)."""
    order = sorted(range(len(cols)), key=lambda i: -cols[i][1])  # stable
    pos = {}
    off = 0
    for i in order:
        name, k = cols[i]
        pos[name] = (off, k)
        off += 1 << k
    return pos, log2c(off)


class Lay:
    pass


def dense_layout(desc, B):
    """6.2-6.3 (version 1) sizes, tables, instances, columns."""
    if desc['version'] == 2:
        return dense_layout_v2(desc, B)
    Ls = desc['layers']
    L = len(Ls)
    y = Lay()
    y.L = L
    y.beta = log2c(B)
    y.nu = [log2c(ly.n) for ly in Ls]
    y.mu = [log2c(ly.m) for ly in Ls]
    # tables: RANGE widths ascending, then ACT per layer (dedup by Q and entries)
    widths = sorted({w for ly in Ls for w in ly.limbw})
    y.tables = [{'kind': 'range', 'w': w, 'wT': w} for w in widths]
    y.act_table = []
    for l, ly in enumerate(Ls):
        found = None
        for ti, t in enumerate(y.tables):
            if t['kind'] == 'act' and t['Q'] == ly.Q and t['act'] == ly.act:
                found = ti
        if found is None:
            y.tables.append({'kind': 'act', 'Q': ly.Q, 'act': ly.act, 'wT': ly.Q})
            found = len(y.tables) - 1
        y.act_table.append(found)
    y.inst = []
    for l, ly in enumerate(Ls):
        for k, w in enumerate(ly.limbw):
            y.inst.append({'l': l, 'kind': 'range', 'limb': k, 'T': widths.index(w), 'n': y.beta + y.mu[l]})
        y.inst.append({'l': l, 'kind': 'act', 'T': y.act_table[l], 'n': y.beta + y.mu[l]})
    p1 = []
    for l, ly in enumerate(Ls):
        nv = y.beta + y.mu[l]
        p1.append((('q', l), nv))
        for k in range(len(ly.limbw)):
            p1.append((('limb', l, k), nv))
        if l < L - 1:
            p1.append((('a', l), nv))
    for t, tb in enumerate(y.tables):
        p1.append((('m', t), tb['wT']))
    p2 = [(('h', k), ins['n']) for k, ins in enumerate(y.inst)]
    p2 += [(('g', t), tb['wT']) for t, tb in enumerate(y.tables)]
    wc = [(('W', l), y.nu[l] + y.mu[l]) for l in range(L)] + [(('b', l), y.mu[l]) for l in range(L)]
    y.pos1, y.lP1 = place(p1)
    y.pos2, y.lP2 = place(p2)
    y.posW, y.lW = place(wc)
    y.lP = max(y.lP1, y.lP2)
    y.n1 = max(max(y.nu), max(y.beta + m for m in y.mu), max(t['wT'] for t in y.tables))
    y.n2 = max(y.lP, y.lW)
    y.nM = nextpow2(4 * y.n1 + 3 * y.n2)
    y.kM = log2c(y.nM)
    y.lcP, y.lrP = split(y.lP)
    y.lcW, y.lrW = split(y.lW)
    y.NV = max(1 << y.lcP, 1 << y.lcW, y.nM)
    return y


# ---------------------------------------------------------------- 4 sigma protocols

def ipa_verify(tr, Cx, Cy, a, k, msgs, what):
    """4.3 verifier. msgs: dict with 'LR' (2k points), 'db' (2 points), 'z' (2 scalars)."""
    n = 1 << k
    assert len(a) == n
    tr.absorb("ipa/begin", b"")
    tr.absorb_u64("ipa/n", n)
    tr.absorb_points("ipa/CxCy", [Cx, Cy])
    s = tr.challenge("ipa/s", True)
    us = []
    LR = msgs['LR']
    for j in range(k):
        tr.absorb_points("ipa/LR", [LR[2 * j], LR[2 * j + 1]])
        us.append(tr.challenge("ipa/u", True))
    uinv = [inv(u) for u in us]
    sig = [1] * n
    for i in range(n):
        v = 1
        for j in range(k):
            v = v * (us[j] if (i >> (k - 1 - j)) & 1 else uinv[j]) % Q
        sig[i] = v
    ah = sum(x * y for x, y in zip(a, sig)) % Q
    if ah == 0:
        raise rej("proof-check", what + ": a^ = 0")
    delta, beta = msgs['db']
    tr.absorb_points("ipa/db", [delta, beta])
    c = tr.challenge("ipa/c")
    z1, z2 = msgs['z']
    tr.absorb_scalars("ipa/z", [z1, z2])
    V = gens_v(n)
    Vh = msm(V, sig)
    Gam = pt_add(Cx, pt_mul(Cy, s))
    Gam = pt_add(Gam, msm([LR[2 * j] for j in range(k)] + [LR[2 * j + 1] for j in range(k)],
                          [u * u for u in us] + [ui * ui for ui in uinv]))
    lhs = pt_add(pt_mul(pt_add(pt_mul(Gam, c), beta), ah), delta)
    rhs = pt_add(pt_mul(pt_add(Vh, pt_mul(GEN_G, ah * s)), z1), pt_mul(GEN_H, z2))
    if not pt_eq(lhs, rhs):
        raise rej("proof-check", what + ": inner-product check fails")


def hyrax_verify(tr, rows, Cv, z, msgs, what, lc=None):
    """4.4 verifier (lc given: a split other than 4.2's, for version 2's P1 (7.18.0) and
    the X opening of 7.20.4)."""
    l = len(z)
    if lc is None:
        lc, lr = split(l)
    Rv = eq_table(z[:lc])
    Lv = eq_table(z[lc:])
    CLZ = msm(rows, Lv)
    tr.absorb("pcs/begin", b"")
    tr.absorb_u64("pcs/ell", l)
    tr.absorb_scalars("pcs/point", z)
    ipa_verify(tr, CLZ, Cv, Rv, lc, msgs, what)


def product_verify(tr, X, Y, Z, pf, what):
    """4.5 verifier. pf: (A, B, D, [z1..z5])."""
    A, Bp, D, zs = pf
    tr.absorb("prod/begin", b"")
    tr.absorb_points("prod/XYZ", [X, Y, Z])
    tr.absorb_points("prod/ABD", [A, Bp, D])
    c = tr.challenge("prod/c")
    tr.absorb_scalars("prod/z", zs)
    z1, z2, z3, z4, z5 = zs
    if not pt_eq(pt_add(A, pt_mul(X, c)), com1(z1, z2)):
        raise rej("proof-check", what + ": product proof, first equation")
    if not pt_eq(pt_add(Bp, pt_mul(Y, c)), com1(z3, z4)):
        raise rej("proof-check", what + ": product proof, second equation")
    if not pt_eq(pt_add(D, pt_mul(Z, c)), pt_add(pt_mul(X, z3), pt_mul(GEN_H, z5))):
        raise rej("proof-check", what + ": product proof, third equation")


class Sumcheck:
    """Section 5, the verifier's part: the chain of claims and the two relations' mask
    coefficients."""

    def __init__(self, tr, S, n, D, base, T, rounds):
        self.n, self.D, self.base, self.T = n, D, base, T
        tr.absorb_scalar(S + "/T", T)
        claim = T
        self.r = []
        for j in range(n):
            cs = rounds[j]
            tr.absorb_scalars(S + "/round", cs)
            rj = tr.challenge(S + "/r")
            c0 = cs[0]
            hi = cs[1:]
            c1 = (claim - 2 * c0 - sum(hi)) % Q
            coeffs = [c0, c1] + list(hi)
            claim = sum(c * pow(rj, e, Q) for e, c in enumerate(coeffs)) % Q
            self.r.append(rj)
        self.final = claim

    def init_mask(self, rho):
        """R_init: mask coefficients {slot: coef}."""
        A = {}
        for i in range(self.n):
            for e in range(self.D + 1):
                w = pow(2, self.n, Q) if e == 0 else pow(2, self.n - 1, Q)
                A[self.base + i * (self.D + 1) + e] = rho * w % Q
        return A

    def final_mask(self, rho):
        A = {}
        for i in range(self.n):
            for e in range(self.D + 1):
                A[self.base + i * (self.D + 1) + e] = rho * pow(self.r[i], e, Q) % Q
        return A

    def suffix(self, k):
        return self.r[self.n - k:] if k else []


# ---------------------------------------------------------------- 7.13 proof bytes

class Proof:
    """The proof's elements, decoded in full before any check (so an invalid encoding is
    always proof-encoding, 13.2)."""

    def __init__(self, body, parts):
        need = sum(32 * c for _, _, c in parts)
        if len(body) != need:
            raise rej("proof-encoding", "proof body of %d bytes, %d expected" % (len(body), need))
        self.p = {}
        o = 0
        for name, kind, cnt in parts:
            vals = []
            for _ in range(cnt):
                b = body[o:o + 32]
                o += 32
                vals.append(dec_point(b) if kind == 'p' else dec_scalar(b))
            self.p.setdefault(name, []).append(vals)
        self.used = {}

    def get(self, name):
        i = self.used.get(name, 0)
        self.used[name] = i + 1
        return self.p[name][i]


def ipa_parts(pre, k):
    return [(pre + "LR", 'p', 2 * k), (pre + "db", 'p', 2), (pre + "z", 's', 2)]


def ipa_msgs(pf, pre):
    return {'LR': pf.get(pre + "LR"), 'db': pf.get(pre + "db"), 'z': pf.get(pre + "z")}


def check_header(proof, magic, version, mode=None):
    if len(proof) < 16:
        raise rej("proof-encoding", "proof shorter than its header")
    h = proof[:16]
    if h[:8] != magic:
        raise rej("proof-encoding", "proof magic %r" % h[:8])
    if h[8] != version:
        raise rej("proof-encoding", "proof version %d" % h[8])
    rest = h[9:]
    if mode is not None:
        if rest[0] != mode:
            raise rej("proof-encoding", "input mode byte %d" % rest[0])
        rest = rest[1:]
    if any(rest):
        raise rej("proof-encoding", "reserved header byte not zero")
    return proof[16:]


# ---------------------------------------------------------------- 7 the inference proof (v1)

def padded_matrix(vals, rows, cols, beta, colbits, pad_col_value):
    """6.2-6.3: vals row-major [b][i] (rows = B, cols = features or outputs); returns the
    table at index b + 2^beta·i, batch rows >= B copy row B-1, columns >= cols hold
    pad_col_value (a function of i)."""
    nb = 1 << beta
    out = [0] * (nb << colbits)
    for i in range(1 << colbits):
        for b in range(nb):
            bb = min(b, rows - 1)
            out[b + nb * i] = vals[bb * cols + i] if i < cols else pad_col_value(i)
    return out


class LinAcc:
    """4.6: relations Σ a_i·v_i + <A, mask> = K over the committed scalars."""

    def __init__(self):
        self.coms = []
        self.rels = []

    def commit(self, pts):
        base = len(self.coms)
        self.coms.extend(pts)
        return list(range(base, base + len(pts)))

    def add(self, a, A, K):
        self.rels.append((a, A, K % Q))

    def verify(self, tr, CM, nM, kM, msgs):
        a_tot = {}
        A_tot = [0] * nM
        K_tot = 0
        for a, A, K in self.rels:
            w = tr.challenge("lin/omega")
            for i, c in a.items():
                a_tot[i] = (a_tot.get(i, 0) + w * c) % Q
            for s, c in A.items():
                A_tot[s] = (A_tot[s] + w * c) % Q
            K_tot = (K_tot + w * K) % Q
        idx = sorted(a_tot)
        Cy = pt_add(pt_mul(GEN_G, K_tot), pt_neg(msm([self.coms[i] for i in idx], [a_tot[i] for i in idx])))
        ipa_verify(tr, CM, Cy, A_tot, kM, msgs, "linear relations")


def addf(form, i, c):
    form[i] = (form.get(i, 0) + c) % Q


def idx_mle(z):
    return sum(pow(2, j, Q) * zj for j, zj in enumerate(z)) % Q


class Form:
    """Σ a_i·v_i + c over committed scalars (16.4.1)."""

    def __init__(self, a=None, c=0):
        self.a = dict(a or {})
        self.c = c % Q

    def add(self, i, coef):
        addf(self.a, i, coef)
        return self

    def com(self, coms):
        idx = sorted(self.a)
        return pt_add(msm([coms[i] for i in idx], [self.a[i] for i in idx]), pt_mul(GEN_G, self.c))


def check_inputs(desc, rc):
    xb = desc['xbits']
    n1 = rc['n1']
    for idx, v in enumerate(rc['inputs']):
        w = xb[idx % n1]
        if not -(1 << (w - 1)) <= v < (1 << (w - 1)):
            raise rej("statement-domain", "input %d outside its %d-bit range" % (idx, w))


def statement(tr, pub, lay, rc, NV):
    tr.absorb("stmt/params", sha(param_digest(NV) + u32(DELTA) + u32(16) + u32(16)))
    tr.absorb("stmt/model-descriptor", pub['desc']['digest'])
    tr.absorb_points("stmt/W-rows", pub['rows'])
    tr.absorb_u64("stmt/B", rc['B'])
    tr.absorb("stmt/context", rc['context'])
    tr.absorb("stmt/inputs", sha(rc['inputs_bytes']))
    tr.absorb("stmt/outputs", sha(rc['outputs_bytes']))


def verify_v1(pub, rc):
    desc = pub['desc']
    Ls = desc['layers']
    B = rc['B']
    y = dense_layout(desc, B)
    L = y.L
    if y.lP1 > 28 or y.lP2 > 28 or y.n1 > 48 or y.n2 > 48:
        raise Reject("unusable", "limits", "beyond the limits of section 7")
    body = check_header(rc['proof'], b"ZKMLPG01", 1)
    NK, NT = len(y.inst), len(y.tables)
    nfin = L + 2 * (L - 1) + sum(4 if (i['kind'] == 'act' and i['l'] < L - 1) else 3 for i in y.inst) + 2 * NT
    parts = [("P1rows", 'p', 1 << y.lrP), ("maskC", 'p', 1), ("P2rows", 'p', 1 << y.lrP),
             ("pre", 'p', sum(len(ly.limbw) + 2 for ly in Ls)),
             ("S1T", 's', 1), ("S1rounds", 's', 3 * y.n1), ("S1finals", 'p', nfin)]
    for _ in range((L - 1) + NK):
        parts += [("prodABD", 'p', 3), ("prodz", 's', 5)]
    parts += [("S2T", 's', 1), ("S2rounds", 's', 2 * y.n2), ("S2finals", 'p', 3)]
    parts += ipa_parts("oP", y.lcP) + ipa_parts("oW", y.lcW) + ipa_parts("lin", y.kM)
    pf = Proof(body, parts)

    tr = Transcript("ZKMLPG-V1/inference")
    statement(tr, pub, y, rc, y.NV)
    acc = LinAcc()
    P1rows = pf.get("P1rows")
    tr.absorb_points("P1/rows", P1rows)
    CM = pf.get("maskC")[0]
    tr.absorb_points("mask/C", [CM])
    alpha = tr.challenge("lookup/alpha")
    gamma = tr.challenge("lookup/gamma")
    P2rows = pf.get("P2rows")
    tr.absorb_points("P2/rows", P2rows)
    tau = []
    for l in range(L):
        t = tr.challenges("mm/tau", y.beta + y.mu[l])
        tau.append((t[:y.beta], t[y.beta:]))
    tauLK = tr.challenges("lk/tau", y.n1)
    pre = pf.get("pre")
    tr.absorb_points("S1/pre-claims", pre)
    pre_i = acc.commit(pre)
    C = {}
    it = iter(pre_i)
    for l, ly in enumerate(Ls):
        C[('q', l)] = next(it)
        for k in range(len(ly.limbw)):
            C[('limb', l, k)] = next(it)
        C[('b', l)] = next(it)
    lmm = tr.challenges("S1/lambda-mm", L)
    llk = tr.challenges("S1/lambda-lk", NK)
    ltb = tr.challenges("S1/lambda-tb", NT)
    zeta = tr.challenges("S1/zeta", NT)
    rho1 = tr.challenge("S1/rho", True)
    rs = pf.get("S1rounds")
    S1 = Sumcheck(tr, "S1", y.n1, 3, 0, pf.get("S1T")[0], [rs[3 * j:3 * j + 3] for j in range(y.n1)])
    n1 = y.n1

    # R1
    a1 = {}
    K1 = S1.T
    for l, ly in enumerate(Ls):
        f = lmm[l] * pow(2, n1 - y.nu[l], Q) % Q
        fm = f * inv(ly.M) % Q
        addf(a1, C[('q', l)], fm * pow(2, ly.s, Q))
        for k, o in enumerate(ly.limbo):
            addf(a1, C[('limb', l, k)], fm * pow(2, o, Q))
        addf(a1, C[('b', l)], -f)
        K1 = (K1 + fm * pow(2, ly.s - 1, Q)) % Q

    # S1 finals
    fin = pf.get("S1finals")
    fin_i = acc.commit(fin)
    it = iter(fin_i)
    names = []
    for l in range(L):
        names.append(('w', l))
    for l in range(1, L):
        names += [('x', l), ('p', l)]
    for k, ins in enumerate(y.inst):
        names += [('hk', k), ('col', k)]
        if ins['kind'] == 'act' and ins['l'] < L - 1:
            names.append(('ak', k))
        names.append(('P', k))
    for t in range(NT):
        names += [('gT', t), ('mT', t)]
    for nm in names:
        C[nm] = next(it)
    tr.absorb_points("S1/finals", fin)
    com = acc.coms

    # product proofs
    for l in range(1, L):
        A, Bp, D = pf.get("prodABD")
        product_verify(tr, com[C[('w', l)]], com[C[('x', l)]], com[C[('p', l)]], (A, Bp, D, pf.get("prodz")),
                       "layer %d" % (l + 1))
    out_last = padded_matrix(rc['outputs'], B, rc['mL'], y.beta, y.mu[L - 1],
                             lambda i: Ls[L - 1].act[1 << (Ls[L - 1].Q - 1)])
    for k, ins in enumerate(y.inst):
        rk = S1.suffix(ins['n'])
        if ins['kind'] == 'range':
            Yk = com[C[('col', k)]]
        elif ins['l'] < L - 1:
            Yk = pt_add(com[C[('col', k)]], pt_mul(com[C[('ak', k)]], gamma))
        else:
            Yk = pt_add(com[C[('col', k)]], pt_mul(GEN_G, gamma * mle(out_last, rk)))
        A, Bp, D = pf.get("prodABD")
        product_verify(tr, com[C[('hk', k)]], Yk, com[C[('P', k)]], (A, Bp, D, pf.get("prodz")),
                       "lookup %d" % (k + 1))

    # R2
    a2 = {}
    K2 = S1.final
    xpub = padded_matrix(rc['inputs'], B, rc['n1'], y.beta, y.nu[0], lambda i: 0)
    for l in range(L):
        rl = S1.suffix(y.nu[l])
        if l == 0:
            addf(a2, C[('w', 0)], lmm[0] * mle(xpub, tau[0][0] + rl))
        else:
            addf(a2, C[('p', l)], lmm[l])
    for k, ins in enumerate(y.inst):
        nk = ins['n']
        ek = eq_pt(S1.suffix(nk), tauLK[n1 - nk:])
        z2 = zeta[ins['T']] * inv(pow(2, n1 - nk, Q)) % Q
        addf(a2, C[('hk', k)], llk[k] * ek * alpha + z2)
        addf(a2, C[('P', k)], -llk[k] * ek)
        K2 = (K2 + llk[k] * ek) % Q
    for t, tb in enumerate(y.tables):
        wT = tb['wT']
        rT = S1.suffix(wT)
        eT = eq_pt(rT, tauLK[n1 - wT:])
        tval = sum(pow(2, i, Q) * rT[i] for i in range(wT)) % Q
        if tb['kind'] == 'act':
            tval = (tval - pow(2, tb['Q'] - 1, Q) + gamma * mle(tb['act'], rT)) % Q
        z2 = zeta[t] * inv(pow(2, n1 - wT, Q)) % Q
        addf(a2, C[('gT', t)], ltb[t] * eT * (alpha - tval) - z2)
        addf(a2, C[('mT', t)], -ltb[t] * eT)
    acc.add(a1, S1.init_mask(rho1), K1)
    acc.add(a2, S1.final_mask(rho1), K2)

    # claims of S2
    claims = []  # (committed index, poly, column, point)
    for l, ly in enumerate(Ls):
        tl = tau[l][0] + tau[l][1]
        claims.append((C[('q', l)], 'P1', ('q', l), tl))
        for k in range(len(ly.limbw)):
            claims.append((C[('limb', l, k)], 'P1', ('limb', l, k), tl))
        claims.append((C[('b', l)], 'W', ('b', l), tau[l][1]))
    for l in range(L):
        claims.append((C[('w', l)], 'W', ('W', l), S1.suffix(y.nu[l]) + tau[l][1]))
    for l in range(1, L):
        claims.append((C[('x', l)], 'P1', ('a', l - 1), tau[l][0] + S1.suffix(y.nu[l])))
    for k, ins in enumerate(y.inst):
        rk = S1.suffix(ins['n'])
        claims.append((C[('hk', k)], 'P2', ('h', k), rk))
        col = ('limb', ins['l'], ins['limb']) if ins['kind'] == 'range' else ('q', ins['l'])
        claims.append((C[('col', k)], 'P1', col, rk))
        if ('ak', k) in C:
            claims.append((C[('ak', k)], 'P1', ('a', ins['l']), rk))
    for t, tb in enumerate(y.tables):
        rT = S1.suffix(tb['wT'])
        claims.append((C[('gT', t)], 'P2', ('g', t), rT))
        claims.append((C[('mT', t)], 'P1', ('m', t), rT))
    return finish_s2(tr, pf, acc, y, claims, n1, CM, P1rows, P2rows, pub['rows'])


def lift(y, poly, col, z):
    pos = {'P1': y.pos1, 'P2': getattr(y, 'pos2', None), 'W': y.posW}[poly]
    off, kappa = pos[col]
    assert len(z) == kappa, (poly, col, len(z), kappa)
    lp = y.lW if poly == 'W' else y.lP
    return list(z) + bits_of(off >> kappa, lp - kappa)


def finish_s2(tr, pf, acc, y, claims, n1, CM, P1rows, P2rows, Wrows, extra=(), xopen=None, wname="W"):
    """7.9-7.12 (version 1), 7.18.5-7.18.6 (version 2: P2rows None, no mu, the relations
    R5 and the tree's in extra, added after R4); 16.4 items 22-27 likewise, N as 'W'."""
    theta = tr.challenges("S2/theta", len(claims))
    rho2 = tr.challenge("S2/rho", True)
    rs = pf.get("S2rounds")
    n2 = y.n2
    S2 = Sumcheck(tr, "S2", n2, 2, 4 * n1, pf.get("S2T")[0], [rs[2 * j:2 * j + 2] for j in range(n2)])
    a3 = {}
    lifted = []
    for th, (ci, poly, col, z) in zip(theta, claims):
        lv = y.lW if poly == 'W' else y.lP
        addf(a3, ci, th * pow(2, n2 - lv, Q))
        lifted.append((th, poly, lift(y, poly, col, z)))
    acc.add(a3, S2.init_mask(rho2), S2.T)
    fin2 = pf.get("S2finals")
    tr.absorb_points("S2/finals", fin2)
    if P2rows is None:
        u1, uW = acc.commit(fin2)
        u2 = None
    else:
        u1, u2, uW = acc.commit(fin2)
    rP = S2.suffix(y.lP)
    rW = S2.suffix(y.lW)
    Kx = {'P1': 0, 'P2': 0, 'W': 0}
    for th, poly, zh in lifted:
        Kx[poly] = (Kx[poly] + th * eq_pt(zh, rW if poly == 'W' else rP)) % Q
    a4 = {}
    addf(a4, u1, Kx['P1'])
    if u2 is not None:
        addf(a4, u2, Kx['P2'])
    addf(a4, uW, Kx['W'])
    acc.add(a4, S2.final_mask(rho2), S2.final)
    for rel in extra:
        acc.add(*rel)
    com = acc.coms
    if P2rows is None:
        hyrax_verify(tr, P1rows, com[u1], rP, ipa_msgs(pf, "oP"), "opening of P1",
                     getattr(y, 'lcP', None))
        hyrax_verify(tr, Wrows, com[uW], rW, ipa_msgs(pf, "oW"), "opening of " + wname)
        if xopen:
            xopen()
        acc.verify(tr, CM, y.nM, y.kM, ipa_msgs(pf, "lin"))
        return tr
    mu = tr.challenge("pcs/mu")
    rowsP = [pt_add(a, pt_mul(b, mu)) for a, b in zip(P1rows, P2rows)]
    hyrax_verify(tr, rowsP, pt_add(com[u1], pt_mul(com[u2], mu)), rP, ipa_msgs(pf, "oP"), "opening of P1 + mu P2")
    hyrax_verify(tr, Wrows, com[uW], rW, ipa_msgs(pf, "oW"), "opening of W")
    acc.verify(tr, CM, y.nM, y.kM, ipa_msgs(pf, "lin"))
    return tr




# ---------------------------------------------------------------- 12.5 ZKMLMD02, 6.4-6.5 layout

def parse_md02(r):
    d = {'version': 2}
    L = r.u32()
    if not 1 <= L <= 16:
        raise bad(r, "L")
    if r.u32() != 2:
        raise bad(r, "padding rule")
    layers = []
    for l in range(L):
        ly = Layer()
        ly.n = r.u32(); ly.m = r.u32(); ly.s = r.u32(); ly.w = r.u32(); ly.kind = r.u32(); ly.Q = r.u32()
        if not (1 <= ly.n <= 65536 and 1 <= ly.m <= 65536):
            raise bad(r, "layer shape")
        if l > 0 and ly.n != layers[-1].m:
            raise bad(r, "n_l != m_{l-1}")
        if not (1 <= ly.s <= 64 and 1 <= ly.w <= 16 and 0 <= ly.kind <= 3 and 2 <= ly.Q <= 16):
            raise bad(r, "layer parameter out of range")
        ly.wu = ly.lo = ly.hi = None
        ly.act = None
        if ly.kind <= 2:
            ly.wu = r.u32()
            if not 1 <= ly.wu <= 16:
                raise bad(r, "w_u")
        if ly.kind == 2:
            ly.lo = r.i32(); ly.hi = r.i32()
            if not -(1 << (ly.Q - 1)) <= ly.lo <= ly.hi < (1 << (ly.Q - 1)):
                raise bad(r, "clamp bounds")
        if ly.kind == 3:
            nb = 4 << ly.Q
            if nb > r.left():
                raise bad(r, "activation table")
            ly.act = list(struct.unpack('<%di' % (1 << ly.Q), r.take(nb)))
            if any(not -32768 <= a < 32768 for a in ly.act):
                raise bad(r, "activation entry out of range")
        ly.limbw, ly.limbo = limb_plan(ly.s, ly.w)
        if ly.kind <= 2:
            ly.uw, ly.uo = limb_plan(ly.Q - 1, ly.wu)
            ly.dw, ly.do = limb_plan(ly.Q, ly.wu)
        layers.append(ly)
    d['L'] = L
    d['layers'] = layers
    if r.u32() not in (0, 1):
        raise bad(r, "output kind")
    xb = []
    for j in range(layers[0].n):
        w = r.u32()
        if not 2 <= w <= 16:
            raise bad(r, "xbits_j")
        xb.append(w)
        N = r.u32()
        if N > 63:
            raise bad(r, "name length")
        nm = r.take(N)
        check_name(r, nm)
        check_scale(r, r.f64())
        z = r.i32()
        if not -(1 << (w - 1)) <= z < (1 << (w - 1)):
            raise bad(r, "zero point")
    d['xbits'] = xb
    last = layers[-1]
    for i in range(last.m):
        check_scale(r, r.f64())
        z = r.i32()
        lim = 1 << 15 if last.kind == 3 else 1 << (last.Q - 1)
        if not -lim <= z < lim:
            raise bad(r, "output zero point")
    return d


def act_v2(ly, qv):
    """6.4 step 4."""
    if ly.kind == 0:
        return qv
    if ly.kind == 1:
        return max(qv, 0)
    if ly.kind == 2:
        return min(max(qv, ly.lo), ly.hi)
    return ly.act[qv + (1 << (ly.Q - 1))]


def wr_omega():
    return [(y + 1).bit_length() - 1 for y in range(512)]


def dense_layout_v2(desc, B, committed=False):
    """6.5 and 7.18.0 (7.20.1, 7.20.3 in committed mode): tables, lookups, PW instances,
    P1 columns, leaf blocks, sizes."""
    Ls = desc['layers']
    L = len(Ls)
    y = Lay()
    y.L = L
    y.beta = log2c(B)
    y.nu = [log2c(ly.n) for ly in Ls]
    y.mu = [log2c(ly.m) for ly in Ls]
    y.qpub = Ls[-1].kind == 0
    widths = set()
    for ly in Ls:
        widths |= set(ly.limbw)
        if ly.kind <= 2:
            widths |= set(ly.uw) | {1}
        if ly.kind == 2:
            widths |= set(ly.dw)
    y.committed = committed
    y.tables = [{'kind': 'wr', 'wT': 9}] if committed else []
    t0 = len(y.tables)
    y.tables += [{'kind': 'range', 'w': w, 'wT': w} for w in sorted(widths)]
    rangeT = {w: t0 + i for i, w in enumerate(sorted(widths))}
    acttab = {}
    for l, ly in enumerate(Ls):
        if ly.kind == 3:
            found = None
            for ti, t in enumerate(y.tables):
                if t['kind'] == 'act' and t['Q'] == ly.Q and t['act'] == ly.act:
                    found = ti
            if found is None:
                y.tables.append({'kind': 'act', 'Q': ly.Q, 'act': ly.act, 'wT': ly.Q})
                found = len(y.tables) - 1
            acttab[l] = found
    y.inst = []
    y.pw = []
    p1 = []
    if committed:
        xb = desc['xbits']
        y.Kx = (max(xb) + 7) // 8
        y.inw = [[min(8, max(0, w - 8 * k)) for w in xb] for k in range(y.Kx)]
        nvin = y.beta + y.nu[0]
        for k in range(y.Kx):
            p1.append((('vin', k), nvin))
            y.inst.append({'l': -1, 'kind': 'input', 'col': ('vin', k), 'T': 0, 'n': nvin, 'k': k})
    for l, ly in enumerate(Ls):
        nv = y.beta + y.mu[l]
        last = l == L - 1
        if not (last and ly.kind == 0):
            p1.append((('q', l), nv))
        for k, w in enumerate(ly.limbw):
            p1.append((('rem', l, k), nv))
            y.inst.append({'l': l, 'kind': 'range', 'col': ('rem', l, k), 'T': rangeT[w], 'n': nv})
        if ly.kind <= 2:
            for k, w in enumerate(ly.uw):
                p1.append((('v', l, k), nv))
                y.inst.append({'l': l, 'kind': 'range', 'col': ('v', l, k), 'T': rangeT[w], 'n': nv})
            p1.append((('t', l), nv))
            y.inst.append({'l': l, 'kind': 'range', 'col': ('t', l), 'T': rangeT[1], 'n': nv})
        if ly.kind == 2:
            for side in ('lo', 'hi'):
                for k, w in enumerate(ly.dw):
                    p1.append((('v' + side, l, k), nv))
                    y.inst.append({'l': l, 'kind': 'range', 'col': ('v' + side, l, k), 'T': rangeT[w], 'n': nv})
                p1.append((('t' + side, l), nv))
                y.inst.append({'l': l, 'kind': 'range', 'col': ('t' + side, l), 'T': rangeT[1], 'n': nv})
            p1.append((('z', l), nv))
        if ly.kind == 3:
            y.inst.append({'l': l, 'kind': 'act', 'col': ('q', l), 'T': acttab[l], 'n': nv,
                           'apub': last})
        if not last and ly.kind in (1, 2, 3):
            p1.append((('a', l), nv))
        if ly.kind == 1:
            y.pw.append({'l': l, 'kind': 'relu', 'n': nv})
        if ly.kind == 2:
            y.pw.append({'l': l, 'kind': 'hi', 'n': nv})
            y.pw.append({'l': l, 'kind': 'lo', 'n': nv})
    for t, tb in enumerate(y.tables):
        p1.append((('m', t), tb['wT']))
    wc = [(('W', l), y.nu[l] + y.mu[l]) for l in range(L)] + [(('b', l), y.mu[l]) for l in range(L)]
    y.pos1, y.lP1 = place(p1)
    y.posW, y.lW = place(wc)
    y.lP = y.lP1
    blocks = [(('I', k), ins['n']) for k, ins in enumerate(y.inst)] + \
             [(('T', t), tb['wT']) for t, tb in enumerate(y.tables)]
    y.posLeaf, y.d = place(blocks)
    y.n1 = max(max(y.nu), max(y.beta + m for m in y.mu))
    if committed:
        y.n1 = max(y.n1, y.beta + y.nu[0])
    y.n2 = max(y.lP, y.lW)
    d = y.d
    y.nM = nextpow2(4 * y.n1 + 3 * y.n2 + 2 * d * (d - 1))
    y.kM = log2c(y.nM)
    y.lcP, y.lrP = split(y.lP, 1)
    y.lcW, y.lrW = split(y.lW)
    y.NV = max(1 << y.lcP, 1 << y.lcW, y.nM)
    if committed:
        y.NV = max(y.NV, 1 << y.nu[0])
    y.NLC = sum(2 if (ins['kind'] == 'act' and not ins['apub']) else 1 for ins in y.inst) + len(y.tables)
    return y


def x_source(Ls, l):
    """The P1 column that holds X_l for l >= 1 (0-based): a_{l-1}, or q_{l-1} for kind 0."""
    return ('q', l - 1) if Ls[l - 1].kind == 0 else ('a', l - 1)


def out_matrix_v2(desc, rc, y):
    Ls = desc['layers']
    last = Ls[-1]
    pad = act_v2(last, 0)
    return padded_matrix(rc['outputs'], rc['B'], rc['mL'], y.beta, y.mu[-1], lambda i: pad)


def check_domain(pub, rc):
    """12.3 step 4: the statement lies in the model's domain, before its proof is decoded."""
    if not rc.get('committed'):
        check_inputs(pub['desc'], rc)
    if pub['desc']['version'] == 2:
        check_outputs_v2(pub['desc'], rc)


def check_outputs_v2(desc, rc):
    last = desc['layers'][-1]
    if last.kind == 3:
        return
    h = 1 << (last.Q - 1)
    lo, hi = {0: (-h, h - 1), 1: (0, h - 1), 2: (last.lo, last.hi)}[last.kind]
    for v in rc['outputs']:
        if not lo <= v <= hi:
            raise rej("statement-domain", "output %d outside the range of the last layer" % v)


def group_field(rc, i=1, k=1, G=None):
    if G is None:
        G = sha(b"ZKMLPG-V2/group" + u32(1) + sha(rc['stmt_bytes']))
    return u32(i) + u32(k) + G


def gkr_parts(d):
    """7.18.7: the tree's layers 0..d-1 in proof order."""
    parts = []
    for j in range(d):
        if j > 0:
            parts += [("GT", 's', 1), ("Grounds", 's', 3 * j)]
        parts += [("Gfinals", 'p', 6)]
        parts += [("prodABD", 'p', 3), ("prodz", 's', 5)] * 2
    return parts


def gkr_layers(tr, pf, acc, y, rhoG):
    """7.18.3 layers 0..d-1 (mask bases of 7.18.0 from y.n1, y.n2): the relations G_0,
    G_j^init, G_j^final, layer d-1's (PE, PO, QE, QO, r_d) and z_d."""
    com = acc.coms
    rels = []

    def finals():
        f = pf.get("Gfinals")
        tr.absorb_points("GKR/finals", f)
        return acc.commit(f)

    def prod(X, Y, Z, what):
        product_verify(tr, X, Y, Z, tuple(pf.get("prodABD")) + (pf.get("prodz"),), what)
    # layer 0
    PE, PO, QE, QO, A, Bb = finals()
    prod(com[PE], com[QO], com[A], "tree layer 0")
    prod(com[QE], com[PO], com[Bb], "tree layer 0")
    rels.append(({A: 1, Bb: 1}, {}, 0))
    r = tr.challenge("GKR/line")
    z = [r]
    prev = (PE, PO, QE, QO, r)
    for j in range(1, y.d):
        lam = tr.challenge("GKR/lambda")
        base = 4 * y.n1 + 3 * y.n2 + 2 * j * (j - 1)
        T = pf.get("GT")[0]
        rs = pf.get("Grounds")
        S = Sumcheck(tr, "GKR", j, 3, base, T, [rs[3 * i:3 * i + 3] for i in range(j)])
        pPE, pPO, pQE, pQO, rr = prev
        a = {}
        addf(a, pPE, 1 - rr); addf(a, pPO, rr)
        addf(a, pQE, lam * (1 - rr)); addf(a, pQO, lam * rr)
        rels.append((a, S.init_mask(rhoG), T))
        PE, PO, QE, QO, A, Bb = finals()
        prod(com[PE], com[QO], com[A], "tree layer %d" % j)
        prod(com[QE], pt_add(com[PO], pt_mul(com[QO], lam)), com[Bb], "tree layer %d" % j)
        e = eq_pt(z, S.r)
        rels.append(({A: e, Bb: e}, S.final_mask(rhoG), S.final))
        r = tr.challenge("GKR/line")
        z = [r] + S.r
        prev = (PE, PO, QE, QO, r)
    return rels, prev, z


def gkr_leaf_relations(y, zd, prev, eta, alpha, lookups, tables):
    """7.18.6 G_leaf^p and G_leaf^q with the blocks of y.posLeaf (6.6.2). lookups: (block,
    table, Form f_k~); tables: (block, table, index of m_T~, Form t_T~), each Form's
    constant its public part."""
    d = y.d

    def sel(name):
        off, kap = y.posLeaf[name]
        return eq_pt(zd[kap:], bits_of(off >> kap, d - kap))
    pPE, pPO, pQE, pQO, rr = prev
    ap, aq = {}, {}
    addf(ap, pPE, 1 - rr); addf(ap, pPO, rr)
    addf(aq, pQE, 1 - rr); addf(aq, pQO, rr)
    Kp, Kq = 0, 1
    for blk, t, f in lookups:
        sk = sel(blk)
        Kp += eta[t] * sk
        for i, c in f.a.items():
            addf(aq, i, sk * c)
        Kq += sk * (alpha - f.c) - sk
    for blk, t, mi, tf in tables:
        st = sel(blk)
        addf(ap, mi, eta[t] * st)
        for i, c in tf.a.items():
            addf(aq, i, st * c)
        Kq += st * (alpha - tf.c) - st
    return [(ap, {}, Kp % Q), (aq, {}, Kq % Q)]


# ---------------------------------------------------------------- 7.17-7.18 version 2

def verify_v2(pub, rc, group=None):
    desc = pub['desc']
    Ls = desc['layers']
    B = rc['B']
    cm = bool(rc.get('committed'))
    y = dense_layout_v2(desc, B, cm)
    L = y.L
    if y.lP1 > 28 or y.n1 > 48 or y.n2 > 48 or y.d > 28:
        raise Reject("unusable", "limits", "beyond the limits of section 7")
    body = check_header(rc['proof'], b"ZKMLPG01", 2, 1 if cm else 0)
    tid = "ZKMLPG-V2/inference-committed" if cm else "ZKMLPG-V2/inference"
    NT = len(y.tables)
    d = y.d
    npw_fin = 0
    for p in y.pw:
        apub = p['l'] == L - 1
        npw_fin += 4 if p['kind'] == 'hi' else (3 if apub else 4)
    npre = 0
    for l, ly in enumerate(Ls):
        npre += (0 if (l == L - 1 and ly.kind == 0) else 1) + len(ly.limbw) + 1
        if ly.kind <= 2:
            npre += len(ly.uw) + 1
        if ly.kind == 2:
            npre += 2 * (len(ly.dw) + 1)
    parts = [("P1rows", 'p', 1 << y.lrP), ("maskC", 'p', 1)]
    parts += gkr_parts(d)
    parts += [("Gleaves", 'p', y.NLC), ("pre", 'p', npre), ("S1T", 's', 1), ("S1rounds", 's', 3 * y.n1),
              ("S1finals", 'p', L + 2 * (L - 1) + npw_fin + (2 + y.Kx if cm else 0))]
    parts += [("prodABD", 'p', 3), ("prodz", 's', 5)] * ((L - 1) + len(y.pw) + (1 if cm else 0))
    parts += [("S2T", 's', 1), ("S2rounds", 's', 2 * y.n2), ("S2finals", 'p', 2)]
    parts += ipa_parts("oP", y.lcP) + ipa_parts("oW", y.lcW)
    if cm:
        parts += ipa_parts("oX", y.nu[0])
    parts += ipa_parts("lin", y.kM)
    pf = Proof(body, parts)

    tr = Transcript(tid)
    if cm:
        statement_committed(tr, pub, rc, y.NV)
    else:
        statement(tr, pub, y, rc, y.NV)
    tr.absorb("stmt/group", group if group is not None else group_field(rc))
    acc = LinAcc()
    P1rows = pf.get("P1rows")
    tr.absorb_points("P1/rows", P1rows)
    CM = pf.get("maskC")[0]
    tr.absorb_points("mask/C", [CM])
    alpha = tr.challenge("lookup/alpha")
    gamma = tr.challenge("lookup/gamma")
    eta = tr.challenges("GKR/weight", NT)
    rhoG = tr.challenge("GKR/rho", True)
    com = acc.coms
    rels_g, prev, zd = gkr_layers(tr, pf, acc, y, rhoG)
    leaves = pf.get("Gleaves")
    tr.absorb_points("GKR/leaves", leaves)
    leaf_i = iter(acc.commit(leaves))
    leaf_claims = []  # (index, column, point)
    lk = []  # per instance: (committed f index, committed a index or None)
    for k, ins in enumerate(y.inst):
        yk = zd[:ins['n']]
        ci = next(leaf_i)
        leaf_claims.append((ci, ins['col'], yk))
        ai = None
        if ins['kind'] == 'act' and not ins['apub']:
            ai = next(leaf_i)
            leaf_claims.append((ai, ('a', ins['l']), yk))
        lk.append((ci, ai))
    mT = []
    for t, tb in enumerate(y.tables):
        ci = next(leaf_i)
        leaf_claims.append((ci, ('m', t), zd[:tb['wT']]))
        mT.append(ci)
    out = out_matrix_v2(desc, rc, y)
    fks = []
    for k, ins in enumerate(y.inst):
        ci, ai = lk[k]
        f = Form({ci: 1})
        if ins['kind'] == 'act':
            if ai is not None:
                f.add(ai, gamma)
            else:
                f.c = gamma * mle(out, zd[:ins['n']]) % Q
        if ins['kind'] == 'input':
            f.c = c_in_mle(y, ins['k'], gamma, zd[y.beta:ins['n']])
        fks.append((('I', k), ins['T'], f))
    tts = []
    for t, tb in enumerate(y.tables):
        yT = zd[:tb['wT']]
        tval = idx_mle(yT)
        if tb['kind'] == 'act':
            tval = (tval - pow(2, tb['Q'] - 1, Q) + gamma * mle(tb['act'], yT)) % Q
        if tb['kind'] == 'wr':
            tval = (tval + gamma * mle(wr_omega(), yT)) % Q
        tts.append((('T', t), t, mT[t], Form(c=tval)))
    rels_g += gkr_leaf_relations(y, zd, prev, eta, alpha, fks, tts)

    # S1
    tau = []
    for l in range(L):
        t = tr.challenges("mm/tau", y.beta + y.mu[l])
        tau.append((t[:y.beta], t[y.beta:]))
    tauLK = tr.challenges("lk/tau", y.n1)
    pre = pf.get("pre")
    tr.absorb_points("S1/pre-claims", pre)
    it = iter(acc.commit(pre))
    C = {}
    claims = []
    for l, ly in enumerate(Ls):
        tl = tau[l][0] + tau[l][1]
        names = []
        if not (l == L - 1 and ly.kind == 0):
            names.append(('q', l))
        names += [('rem', l, k) for k in range(len(ly.limbw))]
        if ly.kind <= 2:
            names += [('v', l, k) for k in range(len(ly.uw))] + [('t', l)]
        if ly.kind == 2:
            names += [('vlo', l, k) for k in range(len(ly.dw))] + [('tlo', l)]
            names += [('vhi', l, k) for k in range(len(ly.dw))] + [('thi', l)]
        for nm in names:
            C[nm] = next(it)
            claims.append((C[nm], 'P1', nm, tl))
        C[('b', l)] = next(it)
        claims.append((C[('b', l)], 'W', ('b', l), tau[l][1]))
    lmm = tr.challenges("S1/lambda-mm", L)
    lpw = tr.challenges("S1/lambda-pw", len(y.pw))
    rho1 = tr.challenge("S1/rho", True)
    rs = pf.get("S1rounds")
    n1 = y.n1
    S1 = Sumcheck(tr, "S1", n1, 3, 0, pf.get("S1T")[0], [rs[3 * j:3 * j + 3] for j in range(n1)])
    # R1
    a1 = {}
    K1 = S1.T
    for l, ly in enumerate(Ls):
        f = lmm[l] * pow(2, n1 - y.nu[l], Q) % Q
        if ('q', l) in C:
            addf(a1, C[('q', l)], f * pow(2, ly.s, Q))
        else:
            K1 -= f * pow(2, ly.s, Q) * public_q_tau(out, tau)
        for k, o in enumerate(ly.limbo):
            addf(a1, C[('rem', l, k)], f * pow(2, o, Q))
        addf(a1, C[('b', l)], -f)
        K1 += f * pow(2, ly.s - 1, Q)
    # finals
    fin = pf.get("S1finals")
    tr.absorb_points("S1/finals", fin)
    it = iter(acc.commit(fin))
    for l in range(L):
        C[('w', l)] = next(it)
    for l in range(0 if cm else 1, L):
        C[('x', l)] = next(it)
        C[('p', l)] = next(it)
    ein = []
    if cm:
        z1 = tau[0][0] + S1.suffix(y.nu[0])
        for k in range(y.Kx):
            ein.append(next(it))
    pwv = []
    for p in y.pw:
        l = p['l']
        apub = l == L - 1
        rl = S1.suffix(p['n'])
        ent = {}
        if p['kind'] == 'relu':
            seq = ([] if apub else [('a', l)]) + [('t', l), ('q', l)]
        elif p['kind'] == 'hi':
            seq = [('z', l), ('thi', l), ('q', l)]
        else:
            seq = ([] if apub else [('a', l)]) + [('tlo', l), ('z', l)]
        for nm in seq:
            ent[nm[0]] = next(it)
            claims_pw = (ent[nm[0]], 'P1', nm, rl)
            p.setdefault('claims', []).append(claims_pw)
        ent['P'] = next(it)
        pwv.append(ent)
    for l in range(0 if cm else 1, L):
        product_verify(tr, com[C[('w', l)]], com[C[('x', l)]], com[C[('p', l)]],
                       tuple(pf.get("prodABD")) + (pf.get("prodz"),), "layer %d" % (l + 1))
    for p, ent in zip(y.pw, pwv):
        tk = 't' if p['kind'] == 'relu' else ('thi' if p['kind'] == 'hi' else 'tlo')
        yk = 'q' if p['kind'] in ('relu', 'hi') else 'z'
        product_verify(tr, com[ent[tk]], com[ent[yk]], com[ent['P']],
                       tuple(pf.get("prodABD")) + (pf.get("prodz"),), "zero-check of layer %d" % (p['l'] + 1))
    # R2
    a2 = {}
    K2 = S1.final
    for l in range(L):
        rl = S1.suffix(y.nu[l])
        if l == 0 and not cm:
            addf(a2, C[('w', 0)], lmm[0] * x1_eval(rc, y, tau[0][0] + rl))
        else:
            addf(a2, C[('p', l)], lmm[l])
    for i, (p, ent) in enumerate(zip(y.pw, pwv)):
        l = p['l']
        ly = Ls[l]
        rl = S1.suffix(p['n'])
        e = lpw[i] * eq_pt(tauLK[n1 - p['n']:], rl) % Q
        if p['kind'] == 'hi':
            addf(a2, ent['z'], e); addf(a2, ent['P'], -e); addf(a2, ent['thi'], e * ly.hi)
            K2 += e * ly.hi
        else:
            if 'a' in ent:
                addf(a2, ent['a'], e)
            else:
                K2 -= e * mle(out, rl)
            addf(a2, ent['P'], -e)
            if p['kind'] == 'lo':
                addf(a2, ent['tlo'], e * ly.lo)
                K2 += e * ly.lo
    acc.add(a1, S1.init_mask(rho1), K1)
    acc.add(a2, S1.final_mask(rho1), K2)
    # R5
    r5 = []
    for l, ly in enumerate(Ls):
        if ly.kind > 2:
            continue
        tl = tau[l][0] + tau[l][1]
        h = 1 << (ly.Q - 1)

        def qform(a, c):
            if ('q', l) in C:
                addf(a, C[('q', l)], c)
                return 0
            return c * public_q_tau(out, tau)
        a = {}
        K = -h - qform(a, 1)
        for k, o in enumerate(ly.uo):
            addf(a, C[('v', l, k)], -pow(2, o, Q))
        addf(a, C[('t', l)], -h)
        r5.append((a, {}, K))
        if ly.kind == 2:
            a = {}
            K = ly.lo - (1 << ly.Q) - qform(a, 1)
            for k, o in enumerate(ly.do):
                addf(a, C[('vlo', l, k)], -pow(2, o, Q))
            addf(a, C[('tlo', l)], -(1 << ly.Q))
            r5.append((a, {}, K))
            a = {}
            K = -ly.hi - (1 << ly.Q) - qform(a, -1)
            for k, o in enumerate(ly.do):
                addf(a, C[('vhi', l, k)], -pow(2, o, Q))
            addf(a, C[('thi', l)], -(1 << ly.Q))
            r5.append((a, {}, K))
    # claims of S2: pre-claims (above), finals except products, leaves
    for l in range(L):
        claims.append((C[('w', l)], 'W', ('W', l), S1.suffix(y.nu[l]) + tau[l][1]))
    for l in range(1, L):
        claims.append((C[('x', l)], 'P1', x_source(Ls, l), tau[l][0] + S1.suffix(y.nu[l])))
    for k, ci in enumerate(ein):
        claims.append((ci, 'P1', ('vin', k), z1))
    for p in y.pw:
        claims += p['claims']
    for ci, col, pt in leaf_claims:
        claims.append((ci, 'P1', col, pt))
    xopen = None
    if cm:
        rin = {C[('x', 0)]: 1}
        for k, ci in enumerate(ein):
            addf(rin, ci, -pow(2, 8 * k, Q))
        rnu = S1.suffix(y.nu[0])
        Sv = sum(eq_pt(rnu, bits_of(j, y.nu[0])) * pow(2, w - 1, Q) for j, w in enumerate(desc['xbits'])) % Q
        rels_g.append((rin, {}, -Sv))
        rowsX = [rc['rows'][min(b, B - 1)] for b in range(1 << y.beta)]

        def xopen():
            hyrax_verify(tr, rowsX, com[C[('x', 0)]], rnu + tau[0][0], ipa_msgs(pf, "oX"), "opening of X",
                         lc=y.nu[0])
    return finish_s2(tr, pf, acc, y, claims, n1, CM, P1rows, None, pub['rows'], r5 + rels_g, xopen)


def public_q_tau(out, tau):
    """OUT~(τ_L), the public q_L of a kind 0 output layer."""
    return mle(out, tau[-1][0] + tau[-1][1])


def x1_eval(rc, y, pt):
    """X~pub at pt (7.12 R2, public mode)."""
    xpub = padded_matrix(rc['inputs'], rc['B'], rc['n1'], y.beta, y.nu[0], lambda i: 0)
    return mle(xpub, pt)


# ---------------------------------------------------------------- 12.7 ZKMLTE01, 15-16 trees

def parse_te01(r):
    d = {'version': 'tree'}
    T = r.u32(); D = r.u32(); n = r.u32(); F = r.u32(); tf = r.u32()
    if not 1 <= T <= 65536:
        raise bad(r, "T")
    if not (1 <= D <= 20 and log2c(T) + D <= 22):
        raise bad(r, "D")
    if not 1 <= n <= 65536:
        raise bad(r, "n")
    if not 0 <= F <= 30:
        raise bad(r, "F")
    if tf not in (0, 1):
        raise bad(r, "transform")
    d.update(T=T, D=D, n=n, F=F, transform=tf)
    if tf == 1:
        s = r.u32(); Qw = r.u32(); G = r.u32()
        if not (1 <= s <= 32 and 2 <= Qw <= 20 and 0 <= G <= 30):
            raise bad(r, "s, Q or G")
        nb = 4 << Qw
        if nb > r.left():
            raise bad(r, "table")
        d.update(s=s, Q=Qw, G=G, table=list(struct.unpack('<%di' % (1 << Qw), r.take(nb))))
    if r.u32() not in (0, 1):
        raise bad(r, "output kind")
    for j in range(n):
        N = r.u32()
        if N > 63:
            raise bad(r, "name length")
        check_name(r, r.take(N))
    d['n_in'] = n
    d['m_out'] = 1
    return d


class TreeLay:
    pass


LIMB = 11   # 16.1: every limb of the tree proof


def tree_layout(desc, B, committed=False):
    """16.1 sizes, 16.2 columns, 16.3 tables, lookups and leaf blocks (16.10.3 with
    committed inputs)."""
    y = TreeLay()
    y.committed = committed
    T, D, n = desc['T'], desc['D'], desc['n']
    y.beta = log2c(B)
    y.tau = log2c(T)
    y.nu = D
    y.lam = log2c(n)
    y.g = y.beta + y.tau
    y.D = D
    tbl = desc['transform'] == 1
    y.K = (desc['s'] + LIMB - 1) // LIMB if tbl else 0
    y.w = desc['s'] - LIMB * (y.K - 1) if tbl else 0
    y.tables = [('NODE', y.tau + y.nu), ('LEAF', y.tau + y.nu), ('ROW', y.beta + y.lam), ('R11', LIMB)]
    if tbl and y.w < LIMB:
        y.tables.append(('Rw', y.w))
    if tbl:
        y.tables.append(('OUTT', desc['Q']))
    tix = {nm: i for i, (nm, _) in enumerate(y.tables)}
    y.tix = tix
    y.inst = []                         # (kind, index, variables, table)
    for s in range(D):
        y.inst += [('NODE', s, y.g, tix['NODE']), ('ROW', s, y.g, tix['ROW'])]
        y.inst += [('C', (s, i), y.g, tix['R11']) for i in range(3)]
    y.inst.append(('LEAF', None, y.g, tix['LEAF']))
    if tbl:
        y.inst.append(('OUTT', None, y.beta, tix['OUTT']))
        for k in range(y.K):
            last = k == y.K - 1
            y.inst.append(('LIMB', k, y.beta, tix['Rw'] if (last and y.w < LIMB) else tix['R11']))
    if committed:
        y.inst += [('IN', k, y.beta + y.lam, tix['R11']) for k in range(3)]
    y.grid = ['b', 'f', 'k', 'd', 'x', 'm', 'e', 'c0', 'c1', 'c2']
    p1 = []
    for s in range(D):
        for c in y.grid:
            p1.append(((c, s), y.g))
    p1.append((('v',), y.g))
    if tbl:
        p1 += [(('S',), y.beta), (('q',), y.beta)] + [(('limb', k), y.beta) for k in range(y.K)]
    if committed:
        p1 += [(('M',), y.beta + y.lam)] + [(('I', k), y.beta + y.lam) for k in range(3)]
    p1 += [(('mult', t), wv) for t, (_, wv) in enumerate(y.tables)]
    y.p1cols = p1
    y.pos1, y.lP1 = place(p1)
    y.lP = y.lP1
    y.lN = y.tau + y.nu + 2
    y.lW = y.lN
    y.posW = {('N', c): (c << (y.tau + y.nu), y.tau + y.nu) for c in range(4)}
    blocks = [(('I', i), ins[2]) for i, ins in enumerate(y.inst)] + \
             [(('T', t), wv) for t, (_, wv) in enumerate(y.tables)]
    y.posLeaf, y.d = place(blocks)
    y.n1 = max(1, y.g, y.beta + y.lam if committed else 0)
    y.n2 = max(y.lP1, y.lN)
    d = y.d
    y.nM = nextpow2(4 * y.n1 + 3 * y.n2 + 2 * d * (d - 1))
    y.kM = log2c(y.nM)
    y.NV = max(y.nM, 1 << split(y.lP1)[0])
    y.NLC = 9 * D + 1 + (y.K + 1 if tbl else 0) + (5 if committed else 0) + 4 + len(y.tables)
    return y


def verify_tree(pub, rc, group=None):
    """16.4 (16.10.4 with committed inputs)."""
    desc = pub['desc']
    B = rc['B']
    cm = bool(rc.get('committed'))
    y = tree_layout(desc, B, cm)
    D = y.D
    tbl = desc['transform'] == 1
    if y.g > 30 or y.d > 28:
        raise Reject("unusable", "limits", "beyond the limits of 16.1")
    body = check_header(rc['proof'], b"ZKMLPT01", 2, 1 if cm else 0)
    NT = len(y.tables)
    n1, n2 = y.n1, y.n2
    nprod = 3 * D + (2 if cm else 0)
    parts = [("P1rows", 'p', 1 << split(y.lP1)[1]), ("maskC", 'p', 1)] + gkr_parts(y.d)   # 16.8
    parts.append(("Gleaves", 'p', y.NLC))
    if tbl:
        parts.append(("pre", 'p', 2 + y.K))
    parts += [("S1T", 's', 1), ("S1rounds", 's', 3 * n1),
              ("S1finals", 'p', 9 * D + 1 + (4 if cm else 0)), ("S1products", 'p', nprod)]
    parts += [("prodABD", 'p', 3), ("prodz", 's', 5)] * nprod
    parts += [("S2T", 's', 1), ("S2rounds", 's', 2 * n2), ("S2finals", 'p', 2)]
    parts += ipa_parts("oP", split(y.lP1)[0]) + ipa_parts("oW", split(y.lN)[0])
    parts += (ipa_parts("oX", y.lam) if cm else []) + ipa_parts("lin", y.kM)
    pf = Proof(body, parts)

    tr = Transcript("ZKMLPG-V2/trees-committed" if cm else "ZKMLPG-V2/trees")
    tr.absorb("stmt/params", sha(param_digest(y.NV) + u32(DELTA) + u32(LIMB)))
    tr.absorb("stmt/model-descriptor", desc['digest'])
    tr.absorb_points("stmt/N-rows", pub['rows'])
    tr.absorb_u64("stmt/B", B)
    tr.absorb("stmt/context", rc['context'])
    if cm:
        tr.absorb("stmt/nonce", rc['nonce'])
        tr.absorb_points("stmt/input-rows", rc['rows'])
    else:
        tr.absorb("stmt/inputs", sha(rc['inputs_bytes']))
    tr.absorb("stmt/outputs", sha(rc['outputs_bytes']))
    tr.absorb("stmt/group", group if group is not None else group_field(rc))  # 16.4, 12.10.2
    acc = LinAcc()
    P1rows = pf.get("P1rows")
    tr.absorb_points("P1/rows", P1rows)
    CM = pf.get("maskC")[0]
    tr.absorb_points("mask/C", [CM])
    alpha = tr.challenge("lookup/alpha")
    gamma = tr.challenge("lookup/gamma")
    eta = tr.challenges("GKR/weight", NT)
    rhoG = tr.challenge("GKR/rho", True)
    com = acc.coms
    rels_g, prev, zd = gkr_layers(tr, pf, acc, y, rhoG)      # 16.4 items 12-15
    # 16.4 item 16: the leaf claims
    n = desc['n']
    nb = 1 << y.beta
    outp = [rc['outputs'][min(b, B - 1)] for b in range(nb)]
    yg, yb, yt = zd[:y.g], zd[:y.beta], zd[y.beta:y.g]
    yN = zd[:y.tau + y.nu]
    yin = zd[:y.beta + y.lam]
    leaves = pf.get("Gleaves")
    tr.absorb_points("GKR/leaves", leaves)
    it = iter(acc.commit(leaves))
    Lc = {}
    leaf_claims = []                    # (index, polynomial, column, point)

    def leaf(nm, poly, pt):
        Lc[nm] = next(it)
        leaf_claims.append((Lc[nm], poly, nm, pt))
    for s in range(D):
        for c in ('b', 'f', 'k', 'd', 'x', 'm', 'c0', 'c1', 'c2'):
            leaf((c, s), 'P1', yg)
    leaf(('v',), 'P1', yg)
    if tbl:
        for nm in [('q',)] + [('limb', k) for k in range(y.K)]:
            leaf(nm, 'P1', yb)
    if cm:
        for nm in [('M',)] + [('I', k) for k in range(3)]:
            leaf(nm, 'P1', yin)
        Lc[('xt',)] = next(it)          # x~ = X~(y_in): settled by the X opening, no claim
    for c in range(4):
        leaf(('N', c), 'W', yN)
    for t, (_, wT) in enumerate(y.tables):
        leaf(('mult', t), 'P1', zd[:wT])

    def lf(nm, coef=1):
        return Form({Lc[nm]: coef})
    # 16.4.1: the lookups' values at y_g, y_β (y_in), the tables' at y_T
    fks = []
    for i, (kind, s, nk, t) in enumerate(y.inst):
        if kind == 'NODE':
            ff = Form(c=pow(2, y.nu, Q) * idx_mle(yt) + pow(2, s, Q))
            for j in range(s):
                ff.add(Lc[('b', j)], pow(2, s - 1 - j, Q))
            ff.add(Lc[('f', s)], gamma).add(Lc[('k', s)], gamma * gamma).add(Lc[('d', s)], pow(gamma, 3, Q))
        elif kind == 'ROW':
            ff = Form(c=idx_mle(yb))
            ff.add(Lc[('f', s)], pow(2, y.beta, Q)).add(Lc[('x', s)], gamma).add(Lc[('m', s)], gamma * gamma)
        elif kind == 'C':
            ff = lf(('c%d' % s[1], s[0]))
        elif kind == 'LEAF':
            ff = Form(c=pow(2, y.nu, Q) * idx_mle(yt))
            for j in range(D):
                ff.add(Lc[('b', j)], pow(2, D - 1 - j, Q))
            ff.add(Lc[('v',)], gamma)
        elif kind == 'OUTT':
            ff = lf(('q',))
            ff.c = gamma * mle(outp, yb) % Q
        elif kind == 'IN':
            ff = lf(('I', s))
        else:
            ff = lf(('limb', s))
        fks.append((('I', i), t, ff))
    tts = []
    for t, (name, wT) in enumerate(y.tables):
        yT = zd[:wT]
        if name == 'NODE':
            tf = Form(c=idx_mle(yN)).add(Lc[('N', 0)], gamma).add(Lc[('N', 1)], gamma * gamma)
            tf.add(Lc[('N', 2)], pow(gamma, 3, Q))
        elif name == 'LEAF':
            tf = Form(c=idx_mle(yN)).add(Lc[('N', 3)], gamma)
        elif name == 'ROW' and cm:      # 16.10.3: idx(y_in) + γ·x~ + γ²·M~
            tf = Form(c=idx_mle(yin)).add(Lc[('xt',)], gamma).add(Lc[('M',)], gamma * gamma)
        elif name == 'ROW':
            X = [rc['inputs'][min(b, B - 1) * n + j] if j < n else 0
                 for j in range(1 << y.lam) for b in range(nb)]
            Mi = [1 if v == -2 ** 31 else 0 for v in X]
            tf = Form(c=idx_mle(yT) + gamma * mle(X, yT) + gamma * gamma * mle(Mi, yT))
        elif name == 'OUTT':
            tf = Form(c=idx_mle(yT) - pow(2, desc['Q'] - 1, Q) + gamma * mle(desc['table'], yT))
        else:
            tf = Form(c=idx_mle(yT))
        tts.append((('T', t), t, Lc[('mult', t)], tf))
    rels_g += gkr_leaf_relations(y, zd, prev, eta, alpha, fks, tts)
    if cm:                              # R_in (16.10.4), last
        rels_g.append(({Lc[('xt',)]: 1, Lc[('M',)]: 1, Lc[('I', 0)]: -1, Lc[('I', 1)]: -(1 << LIMB),
                        Lc[('I', 2)]: -(1 << 2 * LIMB)}, {}, 1 - pow(2, 31, Q)))

    # 16.4 items 17-21: S1
    tauZ = tr.challenges("tree/tau-z", y.g)
    tauS = tr.challenges("tree/tau-s", y.beta)
    tauLK = tr.challenges("lk/tau", n1)
    C = {}
    claims = []
    rels = []
    if tbl:
        pre = pf.get("pre")
        tr.absorb_points("S1/pre-claims", pre)
        it = iter(acc.commit(pre))
        for nm in [('S',), ('q',)] + [('limb', k) for k in range(y.K)]:
            C[('pre',) + nm] = next(it)
            claims.append((C[('pre',) + nm], 'P1', nm, tauS))
        a = {C[('pre', 'S')]: 1}
        addf(a, C[('pre', 'q')], -pow(2, desc['s'], Q))
        for k in range(y.K):
            addf(a, C[('pre', 'limb', k)], -pow(2, LIMB * k, Q))
        rels.append((a, {}, -pow(2, desc['s'] - 1, Q)))
    lz = tr.challenges("S1/lambda-z", 3 * D)
    lS = tr.challenge("S1/lambda-s")
    lin_ = tr.challenges("S1/lambda-in", 2) if cm else None
    rho1 = tr.challenge("S1/rho", True)
    rs = pf.get("S1rounds")
    S1 = Sumcheck(tr, "S1", n1, 3, 0, pf.get("S1T")[0], [rs[3 * j:3 * j + 3] for j in range(n1)])
    # R_init
    a1 = {}
    K1 = S1.T
    f = pow(2, n1 - y.g, Q) * lS % Q
    if tbl:
        addf(a1, C[('pre', 'S')], f)
    else:
        K1 -= f * mle(outp, tauS)
    rg = S1.suffix(y.g)
    rb = rg[:y.beta]
    rin = S1.suffix(y.beta + y.lam)
    fin = pf.get("S1finals")
    tr.absorb_points("S1/finals", fin)
    it = iter(acc.commit(fin))
    for s in range(D):
        for c in ('b', 'k', 'd', 'x', 'm', 'e', 'c0', 'c1', 'c2'):
            C[(c, s)] = next(it)
            claims.append((C[(c, s)], 'P1', (c, s), rg))
    C[('v',)] = next(it)
    claims.append((C[('v',)], 'P1', ('v',), rg))
    if cm:
        for nm in [('M',)] + [('I', k) for k in range(3)]:
            C[nm] = next(it)
            claims.append((C[nm], 'P1', nm, rin))
    prods = pf.get("S1products")
    tr.absorb_points("S1/products", prods)
    pit = iter(acc.commit(prods))

    def cf(nm):
        return Form({C[nm]: 1})
    pairs = []  # (X form, Y form, product index, label)
    for s in range(D):
        pairs.append((cf(('b', s)), cf(('b', s)), next(pit), "level %d b*b" % s))
        pairs.append((cf(('m', s)), cf(('d', s)), next(pit), "level %d m*d" % s))
        yf = Form({C[('x', s)]: 1, C[('e', s)]: pow(2, 32, Q), C[('k', s)]: -1})
        pairs.append((cf(('b', s)), yf, next(pit), "level %d b*y" % s))
    if cm:
        uf = Form({C[('I', 0)]: 1, C[('I', 1)]: 1 << LIMB, C[('I', 2)]: 1 << 2 * LIMB})
        pairs.append((cf(('M',)), cf(('M',)), next(pit), "M*M"))
        pairs.append((cf(('M',)), uf, next(pit), "M*u"))
    for X, Yf, pi, what in pairs:
        A, Bp, Dp = pf.get("prodABD")
        product_verify(tr, X.com(com), Yf.com(com), com[pi], (A, Bp, Dp, pf.get("prodz")), what)
    # R_final
    a2 = {}
    K2 = S1.final
    eZ = eq_pt(tauZ, rg)
    for s in range(D):
        Pbb, Pmd, Pby = pairs[3 * s][2], pairs[3 * s + 1][2], pairs[3 * s + 2][2]
        lb, lm, lc_ = lz[3 * s], lz[3 * s + 1], lz[3 * s + 2]
        addf(a2, C[('b', s)], lb * eZ); addf(a2, Pbb, -lb * eZ)
        addf(a2, C[('e', s)], lm * eZ); addf(a2, Pmd, -lm * eZ)
        e = lc_ * eZ
        addf(a2, Pby, 2 * e); addf(a2, C[('x', s)], -e); addf(a2, C[('e', s)], -e * pow(2, 32, Q))
        addf(a2, C[('k', s)], e); K2 += e; addf(a2, C[('b', s)], e); addf(a2, C[('c0', s)], -e)
        addf(a2, C[('c1', s)], -e * (1 << LIMB)); addf(a2, C[('c2', s)], -e * (1 << 2 * LIMB))
    addf(a2, C[('v',)], lS * eq_pt(tauS, rb))
    if cm:
        # IN (16.10.4): λ0·e_in·(M~ - P_MM) + λ1·e_in·P_Mu, e_in = eq(τ_in, r_in)
        PMM, PMu = pairs[3 * D][2], pairs[3 * D + 1][2]
        e_in = eq_pt(tauLK[n1 - (y.beta + y.lam):], rin)
        addf(a2, C[('M',)], lin_[0] * e_in); addf(a2, PMM, -lin_[0] * e_in)
        addf(a2, PMu, lin_[1] * e_in)
    for rel in rels:
        acc.add(*rel)
    acc.add(a1, S1.init_mask(rho1), K1)
    acc.add(a2, S1.final_mask(rho1), K2)
    claims += leaf_claims
    xopen = None
    if cm:
        # X at (y_in's feature coordinates, then its row coordinates), rows C_min(b, B-1)
        rowsX = [rc['rows'][min(b, B - 1)] for b in range(nb)]

        def xopen():
            hyrax_verify(tr, rowsX, com[Lc[('xt',)]], yin[y.beta:] + yin[:y.beta], ipa_msgs(pf, "oX"),
                         "opening of X", lc=y.lam)
    # 16.4 items 22-27: S2 over P1 and N, the openings, the relations
    finish_s2(tr, pf, acc, y, claims, n1, CM, P1rows, None, pub['rows'], rels_g, xopen, "N")


# ---------------------------------------------------------------- 12.3 the order of checks

def verify_receipt(pub_bytes, rct_bytes):
    """Returns (verdict, class, why) for a receipt against a public file (12.3, 13.2)."""
    try:
        pub = parse_public(pub_bytes)
        magic = rct_bytes[:8]
        if magic == b"ZKMLRCTM":
            return verify_container(pub, rct_bytes)
        if magic == b"ZKMLRCC1":
            rc = parse_receipt_committed(rct_bytes)
        else:
            rc = parse_receipt(rct_bytes)
        if rc['digest'] != pub['digest']:
            raise rej("model-mismatch", "the receipt names another model")
        if rc['n1'] != pub['desc']['n_in'] or rc['mL'] != pub['desc']['m_out']:
            raise rej("shape-mismatch", "n_1 or m_L is not the model's")
        verify_statement(pub, rc)
        return ("accept", "-", "")
    except Reject as e:
        return (e.verdict, e.cls, e.why)


def verify_statement(pub, rc):
    v = pub['desc']['version']
    if v == 'tree':
        return verify_tree(pub, rc)
    check_domain(pub, rc)
    if rc.get('committed'):
        return verify_committed(pub, rc)
    if v == 1:
        return verify_v1(pub, rc)
    return verify_v2(pub, rc)


def parse_receipt_committed(data):
    """12.9.1-12.9.2."""
    r = Reader(data, "receipt-format")
    rc = {'committed': True}
    if r.take(8, "magic") != b"ZKMLRCC1":
        raise bad(r, "receipt magic")
    rc['digest'] = r.take(32)
    B = r.u32(); n1 = r.u32(); mL = r.u32()
    if not (1 <= B <= 1 << 24 and 1 <= n1 <= 65536 and 1 <= mL <= 65536):
        raise bad(r, "B, n_1 or m_L out of range")
    c0 = r.o
    C = r.u32()
    if C > 65536:
        raise bad(r, "context length")
    rc['context_field'] = r.take(C, "context")
    keys = []
    for b in range(B):
        k = r.u32()
        if k > 4096:
            raise bad(r, "row key length")
        keys.append(r.take(k, "row key"))
    rc['context'] = data[c0:r.o]
    rc['keys'] = keys
    rc['nonce'] = r.take(32, "nonce")
    if B * 64 > r.left():
        raise bad(r, "row commitments")
    rows = []
    for b in range(B):
        x = int.from_bytes(r.take(32), 'little')
        yv = int.from_bytes(r.take(32), 'little')
        if x >= P or yv >= P or (yv * yv - x * x * x + 17) % P:
            raise bad(r, "row commitment %d is not an affine point of E" % b)
        rows.append((x, yv, 1))
    rc['rows'] = rows
    if B * mL * 4 > r.left():
        raise bad(r, "outputs")
    ob = r.take(B * mL * 4)
    rc['stmt_bytes'] = data[:r.o]
    Pn = r.u64()
    if Pn != r.left():
        raise bad(r, "proof length %d, %d bytes left" % (Pn, r.left()))
    rc['proof'] = r.take(Pn)
    rc.update(B=B, n1=n1, mL=mL, outputs_bytes=ob)
    rc['outputs'] = list(struct.unpack('<%di' % (B * mL), ob))
    return rc


def statement_committed(tr, pub, rc, NV):
    """7.20.2, items 1-8."""
    tr.absorb("stmt/params", sha(param_digest(NV) + u32(DELTA) + u32(16) + u32(16)))
    tr.absorb("stmt/model-descriptor", pub['desc']['digest'])
    tr.absorb_points("stmt/W-rows", pub['rows'])
    tr.absorb_u64("stmt/B", rc['B'])
    tr.absorb("stmt/context", rc['context'])
    tr.absorb("stmt/nonce", rc['nonce'])
    tr.absorb_points("stmt/input-rows", rc['rows'])
    tr.absorb("stmt/outputs", sha(rc['outputs_bytes']))


def c_in_mle(y, k, gamma, rj):
    """c_k~ at the feature coordinates rj (7.20.3)."""
    tot = 0
    for j, w in enumerate(y.inw[k]):
        tot += eq_pt(rj, bits_of(j, len(rj))) * ((1 << w) - 1 + gamma * w)
    return tot % Q


def parse_container(data):
    """12.10.1."""
    r = Reader(data, "receipt-format")
    if r.take(8, "magic") != b"ZKMLRCTM":
        raise bad(r, "container magic")
    k = r.u32()
    if not 2 <= k <= 65536:
        raise bad(r, "k")
    total = r.u64()
    if not 2 <= total <= 1 << 32:
        raise bad(r, "total rows")
    parts = []
    for i in range(k):
        n = r.u64()
        if n < 8 or n > r.left():
            raise bad(r, "length of part %d" % (i + 1))
        pb = r.take(n)
        if pb[:8] == b"ZKMLRCT1":
            parts.append(parse_receipt(pb))
        elif pb[:8] == b"ZKMLRCC1":
            parts.append(parse_receipt_committed(pb))
        else:
            raise bad(r, "part %d: magic %r" % (i + 1, pb[:8]))
        parts[-1]['magic'] = pb[:8]
    r.end()
    p0 = parts[0]
    for i, pt in enumerate(parts):
        for f in ('magic', 'digest', 'n1', 'mL', 'context_field'):
            if pt[f] != p0[f]:
                raise bad(r, "part %d: %s differs from part 1's" % (i + 1, f))
    if sum(pt['B'] for pt in parts) != total:
        raise bad(r, "total rows is not the sum of the parts' B")
    return parts


def verify_container(pub, data):
    """12.10.3."""
    parts = parse_container(data)
    p0 = parts[0]
    if p0['digest'] != pub['digest']:
        raise rej("model-mismatch", "the container names another model")
    if p0['n1'] != pub['desc']['n_in'] or p0['mL'] != pub['desc']['m_out']:
        raise rej("shape-mismatch", "n_1 or m_L is not the model's")
    if pub['desc']['version'] not in (2, 'tree'):
        raise rej("receipt-format", "containers exist for version 2 networks and trees only")
    k = len(parts)
    G = sha(b"ZKMLPG-V2/group" + u32(k) + b''.join(sha(pt['stmt_bytes']) for pt in parts))
    for i, pt in enumerate(parts):
        try:
            if pt.get('committed'):
                if pub['desc']['version'] not in (2, 'tree'):
                    raise rej("proof-encoding", "a committed receipt for a ZKMLMD01 model")
            group = u32(i + 1) + u32(k) + G
            if pub['desc']['version'] == 'tree':
                verify_tree(pub, pt, group=group)
            else:
                check_domain(pub, pt)
                verify_v2(pub, pt, group=group)
        except Reject as e:
            raise Reject(e.verdict, e.cls, "part %d of %d: %s" % (i + 1, k, e.why))
    return ("accept", "-", "")


def verify_committed(pub, rc):
    """12.9.3 step 4: the rule of the three magics (7.19.1), then the proof."""
    if pub['desc']['version'] != 2:
        raise rej("proof-encoding", "a committed receipt for a ZKMLMD01 model")
    return verify_v2(pub, rc)


# ---------------------------------------------------------------- KAT and MANIFEST

def run_kat(path):
    kat = {}
    for line in open(path):
        if line.startswith('#') or not line.strip():
            continue
        k, _, v = line.rstrip('\n').rpartition(' ')
        kat[k] = v
    ok = True

    def chk(name, got):
        nonlocal ok
        good = kat[name] == got
        ok &= good
        print("%-4s %s" % ("ok" if good else "FAIL", name))
    chk("q_dec", str(Q))
    chk("r_base_dec", str(P))
    chk("expand_message_xmd(msg='', dst='QUUX-V01-CS02-with-expander-SHA256-128', L=32)",
        expand_message_xmd(b'', b'QUUX-V01-CS02-with-expander-SHA256-128', 32).hex())
    chk("G", enc_point(GEN_G).hex())
    chk("H", enc_point(GEN_H).hex())
    V = gens_v(1024)
    for i in range(8):
        chk("V_%d" % i, enc_point(V[i]).hex())
    chk("sha256(enc(V_0)||...||enc(V_1023))", hashlib.sha256(b''.join(_V_ENC[:1024])).hexdigest())
    tr = Transcript("ZKMLPG-V1/kat")
    chk("transcript_init('ZKMLPG-V1/kat').state", tr.st.hex())
    tr.absorb_scalar("x", 1)
    chk("after absorb_scalar('x',1): challenge('c')", enc_scalar(tr.challenge("c")).hex())
    tr.absorb("P", enc_point(GEN_G))  # one point: its 32 bytes, no count
    chk("after absorb_point('P',G): challenge('c')", enc_scalar(tr.challenge("c")).hex())
    chk("ComV([1..8]; 5)", enc_point(pt_add(msm(V[:8], list(range(1, 9))), pt_mul(GEN_H, 5))).hex())
    chk("Com1(-3; 7)", enc_point(com1(-3, 7)).hex())
    chk("MLE([3,1,4,1,5,9,2,6])(7,11,13) mod q (decimal, LSB-first variables)",
        str(mle([3, 1, 4, 1, 5, 9, 2, 6], [7, 11, 13])))
    return ok


def run_manifest(path, sets, only=None, verbose=False):
    root = os.path.dirname(os.path.abspath(path))
    total = bad_n = 0
    t_all = time.time()
    for line in open(path):
        if line.startswith('#') or not line.strip():
            continue
        f = line.split(None, 4)
        rpath, ppath, verdict, cls = f[:4]
        desc = f[4].strip() if len(f) > 4 else ""
        rct_path = rpath.split('+')[0]
        s = rct_path.split('/')[0]
        if sets and s not in sets:
            continue
        if only and only not in rpath:
            continue
        total += 1
        t0 = time.time()
        opening = rpath.split('+')[1] if '+' in rpath else None
        with open(os.path.join(root, rct_path), 'rb') as fh:
            rb = fh.read()
        with open(os.path.join(root, ppath), 'rb') as fh:
            pb = fh.read()
        try:
            got = verify_receipt(pb, rb)
            if opening and got[0] == "accept":
                with open(os.path.join(root, opening), 'rb') as fh:
                    got = verify_opening(pb, rb, fh.read())
        except Exception as e:  # a bug of this verifier, never a verdict
            got = ("error", type(e).__name__, str(e))
        agree = got[0] == verdict and got[1] == cls
        if not agree:
            bad_n += 1
        if verbose or not agree:
            print("%s %-44s %-22s want %s %s, got %s %s (%s) %.1fs" % (
                "ok  " if agree else "DIFF", rpath, ppath, verdict, cls, got[0], got[1], got[2],
                time.time() - t0), flush=True)
    print("%d lines, %d disagree, %.0f s" % (total, bad_n, time.time() - t_all))
    return bad_n == 0 and total > 0


def verify_opening(pb, rb, ob):
    """12.11.2 steps 2-3, for a receipt that verified (step 1)."""
    try:
        pub = parse_public(pb)
        if rb[:8] != b"ZKMLRCC1":
            raise rej("opening-format", "an opening needs a committed receipt")
        rc = parse_receipt_committed(rb)
        r = Reader(ob, "opening-format")
        if r.take(8, "magic") != b"ZKMLOPN1":
            raise bad(r, "opening magic")
        if r.take(32, "receipt digest") != sha(rb):
            raise bad(r, "the opening names another receipt")
        n1 = r.u32()
        if n1 != rc['n1']:
            raise bad(r, "n_1 is not the receipt's")
        K = r.u32()
        if not 1 <= K <= rc['B']:
            raise bad(r, "K")
        if K * (36 + 4 * n1) != r.left():
            raise bad(r, "length: %d bytes for %d rows" % (r.left(), K))
        # a tree's features are opened at width 32 (16.10.1): any i32
        xb = [32] * n1 if pub['desc']['version'] == 'tree' else pub['desc']['xbits']
        prev = -1
        rows = []
        for _ in range(K):
            b = r.u32()
            if b >= rc['B'] or b <= prev:
                raise bad(r, "row index %d" % b)
            prev = b
            feats = [r.i32() for _ in range(n1)]
            for j, v in enumerate(feats):
                if not -(1 << (xb[j] - 1)) <= v < (1 << (xb[j] - 1)):
                    raise bad(r, "feature %d of row %d beyond its width" % (j, b))
            blind = int.from_bytes(r.take(32), 'little')
            if blind >= Q:
                raise bad(r, "blind of row %d not below q" % b)
            rows.append((b, feats, blind))
        r.end()
        V = gens_v(n1)
        for b, feats, blind in rows:
            Cb = pt_add(msm(V, feats), pt_mul(GEN_H, blind))
            if not pt_eq(Cb, rc['rows'][b]):
                raise rej("opening-check", "row %d (key %r): features and blind do not give its commitment"
                          % (b, rc['keys'][b]))
        return ("accept", "-", "")
    except Reject as e:
        return (e.verdict, e.cls, e.why)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument("--kat")
    ap.add_argument("--manifest")
    ap.add_argument("--sets", help="comma-separated sets (directories of the receipts)")
    ap.add_argument("--only", help="only lines whose receipt path contains this")
    ap.add_argument("--public")
    ap.add_argument("--receipt")
    ap.add_argument("--opening")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    ok = True
    if a.kat:
        ok &= run_kat(a.kat)
    if a.manifest:
        sets = set(a.sets.split(',')) if a.sets else None
        ok &= run_manifest(a.manifest, sets, a.only, a.verbose)
    if a.public and a.receipt:
        with open(a.public, 'rb') as f:
            pb = f.read()
        with open(a.receipt, 'rb') as f:
            rb = f.read()
        v, c, why = verify_receipt(pb, rb)
        if v == "accept" and a.opening:
            with open(a.opening, 'rb') as f:
                v, c, why = verify_opening(pb, rb, f.read())
        print(v, c, why)
        ok &= v == "accept"
    if not (a.kat or a.manifest or (a.public and a.receipt)):
        ap.print_help()
        return 2
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
