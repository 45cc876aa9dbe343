"""Defining a data set by choosing units and periods, not typing codes (issue 17, defect 7):
the pages as a browser without JavaScript sends them (plain form posts), creating and editing,
and an old definition whose units and periods the choices cannot show kept as stored."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from dantoc.audit.models import AuditEntry
from dantoc.opendata.forms import DatasetForm
from dantoc.opendata.models import Dataset
from dantoc.opendata.tests.conftest import definition

pytestmark = pytest.mark.django_db

NEW = "/quan-ly/du-lieu-mo/moi/"


class _FormReader(HTMLParser):
    """What a browser would send for the page's ``od-form``: text fields, checked boxes and
    radios, text areas and selected options (the hidden first "Lưu" button is not sent)."""

    def __init__(self):
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._in_form = False
        self._textarea = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and "od-form" in (a.get("class") or ""):
            self._in_form = True
        if not self._in_form or ("name" not in a and tag != "option"):
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((a["name"], a.get("value", "on")))
            elif kind != "submit":
                self.fields.append((a["name"], a.get("value") or ""))
        elif tag == "textarea":
            self._textarea = [a["name"], ""]
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self.fields.append((self._select, a.get("value", "")))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            self.fields.append(tuple(self._textarea))
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._in_form = False


def as_sent(page: str, **changes) -> dict[str, list[str]]:
    """The form of ``page`` as a browser would post it, with ``changes`` applied."""
    reader = _FormReader()
    reader.feed(page)
    fields: dict[str, list[str]] = {}
    for name, value in reader.fields:
        fields.setdefault(name, []).append(value)
    for name, value in changes.items():
        fields[name] = value if isinstance(value, list) else [value]
    return fields


def checked(page: str, name: str) -> list[str]:
    """The values of ``name`` the page's form has ticked (or filled in)."""
    return as_sent(page).get(name, [])


def metadata(**overrides) -> dict:
    data = definition()
    values = {
        "name": data.name, "title": data.title, "title_en": data.title_en,
        "description": data.description, "description_en": data.description_en,
        "indicators": data.indicators, "theme": "ECON", "licence": "cc-by",
        "frequency": "QUARTERLY", "contact_name": data.contact_name,
        "contact_email": data.contact_email,
    }  # fmt: skip
    values.update(overrides)
    return values


def test_the_new_data_set_page_offers_named_periods_and_a_unit_picker(login, people, today):
    page = login(people.province).get(NEW).content.decode()
    # Quarters of the quarterly frequency, in words, latest first; no code to type.
    assert page.index("Quý IV/2026") < page.index("Quý III/2026") < page.index("Quý I/2024")
    assert 'name="periods" value="2026Q3"' in page
    assert "LEVEL-commune" not in page and "LEVEL-province" not in page
    assert 'data-unit-picker="/' in page and 'name="unit_add"' in page
    assert "Chỉ các đơn vị đã chọn" in page and "mọi xã, phường, đặc khu trong đó" in page
    assert "/static/js/picker." in page


def test_without_javascript_an_officer_adds_units_by_name_and_saves_named_periods(
    login, people, today
):
    client = login(people.province)
    # "Thêm đơn vị" with a name typed without diacritics: the province joins the chosen units
    # and nothing is saved yet.
    answer = client.post(NEW, {**metadata(), "unit_add": "tinh tuyen quang", "step": "add_unit"})
    assert answer.status_code == 200
    page = answer.content.decode()
    assert "08" in checked(page, "units") and "Tỉnh Tuyên Quang (08)" in page
    assert not Dataset.objects.filter(name=metadata()["name"]).exists()
    assert "errorlist" not in page  # showing the form again flags nothing
    # A second unit is picked by name as the form is saved, with its communes.
    sent = as_sent(
        page,
        unit_add="Lũng Cú",
        scope="communes",
        periods=["2026Q3", "2026Q2"],
    )
    answer = client.post(NEW, sent)
    assert answer.status_code == 302, answer.content.decode()[:3000]
    dataset = Dataset.objects.get(name=metadata()["name"])
    assert dataset.units == ["08", "00715", "LEVEL-commune"]
    assert dataset.periods == ["2026Q2", "2026Q3"]  # in time order, as a table reads
    assert AuditEntry.objects.filter(action="opendata.dataset_save").count() == 1


def test_a_name_that_matches_several_units_offers_them_and_the_choice_is_kept(login, people, today):
    client = login(people.province)
    answer = client.post(
        NEW, {**metadata(), "periods": "2026Q3", "unit_add": "xa", "step": "add_unit"}
    )
    page = answer.content.decode()
    assert "Có nhiều đơn vị khớp với “xa”" in page
    assert 'name="unit_add__pick"' in page
    assert not Dataset.objects.exists()
    # Choosing among the candidates (as a radio button) adds that unit.
    sent = as_sent(page, unit_add__pick="08", step="add_unit")
    page = client.post(NEW, sent).content.decode()
    assert "08" in checked(page, "units")
    assert "2026Q3" in checked(page, "periods")  # what was filled in is still there


def test_a_wrong_scope_or_period_is_refused_with_words_and_nothing_saved(login, people, today):
    client = login(people.province)
    answer = client.post(
        NEW, {**metadata(), "units": ["08"], "scope": "LEVEL-planet", "periods": ["2026Q3"]}
    )
    assert "Phạm vi “LEVEL-planet” không có" in answer.content.decode()
    answer = client.post(NEW, {**metadata(), "units": ["08"], "periods": ["2026Q7"]})
    assert "Kỳ không hợp lệ: “2026Q7”" in answer.content.decode()
    answer = client.post(NEW, {**metadata(), "scope": "communes", "periods": ["2026Q3"]})
    assert "Cần chọn ít nhất một đơn vị." in answer.content.decode()
    assert not Dataset.objects.exists()


def test_typed_expressions_are_still_accepted(login, people, today):
    """Scripts that post the form's earlier shape (codes and expressions as text) still work."""
    client = login(people.province)
    answer = client.post(NEW, {**metadata(), "units": "08;LEVEL-commune", "periods": "2026Q3"})
    assert answer.status_code == 302
    assert Dataset.objects.get().units == ["08", "LEVEL-commune"]


def test_editing_an_old_definition_keeps_what_the_choices_cannot_show(login, people, define, today):
    # Stored by a script: a quarter older than the recent ones, a year, and a scope of two
    # levels that no single scope choice says.
    dataset = define(
        periods=["2023Q1", "2025", "2026Q3"], units=["08", "LEVEL-province", "LEVEL-commune"]
    )
    client = login(people.province)
    url = f"/quan-ly/du-lieu-mo/{dataset.name}/sua/"
    page = client.get(url).content.decode()
    # Shown in words, checked: the periods outside the recent list and the stored scope.
    assert "Quý I/2023" in page and "Năm 2025" in page
    assert "2023Q1" in checked(page, "periods") and "2025" in checked(page, "periods")
    assert "Như đã lưu: các đơn vị đã chọn và mọi tỉnh, thành phố, mọi xã, phường" in page
    assert "LEVEL-province+LEVEL-commune" in checked(page, "scope")
    assert "Tỉnh Tuyên Quang (08)" in page
    # Saving with only the title changed keeps every unit and period as stored.
    answer = client.post(url, as_sent(page, title="Vốn 1719 Tuyên Quang (sửa)"))
    assert answer.status_code == 302, answer.content.decode()[:3000]
    dataset.refresh_from_db()
    assert dataset.title == "Vốn 1719 Tuyên Quang (sửa)"
    assert dataset.periods == ["2023Q1", "2025", "2026Q3"]
    assert dataset.units == ["08", "LEVEL-province", "LEVEL-commune"]
    # Unticking an old period and choosing a named scope changes just that.
    page = client.get(url).content.decode()
    sent = as_sent(page, periods=["2025", "2026Q3"], scope="children")
    assert client.post(url, sent).status_code == 302
    dataset.refresh_from_db()
    assert dataset.periods == ["2025", "2026Q3"]
    assert dataset.units == ["08", "CHILDREN"]


def test_a_frequency_change_lists_its_periods_without_saving(login, people, define, today):
    dataset = define(units=["08"], periods=["2026Q3"])
    client = login(people.province)
    url = f"/quan-ly/du-lieu-mo/{dataset.name}/sua/"
    page = client.get(url).content.decode()
    answer = client.post(url, as_sent(page, frequency="MONTHLY", step="show_periods"))
    page = answer.content.decode()
    assert "Tháng 10/2026" in page and "Tháng 5/2025" in page
    assert "2026Q3" in checked(page, "periods")  # the chosen quarter stays, in words
    dataset.refresh_from_db()
    assert dataset.frequency == "QUARTERLY"


def test_the_choices_are_in_english_when_english_is_chosen(people, define, today):
    from django.utils import translation

    dataset = define(units=["08", "LEVEL-commune"], periods=["2026Q3"])
    with translation.override("en"):
        form = DatasetForm(initial=DatasetForm.initial_from(dataset), dataset=dataset)
        periods = dict(form.fields["periods"].choices)
        scopes = dict(form.fields["scope"].choices)
        assert periods["2026Q3"] == "Q3 2026"
        assert str(scopes["communes"]) == "The chosen units and every commune in them"
        assert form.initial["scope"] == "communes"
