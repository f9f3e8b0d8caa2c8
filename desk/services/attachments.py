"""Content-addressed file storage under the instance folder (one copy per SHA-256)."""
from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from flask import current_app

from desk.models import Attachment

# Image types a browser may show inline from our origin (raster only: SVG can carry script).
INLINE_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})

_UNSAFE = re.compile(r"[^\w.\- ()\[\]가-힣]+", re.UNICODE)


def storage_dir() -> Path:
    return Path(current_app.config["ATTACHMENT_DIR"])


def path_for(sha256: str) -> Path:
    return storage_dir() / sha256[:2] / sha256[2:4] / sha256


def safe_filename(name: str | None) -> str:
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = _UNSAFE.sub("_", name).strip("._ ") or "attachment"
    return name[:200]


def store(data: bytes, filename: str | None, content_type: str | None, *,
          content_id: str | None = None, inline: bool = False) -> Attachment:
    """Write the bytes durably (if not stored yet) and return an unsaved Attachment row."""
    digest = hashlib.sha256(data).hexdigest()
    target = path_for(digest)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{digest}.{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    return Attachment(
        filename=safe_filename(filename),
        content_type=(content_type or "application/octet-stream")[:127],
        size=len(data),
        sha256=digest,
        content_id=content_id,
        inline=inline,
    )
