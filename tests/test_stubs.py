"""The type stub of the Rust extension (``python/tokkit/_tokkit.pyi``) matches
the compiled module, and the package type-checks against it, so editors and
type checkers see tokkit as it is."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def mypy(*args: str, workdir: Path) -> subprocess.CompletedProcess[str]:
    """Runs a mypy tool in ``workdir``, where it keeps its cache."""
    return subprocess.run(
        [sys.executable, "-m", *args], capture_output=True, text=True, cwd=workdir
    )


def test_stub_matches_the_extension(tmp_path: Path) -> None:
    done = mypy("mypy.stubtest", "tokkit._tokkit", workdir=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_package_type_checks(tmp_path: Path) -> None:
    # By package name: a path inside site-packages makes mypy treat its
    # neighbours as user modules.
    done = mypy("mypy", "-p", "tokkit", workdir=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
