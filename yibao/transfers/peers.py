"""Other deployments this one exchanges transfer documents with, and the signature on them.

Configured from the environment (read here, not in settings, so this app owns
its configuration):

- ``YIBAO_INSTANCE_CODE``: this deployment's code (default ``yibao``).
- ``YIBAO_TRANSFER_PEERS``: JSON object, peer code → ``{"url": base URL,
  "secret": shared secret, "regions": {region code: region name}}``.

A document is signed with HMAC-SHA256 over its canonical JSON (keys sorted,
no spaces, UTF-8) under the secret shared with the peer; see docs/transfers-api.md.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from yibao.errors import DomainError

DOCUMENTS_PATH = "/api/transfers/documents"
SIGNATURE_HEADER = "X-Yibao-Signature"
SENDER_HEADER = "X-Yibao-Instance"
TIMEOUT_SECONDS = 10


class PeerError(DomainError):
    """A peer refused or could not be reached; the message is for the user."""

    kind = "forbidden"
    code = "peer_refused"

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Peer:
    code: str
    url: str
    secret: str
    regions: dict[str, str] = field(default_factory=dict)


def instance_code() -> str:
    return os.environ.get("YIBAO_INSTANCE_CODE", "").strip() or "yibao"


def configured_peers() -> dict[str, Peer]:
    """Every configured peer; a malformed setting is an error worth stopping for."""
    raw = os.environ.get("YIBAO_TRANSFER_PEERS", "").strip()
    if not raw:
        return {}
    try:
        data = json.loads(raw)
        peers = {}
        for code, entry in data.items():
            regions = entry.get("regions", {})
            if isinstance(regions, list):
                regions = {str(c): str(c) for c in regions}
            peers[code] = Peer(code=code, url=entry["url"].rstrip("/"), secret=entry["secret"],
                               regions={str(k): str(v) for k, v in regions.items()})
        return peers
    except (ValueError, KeyError, AttributeError, TypeError) as exc:
        raise PeerError(f"环境变量 YIBAO_TRANSFER_PEERS 格式错误：{exc}") from exc


def peer_for_region(region_code: str) -> Peer | None:
    return next((p for p in configured_peers().values() if region_code in p.regions), None)


def canonical(document: dict) -> bytes:
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sign(document: dict, secret: str) -> str:
    return hmac.new(secret.encode("utf-8"), canonical(document), hashlib.sha256).hexdigest()


def signature_valid(document: dict, signature: str, secret: str) -> bool:
    return hmac.compare_digest(sign(document, secret), (signature or "").removeprefix("sha256="))


def post_document(peer: Peer, document: dict, *, timeout: float | None = None) -> dict:
    """POST a signed document to the peer once and return its receipt.

    No retries and no sleeps here: the outbox retries with backoff, and the
    receiver treats the same ``document_id`` twice as a no-op, so a retry after
    a lost answer is safe. ``PeerError.status`` is the HTTP status of a refusal
    (None when the peer could not be reached or did not answer in time).
    """
    body = canonical(document)
    request = urllib.request.Request(
        peer.url + DOCUMENTS_PATH, data=body, method="POST",
        headers={"Content-Type": "application/json; charset=utf-8",
                 SENDER_HEADER: instance_code(),
                 SIGNATURE_HEADER: "sha256=" + sign(document, peer.secret)})
    try:
        with urllib.request.urlopen(request, timeout=timeout or TIMEOUT_SECONDS) as response:
            return json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        try:
            detail = json.loads(exc.read().decode("utf-8")).get("detail", "")
        except (ValueError, AttributeError):
            detail = ""
        raise PeerError(f"对方系统（{peer.code}）拒收：{detail or exc.reason}", status=exc.code) from exc
    except TimeoutError as exc:
        raise PeerError(f"对方系统（{peer.code}，{peer.url}）在 {timeout or TIMEOUT_SECONDS} 秒内未应答") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        if isinstance(getattr(exc, "reason", None), TimeoutError):
            raise PeerError(f"对方系统（{peer.code}，{peer.url}）在 {timeout or TIMEOUT_SECONDS} 秒内未应答") from exc
        raise PeerError(f"无法连接对方系统（{peer.code}，{peer.url}）：{exc}") from exc
