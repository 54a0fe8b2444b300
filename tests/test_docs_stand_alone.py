"""The project's docs stand alone: README, docs/, the code's messages and docstrings, and the
OpenAPI document never cite a specification, a numbered section or a file a user does not have."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from lobbyd.app import create_app
from lobbyd.config import Settings
from tests.conftest import JWT_SECRET

REPO = Path(__file__).resolve().parents[1]

#: Ways of pointing at documents outside the project.
CITATIONS = [
    re.compile(r"\bcontract\b", re.IGNORECASE),
    re.compile(r"\bspec(?:'s|s)?\b|specification", re.IGNORECASE),
    # "RFC 4648 section 4" points at a public standard; a bare "section 5" at nothing.
    re.compile(r"(?<![0-9] )(?<![0-9], )\bsections? [0-9]", re.IGNORECASE),
    re.compile(r"/work/|shared/(?:spec|design)|hosts-and-sessions-api|ARCHITECTURE\.md"),
]


def project_texts() -> list[Path]:
    """Every file a user of lobbyd reads: README, changelog, docs, and the package's source."""
    texts = [REPO / "README.md", REPO / "CHANGELOG.md"]
    texts += sorted((REPO / "docs").rglob("*.md"))
    texts += sorted((REPO / "src" / "lobbyd").rglob("*.py"))
    texts += [REPO / "clients" / "python" / "README.md"]
    texts += sorted((REPO / "clients" / "python" / "src").rglob("*.py"))
    return texts


def citations(text: str) -> list[str]:
    """The lines of `text` that cite something outside the project."""
    return [
        f"{number}: {line.strip()}"
        for number, line in enumerate(text.splitlines(), 1)
        if any(citation.search(line) for citation in CITATIONS)
    ]


@pytest.mark.parametrize("path", project_texts(), ids=lambda path: str(path.relative_to(REPO)))
def test_project_texts_cite_nothing_outside_the_project(path: Path) -> None:
    assert citations(path.read_text()) == []


def test_the_openapi_document_cites_nothing_outside_the_project() -> None:
    app = create_app(Settings(database_url="sqlite:///unused.sqlite3", jwt_secret=JWT_SECRET))
    text = json.dumps(app.openapi(), indent=1)
    assert citations(text) == []


@pytest.mark.parametrize(
    "line",
    [
        "Who is welcome (CONTRACT section 5): one pure function.",
        "Apply section 5's rules in order.",
        "uuid restores the source spec's uuid-only login",
        "Where the source specification was silent",
        "see /work/shared/spec/CONTRACT.md",
    ],
)
def test_citations_are_recognised(line: str) -> None:
    assert citations(line) == [f"1: {line}"]


def test_public_standards_may_be_cited() -> None:
    assert citations("standard base64 (RFC 4648 section 4) with padding") == []
