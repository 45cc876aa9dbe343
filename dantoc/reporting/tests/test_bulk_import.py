"""Importing DHIS2 data value sets: what is imported, updated, ignored or refused, and why.

Runs on SQLite and on PostgreSQL (CI runs the suite on both); the PostgreSQL-only tests
(the fast path compared with the portable one, concurrent posts) skip elsewhere.
Payloads are DHIS2's documentation examples ("Sending data values", "Sending bulks of data
values", the CSV format) with our codes in place of DHIS2 uids.
"""

from __future__ import annotations

import datetime
import io
import threading
from decimal import Decimal

import orjson
import pytest
from django.db import connection, connections, transaction
from django.db.models import Q
from hypothesis import given, settings
from hypothesis import strategies as st

from dantoc.analytics.rollups import rollups_refresh
from dantoc.audit.models import AuditEntry
from dantoc.geo.models import Unit
from dantoc.indicators.models import ValueType
from dantoc.indicators.values import ValueError_, normalise_value
from dantoc.reporting import dhis2
from dantoc.reporting.models import (
    DataValue,
    DataValueChange,
    Period,
    Submission,
    SubmissionStatus,
)
from dantoc.reporting.services import bulk
from dantoc.reporting.tests.conftest import TODAY

pytestmark = pytest.mark.django_db

KH_TW = "DU_AN=DA1;LOAI_VON=DTPT;NGUON_VON=TW"
KH_DP = "DU_AN=DA1;LOAI_VON=DTPT;NGUON_VON=DP"

# "Sending data values" (DHIS2 manual), with our form, period, commune and options.
DOC_EXAMPLE = {
    "dataSet": "BM01-VON",
    "completeDate": "2026-10-05",
    "period": "2026Q3",
    "orgUnit": "00715",
    "dataValues": [
        {"dataElement": "VON_KH", "categoryOptionCombo": KH_TW, "value": "12", "comment": "c1"},
        # Any order of the options is accepted.
        {"dataElement": "VON_KH", "categoryOptionCombo": "NGUON_VON=DP;LOAI_VON=DTPT;DU_AN=DA1",
         "value": "14", "comment": "c2"},
        # Options split between the category and the attribute option combo.
        {"dataElement": "VON_GN", "categoryOptionCombo": "NGUON_VON=TW",
         "attributeOptionCombo": "DU_AN=DA1;LOAI_VON=DTPT", "value": "16", "comment": "c3"},
    ],
}  # fmt: skip


def run(actor, document, **options) -> dhis2.ImportSummary:
    payload = dhis2.parse_json(orjson.dumps(document))
    return bulk.datavalues_import(
        actor=actor,
        rows=payload.rows,
        dataset_code=payload.data_set,
        today=options.pop("today", TODAY),
        **options,
    )


def counts(summary) -> tuple[int, int, int, int]:
    c = summary.import_count
    return c.imported, c.updated, c.ignored, c.deleted


def conflicts(summary) -> list[tuple[str, str | None, list[int]]]:
    return [(c.error_code, c.property, sorted(c.indexes)) for c in summary.conflicts]


def values_of(unit_code="00715", period_code="2026Q3") -> dict[tuple[str, str], tuple]:
    return {
        (v.indicator.code, v.options_key): (v.value, v.comment, v.deleted)
        for v in DataValue.objects.select_related("indicator").filter(
            unit__code=unit_code, period__code=period_code, period__period_type__code="quy"
        )
    }


def one_value(de: str, coc: str, value, **extra) -> dict:
    return {"dataElement": de, "categoryOptionCombo": coc, "value": value, **extra}


def document(*values, period="2026Q3", org_unit="00715") -> dict:
    return {
        "dataSet": "BM01-VON",
        "period": period,
        "orgUnit": org_unit,
        "dataValues": list(values),
    }


def test_the_manual_example_is_imported_once_then_ignored_when_posted_again(people, today):
    first = run(people.commune, DOC_EXAMPLE)
    assert first.status == "SUCCESS" and counts(first) == (3, 0, 0, 0)
    assert first.conflicts == [] and first.http_status() == 200
    assert values_of() == {
        ("VON_KH", KH_TW): ("12", "c1", False),
        ("VON_KH", KH_DP): ("14", "c2", False),
        ("VON_GN", KH_TW): ("16", "c3", False),
    }
    # First entries: who and when are on the values; no history row.
    entered = DataValue.objects.filter(unit__code="00715")
    assert sorted(entered.values_list("value", "created_by__username", "updated_by__username")) == [
        ("12", "xa.lungcu", "xa.lungcu"),
        ("14", "xa.lungcu", "xa.lungcu"),
        ("16", "xa.lungcu", "xa.lungcu"),
    ]
    history = DataValueChange.objects.filter(data_value__unit__code="00715")
    assert not history.exists()
    submission = Submission.objects.get(form_code="BM01-VON", unit__code="00715")
    assert submission.status == SubmissionStatus.DRAFT and submission.period.code == "2026Q3"
    assert AuditEntry.objects.filter(action="reporting.datavalues_import").count() == 1

    again = run(people.commune, DOC_EXAMPLE)
    assert counts(again) == (0, 0, 3, 0) and again.status == "SUCCESS"
    assert not history.exists()  # nothing changed, no history written
    assert AuditEntry.objects.filter(action="reporting.datavalues_import").count() == 1


def test_a_changed_value_or_comment_is_updated_and_keeps_its_history(people, today):
    run(people.commune, DOC_EXAMPLE)
    changed = document(
        one_value("VON_KH", KH_TW, "12.50", comment="c1"),  # value changed (stored as 12.5)
        one_value("VON_KH", KH_DP, "14", comment="sửa ghi chú"),  # comment changed
        one_value("VON_GN", KH_TW, "16", comment="c3"),  # identical
    )
    summary = run(people.commune, changed)
    assert counts(summary) == (0, 2, 1, 0)
    assert values_of()[("VON_KH", KH_TW)] == ("12.5", "c1", False)
    assert values_of()[("VON_KH", KH_DP)] == ("14", "sửa ghi chú", False)
    value = DataValue.objects.get(unit__code="00715", options_key=KH_TW, indicator__code="VON_KH")
    assert value.numeric == Decimal("12.5")
    assert value.options == {"DU_AN": "DA1", "LOAI_VON": "DTPT", "NGUON_VON": "TW"}
    assert list(
        value.changes.values_list("old_value", "new_value", "old_comment", "new_comment")
    ) == [("12", "12.5", "c1", "c1")]
    dp = DataValue.objects.get(unit__code="00715", options_key=KH_DP, indicator__code="VON_KH")
    assert list(dp.changes.values_list("old_value", "new_value", "old_comment", "new_comment")) == [
        ("14", "14", "c2", "sửa ghi chú")
    ]
    identical = DataValue.objects.get(unit__code="00715", indicator__code="VON_GN")
    assert not identical.changes.exists()


def test_a_dry_run_gives_the_real_summary_and_writes_nothing(people, today):
    before = (
        DataValue.objects.count(), DataValueChange.objects.count(), Submission.objects.count(),
        AuditEntry.objects.count(), Period.objects.count(),
    )  # fmt: skip
    dry = run(people.commune, DOC_EXAMPLE, dry_run=True)
    after = (
        DataValue.objects.count(), DataValueChange.objects.count(), Submission.objects.count(),
        AuditEntry.objects.count(), Period.objects.count(),
    )  # fmt: skip
    assert after == before
    assert dry.as_dict()["importOptions"]["dryRun"] is True
    real = run(people.commune, DOC_EXAMPLE)
    assert counts(dry) == counts(real) == (3, 0, 0, 0)
    dry_again = run(people.commune, {**DOC_EXAMPLE, "dataValues": DOC_EXAMPLE["dataValues"][:2]},
                    dry_run=True)  # fmt: skip
    assert counts(dry_again) == (0, 0, 2, 0)


def test_each_bad_value_is_named_by_its_index_and_the_good_ones_are_saved(people, today):
    long_comment = "x" * 1001
    payload = {
        "dataSet": "BM01-VON",
        "dataValues": [
            one_value("VON_KH", KH_TW, "100", period="2026Q3", orgUnit="00715"),  # 0 good
            one_value("KHONG_CO", KH_TW, "1", period="2026Q3", orgUnit="00715"),  # 1
            one_value("VON_KH", KH_TW, "1", period="2026M13", orgUnit="00715"),  # 2
            one_value("VON_KH", KH_TW, "1", period="2026Q3", orgUnit="99999"),  # 3
            one_value("VON_KH", "DU_AN=DA1;LOAI_VON=XX;NGUON_VON=TW", "1",
                      period="2026Q3", orgUnit="00715"),  # 4 unknown option
            one_value("VON_KH", "DU_AN:DA1", "1", period="2026Q3", orgUnit="00715"),  # 5
            one_value("VON_KH", KH_TW, "1", attributeOptionCombo="NGUON_VON=DP",
                      period="2026Q3", orgUnit="00715"),  # 6 category in both
            one_value("VON_KH", KH_TW, "1", period="2026Q3", orgUnit="00700"),  # 7 not mine
            one_value("VON_KH", KH_DP, None, period="2026Q3", orgUnit="00715"),  # 8 no value
            one_value("VON_KH", KH_DP, "mười", period="2026Q3", orgUnit="00715"),  # 9
            one_value("VON_KH", KH_DP, "1", comment=long_comment,
                      period="2026Q3", orgUnit="00715"),  # 10
            one_value("DA1_HO_DAT_O", "DAN_TOC=01", "3", period="2026Q3", orgUnit="00715"),  # 11
            one_value("VON_KH", "DU_AN=DA1;LOAI_VON=DTPT", "1",
                      period="2026Q3", orgUnit="00715"),  # 12 not a cell of the form
            one_value("VON_GN", KH_DP, "7", period="2026Q3", orgUnit="00715"),  # 13 good
            one_value("VON_KH", KH_TW, "1", period="2026Q3", orgUnit="99999"),  # 14 same as 3
            one_value("VON_GN", KH_TW, "1E1000000", period="2026Q3", orgUnit="00715"),  # 15
            one_value("VON_GN", KH_TW, "1e-5000", period="2026Q3", orgUnit="00715"),  # 16
        ],
    }  # fmt: skip
    summary = run(people.commune, payload)
    assert counts(summary) == (2, 0, 15, 0)
    assert summary.status == "WARNING" and summary.http_status() == 409
    assert conflicts(summary) == [
        ("E7610", "dataElement", [1]),
        ("E7611", "period", [2]),
        ("E7612", "orgUnit", [3, 14]),  # one conflict for both rows naming the same unit
        ("E7613", "categoryOptionCombo", [4]),
        ("E7613", "categoryOptionCombo", [5]),
        ("E7615", "attributeOptionCombo", [6]),
        ("E7617", "orgUnit", [7]),
        ("E7618", "value", [8]),
        ("E7619", "value", [9]),
        ("E7620", "comment", [10]),
        ("E7633", "dataElement", [11]),
        ("E7634", "categoryOptionCombo", [12]),
        ("E7619", "value", [15]),  # Decimal overflows on it: refused, not a server error
        ("E7619", "value", [16]),  # 5,000 digits written out: longer than a value may be
    ]
    assert summary.rejected_indexes == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15, 16]
    as_json = summary.as_dict()["conflicts"][2]
    assert as_json == {
        "object": "99999",
        "objects": {"orgUnit": "99999"},
        "value": as_json["value"],
        "errorCode": "E7612",
        "property": "orgUnit",
        "indexes": [3, 14],
    }
    assert values_of() == {
        ("VON_KH", KH_TW): ("100", "", False),
        ("VON_GN", KH_DP): ("7", "", False),
    }
    assert not DataValue.objects.filter(unit__code="00700").exists()


def test_officers_import_on_behalf_of_units_below_them_and_nowhere_else(people, today):
    lao_cai = Unit.objects.get(code="15", valid_to__isnull=True)
    far = Unit.objects.filter(
        level="commune", valid_to__isnull=True, path__startswith=lao_cai.path
    ).first()
    payload = {
        "dataSet": "BM01-VON",
        "period": "2026Q3",
        "dataValues": [
            one_value("VON_KH", KH_TW, "1", orgUnit="00715"),
            one_value("VON_KH", KH_TW, "2", orgUnit="00700"),
            one_value("VON_KH", KH_TW, "3", orgUnit=far.code),
            one_value("VON_KH", KH_TW, "4", orgUnit="08"),  # the province: not this form's level
        ],
    }
    summary = run(people.province, payload)
    assert counts(summary) == (2, 0, 2, 0)
    assert conflicts(summary) == [("E7617", "orgUnit", [2]), ("E7636", "orgUnit", [3])]
    assert (
        run(
            people.ministry, {**payload, "dataValues": payload["dataValues"][2:3]}
        ).import_count.imported
        == 1
    )
    # Nothing else may import: a content editor, or a commune reporter for another commune.
    editor = run(people.editor, payload)
    assert counts(editor) == (0, 0, 4, 0)
    assert {c.error_code for c in editor.conflicts} == {"E7617"}
    assert not DataValue.objects.filter(
        Q(created_by=people.editor) | Q(updated_by=people.editor)
    ).exists()


def test_values_of_a_submitted_or_approved_report_are_refused(people, today, von, q3):
    run(people.commune, DOC_EXAMPLE)
    for status, code in (
        (SubmissionStatus.SUBMITTED, "E7642"),
        (SubmissionStatus.APPROVED, "E7642"),
    ):
        Submission.objects.filter(form_code="BM01-VON", unit__code="00715").update(status=status)
        changed = document(one_value("VON_KH", KH_TW, "99"), one_value("VON_KH", KH_DP, "98"))
        summary = run(people.commune, changed)
        assert counts(summary) == (0, 0, 2, 0)
        assert conflicts(summary) == [(code, None, [0, 1])]
        assert summary.conflicts[0].object == "00715"
        assert values_of()[("VON_KH", KH_TW)] == ("12", "c1", False)
    # Returned to the commune: open again.
    Submission.objects.filter(form_code="BM01-VON").update(status=SubmissionStatus.RETURNED)
    assert counts(run(people.commune, document(one_value("VON_KH", KH_TW, "99")))) == (0, 1, 0, 0)


def test_a_period_not_yet_open_or_already_locked_is_refused(people, today):
    # On 05/10/2026: 2026Q4 opens on 16/12/2026; 2026Q1 locked after 30/05/2026.
    summary = run(
        people.commune,
        {
            "dataSet": "BM01-VON",
            "orgUnit": "00715",
            "dataValues": [
                one_value("VON_KH", KH_TW, "1", period="2026Q4"),
                one_value("VON_KH", KH_TW, "1", period="2026Q1"),
                one_value("VON_KH", KH_TW, "1", period="2026Q3"),
                one_value("VON_KH", KH_TW, "1", period="202609"),  # a month, not a quarter
            ],
        },
    )
    assert conflicts(summary) == [
        ("E7643", "period", [0]),
        ("E7640", "period", [1]),
        ("E7611", "period", [3]),
    ]
    assert counts(summary) == (1, 0, 3, 0)
    assert "16/12/2026" in summary.conflicts[0].value


def test_delete_soft_deletes_with_history_and_a_later_import_brings_the_value_back(people, today):
    run(people.commune, DOC_EXAMPLE)
    summary = run(people.commune, DOC_EXAMPLE, strategy="DELETE")
    assert counts(summary) == (0, 0, 0, 3)
    assert {v[2] for v in values_of().values()} == {True}
    assert counts(run(people.commune, DOC_EXAMPLE, strategy="DELETE")) == (0, 0, 3, 0)
    value = DataValue.objects.get(unit__code="00715", options_key=KH_TW, indicator__code="VON_KH")
    assert list(value.changes.values_list("old_value", "new_value", "deleted")) == [
        ("12", "", True),
    ]
    again = run(people.commune, DOC_EXAMPLE)
    assert counts(again) == (3, 0, 0, 0)  # setting a deleted value again is an import
    assert list(value.changes.values_list("old_value", "new_value", "deleted")) == [
        ("12", "", True),
        ("", "12", False),  # …and a change: the value was restored
    ]
    # "deleted": true on a value deletes it under the default strategy too.
    flagged = document(
        one_value("VON_KH", KH_TW, "12", deleted=True),
        one_value("VON_KH", KH_DP, "14", comment="c2"),
    )
    assert counts(run(people.commune, flagged)) == (0, 0, 1, 1)
    assert values_of()[("VON_KH", KH_TW)][2] is True


def test_roll_ups_are_exact_after_imports_that_add_change_delete_and_restore_values(people, today):
    """On PostgreSQL the import adds its differences to the roll-ups level by level; after
    every kind of write they equal a computation from scratch (and the province's figure is
    the sum of its communes' values)."""
    from dantoc.analytics.models import RollupTotal
    from dantoc.analytics.rollups import rollups_differences

    province = Unit.objects.get(code="08", valid_to__isnull=True)

    def province_total(code="VON_KH") -> tuple:
        row = (
            RollupTotal.objects.filter(unit=province, period__code="2026Q3", indicator__code=code)
            .values_list("total_sum", "total_count")
            .first()
        )
        return (row[0].normalize(), row[1]) if row else None

    def two_communes(*values):
        return {"dataSet": "BM01-VON", "period": "2026Q3", "dataValues": list(values)}

    steps = [
        # A first import into two empty reports (the COPY path on PostgreSQL).
        (two_communes(
            one_value("VON_KH", KH_TW, "10", orgUnit="00715"),
            one_value("VON_KH", KH_DP, "2.5", orgUnit="00715"),
            one_value("VON_KH", KH_TW, "7", orgUnit="00700"),
            one_value("VON_GN", KH_TW, "1", orgUnit="00700"),
        ), {}, (Decimal("19.5"), 3)),
        # A change, an identical value and a new value in a report that has values.
        (two_communes(
            one_value("VON_KH", KH_TW, "12", orgUnit="00715"),
            one_value("VON_KH", KH_DP, "2.5", orgUnit="00715"),
            one_value("VON_KH", KH_DP, "4", orgUnit="00700"),
        ), {}, (Decimal("25.5"), 4)),
        # A deletion flagged on the value, and one by the DELETE strategy.
        (two_communes(one_value("VON_KH", KH_TW, "12", orgUnit="00715", deleted=True)),
         {}, (Decimal("13.5"), 3)),
        (two_communes(one_value("VON_KH", KH_TW, "7", orgUnit="00700")),
         {"strategy": "DELETE"}, (Decimal("6.5"), 2)),
        # Set again after the deletion, and UPDATE changing what exists.
        (two_communes(one_value("VON_KH", KH_TW, "3", orgUnit="00700")), {}, (Decimal("9.5"), 3)),
        (two_communes(
            one_value("VON_KH", KH_DP, "5", orgUnit="00715"),
            one_value("VON_KH", KH_TW, "99", orgUnit="00715"),  # deleted: not updated
        ), {"strategy": "UPDATE"}, (Decimal("12"), 3)),
    ]  # fmt: skip
    for document_, options, expected in steps:
        summary = run(people.province, document_, **options)
        assert summary.conflicts == [], summary.conflicts
        assert rollups_differences() == []
        assert province_total() == expected
    # Every value of a commune deleted: its rows go, as a recomputation leaves them.
    run(
        people.province,
        two_communes(
            one_value("VON_KH", KH_DP, "5", orgUnit="00715"),
        ),
        strategy="DELETE",
    )
    assert rollups_differences() == []
    commune = Unit.objects.get(code="00715", valid_to__isnull=True)
    assert not RollupTotal.objects.filter(unit=commune, indicator__code="VON_KH").exists()


def test_create_only_adds_new_values_and_update_only_changes_existing_ones(people, today):
    run(people.commune, document(one_value("VON_KH", KH_TW, "1")))
    both = document(one_value("VON_KH", KH_TW, "2"), one_value("VON_KH", KH_DP, "3"))
    assert counts(run(people.commune, both, strategy="CREATE")) == (1, 0, 1, 0)
    assert values_of()[("VON_KH", KH_TW)][0] == "1"
    more = document(one_value("VON_KH", KH_TW, "5"), one_value("VON_GN", KH_DP, "6"))
    assert counts(run(people.commune, more, strategy="UPDATE")) == (0, 1, 1, 0)
    assert values_of()[("VON_KH", KH_TW)][0] == "5"
    assert ("VON_GN", KH_DP) not in values_of()


def test_a_value_sent_twice_in_one_payload_takes_the_last_one(people, today):
    twice = document(
        one_value("VON_KH", KH_TW, "1"),
        one_value("VON_KH", KH_DP, "2"),
        one_value("VON_KH", "NGUON_VON=TW;DU_AN=DA1;LOAI_VON=DTPT", "3"),  # same cell as index 0
    )
    summary = run(people.commune, twice)
    assert counts(summary) == (2, 0, 1, 0) and summary.conflicts == []
    assert values_of()[("VON_KH", KH_TW)][0] == "3"
    # Only the last one stood: a first entry of "3", no history of "1".
    assert not DataValueChange.objects.filter(data_value__options_key=KH_TW).exists()


def test_an_unknown_or_missing_data_set_aborts_the_import(people, today):
    summary = run(people.commune, {**DOC_EXAMPLE, "dataSet": "BM99"})
    assert summary.status == "ERROR" and summary.http_status() == 409
    assert conflicts(summary) == [("E7600", "dataSet", [])]
    assert counts(summary) == (0, 0, 0, 0)
    assert run(people.commune, {**DOC_EXAMPLE, "dataSet": ""}).conflicts[0].error_code == "E7602"
    assert not DataValue.objects.exists()


# --- the formats ------------------------------------------------------------------------

CSV_ROWS = (
    f'"VON_KH","2026Q3","00715","{KH_TW}","","12","xa.lungcu","2026-10-05","c1","false"\n'
    f'"VON_KH","2026Q3","00715","{KH_DP}",,"14",,,"c2"\n'
    '"VON_GN","2026Q3","00715","NGUON_VON=TW","DU_AN=DA1;LOAI_VON=DTPT","16",,,"c3",,\n'
)


def test_csv_with_or_without_a_header_row_reads_the_same_values():
    header = ",".join(dhis2.CSV_COLUMNS) + "\n"
    with_header = dhis2.parse_csv(header + CSV_ROWS, defaults={"dataSet": "BM01-VON"})
    without = dhis2.parse_csv(CSV_ROWS.encode(), defaults={"dataSet": "BM01-VON"})
    assert with_header.rows == without.rows
    assert [r[0] for r in without.rows] == [0, 1, 2]
    assert without.rows[0] == (0, "VON_KH", "2026Q3", "00715", KH_TW, "", "12", "c1", False)
    assert without.data_set == "BM01-VON"
    old_header = '"dataelement","period","orgunit","catoptcombo","attroptcombo","value"\n'
    assert dhis2.parse_csv(old_header + CSV_ROWS).rows == without.rows


def test_a_csv_payload_imports_like_its_json_twin(people, today):
    payload = dhis2.parse_csv(CSV_ROWS, defaults={"dataSet": "BM01-VON"})
    summary = bulk.datavalues_import(
        actor=people.commune, rows=payload.rows, dataset_code=payload.data_set, today=TODAY
    )
    assert counts(summary) == (3, 0, 0, 0)
    assert counts(run(people.commune, DOC_EXAMPLE)) == (0, 0, 3, 0)


def _streamed(body: bytes, reader, monkeypatch, **defaults):
    monkeypatch.setattr(dhis2, "STREAM_THRESHOLD", 10)
    monkeypatch.setattr(dhis2, "_BLOCK", 64)  # many blocks, cuts everywhere
    return reader(io.BytesIO(body), size=len(body), defaults=defaults)


def test_a_large_json_body_is_read_as_a_stream_to_the_same_rows(monkeypatch):
    values = [
        one_value("VON_KH", KH_TW, "12", comment='dấu }, và ], trong "ghi chú" {'),
        one_value("VON_KH", KH_DP, 14, period="2026Q2"),
        {"dataElement": "VON_GN", "categoryOptionCombo": KH_TW, "value": "1", "deleted": True},
    ] * 20
    # Header keys before and after the values, spaces and new lines anywhere.
    body = (
        b'{ "dataSet": "BM01-VON", "period" : "2026Q3",\n "dataValues" :\n [ '
        + b" ,\n ".join(orjson.dumps(v) for v in values)
        + b' ] ,\n "orgUnit": "00715", "completeDate": "2026-10-05"}\n'
    )
    whole = dhis2.parse_json(body, defaults={"orgUnit": "99999"})
    streamed = _streamed(body, dhis2.read_json_file, monkeypatch, orgUnit="99999")
    assert isinstance(streamed.rows, dhis2.StreamedRows)
    assert (streamed.data_set, streamed.period, streamed.org_unit) == (
        "BM01-VON",
        "2026Q3",
        "00715",
    )
    assert list(streamed.rows) == whole.rows
    assert list(streamed.rows) == whole.rows  # read again (a retried import)
    assert [r[0] for r in whole.rows] == list(range(60))


@pytest.mark.parametrize(
    "body",
    [b'{"dataSet": "BM01-VON", "dataValues": [{"dataElement": "A"}, 12, {"x": 1}]}' + b" " * 40,
     b'{"dataSet": "BM01-VON", "dataValues": [{"dataElement": "A"}, {"dataElement": "B" ]}' + b" " * 40],
)  # fmt: skip
def test_a_streamed_json_body_that_breaks_off_is_refused_with_a_reason(monkeypatch, body):
    payload = _streamed(body, dhis2.read_json_file, monkeypatch)
    with pytest.raises(dhis2.PayloadError):
        list(payload.rows)


def test_a_large_csv_body_is_read_as_a_stream_to_the_same_rows(monkeypatch):
    body = (
        "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value,storedby,"
        "lastupdated,comment,followup,deleted\n"
        + f'VON_KH,2026Q3,00715,"{KH_TW}",,12,,,"ghi chú, có dấu phẩy",false,false\n' * 30
        + f'VON_GN,,,"{KH_DP}",default,14,,,,,true\n'
    ).encode()
    whole = dhis2.parse_csv(body, defaults={"period": "2026Q3", "orgUnit": "00700"})
    streamed = _streamed(body, dhis2.read_csv_file, monkeypatch, period="2026Q3", orgUnit="00700")
    assert list(streamed.rows) == whole.rows and len(whole.rows) == 31
    broken = _streamed(
        b"VON_KH,2026Q3,00715,,,1\n" * 5 + b"\xff\xfe,", dhis2.read_csv_file, monkeypatch
    )
    with pytest.raises(dhis2.PayloadError):
        list(broken.rows)


def test_json_values_override_the_header_and_numbers_are_accepted():
    payload = dhis2.parse_json(
        orjson.dumps(
            {
                "dataSet": "BM01-VON",
                "period": "2026Q3",
                "orgUnit": "00715",
                "dataValues": [
                    {"dataElement": "VON_KH", "period": 2026, "orgUnit": "00700", "value": 5},
                    {"dataElement": "VON_KH", "value": "6", "deleted": "true"},
                ],
            }
        ),
        defaults={"dataSet": "IGNORED", "period": "2025Q1"},
    )
    assert payload.data_set == "BM01-VON"
    assert payload.rows == [
        (0, "VON_KH", "2026", "00700", "", "", 5, None, False),
        (1, "VON_KH", "2026Q3", "00715", "", "", "6", None, True),
    ]


@pytest.mark.parametrize(
    "body, reason",
    [
        (b'{"dataValues": [', "JSON"),
        (b"[1, 2]", "dataValues"),
        (b'{"dataValues": {"a": 1}}', "dataValues"),
        (b'{"dataValues": [1]}', "0"),
        (b'{"dataValues": [{"dataElement": {"x": 1}}]}', "chuỗi"),
    ],
)
def test_unreadable_json_is_refused_with_a_reason(body, reason):
    with pytest.raises(dhis2.PayloadError, match=reason):
        dhis2.parse_json(body)


@pytest.mark.parametrize(
    "body, reason",
    [
        (b'"VON_KH","2026Q3","00715","x,"unterminated\n', "CSV"),
        (b"\xff\xfeV\x00O\x00", "UTF-8"),
        (b'"VON_KH","2026Q3"\x00,"00715"\n', "NUL"),
    ],
)
def test_unreadable_csv_is_refused_with_a_reason(body, reason):
    with pytest.raises(dhis2.PayloadError, match=reason):
        dhis2.parse_csv(body)


def test_a_failed_summary_is_an_error_answered_with_409():
    summary = dhis2.failed_summary("JSON không hợp lệ")
    message = summary.web_message()
    assert summary.http_status() == 409
    assert message["status"] == "ERROR" and message["httpStatusCode"] == 409
    assert message["response"]["status"] == "ERROR"
    assert message["response"]["importCount"] == {
        "imported": 0,
        "updated": 0,
        "ignored": 0,
        "deleted": 0,
    }
    assert "JSON không hợp lệ" in message["response"]["description"]


@settings(max_examples=300, deadline=None)
@given(
    value_type=st.sampled_from([ValueType.INTEGER, ValueType.NUMBER, ValueType.PERCENTAGE]),
    raw=st.one_of(
        st.from_regex(r"\A[0-9]{1,19}(\.[0-9]{0,12})?\Z"),
        st.integers(min_value=-(10**19), max_value=10**19),
        st.text(alphabet="0123456789٣²., -+e", max_size=8),
    ),
)
def test_the_fast_number_path_stores_exactly_what_normalise_value_stores(value_type, raw):
    fast = bulk._fast_number(value_type, raw)
    try:
        text, number = normalise_value(value_type, raw, decimal_comma=False)
    except (ValueError_, ArithmeticError):
        assert fast is None
        return
    if fast is not None:
        assert fast == text and Decimal(fast) == number


# --- PostgreSQL: the fast path against the portable one, and concurrent posts ------------


def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: set DATABASE_URL to a PostgreSQL database")


def _sequence(people):
    """A sequence of imports touching every branch; returns the summaries and the state."""
    summaries = []
    summaries.append(run(people.commune, DOC_EXAMPLE).as_dict())
    summaries.append(run(people.commune, DOC_EXAMPLE).as_dict())
    changed = document(
        one_value("VON_KH", KH_TW, "12.000", comment="c1"),
        one_value("VON_KH", KH_DP, "15", comment="khác"),
        one_value("VON_GN", KH_TW, "16", deleted=True),
        one_value("VON_GN", KH_DP, "1.1234567"),
        one_value("VON_GN", KH_DP, "2"),
        one_value("BAD", KH_DP, "2"),
    )
    summaries.append(run(people.commune, changed).as_dict())
    summaries.append(run(people.commune, DOC_EXAMPLE, strategy="CREATE").as_dict())
    summaries.append(run(people.commune, changed, strategy="UPDATE").as_dict())
    summaries.append(run(people.commune, changed, strategy="DELETE", dry_run=True).as_dict())
    summaries.append(run(people.commune, changed, strategy="DELETE").as_dict())
    summaries.append(run(people.province, {**changed, "orgUnit": "00700"}).as_dict())
    Submission.objects.filter(form_code="BM01-VON", unit__code="00700").update(
        status=SubmissionStatus.APPROVED
    )
    summaries.append(run(people.province, {**DOC_EXAMPLE, "orgUnit": "00700"}).as_dict())
    state = [
        (v.indicator_id, v.unit.code, v.period.code, v.options_key, v.value, v.numeric,
         v.comment, v.deleted, v.created_by_id, v.updated_by_id, v.options)
        for v in DataValue.objects.select_related("unit", "period").order_by(
            "unit__code", "indicator_id", "options_key")
    ]  # fmt: skip
    history = [
        (c.data_value.unit.code, c.data_value.indicator_id, c.data_value.options_key,
         c.old_value, c.new_value, c.old_comment, c.new_comment, c.deleted, c.actor_id, c.source)
        for c in DataValueChange.objects.select_related("data_value__unit").order_by(
            "data_value__unit__code", "data_value__indicator_id", "data_value__options_key", "id")
    ]  # fmt: skip
    submissions = sorted(
        Submission.objects.filter(form_code="BM01-VON").values_list("unit__code", "status")
    )
    return summaries, state, history, submissions


def test_the_postgresql_fast_path_and_the_portable_path_give_the_same_results(
    people, today, monkeypatch
):
    postgresql_only()
    results = []
    for fast in (True, False):
        monkeypatch.setattr(bulk, "_use_copy", lambda fast=fast: fast)
        with transaction.atomic():
            results.append(_sequence(people))
            transaction.set_rollback(True)
    (fast_summaries, *fast_state), (slow_summaries, *slow_state) = results
    for number, (a, b) in enumerate(zip(fast_summaries, slow_summaries, strict=True)):
        assert a == b, f"import {number}"
    assert fast_state == slow_state
    # The sequence really exercised the branches.
    assert [s["importCount"] for s in fast_summaries][:3] == [
        {"imported": 3, "updated": 0, "ignored": 0, "deleted": 0},
        {"imported": 0, "updated": 0, "ignored": 3, "deleted": 0},
        {"imported": 1, "updated": 1, "ignored": 3, "deleted": 1},
    ]


def test_a_payload_streamed_in_blocks_writes_what_the_portable_path_writes(
    people, today, monkeypatch
):
    """On PostgreSQL the values go to the server a block at a time while the payload is
    read. With blocks of two values: the first block's report holds nothing (straight
    COPY), a later block changes a report that holds values and deletes a value (kept for
    the staged write), another sets a cell a second time (read again, staged). Each import
    gives the portable path's summary, values and history, and exact roll-ups."""
    from dantoc.analytics.rollups import rollups_differences

    postgresql_only()
    monkeypatch.setattr(bulk, "_BLOCK_VALUES", 2)

    def payload(*values):
        return {"dataSet": "BM01-VON", "period": "2026Q3", "dataValues": list(values)}

    mixed = payload(
        one_value("VON_KH", KH_TW, "10", orgUnit="00715"),
        one_value("VON_KH", KH_DP, "2.5", orgUnit="00715", comment="a\tb"),
        one_value("VON_KH", KH_TW, "8", orgUnit="00700"),  # changed
        one_value("VON_GN", KH_DP, "4", orgUnit="00700"),  # new in a report with values
        one_value("VON_KH", KH_DP, "1", orgUnit="00700", deleted=True),
        one_value("VON_GN", KH_TW, "3", orgUnit="00715"),
    )
    twice = payload(
        one_value("VON_GN", KH_DP, "5", orgUnit="00715"),
        one_value("VON_GN", KH_TW, "6", orgUnit="00700"),
        one_value("VON_GN", KH_DP, "7", orgUnit="00715"),  # the same cell again: 7 stands
    )
    results = []
    for fast in (True, False):
        monkeypatch.setattr(bulk, "_use_copy", lambda fast=fast: fast)
        with transaction.atomic():
            run(people.province, payload(
                one_value("VON_KH", KH_TW, "7", orgUnit="00700"),
                one_value("VON_KH", KH_DP, "1", orgUnit="00700"),
            ))  # fmt: skip
            summaries = [run(people.province, mixed).as_dict()]
            if fast:
                assert rollups_differences() == []
            summaries.append(run(people.province, twice).as_dict())
            if fast:
                assert rollups_differences() == []
            state = sorted(
                DataValue.objects.filter(period__code="2026Q3").values_list(
                    "unit__code", "indicator__code", "options_key", "value", "comment", "deleted"
                )
            )
            history = sorted(
                DataValueChange.objects.values_list(
                    "data_value__unit__code", "old_value", "new_value", "deleted"
                )
            )
            results.append((summaries, state, history))
            transaction.set_rollback(True)
    assert results[0] == results[1]
    summaries, state, _history = results[0]
    assert [s["importCount"] for s in summaries] == [
        {"imported": 4, "updated": 1, "ignored": 0, "deleted": 1},
        {"imported": 2, "updated": 0, "ignored": 1, "deleted": 0},
    ]
    assert ("00715", "VON_GN", KH_DP, "7", "", False) in state
    assert ("00715", "VON_KH", KH_DP, "2.5", "a\tb", False) in state


def test_a_copy_that_meets_values_inserted_meanwhile_falls_back_to_the_upsert(
    people, today, monkeypatch
):
    """The direct COPY of new values is tried in a savepoint; when a value it thought new
    exists by then (inserted by another transaction after the check), the upsert writes
    the whole payload instead, and the summary and history are those of the upsert."""
    postgresql_only()
    run(people.commune, DOC_EXAMPLE)
    checked = []

    def nothing_held(cursor, pairs, indicator_ids):
        checked.append(len(pairs))
        return set()

    monkeypatch.setattr(bulk, "_holding_values", nothing_held)
    changed = document(
        one_value("VON_KH", KH_TW, "13", comment="c1"),  # changed
        one_value("VON_KH", KH_DP, "14", comment="c2"),  # identical
        one_value("VON_GN", KH_DP, "7"),  # new
    )
    summary = run(people.commune, changed)
    assert checked == [1]  # one report, probed once; the staged retry does not probe
    assert counts(summary) == (1, 1, 1, 0) and summary.conflicts == []
    assert values_of() == {
        ("VON_KH", KH_TW): ("13", "c1", False),
        ("VON_KH", KH_DP): ("14", "c2", False),
        ("VON_GN", KH_TW): ("16", "c3", False),
        ("VON_GN", KH_DP): ("7", "", False),
    }
    assert sorted(
        DataValueChange.objects.values_list("data_value__options_key", "old_value", "new_value")
    ) == [(KH_TW, "12", "13")]


def test_concurrent_identical_posts_create_each_value_once(people):
    """Two threads post the same payload at the same moment on PostgreSQL.

    The threads use connections of their own, which commit; the test's own connection is
    inside the transaction pytest-django rolls back, and must not create anything the
    threads would wait for (the period row, for instance), so the test creates nothing and
    cleans up what the threads committed in a connection of its own at the end. (With
    ``transaction=True`` pytest-django would flush every table afterwards, removing the
    reference data and personas the session loaded once for all tests.)
    """
    postgresql_only()
    commune = people.commune
    commune.role_codes()
    day = datetime.date(2026, 10, 5)
    rows = dhis2.parse_json(orjson.dumps(DOC_EXAMPLE)).rows
    barrier = threading.Barrier(2)
    summaries, errors = [], []
    started = datetime.datetime.now(datetime.UTC)
    period_existed = Period.objects.filter(code="2026Q3", period_type__code="quy").exists()

    def post():
        try:
            barrier.wait(timeout=10)
            summaries.append(
                bulk.datavalues_import(actor=commune, rows=rows, dataset_code="BM01-VON", today=day)
            )
        except Exception as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    def cleanup():
        try:
            keys = DataValue.objects.filter(
                unit__code="00715", period__code="2026Q3", period__period_type__code="quy"
            )
            DataValueChange.objects.filter(data_value__in=keys).delete()
            places = list(keys.values_list("unit_id", "period_id").distinct())
            keys.delete()
            # The roll-ups the threads committed with the values, recomputed without them
            # (left behind, they would be wrong for every later test of the session).
            rollups_refresh(
                unit_ids=[unit for unit, _period in places],
                period_ids=[period for _unit, period in places],
                indicator_ids=None,
            )
            Submission.objects.filter(form_code="BM01-VON", unit__code="00715").delete()
            AuditEntry.objects.filter(
                action="reporting.datavalues_import", at__gte=started
            ).delete()
            if not period_existed:
                Period.objects.filter(code="2026Q3", period_type__code="quy").delete()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors, errors
        assert sorted(s.import_count.imported for s in summaries) == [0, 3]
        assert sorted(s.import_count.ignored for s in summaries) == [0, 3]
        check = {}

        def count():
            try:
                check["values"] = DataValue.objects.filter(
                    unit__code="00715", period__code="2026Q3"
                ).count()
                check["history"] = DataValueChange.objects.filter(
                    data_value__unit__code="00715", data_value__period__code="2026Q3"
                ).count()
                check["submissions"] = Submission.objects.filter(
                    form_code="BM01-VON", unit__code="00715"
                ).count()
            finally:
                connections.close_all()

        counter = threading.Thread(target=count)
        counter.start()
        counter.join()
        # Each value entered once (by whichever import came first): no history row.
        assert check == {"values": 3, "history": 0, "submissions": 1}
    finally:
        cleaner = threading.Thread(target=cleanup)
        cleaner.start()
        cleaner.join()


def test_values_the_platform_computes_come_without_an_actor_and_say_their_source(people, today):
    lao_cai = Unit.objects.get(code="15", valid_to__isnull=True)
    far = Unit.objects.filter(
        level="commune", valid_to__isnull=True, path__startswith=lao_cai.path
    ).first()
    payload = {
        "dataSet": "BM01-VON",
        "period": "2026Q3",
        "dataValues": [
            one_value("VON_KH", KH_TW, "5", orgUnit="00715"),
            one_value("VON_KH", KH_TW, "6", orgUnit=far.code),
            one_value("VON_KH", KH_TW, "7", orgUnit="08"),  # still checked against the form
        ],
    }
    # Only the platform's own sources may come without a person.
    with pytest.raises(ValueError):
        run(None, payload)
    with pytest.raises(ValueError):
        run(people.commune, payload, source="sms")
    summary = run(None, payload, source="device")
    assert counts(summary) == (2, 0, 1, 0)
    assert conflicts(summary) == [("E7636", "orgUnit", [2])]
    made = DataValue.objects.filter(unit__code__in=["00715", far.code], indicator__code="VON_KH")
    assert sorted(made.values_list("value", flat=True)) == ["5", "6"]
    assert set(made.values_list("created_by", flat=True)) == {None}
    entry = AuditEntry.objects.get(action="reporting.datavalues_import")
    assert entry.actor is None and entry.after["source"] == "device"
    # No person approves what the platform computes: its reports are approved as written,
    # so the approved figures above include the values at once.
    from dantoc.analytics.models import RollupTotal
    from dantoc.analytics.rollups import rollups_differences

    reports = Submission.objects.filter(form_code="BM01-VON", unit__code__in=["00715", far.code])
    assert set(reports.values_list("status", flat=True)) == {SubmissionStatus.APPROVED}
    assert all(e.actor is None for r in reports for e in r.events.all())

    def approved(code) -> Decimal:
        unit = Unit.objects.get(code=code, valid_to__isnull=True)
        row = RollupTotal.objects.get(unit=unit, period__code="2026Q3", indicator__code="VON_KH")
        return row.approved_sum.normalize()

    assert approved("08") == Decimal("5") and rollups_differences() == []
    # A new computation replaces the value in the report the platform approved.
    again = {**payload, "dataValues": [one_value("VON_KH", KH_TW, "9", orgUnit="00715")]}
    changed = run(None, again, source="system")
    change = DataValueChange.objects.get(data_value__unit__code="00715")
    assert counts(changed)[1] == 1 and change.source == "system" and change.actor is None
    assert approved("08") == Decimal("9") and rollups_differences() == []
    # People still cannot change an approved report.
    assert counts(run(people.commune, {**again, "dataValues": [one_value(
        "VON_KH", KH_TW, "1", orgUnit="00715")]}))[2] == 1  # fmt: skip
