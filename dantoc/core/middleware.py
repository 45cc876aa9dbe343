from django.http import HttpResponseBadRequest, QueryDict


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
