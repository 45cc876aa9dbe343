"""page_of gives what Django's Paginator gives (rows, number, page count), in one query when
the page exists."""

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dantoc.core.paging import page_of
from dantoc.geo.models import Unit

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("number", [None, "1", "2", "7", "9999", "abc", "-3", "0"])
def test_a_page_is_the_paginators_page(number):
    provinces = Unit.objects.filter(level="province").order_by("code")
    expected = Paginator(provinces, 10).get_page(number)
    page = page_of(provinces, number, 10)
    assert [u.pk for u in page] == [u.pk for u in expected]
    assert page.number == expected.number
    assert page.paginator.num_pages == expected.paginator.num_pages
    assert page.paginator.count == expected.paginator.count


def test_an_existing_page_costs_one_query():
    provinces = Unit.objects.filter(level="province").order_by("code")
    with CaptureQueriesContext(connection) as queries:
        page = page_of(provinces, "2", 10)
        assert page.has_next() and page.paginator.num_pages > 2
    assert len(queries) == 1
