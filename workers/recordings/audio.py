"""Turning Asterisk's recording into what is stored: Opus in Ogg, mono, with ffmpeg.

Opus at 16-32 kbit/s is the architecture's choice for speech: a WAV of 8 kHz 16-bit PCM
(128 kbit/s) shrinks about five times with no loss a listener notices (`-application voip`
tunes the encoder for speech). ffmpeg comes from the OS packages.

The conversion is bit-exact: the same input gives the same bytes, every time and on every
worker (`-fflags +bitexact -flags:a +bitexact` drop the encoder version tag and the random Ogg
stream serial; `-map_metadata -1` drops the source's tags). So a retry, or a second worker that
took a stale claim over, uploads exactly the object the first one would have: overwriting it
changes nothing.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

FORMAT = "opus"
CONTENT_TYPE = "audio/ogg"


class AudioError(Exception):
    """The file can never be converted (empty, not audio, not a file): a final failure."""


class ToolError(RuntimeError):
    """ffmpeg or ffprobe is missing or misbehaves: the worker's fault, worth retrying later."""


@dataclass(frozen=True)
class Converted:
    path: Path
    bytes: int
    sha256: str
    duration_seconds: float
    format: str = FORMAT


def digest(path: Path) -> tuple[int, str]:
    """Size and SHA-256 (hex) of a file, read in blocks."""
    h, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            size += len(block)
            h.update(block)
    return size, h.hexdigest()


def _run(argv: list[str], timeout: float) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL, check=False)
    except FileNotFoundError as e:
        raise ToolError(f"{argv[0]}: not installed or not on PATH") from e
    except subprocess.TimeoutExpired as e:
        raise ToolError(f"{argv[0]}: no answer after {timeout:.0f} s") from e


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


def check_source(source: Path, name: str) -> None:
    """Refuse what is not a non-empty regular file; FileNotFoundError when it is missing."""
    info = source.stat()  # FileNotFoundError: the caller decides how long to wait for it
    if not source.is_file():
        raise AudioError(f"recording_file: {name} is not a regular file")
    if info.st_size == 0:
        raise AudioError(f"recording_file: {name} is empty (0 bytes)")


def convert(source: Path, target: Path, *, bitrate: str = "24k", ffmpeg: str = "ffmpeg",
            ffprobe: str = "ffprobe", name: str | None = None,
            timeout: float = 3600.0) -> Converted:
    """Convert `source` to Opus in Ogg at `target` (written whole, then renamed into place)."""
    name = name or str(source)
    check_source(source, name)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    result = _run([
        ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
        "-i", str(source),
        "-map", "0:a:0", "-vn", "-ac", "1",
        "-c:a", "libopus", "-b:a", bitrate, "-application", "voip",
        "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact",
        "-f", "ogg", str(partial),
    ], timeout)
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        if not source.exists():
            raise FileNotFoundError(str(source))
        if has_audio(source, ffprobe=ffprobe):
            # The input is fine, so the failure is ours (disk full, killed encoder): retry.
            raise ToolError(f"ffmpeg: converting {name} failed ({_last_line(result.stderr)})")
        raise AudioError(f"recording_file: {name} is not audio ffmpeg can read"
                         f" ({_last_line(result.stderr)})")
    os.replace(partial, target)
    size, sha = digest(target)
    if size == 0:
        raise AudioError(f"recording_file: {name} holds no audio")
    return Converted(target, size, sha, duration(target, ffprobe=ffprobe), FORMAT)


def has_audio(path: Path, *, ffprobe: str = "ffprobe", timeout: float = 120.0) -> bool:
    """Whether ffprobe finds an audio stream in the file."""
    result = _run([ffprobe, "-v", "error", "-select_streams", "a:0", "-show_entries",
                   "stream=codec_name", "-of", "csv=p=0", str(path)], timeout)
    return result.returncode == 0 and bool(result.stdout.strip())


def duration(path: Path, *, ffprobe: str = "ffprobe", timeout: float = 120.0) -> float:
    """The duration in seconds, as ffprobe reads the container."""
    result = _run([ffprobe, "-v", "error", "-show_entries", "format=duration",
                   "-of", "default=noprint_wrappers=1:nokey=1", str(path)], timeout)
    try:
        return round(float(result.stdout.strip()), 2)
    except ValueError as e:
        raise ToolError(f"ffprobe: no duration for {path} ({_last_line(result.stderr)})") from e
