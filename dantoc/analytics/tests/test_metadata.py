"""What the analytics engine keeps of units, indicators, forms and periods between requests
(``analytics.metadata``): any change to those tables, however it is made, reaches the next
query; a change rolled back leaves nothing behind; without the version row nothing is kept."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection, transaction

from dantoc.analytics import metadata
from dantoc.analytics.query import AnalyticsRequest, analytics_run
from dantoc.analytics.tests.test_analytics import enter
from dantoc.geo.models import Unit
from dantoc.reporting import services
from dantoc.reporting.models import Period, Submission

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2026, 10, 1)


class RolledBack(Exception):
    pass


def communes_of_tuyen_quang() -> dict[str, str]:
    """code → name of the communes the engine lists under province 08."""
    result = analytics_run(
        AnalyticsRequest(dx=["VON_KH"], pe=["2026Q3"], ou=["08", "LEVEL-commune"],
                         hierarchy_date=AS_OF)
    )  # fmt: skip
    return {code: result.items[code] for code in result.dimension_items["ou"]}


def lung_cu():
    return Unit.objects.filter(code="00715", valid_to__isnull=True)


@pytest.mark.parametrize("label", metadata.WATCHED)
def test_a_change_to_any_watched_table_moves_the_version(label, von, q3):
    """An UPDATE, a DELETE and an INSERT of one row, each in SQL of its own (no model
    signals), each move the version, in the transaction that makes it."""
    model = apps.get_model(label)
    if not model.objects.exists():
        model.objects.create(code="TL_THU", name="Tỷ lệ thử", numerator="#{VON_GN}")
    row = model.objects.order_by("pk").first()
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)
    before = metadata.version_read()
    assert before
    seen = [before]
    with pytest.raises(RolledBack), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET {pk} = {pk} WHERE {pk} = %s", [row.pk])
            seen.append(metadata.version_read())
            cursor.execute(f"DELETE FROM {table} WHERE {pk} = %s", [row.pk])
            seen.append(metadata.version_read())
        row.save(force_insert=True)
        seen.append(metadata.version_read())
        raise RolledBack
    assert len(set(seen)) == 4, seen
    assert metadata.version_read() == before


def test_a_renamed_or_closed_unit_reaches_the_next_query():
    """Queryset updates (no signals) of a commune's name and of its end date: the next
    query names it anew, then no longer lists it."""
    assert communes_of_tuyen_quang()["00715"] == "Xã Lũng Cú"
    lung_cu().update(name="Xã Lũng Cú Mới")
    assert communes_of_tuyen_quang()["00715"] == "Xã Lũng Cú Mới"
    lung_cu().update(valid_to=datetime.date(2026, 9, 30))
    assert "00715" not in communes_of_tuyen_quang()


def test_a_new_quarters_first_report_reaches_the_years_figure(people, today, von, q3):
    """2026Q4 does not exist until its first report is entered: the year's figure, asked
    before (and kept without that quarter), is made of it once it is approved. VON_KH is
    a "last" figure: the year's is the latest quarter's, Q3's until Q4 is approved."""
    assert not Period.objects.filter(period_type=von.period_type, code="2026Q4").exists()
    commune = people.commune

    def year_total() -> Decimal | None:
        request = AnalyticsRequest(dx=["VON_KH"], pe=["2026"], ou=["00715"])
        return analytics_run(request).value(dx="VON_KH", pe="2026", ou="00715")

    enter(commune, von, q3, {"VON_KH/DA1/DTPT/TW": "500"})
    services.submission_submit(actor=commune, form=von, unit=commune.unit, period=q3)
    services.submission_approve(
        actor=people.province, submission=Submission.objects.get(unit=commune.unit, period=q3)
    )
    assert year_total() == 500
    q4 = services.period_resolve(period_type=von.period_type, code="2026Q4")
    day = datetime.date(2027, 1, 5)
    enter(commune, von, q4, {"VON_KH/DA1/DTPT/TW": "70"}, today=day)
    services.submission_submit(actor=commune, form=von, unit=commune.unit, period=q4, today=day)
    services.submission_approve(
        actor=people.province, submission=Submission.objects.get(unit=commune.unit, period=q4)
    )
    assert year_total() == 70


def test_what_a_rolled_back_change_made_is_never_used():
    """Two transactions rename the same commune and are rolled back, with no query between
    them: the second sees its own name, not what the first one's query kept (versions are
    random, so the second cannot get the first one's)."""
    for name in ("Xã Thử Một", "Xã Thử Hai"):
        with pytest.raises(RolledBack), transaction.atomic():
            lung_cu().update(name=name)
            assert communes_of_tuyen_quang()["00715"] == name
            raise RolledBack
    assert communes_of_tuyen_quang()["00715"] == "Xã Lũng Cú"


def test_without_the_version_row_nothing_is_kept_and_install_puts_it_back():
    from dantoc.analytics.models import MetadataVersion

    MetadataVersion.objects.all().delete()
    assert metadata.version_read() is None
    assert metadata.memo_current().key is None
    assert communes_of_tuyen_quang()["00715"] == "Xã Lũng Cú"
    lung_cu().update(name="Xã Lũng Cú Mới")
    assert communes_of_tuyen_quang()["00715"] == "Xã Lũng Cú Mới"
    metadata.triggers_install()
    assert metadata.version_read()
    assert metadata.memo_current().key is not None


def test_installing_the_triggers_again_leaves_one_set():
    metadata.triggers_install()
    metadata.triggers_install()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgname = %s", [metadata.TRIGGER])
            expected = len(metadata.WATCHED)
        else:
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                [metadata.TRIGGER + "%"],
            )
            expected = 3 * len(metadata.WATCHED)
        assert cursor.fetchone()[0] == expected


def test_a_process_keeps_a_bounded_number_of_objects(monkeypatch):
    monkeypatch.setattr(metadata, "MAX_SIZE", 10)
    memo = metadata.Memo(("default", "dantoc", "v1"))
    assert memo.get(("a",), lambda: [1] * 6) == [1] * 6  # 7 objects counted
    assert memo.get(("a",), lambda: []) == [1] * 6  # kept
    memo.get(("b",), lambda: [2] * 6)  # 14 would be too many: it starts again
    assert list(memo.entries) == [("b",)] and memo.size == 7
    assert memo.get(("c",), lambda: [3] * 20) == [3] * 20  # more than all: not kept
    assert list(memo.entries) == [("b",)]
    unkept = metadata.Memo(None)
    assert unkept.get(("a",), lambda: 1) == 1 and unkept.entries == {}
