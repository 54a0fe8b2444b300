"""RFC 7396 JSON merge patch as a pure function."""

from __future__ import annotations

from typing import Any


def apply(target: Any, patch: Any) -> Any:
    """The result of merging `patch` into `target`; neither input is modified.

    The result shares unchanged subtrees with `target` and non-object values with `patch`,
    so treat all three as read-only afterwards (or copy).
    """
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for name, value in patch.items():
        if value is None:
            result.pop(name, None)
        else:
            result[name] = apply(result.get(name), value)
    return result
