"""Files chosen on a form that was refused, kept server-side until the form is saved (已选择的文件).

A filing form can be refused after the browser has sent its files (a required field left blank, a
figure typed in words): the files are stashed under a random token that the form carries back, and
attached when the form is finally saved, so nobody has to choose them again. Each file is checked
as an upload is (empty, not a kept type, content not matching its extension) when it is stashed.
A stash belongs to the user who made it, lives under ``PLANDESK_STORAGE_DIR/pending`` and is
removed once its files are attached, or after a day.
"""
from __future__ import annotations

import json
import re
import secrets
import shutil
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from app.attachments.storage import CHUNK, InvalidFile, UploadTooLarge, check_kept, safe_name, storage_dir
from app.uploads import max_upload, size_label

TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
MAX_FILES = 20
KEEP_SECONDS = 24 * 3600
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class PendingFile:
    """A stashed file: its name as chosen, its kind (证明材料 / 实施方案), size, where it is kept."""

    filename: str
    kind: str
    size: int
    path: Path

    @property
    def size_label(self) -> str:
        return size_label(self.size)


@dataclass
class Stash:
    token: str
    files: list[PendingFile]
    #: why a chosen file was not kept (one reason per refused file)
    problems: list[str]


def _root() -> Path:
    return storage_dir() / "pending"


def _folder(token: str, user_id: int) -> Path | None:
    if not isinstance(token, str) or not TOKEN.fullmatch(token):
        return None
    return _root() / f"{int(user_id)}-{token}"


def _read_manifest(folder: Path) -> list[dict[str, Any]]:
    try:
        entries = json.loads((folder / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return []
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


def pending_files(token: str | None, user_id: int) -> list[PendingFile]:
    """The files stashed under ``token`` by user ``user_id`` (none for another user's token)."""
    folder = _folder(token or "", user_id)
    if folder is None or not folder.is_dir():
        return []
    out = []
    for entry in _read_manifest(folder):
        path = folder / str(entry.get("file", ""))
        if path.is_file() and path.parent == folder:
            out.append(PendingFile(str(entry.get("name", "file")), str(entry.get("kind", "evidence")),
                                   int(entry.get("size", 0)), path))
    return out


def _copy(stream: BinaryIO, target: Path) -> int:
    limit, size = max_upload(), 0
    with target.open("wb") as out:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise UploadTooLarge(f"文件不能超过 {size_label(limit)}", details={"limit": limit})
            out.write(chunk)
    return size


def stash_uploads(token: str | None, user_id: int, uploads: Sequence[Any], kind: str) -> Stash:
    """Add ``uploads`` (objects with ``filename`` and ``stream``) to the user's stash ``token`` (a new
    one when absent or not theirs); a refused file is left out with its reason. Without uploads the
    stash is only read (no folder is made)."""
    if not uploads:
        kept = pending_files(token, user_id)
        return Stash(token if kept else "", kept, [])
    _sweep()
    folder = _folder(token or "", user_id)
    if folder is None or not folder.is_dir():
        token = secrets.token_urlsafe(24)
        folder = _folder(token, user_id)
        assert folder is not None
        folder.mkdir(parents=True, exist_ok=True)
    entries = _read_manifest(folder)
    problems: list[str] = []
    for upload in uploads:
        name = safe_name(upload.filename)
        if len(entries) >= MAX_FILES:
            problems.append(f"一次最多选择 {MAX_FILES} 个文件，“{name}”未保留")
            continue
        target = folder / uuid.uuid4().hex
        try:
            size = _copy(upload.stream, target)
            check_kept(target, upload.filename or "")
        except (InvalidFile, UploadTooLarge) as exc:
            target.unlink(missing_ok=True)
            problems.append(f"“{name}”：{exc.message}")
            continue
        entries.append({"file": target.name, "name": name, "kind": kind, "size": size})
    (folder / MANIFEST).write_text(json.dumps(entries, ensure_ascii=False), "utf-8")
    return Stash(token, pending_files(token, user_id), problems)


@contextmanager
def opened(files: Sequence[PendingFile]) -> Iterator[list[tuple[PendingFile, BinaryIO]]]:
    """Each stashed file with an open stream, closed on leaving."""
    with ExitStack() as stack:
        yield [(f, stack.enter_context(f.path.open("rb"))) for f in files]


def discard(token: str | None, user_id: int) -> None:
    """Remove a stash (its files were attached, or the form was left)."""
    folder = _folder(token or "", user_id)
    if folder is not None and folder.is_dir():
        shutil.rmtree(folder, ignore_errors=True)


def _sweep() -> None:
    """Remove stashes older than a day (forms that were never saved)."""
    root = _root()
    if not root.is_dir():
        return
    cutoff = time.time() - KEEP_SECONDS
    for folder in root.iterdir():
        try:
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue
