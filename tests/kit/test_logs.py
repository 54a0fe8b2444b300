"""Credentials are masked in log text, whichever way they travelled."""

from __future__ import annotations

import logging

import pytest

from lobbyd.kit.logs import RedactingFilter, redact

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        (f'"WebSocket /sync/k/ws?token={JWT}&since=3" [accepted]', "since=3"),
        ("< Authorization: Bearer opaque-token-1234", "Authorization: Bearer"),
        ("< Sec-WebSocket-Protocol: lobbyd, bearer.opaque-token-1234", "lobbyd, bearer."),
        ("(b'authorization', b'Basic dXNlcjpwYXNzd29yZA==')", "Basic"),
        ("GET /hosts/x?secret=hunter2hunter2&a=1 HTTP/1.1", "a=1"),
        ("GET /x?ticket=abc.def.ghi&password=pw HTTP/1.1", "GET /x?"),
        (f"a token {JWT} inside a sentence", "inside a sentence"),
    ],
)
def test_credentials_are_masked_and_the_rest_is_kept(line: str, kept: str) -> None:
    masked = redact(line)
    for secret in (JWT, "opaque-token-1234", "dXNlcjpwYXNzd29yZA==", "hunter2", "abc.def", "=pw"):
        assert secret not in masked
    assert kept in masked
    assert "***" in masked


def test_plain_words_are_left_alone() -> None:
    line = "missing bearer token (Authorization header, bearer.TOKEN subprotocol)"
    assert redact(line) == line


def test_the_filter_rewrites_a_record_with_arguments() -> None:
    record = logging.LogRecord("uvicorn.error", logging.INFO, "", 0, "%s - %s", ("a", JWT), None)
    assert RedactingFilter().filter(record)
    assert record.getMessage() == "a - ***"
