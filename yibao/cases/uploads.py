"""Checking and storing uploaded scans.

The type is decided by the file's first bytes, never by its name or the
browser's claim; files are stored under their SHA-256 with a fixed extension,
outside any served or executable path, and only ever returned as downloads.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

MAX_UPLOAD_BYTES = getattr(settings, "YIBAO_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)


class UploadRefused(ValueError):
    """A file that is not accepted; the message names the file and the reason."""


@dataclass(frozen=True)
class StoredUpload:
    sha256: str
    content_type: str
    size: int
    original_name: str
    storage_path: str


def sniff(content: bytes) -> tuple[str, str] | None:
    for signature, content_type, extension in SIGNATURES:
        if content.startswith(signature):
            return content_type, extension
    return None


def _save_if_missing(path: str, content: bytes) -> None:
    # Content-addressed: the same scan uploaded twice is stored once.
    if not default_storage.exists(path):
        default_storage.save(path, ContentFile(content))


def store_upload(*, name: str, content: bytes) -> StoredUpload:
    """Check one upload and store it when the transaction commits; raise UploadRefused in Chinese."""
    label = f"文件「{name}」"
    if not content:
        raise UploadRefused(f"{label}是空文件")
    if len(content) > MAX_UPLOAD_BYTES:
        raise UploadRefused(
            f"{label}大小为 {len(content) / 1024 / 1024:.1f} MB，超过上限 {MAX_UPLOAD_BYTES // 1024 // 1024} MB"
        )
    kind = sniff(content)
    if kind is None:
        raise UploadRefused(f"{label}不是 PDF、JPG 或 PNG 文件（按文件内容判断，与扩展名无关）")
    content_type, extension = kind
    digest = hashlib.sha256(content).hexdigest()
    path = f"cases/{digest[:2]}/{digest}.{extension}"
    # Written only when the case's transaction commits: a refused application (any
    # later check raising) leaves nothing on disk. Outside a transaction, at once.
    transaction.on_commit(lambda: _save_if_missing(path, content))
    return StoredUpload(digest, content_type, len(content), name[:200], path)
