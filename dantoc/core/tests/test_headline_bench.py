"""The headline benchmark's comparison and table (benchmarks/headline.py): which figures it
says moved against the accepted table, and what its table says. No timing is measured here:
the figures below are made up."""

import importlib.util
import sys
from pathlib import Path

import pytest

HEADLINE = Path(__file__).resolve().parents[3] / "benchmarks" / "headline.py"


@pytest.fixture(scope="module")
def headline():
    spec = importlib.util.spec_from_file_location("headline_under_test", HEADLINE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while being made
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[spec.name]


def figures(headline, *, first=120_000.0, page=70.0, freshness=None):
    return [
        headline.Figure(
            "import_first", "Import, first", "values/s", True, first, 100_000, "issue 3",
            500.0, "ORM per row",
        ),
        headline.Figure(
            "completeness_page_p95", "Completeness page, country, p95", "ms", False, page,
            300, "issue 3", 3000.0, "per-unit queries",
        ),
        headline.Figure(
            "analytics_freshness", "Freshness", "ms", False, freshness, 2000, "issue 4"
        ),
    ]  # fmt: skip


def accepted_table(headline, **values):
    return {
        "run": {"started": "2026-01-01T00:00:00+00:00"},
        "figures": [f.as_dict() for f in figures(headline, **values)],
    }


def test_a_figure_that_slowed_by_more_than_a_quarter_is_named_as_worse(headline):
    accepted = accepted_table(headline, first=120_000.0, page=70.0)
    comparison = headline.compare(figures(headline, first=80_000.0, page=70.0), accepted)

    assert [m.key for m in comparison.moved] == ["import_first"]
    assert comparison.moved[0].worse
    table = headline.render(figures(headline, first=80_000.0, page=70.0), comparison)
    assert "Moved by more than 25% against the accepted table" in table
    assert "Import, first: 120,000 → 80,000, -33 % (worse)" in table


def test_a_time_that_grew_is_worse_and_a_time_that_shrank_is_better(headline):
    accepted = accepted_table(headline, page=100.0)

    slower = headline.compare(figures(headline, page=130.0), accepted).changes
    faster = headline.compare(figures(headline, page=70.0), accepted).changes

    assert slower["completeness_page_p95"].worse
    assert not faster["completeness_page_p95"].worse
    assert [m.key for m in headline.compare(figures(headline, page=70.0), accepted).moved] == [
        "completeness_page_p95"
    ]


def test_a_change_of_a_quarter_or_less_is_not_called_a_move(headline):
    accepted = accepted_table(headline, first=100_000.0, page=100.0)

    comparison = headline.compare(figures(headline, first=75_000.0, page=125.0), accepted)

    assert comparison.moved == []
    table = headline.render(figures(headline, first=75_000.0, page=125.0), comparison)
    assert "No figure moved by more than 25%" in table
    assert "-25 % (worse)" in table


def test_the_table_shows_baseline_ratio_target_and_whether_it_is_met(headline):
    rows = figures(headline, first=80_000.0, page=60.0)

    table = headline.render(rows, headline.compare(rows, None))

    import_row = next(line for line in table.splitlines() if line.startswith("Import, first"))
    cells = [c.strip() for c in import_row.split("|")]
    assert cells == [
        "Import, first (values/s)", "80,000", "500 ORM per row", "160.0×",
        "≥ 100,000 (issue 3)", "NO", "—",
    ]  # fmt: skip
    page_row = next(line for line in table.splitlines() if line.startswith("Completeness"))
    assert [c.strip() for c in page_row.split("|")][3:6] == ["50.0×", "< 300 (issue 3)", "yes"]
    assert "No accepted table to compare with" in table


def test_a_figure_not_measured_is_said_so_and_not_compared(headline):
    accepted = accepted_table(headline, freshness=150.0)

    comparison = headline.compare(figures(headline, freshness=None), accepted)

    assert "analytics_freshness" not in comparison.changes
    assert comparison.missing == ["analytics_freshness"]
    table = headline.render(figures(headline, freshness=None), comparison)
    assert "not measured" in next(line for line in table.splitlines() if "Freshness" in line)
    assert "Not measured in this run: analytics_freshness." in table
