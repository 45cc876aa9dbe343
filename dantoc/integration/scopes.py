"""The scopes an integration client may be granted. Plain constants: config/settings.py reads
them for django-oauth-toolkit, so this module imports nothing from Django."""

from __future__ import annotations

CONTENT_READ = "content:read"
CONTENT_WRITE = "content:write"
WEBHOOKS = "webhooks"

# Bilingual descriptions: they appear in the OpenAPI schema and on the administrator's page.
SCOPES: dict[str, str] = {
    CONTENT_READ: "Đọc nội dung đã xuất bản, đồng bộ gia tăng / Read published content (sync)",
    CONTENT_WRITE: "Gửi tin, hoạt động, báo cáo của tỉnh vào quy trình biên tập / "
    "Submit the province's items to the editorial workflow",
    WEBHOOKS: "Đăng ký nhận webhook có chữ ký / Subscribe to signed webhooks",
}


def parse_scopes(value: str | list[str] | tuple[str, ...] | set[str] | None) -> list[str]:
    """Scopes from a space-separated string or a sequence, known ones only, in a stable order."""
    if value is None:
        return []
    items = value.split() if isinstance(value, str) else list(value)
    return [s for s in SCOPES if s in set(items)]


def effective_scopes(token_scope: str | None, client_scope: str | None) -> list[str]:
    """What a token may do now: the scopes it was issued with that its client still has.
    Narrowing a client's scopes takes effect at once, not when its tokens expire; the API's
    permission check and token introspection both answer from this."""
    granted = set(parse_scopes(client_scope))
    return [s for s in parse_scopes(token_scope) if s in granted]
