"""The one JSON parser of request bodies and socket messages: portable, and bounded in depth."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lobbyd.kit.strictjson import MAX_INTEGER, JSONRejected, depth_exceeds, loads


def nested(depth: int, open_: str = "[", close: str = "]") -> str:
    """`depth` containers, one inside the other."""
    return open_ * depth + close * depth


def objects(depth: int) -> str:
    """`depth` objects, each the value of "a" in the one outside it."""
    return '{"a":' * (depth - 1) + "{}" + "}" * (depth - 1)


@pytest.mark.parametrize(
    "text",
    [nested(32), objects(32), '{"a":' + nested(31) + "}", '[{"a":[{"b":' + nested(28) + "}]}]"],
    ids=["arrays", "objects", "mixed", "alternating"],
)
def test_thirty_two_levels_are_accepted(text: str) -> None:
    assert loads(text) == json.loads(text)


@pytest.mark.parametrize(
    "text",
    [nested(33), objects(33), '{"a":' + nested(32) + "}", nested(100_000), "[" * 100_000],
    ids=["arrays", "objects", "mixed", "far deeper than recursion allows", "unclosed"],
)
def test_more_than_thirty_two_levels_are_rejected(text: str) -> None:
    with pytest.raises(JSONRejected, match="deeper than 32"):
        loads(text)


def test_the_depth_is_a_parameter() -> None:
    assert loads(nested(40), max_depth=40) == json.loads(nested(40))
    with pytest.raises(JSONRejected):
        loads(nested(9), max_depth=8)


@pytest.mark.parametrize(
    "text",
    [
        json.dumps({"s": "[" * 500 + "{" * 500}),
        json.dumps({"s": 'quote \\" then [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[['}),
        json.dumps({"s": "\\\\" + "[" * 40, "t": "]" * 40 + '"'}),
        json.dumps({"[" * 40: "keys count as strings too"}),
    ],
    ids=["brackets in a string", "escaped quotes", "escaped backslashes", "brackets in a key"],
)
def test_brackets_inside_strings_do_not_count(text: str) -> None:
    assert loads(text) == json.loads(text)


def test_many_shallow_containers_are_not_deep() -> None:
    text = json.dumps([[{"a": [1]}] for _ in range(10_000)])
    assert not depth_exceeds(text.encode(), 32)
    assert len(loads(text)) == 10_000


@pytest.mark.parametrize(
    "text",
    ["NaN", "[Infinity]", '{"a": -Infinity}', "1e999", "[-1e999]", '{"x": 1' + "0" * 400 + ".5}"],
)
def test_numbers_json_or_a_double_cannot_hold_are_rejected(text: str) -> None:
    with pytest.raises(JSONRejected):
        loads(text)


@pytest.mark.parametrize("value", [MAX_INTEGER, -MAX_INTEGER, 0, -1, 10**15])
def test_integers_up_to_two_to_the_53_are_accepted(value: int) -> None:
    assert loads('{"n": ' + str(value) + "}") == {"n": value}


@pytest.mark.parametrize(
    "digits",
    [str(MAX_INTEGER + 1), str(-MAX_INTEGER - 1), str(2**63), "1" + "0" * 5000],
    ids=["2^53+1", "-2^53-1", "2^63", "5001 digits"],  # the last beyond Python's own limit
)
def test_integers_beyond_two_to_the_53_are_rejected(digits: str) -> None:
    with pytest.raises(JSONRejected, match="2\\^53"):
        loads('{"n": ' + digits + "}")


@pytest.mark.parametrize(
    "value", [0.1, 1e308, -2.5e-300, 5e-324, 1e20, 12345678901234567.0, 1.7976931348623157e308]
)
def test_finite_floats_round_trip(value: float) -> None:
    assert loads(json.dumps([value])) == [value]


def test_a_lone_surrogate_escape_is_rejected_and_a_pair_is_accepted() -> None:
    with pytest.raises(JSONRejected, match="surrogate"):
        loads('{"s": "\\ud800"}')
    assert loads('{"s": "\\ud83d\\ude00"}') == {"s": "\U0001f600"}
    assert loads('{"s": "\\\\ud800"}') == {"s": "\\ud800"}  # an escaped backslash, then text


def test_bytes_must_be_utf8() -> None:
    with pytest.raises(JSONRejected, match="UTF-8"):
        loads(b'{"s": "\xff"}')
    assert loads('{"s": "héllo"}'.encode()) == {"s": "héllo"}


@pytest.mark.parametrize("text", ["", "{", "[1,]", "{'a': 1}", "tru"])
def test_text_that_is_not_json_is_rejected(text: str) -> None:
    with pytest.raises(JSONRejected):
        loads(text)


def test_a_rejection_is_a_json_decode_error_saying_why() -> None:
    with pytest.raises(json.JSONDecodeError) as rejected:
        loads("[NaN]")
    assert rejected.value.msg == "NaN is not JSON"


def test_ordinary_documents_parse_exactly() -> None:
    value: Any = {"a": [1, 2.5, "x", None, True, {"b": []}], "é": {"c": {}}}
    assert loads(json.dumps(value)) == value
