"""Open Badges 3.0 credentials: W3C Verifiable Credentials data model 2.0, secured as VC-JOSE
(a compact JWS with ``alg: EdDSA``, ``typ: vc+jwt``, the credential itself as the payload).

Sources: Open Badges 3.0 (1EdTech, https://www.imsglobal.org/spec/ob/v3p0/), §8 "Proofs"
(VC-JWT) and the ``OpenBadgeCredential`` / ``Achievement`` / ``Profile`` classes; W3C
"Securing Verifiable Credentials using JOSE and COSE" (media type ``application/vc+jwt``).

The Ed25519 key is made once per installation, on first use, in ``VAR_DIR`` (outside git,
readable by the platform's user only), like Django's secret key in ``config/settings.py``.
"""

from __future__ import annotations

import datetime
import json
import os
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

ALG = "EdDSA"
TYP = "vc+jwt"
CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
_lock = threading.Lock()


def key_path() -> Path:
    return Path(
        getattr(settings, "TRAINING_BADGE_KEY_FILE", "")
        or settings.VAR_DIR / "ob3-ed25519.jwk.json"
    )


def signing_key() -> OKPKey:
    path = key_path()
    with _lock:
        if not path.exists():
            key = OKPKey.generate_key("Ed25519", private=True)
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                json.dump(key.as_dict(private=True), handle)
        return OKPKey.import_key(json.loads(path.read_text()))


def public_jwk() -> dict:
    key = signing_key()
    data = key.as_dict(private=False)
    data.update({"kid": key.thumbprint(), "alg": ALG, "use": "sig"})
    return data


def _epoch(stamp: str) -> int:
    return int(datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp())


def registered_claims(credential: dict) -> dict:
    """The JWT claims OB 3.0 §8.2.4.1 (VC-JWT payload) asks beside the credential: ``iss``
    the issuer's id, ``nbf`` its ``validFrom``, ``jti`` the credential's id, ``sub`` the
    subject's id, ``exp`` its ``validUntil`` when it has one (NumericDate, RFC 7519)."""
    issuer = credential.get("issuer")
    claims = {
        "iss": issuer.get("id") if isinstance(issuer, dict) else issuer,
        "nbf": _epoch(credential["validFrom"]),
        "jti": credential.get("id"),
        "sub": (credential.get("credentialSubject") or {}).get("id"),
    }
    if credential.get("validUntil"):
        claims["exp"] = _epoch(credential["validUntil"])
    return {k: v for k, v in claims.items() if v is not None}


def sign(credential: dict) -> str:
    """The credential as a compact JWS whose payload is the credential itself with the
    registered claims added (OB 3.0 §8.2)."""
    key = signing_key()
    header = {"alg": ALG, "typ": TYP, "kid": key.thumbprint()}
    body = {**credential, **registered_claims(credential)}
    payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    with warnings.catch_warnings():
        # RFC 9864 prefers the fully specified "Ed25519"; OB 3.0 verifiers know "EdDSA".
        warnings.simplefilter("ignore")
        return jws.serialize_compact(header, payload, key, algorithms=[ALG])


@dataclass(frozen=True)
class Verified:
    valid: bool
    credential: dict | None
    problem: str = ""


def verify(token: str) -> Verified:
    """Check the signature against this installation's key and the credential's shape."""
    key = OKPKey.import_key(public_jwk())
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = jws.deserialize_compact(token.strip(), key, algorithms=[ALG])
    except (JoseError, ValueError) as error:
        return Verified(False, None, f"Chữ ký không hợp lệ ({type(error).__name__}).")
    if result.protected.get("typ") != TYP:
        return Verified(False, None, "Không phải chứng nhận vc+jwt.")
    try:
        credential = json.loads(result.payload)
    except ValueError:
        return Verified(False, None, "Nội dung chứng nhận không đọc được.")
    if not isinstance(credential, dict) or "OpenBadgeCredential" not in credential.get("type", []):
        return Verified(False, None, "Không phải chứng nhận Open Badges 3.0.")
    try:
        expected = registered_claims(credential)
    except (KeyError, TypeError, ValueError, AttributeError):
        return Verified(False, credential, "Chứng nhận thiếu ngày hiệu lực hoặc sai định dạng.")
    if any(name in credential and credential[name] != value for name, value in expected.items()):
        return Verified(False, credential, "Các trường JWT không khớp nội dung chứng nhận.")
    return Verified(True, credential)


def credential_build(
    *,
    certificate_url: str,
    issuer_url: str,
    issuer_name: str,
    holder_name: str,
    holder_ref: str,
    achievement_url: str,
    achievement_name: str,
    achievement_description: str,
    criteria: str,
    issued_at: str,
    status_url: str,
) -> dict:
    """An ``OpenBadgeCredential`` (OB 3.0 §B.1.1). The holder is identified by a stable
    reference of the platform (a URN), not by a personal identifier."""
    return {
        "@context": CONTEXTS,
        "id": certificate_url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer_url, "type": ["Profile"], "name": issuer_name},
        "validFrom": issued_at,
        "name": achievement_name,
        "credentialSubject": {
            "id": holder_ref,
            "type": ["AchievementSubject"],
            "name": holder_name,
            "achievement": {
                "id": achievement_url,
                "type": ["Achievement"],
                "name": achievement_name,
                "description": achievement_description,
                "criteria": {"narrative": criteria},
            },
        },
        # Revocation is checked on the issuer's page (1EdTech "1EdTechRevocationList" shape).
        "credentialStatus": {"id": status_url, "type": "1EdTechRevocationList"},
    }
