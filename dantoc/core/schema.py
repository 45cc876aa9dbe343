"""The OpenAPI schema documents the error answers of every operation, not only its successes.

``AutoSchema`` (``REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]``) adds to each operation the 400,
401, 403 and 404 answers it can give and has not declared itself, with their bodies, so that
a client generated from the schema (and the fuzzer that checks it) knows every status it may
meet. Which of them an operation can give follows from how DRF answers:

* 400: the operation takes a body or query parameters (a ``ValidationError``, a body that
  does not parse);
* 401: its first authentication class answers with ``WWW-Authenticate`` (HTTP Basic, Bearer):
  DRF then turns missing or wrong credentials into 401;
* 403: it needs a permission, or authenticates without such a header (DRF then answers 403
  for missing credentials), or takes a session on an unsafe method (the CSRF check);
* 404: its path has parameters (an unknown code or id);
* 429: it takes a password by HTTP Basic (django-axes locks an account out after failures);

and those the view lists in ``error_codes``.

The body is DRF's (``{"detail": …}``; field → messages for a 400) unless the view names its
own error serializer in ``error_serializer`` (the DHIS2 web message of ``/api/dataValueSets``
and ``/api/analytics``, CKAN's error, the integration API's error).
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.permissions import AllowAny

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class ErrorSerializer(serializers.Serializer):
    """Lỗi / An error (401, 403, 404, …)."""

    detail = serializers.CharField(help_text="Thông báo lỗi / the error message")


class ValidationErrorSerializer(serializers.Serializer):
    """Yêu cầu sai: mỗi tham số hoặc trường sai kèm thông báo / Invalid request: each wrong
    parameter or field with its messages (detail: an error of the whole request)."""

    detail = serializers.CharField(
        required=False, help_text="Lỗi không gắn với một trường / an error of the whole request"
    )
    non_field_errors = serializers.ListField(child=serializers.CharField(), required=False)


class ValidationErrorScheme(OpenApiSerializerExtension):
    """Each field of the request may appear as a key of a 400 body, with its messages."""

    target_class = ValidationErrorSerializer

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        schema["additionalProperties"] = {
            "oneOf": [
                {"type": "array", "items": {"type": "string"}},
                {"type": "string"},
                {"type": "object"},
            ]
        }
        return schema


DESCRIPTIONS = {
    "400": "Yêu cầu sai (tham số hoặc dữ liệu gửi lên) / invalid request or parameters",
    "401": "Chưa xác thực hoặc sai thông tin xác thực / not authenticated or wrong credentials",
    "403": "Không có quyền (hoặc thiếu mã CSRF khi dùng phiên đăng nhập) / permission denied "
    "(or a session request without its CSRF token)",
    "404": "Không tìm thấy / not found",
    "429": "Đăng nhập sai quá nhiều lần: tạm khoá, xem Retry-After / too many failed sign-ins: "
    "locked for a while, see Retry-After",
}


class AutoSchema(SpectacularAutoSchema):
    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        if "requestBody" in operation and getattr(self.view, "request_body_required", False):
            # A body in CSV or text makes drf-spectacular call it optional.
            operation["requestBody"]["required"] = True
        responses = operation.setdefault("responses", {})
        for code in self._error_codes(operation):
            if code not in responses:
                # Errors are JSON whatever the operation's success format (CSV, RDF).
                responses[code] = self._get_response_for_code(
                    self._error_response(code), code, media_types=["application/json"]
                )
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _error_response(self, code: str) -> OpenApiResponse:
        own = getattr(self.view, "error_serializer", None)
        if own is not None:
            body = own
        elif code == "400":
            body = ValidationErrorSerializer
        else:
            body = ErrorSerializer
        return OpenApiResponse(body, description=DESCRIPTIONS[code])

    def _error_codes(self, operation: dict) -> list[str]:
        codes = []
        parameters = operation.get("parameters", [])
        if "requestBody" in operation or any(p.get("in") == "query" for p in parameters):
            codes.append("400")
        authenticators = self.view.get_authenticators()
        permissions = self.view.get_permissions()
        needs_permission = any(not isinstance(p, AllowAny) for p in permissions)
        challenge = bool(authenticators) and bool(
            authenticators[0].authenticate_header(self.view.request)
        )
        if challenge:
            codes.append("401")
        session_write = self.method in UNSAFE_METHODS and any(
            isinstance(a, SessionAuthentication) for a in authenticators
        )
        # Without a challenge of its own, DRF answers a later authenticator's failure
        # (wrong HTTP Basic credentials after the session) with 403.
        failures_as_403 = not challenge and any(
            a.authenticate_header(self.view.request) for a in authenticators
        )
        if needs_permission or session_write or failures_as_403:
            codes.append("403")
        if any(p.get("in") == "path" for p in parameters):
            codes.append("404")
        if any(isinstance(a, BasicAuthentication) for a in authenticators):
            codes.append("429")  # the account is locked out after failed sign-ins
        # What the rules cannot see (a 404 for an unknown unit named in a query parameter).
        codes += [str(code) for code in getattr(self.view, "error_codes", ())]
        return codes
