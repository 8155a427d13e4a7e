"""What tests compare directories by."""

from __future__ import annotations

from pathlib import Path


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file under ``directory``: its POSIX path relative to it → its bytes."""
    return {path.relative_to(directory).as_posix(): path.read_bytes() for path in sorted(directory.rglob("*")) if path.is_file()}
