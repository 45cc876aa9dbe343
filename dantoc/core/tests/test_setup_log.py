"""The set-up log says what it did in the words the pages use, and shows progress while it
works (issue 17, defect 8: "indicators: created 87" while the indicators page lists 6; the
long loads were silent)."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command

from dantoc.core.loading import LoadResult, progress, progress_to
from dantoc.indicators.models import Category, CategoryOption, Indicator

pytestmark = pytest.mark.django_db


def test_a_load_result_counts_each_kind_of_row_apart():
    result = LoadResult()
    result.tally("chỉ tiêu", "created", 6)
    result.tally("mục phân tổ", "created", 77)
    result.tally("mục phân tổ", "unchanged", 1200)
    assert result.created == 83
    assert result.describe() == ("6 chỉ tiêu (6 mới); 1.277 mục phân tổ (77 mới, 1.200 không đổi)")


def test_progress_goes_to_whoever_listens_and_nowhere_otherwise():
    heard = []
    progress("nobody hears this")
    with progress_to(heard.append):
        progress("xã, phường: 3.321 dòng")
    progress("nor this")
    assert heard == ["xã, phường: 3.321 dòng"]


def test_the_reference_log_names_indicators_apart_from_their_disaggregations():
    out = io.StringIO()
    call_command("load_reference_data", stdout=out)
    log = out.getvalue()
    # Indicators come from several loaders (the catalogue, and the parts whose figures the
    # platform computes: meetings, sensors): each names its own, unchanged on a second load.
    found = [(int(a), int(b)) for a, b in re.findall(r"(\d+) chỉ tiêu \((\d+) không đổi\)", log)]
    assert found and all(a == b for a, b in found)
    assert sum(a for a, _b in found) == Indicator.objects.count()

    def total(words: str) -> int:
        return sum(int(n.replace(".", "")) for n in re.findall(rf"([\d.]+) {words} \(", log))

    assert total("nhóm phân tổ") == Category.objects.count()
    assert total("mục phân tổ") == CategoryOption.objects.count()
    # While the units load, each level is reported as it is done.
    assert "đơn vị cấp tỉnh: " in log and "đơn vị cấp xã: " in log
    assert "created" not in log and "unchanged" not in log
    assert "giây" in log and log.strip().splitlines()[-1].startswith("Xong ")
