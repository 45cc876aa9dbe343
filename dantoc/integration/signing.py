"""Standard Webhooks signatures (https://www.standardwebhooks.com/).

The secret is "whsec_" + base64 of random bytes; each delivery carries ``webhook-id``,
``webhook-timestamp`` (Unix seconds of the attempt) and ``webhook-signature`` =
"v1," + base64(HMAC-SHA256(key, f"{id}.{timestamp}.{body}")). The receiver checks the
signature and the timestamp's age, and remembers ids it has processed to detect replays.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


def secret_generate() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _key(secret: str) -> bytes:
    raw = secret[len(SECRET_PREFIX) :] if secret.startswith(SECRET_PREFIX) else secret
    return base64.b64decode(raw)


def sign(*, secret: str, webhook_id: str, timestamp: int, body: str) -> str:
    message = f"{webhook_id}.{timestamp}.{body}".encode()
    digest = hmac.new(_key(secret), message, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(*, secret: str, webhook_id: str, timestamp: int, body: str) -> dict[str, str]:
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(
            secret=secret, webhook_id=webhook_id, timestamp=timestamp, body=body
        ),
        "content-type": "application/json",
    }
