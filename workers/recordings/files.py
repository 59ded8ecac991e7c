"""Where a recording is on this machine: Asterisk's file name mapped into the monitor directory.

Asterisk reports a recording by its own path (MIXMONITOR_FILENAME), usually absolute under its
spool (RECORDINGS_PBX_MONITOR_DIR); this worker sees the same directory mounted at
RECORDINGS_MONITOR_DIR. The name comes from the PBX through the database, so it is untrusted
input: the worker reads and deletes files by it. Only a name that resolves (symlinks followed)
to a file inside the monitor directory is accepted; anything else is refused with an error that
names recording_file, and nothing is read or touched.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class UnsafeRecordingPath(ValueError):
    """The file name points outside the monitor directory, or is not a usable name at all."""


def local_path(source_file: str, *, monitor_dir: str | Path, pbx_monitor_dir: str | Path) -> Path:
    """The local, fully resolved path of Asterisk's `source_file`, inside `monitor_dir`.

    Absolute names must lie under `pbx_monitor_dir` and are re-rooted at `monitor_dir`; relative
    names are relative to `monitor_dir`. Raises UnsafeRecordingPath for anything that resolves
    outside it (`..`, a symlink out), for control characters (NUL included) and empty names.
    """
    shown = repr(source_file)
    if not source_file or not source_file.strip():
        raise UnsafeRecordingPath("recording_file: empty file name")
    if _CONTROL.search(source_file):
        raise UnsafeRecordingPath(f"recording_file: {shown} contains control characters")
    root = Path(monitor_dir).resolve()
    name = PurePosixPath(source_file)
    if name.is_absolute():
        pbx_root = PurePosixPath(pbx_monitor_dir)
        if not name.is_relative_to(pbx_root):
            raise UnsafeRecordingPath(
                f"recording_file: {shown} is outside the monitor directory {pbx_root}")
        name = name.relative_to(pbx_root)
    # resolve() collapses '..' and follows every symlink, so the check below sees the file
    # that would really be opened.
    candidate = (root / name).resolve()
    if candidate == root or not candidate.is_relative_to(root):
        raise UnsafeRecordingPath(
            f"recording_file: {shown} resolves outside the monitor directory {root}")
    return candidate


def remove(path: Path) -> bool:
    """Delete a local file; False when it was already gone (a retry after a crash)."""
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True
