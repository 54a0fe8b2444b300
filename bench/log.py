"""Progress output: every step printed with its start offset and how long it took."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

_START = time.monotonic()
_DEPTH = 0


def _stamp() -> str:
    elapsed = time.monotonic() - _START
    return f"[{int(elapsed // 60):02d}:{elapsed % 60:04.1f}]"


def say(message: str) -> None:
    """Print one progress line, indented under the current step."""
    print(f"{_stamp()} {'  ' * _DEPTH}{message}", flush=True)


def warn(message: str) -> None:
    """Print a warning line (to stderr as well, so it stands out in CI logs)."""
    say(f"WARNING: {message}")
    if not sys.stdout.isatty():
        print(f"WARNING: {message}", file=sys.stderr, flush=True)


@contextmanager
def step(title: str) -> Iterator[None]:
    """A named step: prints its start and, when it ends, its duration."""
    global _DEPTH
    say(f"> {title}")
    started = time.monotonic()
    _DEPTH += 1
    try:
        yield
    finally:
        _DEPTH -= 1
        say(f"< {title} ({time.monotonic() - started:.1f}s)")


def elapsed() -> float:
    """Seconds since the bench started."""
    return time.monotonic() - _START
