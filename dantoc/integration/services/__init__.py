"""Writes of the integration app. This package holds its service modules: clients and their
secrets and the rate limit counters here; webhook subscriptions and deliveries in
``services.webhooks``; the reference sync client in ``services.sync_client``. (Push-up
submissions are in ``pushup``.)
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import AccessToken, Application, RefreshToken

from dantoc.audit.services import audit_record, snapshot
from dantoc.geo.models import Unit, UnitLevel
from dantoc.integration.models import IntegrationClient, KeyedRateWindow, RateWindow
from dantoc.integration.permissions import can_manage_clients
from dantoc.integration.scopes import SCOPES, parse_scopes

CLIENT_FIELDS = ["name", "unit", "scopes", "rate_limit", "contact", "is_active"]
MAX_RATE_LIMIT = 100_000


@dataclass(frozen=True)
class IssuedCredentials:
    """A client and its secret in clear: shown once to the administrator, never stored."""

    client: IntegrationClient
    client_id: str
    client_secret: str


def _check(actor, unit: Unit) -> None:
    if actor is not None and not can_manage_clients(actor, unit):
        raise PermissionDenied("Bạn không có quyền quản lý ứng dụng tích hợp của đơn vị này.")


def _clean(*, name: str, unit: Unit, scopes, rate_limit: int) -> tuple[str, list[str]]:
    errors: dict[str, str] = {}
    name = " ".join((name or "").split())
    if not name:
        errors["name"] = "Cần đặt tên cho ứng dụng."
    if unit.level not in (UnitLevel.PROVINCE, UnitLevel.COUNTRY) or not unit.is_current:
        errors["unit"] = "Ứng dụng tích hợp gắn với một tỉnh (hoặc cấp quốc gia) đang hoạt động."
    wanted = scopes.split() if isinstance(scopes, str) else list(scopes)
    unknown = sorted(set(wanted) - set(SCOPES))
    if unknown:
        errors["scopes"] = f"Phạm vi quyền không tồn tại: {', '.join(unknown)}"
    elif not wanted:
        errors["scopes"] = "Chọn ít nhất một phạm vi quyền."
    if not (1 <= int(rate_limit) <= MAX_RATE_LIMIT):
        errors["rate_limit"] = f"Giới hạn yêu cầu phải từ 1 đến {MAX_RATE_LIMIT}."
    if errors:
        raise ValidationError(errors)
    return name, parse_scopes(wanted)


def _revoke_all_tokens(application: Application) -> int:
    RefreshToken.objects.filter(application=application).delete()
    deleted, _ = AccessToken.objects.filter(application=application).delete()
    return deleted


@transaction.atomic
def client_create(
    *,
    actor,
    name: str,
    unit: Unit,
    scopes,
    rate_limit: int = 120,
    contact: str = "",
) -> IssuedCredentials:
    """A new client with a fresh consumer key and secret (client credentials grant only)."""
    _check(actor, unit)
    name, scope_list = _clean(name=name, unit=unit, scopes=scopes, rate_limit=rate_limit)
    if IntegrationClient.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": "Tên ứng dụng đã được dùng."})
    secret = generate_client_secret()
    application = Application(
        name=name,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        client_secret=secret,  # hashed by DOT when saved (hash_client_secret)
        hash_client_secret=True,
        user=None,
    )
    application.save()
    client = IntegrationClient.objects.create(
        application=application,
        name=name,
        unit=unit,
        scopes=" ".join(scope_list),
        rate_limit=rate_limit,
        contact=contact.strip(),
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    audit_record(
        actor=actor,
        action="integration.client_create",
        obj=client,
        unit=unit,
        after={**snapshot(client, CLIENT_FIELDS), "client_id": application.client_id},
    )
    return IssuedCredentials(client, application.client_id, secret)


@transaction.atomic
def client_update(
    *, actor, client: IntegrationClient, scopes, rate_limit: int, contact: str | None = None
) -> IntegrationClient:
    _check(actor, client.unit)
    before = snapshot(client, CLIENT_FIELDS)
    _, scope_list = _clean(name=client.name, unit=client.unit, scopes=scopes, rate_limit=rate_limit)
    client.scopes = " ".join(scope_list)
    client.rate_limit = rate_limit
    fields = ["scopes", "rate_limit"]
    if contact is not None:
        client.contact = contact.strip()
        fields.append("contact")
    client.save(update_fields=fields)
    audit_record(
        actor=actor,
        action="integration.client_update",
        obj=client,
        unit=client.unit,
        before=before,
        after=snapshot(client, CLIENT_FIELDS),
    )
    return client


@transaction.atomic
def client_rotate_secret(*, actor, client: IntegrationClient) -> IssuedCredentials:
    """A new secret; the old one stops working at once, and so do the tokens issued with it
    (a rotation is usually done because the old secret may have leaked)."""
    _check(actor, client.unit)
    application = client.application
    secret = generate_client_secret()
    application.client_secret = secret
    application.save(update_fields=["client_secret", "updated"])
    revoked = _revoke_all_tokens(application)
    client.secret_rotated_at = timezone.now()
    client.save(update_fields=["secret_rotated_at"])
    audit_record(
        actor=actor,
        action="integration.client_rotate_secret",
        obj=client,
        unit=client.unit,
        after={"client_id": application.client_id, "tokens_revoked": revoked},
    )
    return IssuedCredentials(client, application.client_id, secret)


@transaction.atomic
def client_set_active(*, actor, client: IntegrationClient, active: bool) -> IntegrationClient:
    """Disable (its tokens are revoked, it gets no new ones) or enable a client again."""
    _check(actor, client.unit)
    if client.is_active == active:
        return client
    before = snapshot(client, CLIENT_FIELDS)
    client.is_active = active
    client.disabled_at = None if active else timezone.now()
    client.save(update_fields=["is_active", "disabled_at"])
    revoked = 0 if active else _revoke_all_tokens(client.application)
    audit_record(
        actor=actor,
        action="integration.client_enable" if active else "integration.client_disable",
        obj=client,
        unit=client.unit,
        before=before,
        after={**snapshot(client, CLIENT_FIELDS), "tokens_revoked": revoked},
    )
    return client


# --- rate limit -----------------------------------------------------------------------------

WINDOW_SECONDS = 60


def _count(table_model, key_columns: dict, now: float) -> tuple[int, int]:
    """Add one hit under ``key_columns`` in the current window; (hits so far, window)."""
    window = int(now // WINDOW_SECONDS)
    table = connection.ops.quote_name(table_model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in key_columns)
    marks = ", ".join(["%s"] * len(key_columns))
    sql = (
        f"INSERT INTO {table} ({columns}, window_start, hits) VALUES ({marks}, %s, 1) "
        f"ON CONFLICT ({columns}, window_start) DO UPDATE SET hits = {table}.hits + 1 "
        "RETURNING hits"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [*key_columns.values(), window])
        hits = cursor.fetchone()[0]
    return hits, window


def _verdict(
    table_model, key_columns: dict, hits: int, window: int, now: float, limit: int
) -> tuple[bool, int | None]:
    """Sliding-window counter: this minute's hits plus the previous minute's, weighted by how
    much of the previous minute still lies within the last 60 seconds. A burst cannot pass
    twice the limit across a minute boundary, and a run of requests is judged the same
    whichever second of the minute it starts in."""
    elapsed = (now - window * WINDOW_SECONDS) / WINDOW_SECONDS
    previous = (
        table_model.objects.filter(**key_columns, window_start=window - 1)
        .values_list("hits", flat=True)
        .first()
    ) or 0
    if hits + previous * (1 - elapsed) <= limit:
        return True, None
    if hits > limit or previous == 0:
        seconds = (window + 1) * WINDOW_SECONDS - now  # this minute alone is over the limit
    else:
        # Wait until enough of the previous minute has slid out of the last 60 seconds.
        seconds = ((1 - (limit - hits) / previous) - elapsed) * WINDOW_SECONDS
    return False, max(1, min(WINDOW_SECONDS, int(seconds + 0.999)))


def rate_hit(*, client: IntegrationClient, now: float | None = None) -> tuple[bool, int | None]:
    """Count one request of ``client`` in the current minute; (allowed, seconds to wait).

    One atomic ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` in autocommit (SQLite 3.35+
    and PostgreSQL both have it): the counter lives in the database, so the limit is the same
    whichever gunicorn worker or machine answers. Counted per minute, judged over the last
    60 seconds (``_verdict``).
    """
    now = time.time() if now is None else now
    hits, window = _count(RateWindow, {"client_id": client.pk}, now)
    if hits == 1:
        # First request of a new window: forget this client's old windows.
        RateWindow.objects.filter(client=client, window_start__lt=window - 1).delete()
    return _verdict(RateWindow, {"client_id": client.pk}, hits, window, now, client.rate_limit)


def rate_hit_key(*, key: str, limit: int, now: float | None = None) -> tuple[bool, int | None]:
    """``rate_hit`` for any key (at most 150 characters): (allowed, seconds to wait)."""
    now = time.time() if now is None else now
    hits, window = _count(KeyedRateWindow, {"key": key[:150]}, now)
    if hits == 1:
        # Keys come from the request (a claimed client id, an address): old windows of every
        # key go, so that made-up keys do not pile up.
        KeyedRateWindow.objects.filter(window_start__lt=window - 1).delete()
    return _verdict(KeyedRateWindow, {"key": key[:150]}, hits, window, now, limit)
