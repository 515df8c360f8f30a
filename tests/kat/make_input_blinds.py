#!/usr/bin/env python3
"""The known answers of the input-row blinds (docs/protocol.md 7.19.3), computed
independently of the C code: expand_message_xmd of RFC 9380 over SHA-256, written here
from the RFC, then reduced mod q.  Prints the lines test_committed.c checks against:
row index, then the blind as 32 bytes little-endian in hex.

    python3 tests/kat/make_input_blinds.py
"""
import hashlib

Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583
DST = b"ZKMLPG-V2/input-row-blind"
SEED = bytes(range(32))                 # σ = 00 01 .. 1f
NONCE = bytes(range(0x80, 0xa0))        # nonce = 80 81 .. 9f


def expand_message_xmd(msg, dst, n):
    ell = (n + 31) // 32
    dst_prime = dst + bytes([len(dst)])
    b0 = hashlib.sha256(bytes(64) + msg + n.to_bytes(2, "big") + b"\x00" + dst_prime).digest()
    out = [hashlib.sha256(b0 + b"\x01" + dst_prime).digest()]
    for i in range(2, ell + 1):
        mixed = bytes(x ^ y for x, y in zip(b0, out[-1]))
        out.append(hashlib.sha256(mixed + bytes([i]) + dst_prime).digest())
    return b"".join(out)[:n]


# the RFC's own vector first (RFC 9380 K.1, msg "abc", 32 bytes), so the expander is checked
assert expand_message_xmd(b"abc", b"QUUX-V01-CS02-with-expander-SHA256-128", 32).hex() == \
    "d8ccab23b5985ccea865c6c97b6e5b8350e794e603b4b97902f53a8a0d605615"

for b in (0, 1, 1000):
    wide = expand_message_xmd(SEED + NONCE + b.to_bytes(8, "little"), DST, 64)
    rho = int.from_bytes(wide, "little") % Q
    print(b, rho.to_bytes(32, "little").hex())
