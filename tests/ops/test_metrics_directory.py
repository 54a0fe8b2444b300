"""The directory `lobbyd serve` shares its workers' metrics through."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lobbyd.cli import _metrics_directory
from lobbyd.config import Settings


def test_serve_makes_a_private_directory_and_removes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    with _metrics_directory(Settings()):
        made = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
        assert made.parent == tmp_path
        (made / "counter_123.db").write_bytes(b"x")
    assert not made.exists()
    assert "PROMETHEUS_MULTIPROC_DIR" not in os.environ


def test_an_operators_directory_is_emptied_of_old_files_and_kept(tmp_path: Path) -> None:
    (tmp_path / "counter_99.db").write_bytes(b"old")
    (tmp_path / "notes.txt").write_text("not ours")
    with _metrics_directory(Settings(metrics_dir=str(tmp_path))):
        assert not (tmp_path / "counter_99.db").exists()
    assert (tmp_path / "notes.txt").exists()


def test_no_directory_when_metrics_are_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    with _metrics_directory(Settings(metrics=False)):
        assert "PROMETHEUS_MULTIPROC_DIR" not in os.environ
