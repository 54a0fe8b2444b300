"""Every error code the server can emit is in the registry (schemas.ERROR_CODES).

The check reads the source: every code written where an error is raised or rendered (an error
class's `code`, the code argument of an error's constructor, of the renderers and of the sync
socket's `error` message, a `"code"` key of a literal body) must be a registered one, so a new
code cannot reach a client without its documented place in `ErrorBody.code`'s enum.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from lobbyd.app import errors as app_errors
from lobbyd.errors import LobbydError
from lobbyd.schemas import ERROR_CODES

SOURCE = Path(__file__).resolve().parents[1] / "src" / "lobbyd"
#: Renderers (module, or "" for any, and the name called) and the position of their code
#: argument; they may pass on a variable named `code` (the value of a checked table).
RENDERERS = {
    ("app/errors.py", "_body"): 1,
    ("app/limits.py", "_reject"): 3,
    ("", "messages.error"): 1,
}


def _trees() -> dict[Path, ast.Module]:
    server = [
        p for p in sorted(SOURCE.rglob("*.py")) if "client" not in p.relative_to(SOURCE).parts
    ]
    return {path: ast.parse(path.read_text(), str(path)) for path in server}


def _error_classes(trees: list[ast.Module]) -> set[str]:
    """LobbydError and every class that (transitively) derives from it, by name."""
    bases: dict[str, set[str]] = {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases[node.name] = {_name(base) for base in node.bases}
    found = {"LobbydError"}
    while True:
        more = {name for name, parents in bases.items() if parents & found} - found
        if not more:
            return found
        found |= more


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _code_argument(call: ast.Call, position: int) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == "code":
            return keyword.value
    return call.args[position] if len(call.args) > position else None


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return f"{node.value.id}.{node.attr}"
    return _name(node)


def written_codes(
    tree: ast.Module, classes: set[str], module: str = ""
) -> list[tuple[int, str | None]]:
    """(line, code) of every code the module writes; None where it is not a literal string."""
    found: list[tuple[int, str | None]] = []
    renderers = {name: at for (where, name), at in RENDERERS.items() if where in ("", module)}

    def add(node: ast.expr | None, *, passing: bool = False) -> None:
        if node is None:
            return
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append((node.lineno, node.value))
        elif isinstance(node, ast.Attribute) and node.attr == "code":
            pass  # another error's own (checked) code passes through
        elif not (passing and isinstance(node, ast.Name) and node.id == "code"):
            found.append((node.lineno, None))

    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and {_name(base) for base in node.bases} & classes:
            for statement in node.body:
                if isinstance(statement, ast.Assign | ast.AnnAssign):
                    targets = statement.targets if isinstance(statement, ast.Assign) else []
                    if isinstance(statement, ast.AnnAssign):
                        targets = [statement.target]
                    if any(_name(target) == "code" for target in targets):
                        add(statement.value)
        elif isinstance(node, ast.Call):
            called = _name(node.func)
            if called in classes:
                add(_code_argument(node, 1))
            elif _dotted(node.func) in renderers:
                add(_code_argument(node, renderers[_dotted(node.func)]), passing=True)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if (
                    isinstance(key, ast.Constant)
                    and key.value == "code"
                    and isinstance(value, ast.Constant)
                ):
                    add(value)
    return found


def unregistered(trees: dict[Path, ast.Module]) -> list[str]:
    """Where a code is written that the registry does not list (or that is not a literal)."""
    classes = _error_classes(list(trees.values()))
    return [
        f"{path.relative_to(SOURCE)}:{line}: {code!r}"
        for path, tree in trees.items()
        for line, code in written_codes(tree, classes, path.relative_to(SOURCE).as_posix())
        if code not in ERROR_CODES
    ]


def test_every_code_the_server_writes_is_registered() -> None:
    assert unregistered(_trees()) == []


def test_the_check_finds_codes_in_raises_classes_renderers_and_bodies() -> None:
    trees = _trees()
    classes = _error_classes(list(trees.values()))
    every = {
        code
        for path, tree in trees.items()
        for _, code in written_codes(tree, classes, path.relative_to(SOURCE).as_posix())
    }
    # a constructor argument, a store error's class code, a renderer, a socket message
    assert {"not_welcome", "lagged", "internal", "bad_message", "unavailable"} <= every


def test_an_unregistered_code_fails_the_check() -> None:
    source = """
class Teapot(NotFound):
    code = "teapot"

def f(x):
    raise BadRequest("no", "made_up_code")
    raise NotFound("no", x)
    return messages.error(None, "unlisted", "boom", 1)
"""
    tree = ast.parse(source)
    found = written_codes(tree, {"LobbydError", "NotFound", "BadRequest", "Teapot"}, "sync/x.py")
    assert {code for _, code in found if code not in ERROR_CODES} == {
        "teapot",
        "made_up_code",
        None,
        "unlisted",
    }


def test_the_status_codes_of_framework_errors_are_registered() -> None:
    assert set(app_errors._CODES.values()) <= set(ERROR_CODES)


def test_an_error_class_with_an_unregistered_code_cannot_be_defined() -> None:
    with pytest.raises(TypeError, match="ERROR_CODES"):

        class Teapot(LobbydError):
            code = "teapot"


def test_every_registered_code_says_what_it_means() -> None:
    assert all(meaning.strip() for meaning in ERROR_CODES.values())
    assert all(code.isidentifier() and code.islower() for code in ERROR_CODES)
