from django.http import HttpResponseBadRequest, QueryDict
from django.middleware.gzip import GZipMiddleware as _DjangoGZipMiddleware


class RejectNullCharactersMiddleware:
    """Answer 400 to a request whose URL, query string, cookies or form body hold a NUL.

    Forms and serializers already refuse NUL in submitted fields, but paths, query
    parameters, cookies (the session key) and the form bodies of the OAuth2 token endpoints
    reach lookups directly, and PostgreSQL cannot store or compare text with NUL: without
    this, ``/units/%00/`` would be a 500 on PostgreSQL and a 404 on SQLite.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            "\x00" in request.path
            or _holds_nul(request.GET)
            or any("\x00" in k or "\x00" in v for k, v in request.COOKIES.items())
            or _form_body_holds_nul(request)
        ):
            message = (
                "Yêu cầu chứa ký tự không hợp lệ (NUL). / The request holds an invalid character."
            )
            from dantoc.core.apis import api_error

            # An API answers in its own error body, as its schema says.
            response = api_error(request, 400, message)
            if response is not None:
                return response
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


def _holds_nul(query) -> bool:
    return any(
        "\x00" in key or "\x00" in value for key, values in query.lists() for value in values
    )


def _form_body_holds_nul(request) -> bool:
    """A url-encoded form body with a NUL. The body is read here (and kept by Django for the
    view); other bodies (JSON, CSV, uploads) are checked by their parsers."""
    if request.method != "POST" or request.content_type != "application/x-www-form-urlencoded":
        return False
    return _holds_nul(QueryDict(request.body, encoding=request.encoding))


class LanguageMiddleware:
    """Vietnamese unless the visitor chose another language with the language switch.

    Django's LocaleMiddleware would follow the browser's Accept-Language, showing English to
    an official whose phone happens to be set to English; the platform's pages are
    Vietnamese first, English on request (the choice is kept in the language cookie).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _ in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


# --- security headers ---------------------------------------------------------------------

# Strict by default: the pages load scripts, styles, images and fonts from the platform
# only; no inline script or style anywhere (templates keep them in static files), so rich
# text that slipped past the sanitiser still could not run or restyle a page.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",  # data: for QR codes and small inline SVG
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}
# Powerful browser features no page of the platform uses; a page that needs one (the
# meetings room: camera and microphone) opens it with ``@permissions_policy``.
PERMISSIONS_POLICY = {
    "accelerometer": "()",
    "camera": "()",
    "display-capture": "()",
    "geolocation": "()",
    "gyroscope": "()",
    "magnetometer": "()",
    "microphone": "()",
    "midi": "()",
    "payment": "()",
    "usb": "()",
}


def _header(policy: dict[str, str], *, separator: str, join: str) -> str:
    return separator.join(f"{name}{join}{value}" for name, value in policy.items())


def content_security_policy(**directives: str):
    """A view decorator that changes directives of the page's Content-Security-Policy:
    ``@content_security_policy(style_src="'self' 'unsafe-inline'")``."""
    changes = {name.replace("_", "-"): value for name, value in directives.items()}
    return _response_attribute("_csp_changes", changes)


def permissions_policy(**features: str):
    """A view decorator that opens browser features on its pages:
    ``@permissions_policy(camera="(self)", microphone="(self)")``."""
    changes = {name.replace("_", "-"): value for name, value in features.items()}
    return _response_attribute("_permissions_changes", changes)


def _response_attribute(attribute: str, changes: dict[str, str]):
    import functools

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            response = view(*args, **kwargs)
            setattr(response, attribute, {**getattr(response, attribute, {}), **changes})
            return response

        return wrapped

    return decorator


class SecurityHeadersMiddleware:
    """Content-Security-Policy on HTML responses and Permissions-Policy on every response,
    each overridable per view with the decorators above."""

    def __init__(self, get_response):
        from django.conf import settings

        self.get_response = get_response
        base = dict(CONTENT_SECURITY_POLICY)
        extra = " ".join(getattr(settings, "CSP_IMG_SRC_EXTRA", []))
        if extra:
            base["img-src"] += " " + extra
        self.csp = base
        self.csp_header = _header(base, separator="; ", join=" ")
        self.permissions_header = _header(PERMISSIONS_POLICY, separator=", ", join="=")

    def __call__(self, request):
        response = self.get_response(request)
        if "Permissions-Policy" not in response:
            changes = getattr(response, "_permissions_changes", None)
            response["Permissions-Policy"] = (
                _header({**PERMISSIONS_POLICY, **changes}, separator=", ", join="=")
                if changes
                else self.permissions_header
            )
        content_type = response.get("Content-Type", "")
        if content_type.startswith("text/html") and "Content-Security-Policy" not in response:
            changes = getattr(response, "_csp_changes", None)
            response["Content-Security-Policy"] = (
                _header({**self.csp, **changes}, separator="; ", join=" ")
                if changes
                else self.csp_header
            )
        return response


# --- compression ----------------------------------------------------------------------------


class GZipMiddleware(_DjangoGZipMiddleware):
    """Django's gzip, except for stored files served by byte range (``media.responses``
    marks them ``Accept-Ranges: bytes``): they are already compressed (PDF, audio, video),
    gzip would drop their Content-Length, and a PDF viewer then refuses to read by ranges
    (pdf.js needs the length and no Content-Encoding), downloading the whole file."""

    def process_response(self, request, response):
        if response.get("Accept-Ranges") == "bytes":
            return response
        return super().process_response(request, response)
