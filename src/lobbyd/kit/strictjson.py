"""The one JSON parser of every request body and socket message: portable and shallow.

Accepted is I-JSON (RFC 7493) of bounded depth: UTF-8, no NaN or Infinity, no number a double
cannot hold (floats that overflow, integers beyond +-2^53), no lone surrogates, and at most
`max_depth` nested arrays and objects. Whatever passes can be stored, merged, encoded and read
back by any JSON library (Redis's Lua cjson included) without hitting a recursion limit, and
every value a client sends survives a round trip through JavaScript's numbers.

The depth is measured on the text before parsing (C-speed byte operations, no Python loop per
character), so a hostile body never reaches json.loads' recursion.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_DEPTH = 32
#: The largest integer magnitude accepted: every integer up to it is exact in a double.
MAX_INTEGER = 2**53

_OPEN, _CLOSE = b"(", b")"
_BRACKETS = bytes.maketrans(b"[{]}", _OPEN * 2 + _CLOSE * 2)
_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in b"[]{}")
# An exponent, or 16 digits in a row: only then can a number be out of range, so only then are
# numbers parsed through Python hooks (a call per number) rather than by the C scanner alone.
_SUSPECT_NUMBER = re.compile(rb"\d[eE]|\d{16}")
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


class JSONRejected(json.JSONDecodeError):
    """Text that is not JSON, or JSON this service does not accept (`msg` says why)."""


def loads(data: bytes | str, max_depth: int = MAX_DEPTH) -> Any:
    """The value of a JSON text; JSONRejected unless it is portable and at most `max_depth`
    arrays and objects deep."""
    if isinstance(data, str):
        text = data
        try:
            raw = data.encode()
        except UnicodeEncodeError:
            raise JSONRejected("the text holds a lone surrogate", data, 0) from None
    else:
        raw = data
        try:
            text = data.decode()
        except UnicodeDecodeError as error:
            raise JSONRejected("the body is not UTF-8", "", error.start) from None
    if depth_exceeds(raw, max_depth):
        raise JSONRejected(f"arrays and objects nest deeper than {max_depth} levels", text, 0)
    try:
        if _SUSPECT_NUMBER.search(raw):
            value = json.loads(
                text, parse_constant=_constant, parse_float=_float, parse_int=_integer
            )
        else:
            value = json.loads(text, parse_constant=_constant)
    except _OutOfRange as error:
        raise JSONRejected(str(error), text, 0) from None
    except json.JSONDecodeError as error:
        raise JSONRejected(error.msg, text, error.pos) from None
    if _SURROGATE_ESCAPE.search(raw):
        _require_encodable(value, text)
    return value


def depth_exceeds(raw: bytes, max_depth: int) -> bool:
    """True when arrays and objects nest deeper than `max_depth` (brackets inside strings do
    not count). Exact for valid JSON; for text that is not, it may say True where a parser
    would fail anyway, never False where a parser would recurse deeper."""
    if raw.count(b"[") + raw.count(b"{") <= max_depth:
        return False
    if b"\\" in raw:
        # Inside strings, escaped backslashes pair up left to right; drop them, then the
        # escaped quotes, and every quote left delimits a string.
        raw = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    outside = b"".join(raw.split(b'"')[::2])
    brackets = outside.translate(_BRACKETS, _NOT_BRACKETS)
    # Each pass removes the innermost pairs, one level: empty after max_depth passes means
    # nothing nests deeper.
    for _ in range(max_depth):
        if not brackets:
            return False
        brackets = brackets.replace(_OPEN + _CLOSE, b"")
    return bool(brackets)


class _OutOfRange(ValueError):
    pass


def _constant(name: str) -> Any:
    raise _OutOfRange(f"{name} is not JSON")


def _float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise _OutOfRange(f"the number {text[:32]} is beyond what a double holds")
    return value


def _integer(text: str) -> int:
    digits = len(text) - text.startswith("-")
    # JSON has no leading zeros: 17 digits or more is always beyond 2^53 (16 digits).
    if digits > 16 or (digits == 16 and abs(int(text)) > MAX_INTEGER):
        raise _OutOfRange(f"the integer {text[:32]} is beyond +-2^53 (not exact in a double)")
    return int(text)


def _require_encodable(value: Any, text: str) -> None:
    try:
        json.dumps(value, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        raise JSONRejected("a string holds a lone surrogate escape", text, 0) from None
