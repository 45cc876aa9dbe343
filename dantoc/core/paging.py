"""One query for a page of a list and the size of the whole list.

Django's Paginator asks the database twice: COUNT(*) for the number of pages, then the rows
of the page; both evaluate the list's conditions over every candidate row. ``page_of`` gets
the page's rows with the total beside each (COUNT(*) OVER (), SQLite 3.25+ and PostgreSQL),
so a search whose words are common costs one scan, not two. A page number past the end (or
an empty list) falls back to the Paginator, which counts and answers the last page."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window

TOTAL = "_page_total"


def page_of(queryset: QuerySet, number, per_page: int) -> Page:
    """What ``Paginator(queryset, per_page).get_page(number)`` gives, in one query when the
    page exists."""
    try:
        wanted = int(number)
    except (TypeError, ValueError):
        wanted = 1
    paginator = Paginator(queryset, per_page)
    if wanted < 1:
        return paginator.get_page(number)  # out of range: the last page, as Django answers
    start = (wanted - 1) * per_page
    rows = list(queryset.annotate(**{TOTAL: Window(Count("pk"))})[start : start + per_page])
    if not rows:
        return paginator.get_page(number)
    paginator.count = getattr(rows[0], TOTAL)  # the cached property, known already
    return Page(rows, wanted, paginator)
