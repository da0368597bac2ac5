"""Atomic result files."""

from __future__ import annotations

from pathlib import Path


def test_atomic_write_leaves_a_normal_file(tmp_path: Path) -> None:
    """Results are written atomically and readable like any file the user writes."""
    import os
    import stat

    from wdnopt.solvers.io import write_atomic

    path = write_atomic(tmp_path / "sub" / "table.csv", "a,b\n1,2\n")
    assert path.read_text() == "a,b\n1,2\n"
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
