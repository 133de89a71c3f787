"""A folder polled for new or changed files, each handed out once it has stopped growing.

`Folder.ready()` is one poll: a file is ready when its size and modification time are what the
previous poll saw (so it was not written to for a whole interval) and its content is not the
content last handed out for it. What was handed out is remembered in memory only; across restarts
the importer's event ids, derived from the content, make a second publication a duplicate.
Polling, rather than inotify, works the same on every system and on network shares.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

Stamp = tuple[int, int]  # size, mtime_ns


@dataclass(frozen=True)
class Ready:
    path: Path
    data: bytes
    digest: str


class Folder:
    def __init__(self, path: Path, suffixes: tuple[str, ...] = (".csv",)) -> None:
        self.path = path
        self.suffixes = suffixes
        self._last: dict[Path, Stamp] = {}  # what the previous poll saw
        self._done: dict[Path, tuple[Stamp, str]] = {}  # handed out: the stamp and digest of the content

    def ready(self) -> list[Ready]:
        """The files to import now, oldest first (a provisional result before the official one)."""
        now = self._stamps()
        out: list[Ready] = []
        for path, stamp in sorted(now.items(), key=lambda item: (item[1][1], item[0].name)):
            if stamp[0] == 0 or self._last.get(path) != stamp:
                continue  # empty, new or still being written: seen again at the next poll
            done = self._done.get(path)
            if done is not None and done[0] == stamp:
                continue
            try:
                data = path.read_bytes()
            except OSError:
                continue  # gone or unreadable for now
            if len(data) != stamp[0]:
                continue  # written to since the stat
            digest = hashlib.sha256(data).hexdigest()
            if done is not None and done[1] == digest:
                self._done[path] = (stamp, digest)  # touched, same content
                continue
            out.append(Ready(path, data, digest))
        self._last = now
        return out

    def done(self, ready: Ready) -> None:
        """Remember `ready` as handled (published, or reported as wrong): not handed out again unless it changes."""
        self._done[ready.path] = ((len(ready.data), self._last.get(ready.path, (0, 0))[1]), ready.digest)

    def _stamps(self) -> dict[Path, Stamp]:
        stamps: dict[Path, Stamp] = {}
        try:
            children = list(self.path.iterdir())
        except OSError:
            return stamps
        for path in children:
            if path.name.startswith((".", "~")) or path.suffix.lower() not in self.suffixes:
                continue
            try:
                info = path.stat()
            except OSError:
                continue
            if path.is_file():
                stamps[path] = (info.st_size, info.st_mtime_ns)
        return stamps
