"""MMS media: fetched from Twilio (with the account's credentials) and kept as attachments."""
from __future__ import annotations

import logging
import mimetypes

import requests

log = logging.getLogger(__name__)

MAX_ITEMS = 10
MAX_BYTES = 5 * 1024 * 1024
TIMEOUT_SECONDS = 10


def fetch_all(config, items: list[tuple[str, str]]) -> tuple[list[tuple[str, str, bytes]], list[str]]:
    """[(filename, content type, bytes)] for what could be fetched, and the URLs that could not."""
    auth = None
    if config.get("TWILIO_ACCOUNT_SID") and config.get("TWILIO_AUTH_TOKEN"):
        auth = (config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"])
    fetched, failed = [], []
    for index, (url, content_type) in enumerate(items[:MAX_ITEMS], start=1):
        if not url.startswith(("https://", "http://")):
            failed.append(url[:500])
            continue
        try:
            data = _get(url, auth)
        except (requests.RequestException, ValueError) as exc:
            log.warning("MMS media %s not fetched: %s", url[:200], exc)
            failed.append(url[:500])
            continue
        content_type = (content_type or "application/octet-stream").split(";")[0].strip()[:127]
        extension = mimetypes.guess_extension(content_type) or ".bin"
        fetched.append((f"mms-{index}{extension}", content_type, data))
    return fetched, failed


def _get(url: str, auth) -> bytes:
    with requests.get(url, auth=auth, timeout=TIMEOUT_SECONDS, stream=True, allow_redirects=True) as response:
        response.raise_for_status()
        chunks, size = [], 0
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            if size > MAX_BYTES:
                raise ValueError(f"larger than {MAX_BYTES} bytes")
            chunks.append(chunk)
        return b"".join(chunks)
