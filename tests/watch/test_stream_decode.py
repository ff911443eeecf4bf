"""Decoding single stream messages from an untrusted network: whatever arrives, the decoders answer a value
(a commit, a skip, or "malformed"), never an exception."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

pytest.importorskip("libipld")

import libipld

from followtui.providers.bluesky_stream import (
    ErrorFrame,
    FollowCommit,
    Info,
    Malformed,
    Skip,
    decode_firehose,
    decode_jetstream,
    is_did,
    is_rkey,
)

from .frames import ALICE, FOLLOW, OWNER, commit_frame, frame, jet

GOOD = commit_frame(7, ALICE, [("create", f"{FOLLOW}/3ka", OWNER), ("delete", f"{FOLLOW}/3kb", None)])

cbor_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.text(max_size=20) | st.binary(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@given(st.binary(max_size=400))
def test_any_bytes_decode_to_a_value(data):
    assert decode_firehose(data) is not None


@given(st.integers(0, len(GOOD) - 1), st.integers(0, 255))
def test_a_damaged_frame_is_malformed_or_still_a_commit(position, byte):
    damaged = GOOD[:position] + bytes([byte]) + GOOD[position + 1 :]
    decoded = decode_firehose(damaged)
    assert isinstance(decoded, FollowCommit | Malformed | Skip | Info | ErrorFrame)


@given(cbor_values, cbor_values)
def test_any_header_and_body_decode_to_a_value(header, body):
    try:
        data = libipld.encode_dag_cbor(header) + libipld.encode_dag_cbor(body)
    except (ValueError, OverflowError):
        return
    assert decode_firehose(data) is not None


@given(
    st.dictionaries(
        st.sampled_from(["seq", "repo", "rev", "time", "ops", "blocks", "tooBig"]), cbor_values, max_size=7
    ),
    st.lists(st.dictionaries(st.sampled_from(["action", "path", "cid"]), cbor_values), max_size=3),
)
def test_commit_bodies_with_wrong_types_are_malformed_not_raised(fields, ops):
    body = {"seq": 1, "repo": ALICE, "rev": "3kaaaaaaaaaa2", "time": "2025-01-01T00:00:00Z", **fields}
    body.setdefault("ops", ops)
    try:
        data = frame({"op": 1, "t": "#commit"}, body)
    except (ValueError, OverflowError):
        return
    decoded = decode_firehose(data)
    assert decoded is not None
    if isinstance(decoded, FollowCommit):
        assert is_did(decoded.repo) and all(is_rkey(op.rkey) for op in decoded.ops)


@given(st.text(max_size=300))
def test_any_text_decodes_to_a_value(text):
    assert decode_jetstream(text) is not None


@given(st.dictionaries(st.sampled_from(["did", "time_us", "kind", "commit"]), cbor_values, max_size=4))
def test_any_jetstream_object_decodes_to_a_value(message):
    import orjson

    try:
        text = orjson.dumps(message).decode()
    except (TypeError, orjson.JSONEncodeError):
        return
    assert decode_jetstream(text) is not None


def test_the_header_op_must_be_an_integer_not_a_boolean():
    assert isinstance(decode_firehose(frame({"op": True, "t": "#commit"}, {"seq": 1})), Malformed)
    assert isinstance(
        decode_jetstream(jet(ALICE, 5, "delete", "3k").replace('"time_us":5', '"time_us":true')), Malformed
    )


def test_did_and_record_key_syntax():
    assert is_did("did:plc:z72i7hdynmk6r22z27h6tvur") and is_did("did:web:example.com")
    for bad in ("did:plc:", "DID:plc:x", "did:PLC:x", "did:plc:x/y", "did:plc:" + "a" * 3000, 7, None, "did:plc:x:"):
        assert not is_did(bad)
    assert is_rkey("3kaaaaaaaaaa2") and is_rkey("self") and is_rkey("a.b_c:d~e-f")
    for bad in ("", ".", "..", "a/b", "a b", "x" * 513, "é", 5):
        assert not is_rkey(bad)
