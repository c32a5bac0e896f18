"""How models and downloads are put into words, alike in the window and `desktop-slm models`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop_slm.engine.hardware import human_bytes

if TYPE_CHECKING:
    from desktop_slm.models.download import DownloadProgress
    from desktop_slm.models.hub import GgufFileSet


def parameters_label(count: int) -> str:
    """134_515_008 -> "135M", 1_543_714_304 -> "1.5B", 3e9 -> "3B": how model cards name sizes."""
    if count <= 0:
        return "unknown"
    if count >= 1_000_000_000:
        return f"{count / 1e9:.1f}B".replace(".0B", "B")
    return f"{round(count / 1e6)}M"


def context_label(tokens: int) -> str:
    """32768 -> "32K tokens", as model cards write trained context sizes."""
    if tokens >= 1024 and tokens % 1024 == 0:
        return f"{tokens // 1024}K tokens"
    return f"{tokens:,} tokens"


def duration_label(seconds: float) -> str:
    """45 -> "45 s", 125 -> "2 min 05 s", 4000 -> "1 h 06 min"."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def transfer_parts(p: DownloadProgress) -> list[str]:
    """Bytes so far, speed and time left of a running download: ["3.1 MB of 98.4 MB", ...]."""
    parts = [f"{human_bytes(p.done)} of {human_bytes(p.total)}"] if p.total else []
    if p.speed > 0:
        parts.append(f"{human_bytes(p.speed)}/s")
    if p.eta_s is not None:
        parts.append(f"{duration_label(p.eta_s)} left")
    return parts


def describe_progress(p: DownloadProgress) -> str:  # noqa: PLR0911 (one line per state)
    """One line: bytes, speed, time left and state, as the downloads list shows it."""
    # Imported here: download imports the catalog, which uses parameters_label above.
    from desktop_slm.models.download import JobState

    amount = f"{human_bytes(p.done)} of {human_bytes(p.total)}" if p.total else ""
    match p.state:
        case JobState.QUEUED:
            return "Waiting for the download before it…" if not p.done else f"Waiting · {amount}"
        case JobState.RESOLVING:
            return "Looking up the file on the Hub…"
        case JobState.CHECKING:
            return f"Checking the part downloaded before · {amount}"
        case JobState.DOWNLOADING:
            return " · ".join(transfer_parts(p))
        case JobState.RETRYING:
            return f"{p.message or 'Retrying…'} · {amount}"
        case JobState.VERIFYING:
            return f"Verifying the checksum · {human_bytes(p.total)}"
        case JobState.INSTALLING:
            return "Installing…"
        case JobState.PAUSED:
            return f"Paused · {amount}" if p.total else "Paused"
        case JobState.DONE:
            return f"Installed and verified (sha256) · {human_bytes(p.total)}"
        case JobState.CANCELLED:
            return "Cancelled; the partial file was deleted."
        case _:  # failed
            return p.message or "The download failed."


def file_set_notes(s: GgufFileSet, recommended: str | None) -> list[str]:
    """What to know about one of a repository's GGUF files before downloading it."""
    notes = []
    if s.name == recommended:
        notes.append("recommended")
    if s.is_split:
        complete = "" if s.is_complete else ", incomplete"
        notes.append(f"split in {s.expected_parts} parts{complete}: not supported")
    if s.is_projector:
        notes.append("image encoder (mmproj), not a language model")
    return notes
