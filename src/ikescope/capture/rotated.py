"""Finding capture files and reading rotated ones as one capture.

A gateway that captures for days leaves a series of files (``tcpdump -C -W``,
``ikescope live -w -C``): one capture cut into pieces. Their names do not give
their order once a ring of ``-W`` files has wrapped (``ike.pcap0`` may be newer
than ``ike.pcap9``), so the order comes from the captures themselves: the time
of each file's first frame (``first_frame``).

``RotatedCapture`` then reads the pieces in that order as one stream of
frames, numbered across the files as ``ikescope live -w -C`` numbers them, so
an SA that spans a rotation is one SA and its frame numbers are those of the
whole series.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from ikescope.capture.pcapfile import CUT_DAMAGED, CUT_ENDED, CUT_LIMIT, CaptureReader, open_capture
from ikescope.errors import CaptureError
from ikescope.model import Frame


@dataclass(frozen=True, slots=True)
class Found:
    """A file to analyse; ``named`` when the user named it rather than a directory or a pattern
    holding it, so that a file that is no capture is an error only when it was asked for."""

    path: str
    named: bool


def expand(paths: Iterable[str]) -> list[Found]:
    """Files, directories (walked, hidden entries left out) and glob patterns, each file once, in the
    order given (a directory's files sorted). A name that is none of these is kept as named, so that
    opening it reports it."""
    out: list[Found] = []
    seen: set[str] = set()

    def add(path: str, named: bool) -> None:
        if path not in seen:
            seen.add(path)
            out.append(Found(path, named))

    for p in paths:
        if os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith("."):
                        add(os.path.join(root, name), False)
        elif not os.path.exists(p) and glob.has_magic(p):
            for match in sorted(glob.glob(p, recursive=True)):
                if os.path.isfile(match):
                    add(match, False)
        else:
            add(p, True)
    return out


def first_frame(path: str) -> float | None:
    """The time of the first frame of a capture (None when it has none); CaptureError if it is none."""
    with open_capture(path) as reader:
        for frame in reader:
            return frame.ts
    return None


@dataclass(slots=True)
class FileRecord:
    """One piece of a rotated capture, as it was read.

    first_frame: the number its first frame has in the whole series.
    overlaps: its first frame is older than the previous piece's last one, so the pieces are not
    one capture cut in turn (two captures of one place at once, or a clock that was set back).
    error: why it could not be read at all (then it adds no frame).
    """

    path: str
    frames: int = 0
    first_frame: int = 0
    first_ts: float | None = None
    last_ts: float | None = None
    truncated: bool = False
    truncated_detail: str = ""
    truncated_kind: str = ""
    overlaps: bool = False
    error: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {"path": self.path, "frames": self.frames, "first_frame": self.first_frame,
                "first_time": self.first_ts, "last_time": self.last_ts, "truncated": self.truncated,
                "truncated_detail": self.truncated_detail, "overlaps": self.overlaps, "error": self.error}


class RotatedCapture:
    """The files of one rotated capture, already in time order, read as one capture.

    Iterate once for the frames. Each file is opened only when its turn comes; one that
    cannot be opened then (removed or replaced since it was listed) is recorded in ``files``
    with its error and skipped, so one bad piece does not cost the rest of the series.
    ``truncated`` and ``truncated_detail`` say whether a piece was cut short, as for one file.
    """

    def __init__(self, paths: Sequence[str]) -> None:
        self.paths = list(paths)
        self.files: list[FileRecord] = []
        self._sizes = [size(p) for p in self.paths]
        self._done = 0  # bytes of the files read to their end
        self._reader: CaptureReader | None = None

    @property
    def truncated(self) -> bool:
        return any(f.truncated for f in self.files)

    @property
    def truncated_detail(self) -> str:
        return "; ".join(f"{f.path}: {f.truncated_detail}" for f in self.files if f.truncated)

    @property
    def truncated_kind(self) -> str:
        """The most telling kind of cut among the pieces (see ``pcapfile.CUT_ENDED``)."""
        kinds = {f.truncated_kind for f in self.files if f.truncated}
        return next((k for k in (CUT_LIMIT, CUT_DAMAGED, CUT_ENDED) if k in kinds), "")

    def progress(self) -> tuple[int, int | None]:
        """Bytes read so far over the whole series, and its total size."""
        current = self._reader.progress()[0] if self._reader is not None else 0
        return self._done + current, sum(self._sizes)

    def __iter__(self) -> Iterator[Frame]:
        offset = 0
        last_ts: float | None = None
        for path, size in zip(self.paths, self._sizes):
            rec = FileRecord(path, first_frame=offset + 1)
            self.files.append(rec)
            try:
                self._reader = reader = open_capture(path)
            except CaptureError as exc:
                rec.error = str(exc)
                continue
            try:
                for frame in reader:
                    if rec.first_ts is None:
                        rec.first_ts = frame.ts
                        rec.overlaps = last_ts is not None and frame.ts < last_ts
                    rec.last_ts = frame.ts
                    rec.frames += 1
                    yield Frame(offset + frame.index, frame.ts, frame.linktype, frame.data, frame.wirelen) \
                        if offset else frame
            finally:
                self._reader = None
                reader.close()
            self._done += size
            rec.truncated, rec.truncated_detail = reader.truncated, reader.truncated_detail
            rec.truncated_kind = reader.truncated_kind
            offset += rec.frames
            if rec.last_ts is not None:
                last_ts = rec.last_ts if last_ts is None else max(last_ts, rec.last_ts)


def size(path: str) -> int:
    """The file's size in bytes, 0 when it cannot be seen (it is then reported when it is opened)."""
    try:
        return os.path.getsize(path)
    except OSError:
        return 0
