"""Watched folders: every .txt, .html, .htm and .jsonl file under a directory is a report.

Files are read by the extraction engine's readers, which refuse oversized, binary and
mis-encoded input with a coded message; such a file becomes one recorded error and the run
goes on. Storing is idempotent (``submit_report`` keys on URL and content), so a file may be
read again safely. To avoid re-reading unchanged files every minute, each worker process
remembers the files it has handled by (device, inode, size, mtime) and skips them, repeating
their errors so a bad file stays visible in the source's status until it is fixed.

The folder must lie inside one of the ``INTEL_WATCH_ROOTS``; symbolic links and hidden files
are never followed, so a link cannot pull a file from elsewhere on the server.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from safepassage.extract.document import FailedDocument
from safepassage.extract.readers import read_file
from safepassage.intel.choices import SourceKind
from safepassage.intel.models import Source
from safepassage.intel.sources.base import (
    Item,
    ItemError,
    SourceAdapter,
    SourceError,
    inside_watch_roots,
    parse_iso_date,
    poll_budget,
    setting,
    web_url,
)
from safepassage.lib.http import FetchPolicy

SUFFIXES = frozenset({".txt", ".html", ".htm", ".jsonl"})
MAX_DEPTH = 8
# A leading metadata line such as " date 2024-06-27", as the seed articles carry.
_DATE_LINE = re.compile(r"\A\s*date\s+(\d{4}-\d{2}-\d{2})\b", re.IGNORECASE)
_SEEN_LIMIT = 50_000  # files remembered per source and process


@dataclass(frozen=True)
class _Seen:
    fingerprint: tuple[int, int, int, int]
    errors: tuple[str, ...]


_seen: dict[int, dict[str, _Seen]] = {}
_seen_lock = threading.Lock()


def forget(source_id: int | None = None) -> None:
    """Forget the files handled for one source (or all): the next run reads them again."""
    with _seen_lock:
        if source_id is None:
            _seen.clear()
        else:
            _seen.pop(source_id, None)


def _walk(root: Path, depth: int = 0) -> Iterator[tuple[Path, os.stat_result]]:
    """Regular files with a watched suffix under ``root``, sorted, links and hidden skipped."""
    try:
        entries = sorted(os.scandir(root), key=lambda entry: entry.name)
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            if entry.is_symlink():
                continue
            if entry.is_dir(follow_symlinks=False):
                if depth < MAX_DEPTH:
                    yield from _walk(Path(entry.path), depth + 1)
                continue
            if not entry.is_file(follow_symlinks=False):
                continue
            if Path(entry.name).suffix.lower() not in SUFFIXES:
                continue
            yield Path(entry.path), entry.stat(follow_symlinks=False)
        except OSError:
            continue  # vanished or unreadable between listing and stat


def _date_line(text: str) -> str | None:
    match = _DATE_LINE.match(text[:200])
    return match.group(1) if match else None


class FolderAdapter(SourceAdapter):
    """Reads a watched folder source."""

    kind = SourceKind.FOLDER

    def __init__(self, source: Source, policy: FetchPolicy | None = None) -> None:
        super().__init__(source, policy)
        # Problems with the file being read, kept with it so later polls can repeat them.
        self._errors: list[str] = []

    def settle(self, item: Item, error: str | None) -> None:
        if error is not None:
            self._errors.append(f"{item.key}: {error}")

    def collect(self) -> Iterator[Item | ItemError]:
        root = inside_watch_roots(self.source.path)
        if root is None:
            raise SourceError(
                "The folder is not inside a watch root (INTEL_WATCH_ROOTS); "
                "ask the operator to allow it.",
                retryable=False,
            )
        if not root.is_dir():
            # A missing mount or a folder not created yet: worth trying again later.
            raise SourceError(
                f"The folder {root} does not exist or is not a directory.", retryable=True
            )
        max_files = int(setting("INTEL_FOLDER_MAX_FILES", 500))
        max_bytes = int(setting("INTEL_FOLDER_MAX_FILE_BYTES", 5 * 1024 * 1024))
        max_jsonl = int(setting("INTEL_FOLDER_MAX_JSONL_BYTES", 50 * 1024 * 1024))
        source_id = int(self.source.pk)
        with _seen_lock:
            seen = dict(_seen.get(source_id, {}))
        read = 0
        deadline = time.monotonic() + poll_budget()
        for path, stat in _walk(root):
            key = str(path)
            fingerprint = (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)
            known = seen.get(key)
            if known is not None and known.fingerprint == fingerprint:
                for message in known.errors:
                    yield ItemError(key, f"{message} (unchanged since it was read)")
                continue
            if read >= max_files or time.monotonic() > deadline:
                self.complete = False
                yield ItemError(
                    str(root),
                    f"Read {read} files in this run (limits: {max_files} files, "
                    f"{poll_budget():g} seconds); the rest wait for the next poll.",
                    retryable=True,
                )
                break
            read += 1
            self._errors = []
            limit = max_jsonl if path.suffix.lower() == ".jsonl" else max_bytes
            if stat.st_size > limit:
                message = f"the file has {stat.st_size} bytes, over the {limit} byte limit"
                self._errors.append(message)
                yield ItemError(key, message)
            else:
                yield from self._read(path)
            self._remember(source_id, key, _Seen(fingerprint, tuple(self._errors)))

    def _read(self, path: Path) -> Iterator[Item | ItemError]:
        for document in read_file(path, None):
            if isinstance(document, FailedDocument):
                self._errors.append(document.error)
                yield ItemError(document.id, document.error)
                continue
            published = document.published or _date_line(document.text)
            yield Item(
                key=document.id,
                text=document.text,
                title=document.title or "",
                url=web_url(document.url),
                published=parse_iso_date(published),
            )

    @staticmethod
    def _remember(source_id: int, key: str, seen: _Seen) -> None:
        with _seen_lock:
            files = _seen.setdefault(source_id, {})
            if len(files) >= _SEEN_LIMIT and key not in files:
                files.clear()  # a crude bound: forgetting only costs a re-read
            files[key] = seen
