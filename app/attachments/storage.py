"""Content-addressed file storage under ``PLANDESK_STORAGE_DIR`` (``ab/abcdef…``, by SHA-256).

Never under static/: files are served only through a view that checks who may see them. The type
of an upload is decided by its content (magic bytes), never by its name.
"""
from __future__ import annotations

import codecs
import hashlib
import os
import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app

from app.uploads import DOCX, JPEG, PDF, PNG, TEXT, XLSX, max_upload, size_label
from app.blobs.backends import storage
from workflows.errors import WorkflowError

CHUNK = 64 * 1024
MAX_NAME = 120
ALLOWED_TITLES = "PDF、PNG、JPEG、Word（.docx）、Excel（.xlsx）或 UTF-8 纯文本"
#: the extensions a file of each kept type may carry (the first is the one we suggest)
EXTENSIONS: dict[str, tuple[str, ...]] = {
    PDF: (".pdf",), PNG: (".png",), JPEG: (".jpg", ".jpeg", ".jpe"), DOCX: (".docx",), XLSX: (".xlsx",),
    TEXT: (".txt", ".csv", ".md", ".log"),
}
TYPE_TITLES: dict[str, str] = {PDF: "PDF 文件", PNG: "PNG 图片", JPEG: "JPEG 图片", DOCX: "Word 文档（.docx）",
                               XLSX: "Excel 表格（.xlsx）", TEXT: "纯文本"}


class UploadTooLarge(WorkflowError):
    code = "too_large"
    http_status = 413
    default_message = "上传的文件过大"


class InvalidFile(WorkflowError):
    """An upload refused for its content (empty, or a type we do not keep)."""

    code = "invalid_file"
    http_status = 422
    default_message = "文件不符合要求"

    def __init__(self, reason: str) -> None:
        super().__init__(reason, details={"reasons": [reason]})


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    content_type: str


def storage_dir() -> Path:
    return Path(current_app.config["PLANDESK_STORAGE_DIR"])


def blob_path(sha256: str) -> Path:
    """Where the local storage keeps ``sha256`` (``PLANDESK_STORAGE=local`` only)."""
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError("not a SHA-256 hex digest")
    return storage_dir() / sha256[:2] / sha256


def safe_name(filename: str | None) -> str:
    """A stored display name: no path, no control characters; Chinese kept (unlike secure_filename)."""
    name = unicodedata.normalize("NFC", filename or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r"[^\w.\-()（）\[\]【】 ]", "_", name).strip(" .")
    name = re.sub(r"\s+", " ", name)
    if len(name) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:MAX_NAME - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else name[:MAX_NAME]
    return name or "file"


def sniff(path: Path) -> str | None:
    """The content type of the file at ``path`` from its bytes, or None when we do not keep it."""
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        return _office_type(path)
    return TEXT if _is_utf8_text(path) else None


def extension_problem(name: str | None, content_type: str) -> str | None:
    """Why a file called ``name`` may not hold content of ``content_type`` (None: they agree).

    A name without an extension is taken as it is; any other extension must be one of the type's
    (a plain-text file named ``fake.pdf``, a PNG named ``.docx`` are refused)."""
    base = (name or "").rsplit("/", 1)[-1]
    stem, dot, ext = base.rpartition(".")
    if not dot or not stem:
        return None
    ext = "." + ext.lower()
    allowed = EXTENSIONS.get(content_type, ())
    if ext in allowed:
        return None
    return (f"文件内容与扩展名不符：“{base}”的扩展名是 {ext}，内容却是{TYPE_TITLES.get(content_type, content_type)}"
            f"（这类文件的扩展名应为 {'、'.join(allowed)}），请确认选择了正确的文件")


def check_kept(path: Path, name: str | None = None) -> str:
    """The content type of the file at ``path``; InvalidFile when it is empty, of a type we do not
    keep, or (given its ``name``) of another type than its extension says."""
    if path.stat().st_size == 0:
        raise InvalidFile("文件为空，请选择有内容的文件")
    content_type = sniff(path)
    if content_type is None:
        raise InvalidFile(f"不支持的文件类型：只接受 {ALLOWED_TITLES}（按文件内容判断，不看扩展名）")
    if name is not None and (problem := extension_problem(name, content_type)) is not None:
        raise InvalidFile(problem)
    return content_type


def _office_type(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if any(n.startswith("word/") for n in names):
        return DOCX
    if any(n.startswith("xl/") for n in names):
        return XLSX
    return None


def _is_utf8_text(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(CHUNK):
                text = decoder.decode(chunk)
                if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f" for ch in text):
                    return False
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def store_stream(stream: BinaryIO, *, limit: int | None = None, name: str | None = None) -> StoredBlob:
    """Copy ``stream`` into the configured storage (PLANDESK_STORAGE); refuse it when larger than
    ``limit``, empty, of a type we do not keep, or (given the file's ``name``) when its content does
    not match its extension."""
    limit = max_upload() if limit is None else limit
    tmp_dir = storage_dir() / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    tmp = tmp_dir / uuid.uuid4().hex
    digest = hashlib.sha256()
    size = 0
    try:
        with tmp.open("wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise UploadTooLarge(f"文件不能超过 {size_label(limit)}",
                                         details={"limit": limit})
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        content_type = check_kept(tmp, name)
        sha = digest.hexdigest()
        # local: moved into place (atomic); database: copied in chunks within the caller's transaction
        storage().put(tmp, sha, size)
        return StoredBlob(sha, size, content_type)
    finally:
        if tmp.exists():
            tmp.unlink()
