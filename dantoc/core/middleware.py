from django.http import HttpResponseBadRequest


class RejectNullCharactersMiddleware:
    """Answer 400 to a URL or query string holding a NUL character.

    Forms and serializers already refuse NUL in submitted fields, but paths and query
    parameters reach lookups directly, and PostgreSQL cannot store or compare text with NUL:
    without this, ``/units/%00/`` would be a 500 on PostgreSQL and a 404 on SQLite.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or "\x00" in value
            for key, values in request.GET.lists()
            for value in values
        ):
            return HttpResponseBadRequest(
                "Địa chỉ chứa ký tự không hợp lệ (NUL). / The address holds an invalid character.",
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)


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
