"""RFC 7396 merge patch: the appendix A examples and purity."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from lobbyd.kit import mergepatch

# RFC 7396, appendix A: (original, patch, result).
APPENDIX_A = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    (["a", "b"], ["c", "d"], ["c", "d"]),
    ({"a": "b"}, ["c"], ["c"]),
    ({"a": "foo"}, None, None),
    ({"a": "foo"}, "bar", "bar"),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
]


@pytest.mark.parametrize(("original", "patch", "result"), APPENDIX_A)
def test_appendix_a_example_gives_the_rfc_result(original: Any, patch: Any, result: Any) -> None:
    assert mergepatch.apply(original, patch) == result


@pytest.mark.parametrize(("original", "patch", "result"), APPENDIX_A)
def test_inputs_are_not_modified(original: Any, patch: Any, result: Any) -> None:
    before = (copy.deepcopy(original), copy.deepcopy(patch))
    mergepatch.apply(original, patch)
    assert (original, patch) == before


def test_empty_patch_leaves_the_target_equal() -> None:
    target = {"a": {"b": [1, {}]}, "c": {}}
    assert mergepatch.apply(target, {}) == target


def test_empty_object_in_patch_replaces_a_scalar_with_an_empty_object() -> None:
    assert mergepatch.apply({"a": 1}, {"a": {}}) == {"a": {}}


def test_nested_merge_keeps_untouched_siblings() -> None:
    target = {"players": {"p1": {"hp": 10, "pos": [0, 0]}, "p2": {"hp": 7}}}
    patch = {"players": {"p1": {"hp": 9}}}
    assert mergepatch.apply(target, patch) == {
        "players": {"p1": {"hp": 9, "pos": [0, 0]}, "p2": {"hp": 7}}
    }


def test_result_serialises_like_the_patch_values() -> None:
    result = mergepatch.apply({"n": 1}, {"n": 1.0, "big": 2**70})
    assert json.dumps(result, sort_keys=True) == '{"big": 1180591620717411303424, "n": 1.0}'
