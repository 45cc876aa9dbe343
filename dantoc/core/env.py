"""Typed readers for environment variables.

Settings read the environment only through these helpers so that a bad value fails at start-up
with a message naming the variable, instead of surfacing later as an odd runtime error.
"""

from __future__ import annotations

import os
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_ports(name: str, default: list[int]) -> list[int]:
    """A comma-separated list of TCP port numbers (1-65535)."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    ports = []
    for item in raw.split(","):
        item = item.strip()
        if not item:
            continue
        if not item.isdigit() or not 1 <= int(item) <= 65535:
            raise ImproperlyConfigured(
                f"{name} must be a comma-separated list of port numbers (1-65535), got {raw!r}"
            )
        ports.append(int(item))
    return ports


def database_from_url(url: str, *, base_dir: str) -> dict:
    """Turn ``sqlite:///path`` or ``postgres://user@host:port/name`` into a DATABASES entry."""
    parsed = urlparse(url)
    scheme = parsed.scheme
    options = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
    if scheme == "sqlite":
        # sqlite:///var/db.sqlite3 is relative to the project, sqlite:////abs/db.sqlite3 absolute
        path = unquote(parsed.netloc + parsed.path)
        path = path[1:] if path.startswith("/") else path
        if not os.path.isabs(path):
            path = os.path.join(base_dir, path)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path,
            "OPTIONS": {
                # WAL lets readers continue while one writer commits; IMMEDIATE avoids
                # "database is locked" upgrades in concurrent write transactions.
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "timeout": 20,
            },
        }
    if scheme in {"postgres", "postgresql", "pgsql"}:
        name = unquote(parsed.path.lstrip("/"))
        if not name:
            raise ImproperlyConfigured("DATABASE_URL for PostgreSQL must name a database")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": int(options.pop("conn_max_age", "60")),
            "OPTIONS": options,
        }
    raise ImproperlyConfigured(
        f"DATABASE_URL scheme {scheme!r} is not supported (use sqlite:/// or postgres://)"
    )


def default_storage_from_env() -> dict:
    """The STORAGES["default"] entry: local disk (``DANTOC_MEDIA_STORAGE=local``, the default)
    or S3-compatible object storage (``s3``) through django-storages, for every uploaded file
    and every derivative the media pipeline makes."""
    kind = env_str("DANTOC_MEDIA_STORAGE", "local").strip().lower() or "local"
    if kind == "local":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if kind != "s3":
        raise ImproperlyConfigured(f"DANTOC_MEDIA_STORAGE must be local or s3, got {kind!r}")
    bucket = env_str("DANTOC_S3_BUCKET")
    if not bucket:
        raise ImproperlyConfigured("DANTOC_S3_BUCKET must be set when DANTOC_MEDIA_STORAGE=s3")
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            # Empty: Amazon S3 itself; set for MinIO, Ceph, Viettel/VNPT/FPT object storage.
            "endpoint_url": env_str("DANTOC_S3_ENDPOINT_URL") or None,
            "access_key": env_str("DANTOC_S3_ACCESS_KEY_ID") or None,
            "secret_key": env_str("DANTOC_S3_SECRET_ACCESS_KEY") or None,
            "region_name": env_str("DANTOC_S3_REGION") or None,
            # S3-compatible servers commonly serve buckets by path, not by host name.
            "addressing_style": env_str("DANTOC_S3_ADDRESSING_STYLE", "path") or None,
            # Files stay private: the platform serves them after its own permission check,
            # or hands out short-lived signed addresses.
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": env_int("DANTOC_S3_URL_SECONDS", 3600),
            # Never replace a stored file by one with the same name; a suffix is added.
            "file_overwrite": False,
        },
    }
