"""Projects are listed in natural order (DA1, DA2, …, DA3.1, DA10, DA10.1), not as text
(DA1, DA10.1, DA3.1 …), wherever they are listed."""

from __future__ import annotations

import re

import pytest

from dantoc.core.sorting import natural_key
from dantoc.indicators.forms import IndicatorForm
from dantoc.indicators.services import _generated_options
from dantoc.programmes.models import Programme

pytestmark = pytest.mark.django_db

EXPECTED = ["DA1", "DA2", "DA3", "DA3.1", "DA3.2", "DA3.3", "DA4", "DA4.1", "DA4.2", "DA5",
            "DA5.1", "DA5.2", "DA5.3", "DA5.4", "DA6", "DA7", "DA8", "DA9", "DA9.1", "DA9.2",
            "DA10", "DA10.1", "DA10.2", "DA10.3"]  # fmt: skip


def test_codes_sort_with_their_numbers_as_numbers():
    assert sorted(["DA10.1", "DA3.1", "DA1", "DA10", "DA2"], key=natural_key) == [
        "DA1", "DA2", "DA3.1", "DA10", "DA10.1",
    ]  # fmt: skip


def test_the_project_picker_of_the_indicator_page_is_in_natural_order(people, login):
    choices = [str(label) for value, label in IndicatorForm().fields["component"].choices if value]
    assert [label.split(":")[0] for label in choices] == EXPECTED
    page = login(people.ministry).get("/reporting/indicators/new/").content.decode()
    shown = re.findall(r"<option value=\"\d+\">(DA[\d.]+):", page)
    assert shown == EXPECTED


def test_sub_project_options_generated_from_the_catalogue_are_in_natural_order():
    codes = [o["code"] for o in _generated_options("programme:CTMTQG-1719:subproject")]
    assert codes == [c for c in EXPECTED if "." in c]


def test_the_programme_page_and_api_list_projects_in_natural_order(client):
    page = client.get("/programmes/CTMTQG-1719/").content.decode()
    assert re.findall(r"<strong>(DA[\d.]+)</strong>", page) == EXPECTED
    data = client.get("/api/v1/programmes/CTMTQG-1719/").json()
    flat = []
    for item in data["components"]:
        flat.append(item["code"])
        flat.extend(child["code"] for child in item.get("children", []))
    assert flat == EXPECTED


def test_the_catalogue_administration_lists_projects_in_natural_order(people, login):
    client = login(people.admin)
    pk = Programme.objects.get(code="CTMTQG-1719").pk
    page = client.get(f"/admin/programmes/component/?programme__id__exact={pk}").content.decode()
    listed = re.findall(r'/change/[^"]*">(DA[\d.]+)</a>', page)
    assert listed == EXPECTED
