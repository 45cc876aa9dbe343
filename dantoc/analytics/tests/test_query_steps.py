"""The analytics engine's steps (``dantoc.analytics.query``), one by one, and the seam where
a level's figures are read from (``source_table``)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from dantoc.analytics import query
from dantoc.analytics.query import AnalyticsRequest, OuItem
from dantoc.analytics.tests.test_commune_figures import (  # noqa: F401 (fixtures)
    COMMUNES,
    _engine,
    commune_world,
    world,
)
from dantoc.geo.models import UnitLevel


def _ou(pk: int, code: str, level: str, *merged: int) -> OuItem:
    return OuItem(SimpleNamespace(pk=pk, code=code, level=level), (pk, *merged), ())


def test_the_answers_columns_follow_the_requests_order_and_leave_out_filters():
    request = AnalyticsRequest(dx=["A"], pe=[], ou=["VN"], order=["ou", "GIOI_TINH"])
    assert query._dimensions(request, {"GIOI_TINH": ["NAM"]}) == ["ou", "GIOI_TINH", "dx"]
    assert query._dimensions(AnalyticsRequest(dx=["A"], pe=["2026"], ou=[]), {}) == ["dx", "pe"]


def test_a_unit_is_made_of_itself_and_the_old_units_merged_whole_into_it():
    items = [_ou(10, "08", UnitLevel.PROVINCE, 3, 4), _ou(11, "15", UnitLevel.PROVINCE)]
    assert dict(query._unit_groups(items, ou_as_filter=False)) == {
        10: ["08"], 3: ["08"], 4: ["08"], 11: ["15"]
    }  # fmt: skip
    assert dict(query._unit_groups(items, ou_as_filter=True)) == {
        10: ["*"], 3: ["*"], 4: ["*"], 11: ["*"]
    }  # fmt: skip


def test_each_source_unit_is_read_from_the_table_its_level_is_answered_by(monkeypatch):
    items = [_ou(7, "00715", UnitLevel.COMMUNE, 2), _ou(10, "08", UnitLevel.PROVINCE, 3)]
    assert query._source_tables(items, by_options=True) == {"analytics_rollup": [2, 3, 7, 10]}
    assert query._source_tables(items, by_options=False) == {
        "analytics_rolluptotal": [2, 3, 7, 10]
    }  # fmt: skip
    monkeypatch.setattr(
        query, "source_table", lambda level, *, by_options: f"{level}:{int(by_options)}"
    )
    assert query._source_tables(items, by_options=True) == {
        "commune:1": [2, 7], "province:1": [3, 10]
    }  # fmt: skip


def test_an_options_key_gives_the_combination_of_the_categories_shown():
    shown = {"GIOI_TINH": ["NAM", "NU"], "DU_AN": ["DA1"]}
    assert query._combination("DU_AN=DA1;GIOI_TINH=NU", shown) == ("NU", "DA1")
    assert query._combination("DU_AN=DA2;GIOI_TINH=NU", shown) is None  # an option not asked
    assert query._combination("GIOI_TINH=NU", shown) is None  # a category it does not have
    assert query._combination("DU_AN=DA2", {}) == ()


@pytest.mark.django_db
@pytest.mark.usefixtures("commune_world")
def test_figures_are_the_same_whatever_source_answers_for_a_level(monkeypatch):
    """The readers take what ``source_table`` chooses, a table or a derived table: the
    commune figures read through a derived table over the same roll-ups are the same, and
    the commune level is asked for (the level whose source is about to change)."""
    expected = {code: _engine([code]) for code in COMMUNES}
    expected["08"] = _engine(["08", "LEVEL-commune"])
    table = query.source_table
    asked = []

    def derived(level, *, by_options):
        asked.append(level)
        return f"(SELECT * FROM {table(level, by_options=by_options)})"

    monkeypatch.setattr(query, "source_table", derived)
    for code in COMMUNES:
        assert _engine([code]) == expected[code], code
    assert _engine(["08", "LEVEL-commune"]) == expected["08"]
    assert UnitLevel.COMMUNE in asked
