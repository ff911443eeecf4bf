"""Just enough DAG-CBOR, CIDv1 and CAR v1 to write the repo firehose (`com.atproto.sync.subscribeRepos`).

libipld (3.x) decodes all of this, but its encoder has no link type: it writes a `bytes` value as a tag-42 link
whenever the bytes *begin* with something that parses as a CID (a random 64-byte signature starting 0x01 often
does; trailing bytes do not stop it), and as plain bytes otherwise, so what a field becomes would depend on its
content. Here a link is a `Link` and bytes are always bytes: `encode` hands a value to libipld (fast, native)
only when no plain bytes in it start like a CID (0x01 for CIDv1, 0x12 for CIDv0), and otherwise encodes it with
`encode_strict`, a small pure-Python encoder that writes the same bytes.

DAG-CBOR rules kept: shortest-form lengths and integers, map keys sorted by encoded length then bytewise,
no floats, links as tag 42 over the CID bytes with a leading 0x00 (the multibase "identity" prefix).
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import libipld

DAG_CBOR = 0x71
SHA2_256 = 0x12


class Link:
    """A CID link (tag 42 in DAG-CBOR). `cid` is the binary CID."""

    __slots__ = ("cid",)

    def __init__(self, cid: bytes) -> None:
        self.cid = cid

    def __str__(self) -> str:
        """The CID's string form: multibase base32 lower case, "b" prefix (`bafyrei...` for dag-cbor sha2-256)."""
        return "b" + base64.b32encode(self.cid).decode().lower().rstrip("=")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Link) and other.cid == self.cid

    def __hash__(self) -> int:
        return hash(self.cid)

    def __repr__(self) -> str:
        return f"Link({self})"


def cid_of(block: bytes, codec: int = DAG_CBOR) -> Link:
    """CIDv1 of a block: version 1, codec, sha2-256 multihash of the block bytes."""
    return Link(bytes((1, codec, SHA2_256, 32)) + hashlib.sha256(block).digest())


def _head(major: int, n: int) -> bytes:
    if n < 24:
        return bytes((major << 5 | n,))
    if n < 0x100:
        return bytes((major << 5 | 24, n))
    if n < 0x10000:
        return bytes((major << 5 | 25,)) + n.to_bytes(2, "big")
    if n < 0x100000000:
        return bytes((major << 5 | 26,)) + n.to_bytes(4, "big")
    return bytes((major << 5 | 27,)) + n.to_bytes(8, "big")


def _key(k: str) -> tuple[int, bytes]:
    raw = k.encode()
    return len(raw), raw


def _enc(value: Any, out: bytearray) -> None:
    if value is None:
        out.append(0xF6)
    elif value is True:
        out.append(0xF5)
    elif value is False:
        out.append(0xF4)
    elif isinstance(value, int):
        if not -(2**64) <= value < 2**64:
            raise ValueError(f"integer out of range: {value}")
        out += _head(0, value) if value >= 0 else _head(1, -1 - value)
    elif isinstance(value, str):
        raw = value.encode()
        out += _head(3, len(raw))
        out += raw
    elif isinstance(value, (bytes, bytearray, memoryview)):
        out += _head(2, len(value))
        out += value
    elif isinstance(value, Link):
        out += b"\xd8\x2a"  # tag 42
        out += _head(2, len(value.cid) + 1)
        out.append(0)
        out += value.cid
    elif isinstance(value, (list, tuple)):
        out += _head(4, len(value))
        for item in value:
            _enc(item, out)
    elif isinstance(value, dict):
        out += _head(5, len(value))
        for k in sorted(value, key=_key):
            if not isinstance(k, str):
                raise ValueError(f"map keys must be strings, not {k!r}")
            _enc(k, out)
            _enc(value[k], out)
    else:
        raise ValueError(f"cannot encode {type(value).__name__} as DAG-CBOR")


def encode_strict(value: Any) -> bytes:
    """One value as DAG-CBOR bytes, in pure Python."""
    out = bytearray()
    _enc(value, out)
    return bytes(out)


class _Ambiguous(Exception):
    """Plain bytes libipld would take for a link."""


def _native(value: Any) -> Any:
    """`value` as libipld takes it: links as their CID bytes; raises _Ambiguous for CID-like plain bytes."""
    if isinstance(value, dict):
        return {k: _native(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_native(v) for v in value]
    if isinstance(value, Link):
        return value.cid
    if isinstance(value, (bytes, bytearray, memoryview)):
        raw = bytes(value)
        if raw[:1] in (b"\x01", b"\x12"):
            raise _Ambiguous
        return raw
    if isinstance(value, float):
        raise ValueError("floats are not written here")
    return value


def encode(value: Any) -> bytes:
    """One value as DAG-CBOR bytes (libipld's encoder where that is safe, see the module docstring)."""
    try:
        native = _native(value)
    except _Ambiguous:
        return encode_strict(value)
    return libipld.encode_dag_cbor(native)


def varint(n: int) -> bytes:
    """Unsigned LEB128, as CAR section lengths use."""
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def car(root: Link, blocks: list[tuple[Link, bytes]]) -> bytes:
    """A CAR v1 file: the varint-prefixed header `{"roots": [root], "version": 1}`, then one section per block
    (varint of CID plus block length, the binary CID, the block)."""
    header = encode({"roots": [root], "version": 1})
    out = bytearray(varint(len(header)))
    out += header
    for cid, block in blocks:
        out += varint(len(cid.cid) + len(block))
        out += cid.cid
        out += block
    return bytes(out)
