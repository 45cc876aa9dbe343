"""Changes a commune reporter queued offline reach the server exactly once."""

from __future__ import annotations

import datetime
import json
import threading
import uuid

import pytest
from django.db import connection, connections

from dantoc.analytics.rollups import rollups_refresh
from dantoc.audit.models import AuditEntry
from dantoc.geo.selectors import unit_get
from dantoc.reporting import selectors, services
from dantoc.reporting.models import (
    DataValue,
    DataValueChange,
    Period,
    QueuedChange,
    Submission,
    SubmissionStatus,
)
from dantoc.reporting.services.outbox import QueuedInput, queued_change_apply, queued_changes_apply
from dantoc.reporting.tests.conftest import cell_keys

pytestmark = pytest.mark.django_db

OUTBOX = "/api/v1/reports/BM01-VON/2026Q3/00715/outbox"


def send(client, *changes):
    response = client.post(
        OUTBOX, json.dumps({"changes": list(changes)}), content_type="application/json"
    )
    return response


def value_change(cell, value, base=""):
    return {"key": str(uuid.uuid4()), "kind": "value", "cell": cell, "value": value, "base": base}


def stored(von, q3, key):
    layout = selectors.form_layout(von)
    value = selectors.values_for(layout=layout, unit=unit_get(code="00715"), period=q3).get(key)
    return value.value if value else None


def test_a_queued_change_sent_twice_is_stored_once_with_one_history_row_and_one_audit_entry(
    people, login, today, von, q3
):
    client = login(people.commune)
    cell = cell_keys(von, indicator="VON_KH", DU_AN="DA1", LOAI_VON="DTPT")[0]
    first = value_change(cell, "1.200")
    answer = send(client, first).json()["results"][0]
    assert answer["status"] == "applied" and answer["outcome"] == "saved"
    assert answer["stored"] == {"display": "1.200", "comment": ""} and not answer["replayed"]
    second = value_change(cell, "1.250", base="1.200")
    audits = AuditEntry.objects.filter(action="reporting.values_save").count()
    for _ in range(3):  # the answer was lost on the way back: the browser sends it again
        answer = send(client, second).json()["results"][0]
    assert answer["status"] == "applied" and answer["outcome"] == "saved"
    assert answer["replayed"] and answer["stored"]["display"] == "1.250"
    assert stored(von, q3, cell) == "1250"
    history = DataValueChange.objects.filter(data_value__unit__code="00715")
    assert list(history.values_list("old_value", "new_value", "source")) == [
        ("1200", "1250", "offline")
    ]
    assert AuditEntry.objects.filter(action="reporting.values_save").count() == audits + 1
    assert QueuedChange.objects.filter(user=people.commune).count() == 2


def test_a_change_made_on_a_value_changed_meanwhile_is_refused_with_both_values(
    people, login, today, von, q3
):
    cell = cell_keys(von, indicator="VON_KH", DU_AN="DA1", LOAI_VON="DTPT")[0]
    services.datavalues_save(
        actor=people.commune, form=von, unit=unit_get(code="00715"), period=q3,
        inputs=[services.CellInput(cell, "500")], source="web",
    )  # fmt: skip
    client = login(people.commune)
    mine = value_change(cell, "700", base="")  # typed offline before the 500 arrived
    answer = send(client, mine).json()["results"][0]
    assert answer["status"] == "refused" and answer["reason"] == "conflict"
    assert answer["stored"] == {"display": "500", "comment": ""}
    assert "“500”" in answer["message"]
    assert stored(von, q3, cell) == "500"
    assert not QueuedChange.objects.exists()
    # The reporter keeps theirs: a new change, made on the value now stored.
    keep = value_change(cell, "700", base="500")
    assert send(client, keep).json()["results"][0]["outcome"] == "saved"
    assert stored(von, q3, cell) == "700"


def test_a_refused_change_keeps_its_key_free_so_it_can_be_fixed_and_sent_again(
    people, login, today, von, q3
):
    client = login(people.commune)
    cell = cell_keys(von, indicator="VON_KH", DU_AN="DA1", LOAI_VON="DTPT")[0]
    bad = value_change(cell, "mười")
    answer = send(client, bad).json()["results"][0]
    assert (answer["status"], answer["reason"]) == ("refused", "invalid")
    assert "không phải là số" in answer["message"]
    fixed = {**bad, "value": "10"}  # same key: it was never recorded
    assert send(client, fixed).json()["results"][0]["outcome"] == "saved"
    # The key is now taken: reusing it for something else is refused, not acknowledged.
    other = {**bad, "value": "11"}
    answer = send(client, other).json()["results"][0]
    assert (answer["status"], answer["reason"]) == ("refused", "reused")
    assert stored(von, q3, cell) == "10"


def test_submitting_offline_waits_for_its_values_and_happens_once(people, login, today, von, q3):
    client = login(people.commune)
    cell = cell_keys(von, indicator="VON_KH", DU_AN="DA1", LOAI_VON="DTPT")[0]
    value = value_change(cell, "100")
    submit = {"key": str(uuid.uuid4()), "kind": "submit", "requires": [value["key"]]}
    answer = send(client, submit).json()["results"][0]
    assert (answer["status"], answer["reason"]) == ("refused", "waiting")
    assert not Submission.objects.filter(unit__code="00715", status="submitted").exists()
    results = send(client, value, submit).json()["results"]
    assert [r["outcome"] for r in results] == ["saved", "submitted"]
    again = send(client, submit).json()["results"][0]
    assert again["replayed"] and again["outcome"] == "submitted"
    submission = Submission.objects.get(form_code="BM01-VON", unit__code="00715", period=q3)
    assert submission.status == SubmissionStatus.SUBMITTED
    assert list(submission.events.values_list("action", flat=True)) == ["submit"]
    assert (
        AuditEntry.objects.filter(action="reporting.submit", object_id=submission.pk).count() == 1
    )
    # A value still in the outbox after the submit is refused with its reason, not dropped.
    late = value_change(cell, "120", base="100")
    answer = send(client, late).json()["results"][0]
    assert (answer["status"], answer["reason"]) == ("refused", "submitted")
    assert stored(von, q3, cell) == "100"


def test_a_locked_period_refuses_queued_changes_with_its_reason(people, login, von, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: datetime.date(2027, 1, 20))
    client = login(people.commune)
    cell = cell_keys(von, indicator="VON_KH", DU_AN="DA1", LOAI_VON="DTPT")[0]
    answer = send(client, value_change(cell, "5")).json()["results"][0]
    assert (answer["status"], answer["reason"]) == ("refused", "closed")
    assert "khoá" in answer["message"]


def test_an_expired_session_or_another_commune_gets_no_result_and_nothing_is_written(
    people, login, client, today, von
):
    cell = cell_keys(von, indicator="VON_KH", DU_AN="DA1", LOAI_VON="DTPT")[0]
    assert send(client, value_change(cell, "5")).status_code == 403  # not signed in
    assert send(login(people.other_commune), value_change(cell, "5")).status_code == 404
    assert not DataValue.objects.filter(unit__code="00715").exists()


# --- PostgreSQL: two connections send the same key at the same moment ------------------------


def test_two_connections_sending_the_same_key_at_once_store_it_once(people, today, von):
    """The threads commit on connections of their own; the test's connection creates
    nothing they would wait for and cleans up what they committed afterwards (as
    test_bulk_import's concurrency test does)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: set DATABASE_URL to a PostgreSQL database")
    commune = people.commune
    commune.role_codes()
    cell = cell_keys(von, indicator="VON_KH", DU_AN="DA1", LOAI_VON="DTPT")[0]
    change = QueuedInput(key=uuid.uuid4(), kind="value", cell=cell, value="42")
    period_existed = Period.objects.filter(code="2026Q3", period_type__code="quy").exists()
    barrier = threading.Barrier(2)
    outcomes, errors = [], []

    def post():
        try:
            period = services.period_resolve(period_type=von.period_type, code="2026Q3")
            unit = unit_get(code="00715")
            barrier.wait(timeout=10)
            outcomes.append(
                queued_change_apply(
                    actor=commune, form=von, unit=unit, period=period, change=change
                )
            )
        except Exception as exc:  # reported in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    check = {}

    def count():
        try:
            check["values"] = DataValue.objects.filter(
                unit__code="00715", period__code="2026Q3"
            ).count()
            check["history"] = DataValueChange.objects.filter(
                data_value__unit__code="00715", data_value__period__code="2026Q3"
            ).count()
            check["keys"] = QueuedChange.objects.filter(key=change.key).count()
        finally:
            connections.close_all()

    def cleanup():
        try:
            QueuedChange.objects.filter(key=change.key).delete()
            rows = DataValue.objects.filter(unit__code="00715", period__code="2026Q3")
            DataValueChange.objects.filter(data_value__in=rows).delete()
            places = list(rows.values_list("unit_id", "period_id").distinct())
            rows.delete()
            rollups_refresh(
                unit_ids=[u for u, _p in places],
                period_ids=[p for _u, p in places],
                indicator_ids=None,
            )
            Submission.objects.filter(form_code="BM01-VON", unit__code="00715").delete()
            AuditEntry.objects.filter(action="reporting.values_save", actor=commune).delete()
            if not period_existed:
                Period.objects.filter(code="2026Q3", period_type__code="quy").delete()
        finally:
            connections.close_all()

    try:
        threads = [threading.Thread(target=post) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors, errors
        assert sorted(o.replayed for o in outcomes) == [False, True]
        assert {(o.status, o.outcome) for o in outcomes} == {("applied", "saved")}
        counter = threading.Thread(target=count)
        counter.start()
        counter.join()
        assert check == {"values": 1, "history": 0, "keys": 1}
    finally:
        cleaner = threading.Thread(target=cleanup)
        cleaner.start()
        cleaner.join()


def test_two_connections_sending_one_batch_in_opposite_orders_store_each_change_once(
    people, today, von
):
    """Two tabs send the same three changes at once, in opposite orders: each key is
    applied by one of them and answered as replayed to the other; no deadlock."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: set DATABASE_URL to a PostgreSQL database")
    commune = people.commune
    commune.role_codes()
    cells = cell_keys(von, indicator="VON_KH", DU_AN="DA1")[:3]
    batch = [
        QueuedInput(key=uuid.uuid4(), kind="value", cell=cell, value=str(40 + i))
        for i, cell in enumerate(cells)
    ]
    keys = [c.key for c in batch]
    period_existed = Period.objects.filter(code="2026Q3", period_type__code="quy").exists()
    barrier = threading.Barrier(2)
    outcomes, errors = [], []

    def post(changes):
        try:
            period = services.period_resolve(period_type=von.period_type, code="2026Q3")
            unit = unit_get(code="00715")
            barrier.wait(timeout=10)
            outcomes.extend(
                queued_changes_apply(
                    actor=commune, form=von, unit=unit, period=period, changes=changes
                )
            )
        except Exception as exc:  # reported in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    check = {}

    def count():
        try:
            rows = DataValue.objects.filter(unit__code="00715", period__code="2026Q3")
            check["values"] = sorted(rows.values_list("value", flat=True))
            check["history"] = DataValueChange.objects.filter(data_value__in=rows).count()
            check["keys"] = QueuedChange.objects.filter(key__in=keys).count()
        finally:
            connections.close_all()

    def cleanup():
        try:
            QueuedChange.objects.filter(key__in=keys).delete()
            rows = DataValue.objects.filter(unit__code="00715", period__code="2026Q3")
            DataValueChange.objects.filter(data_value__in=rows).delete()
            places = list(rows.values_list("unit_id", "period_id").distinct())
            rows.delete()
            rollups_refresh(
                unit_ids=[u for u, _p in places],
                period_ids=[p for _u, p in places],
                indicator_ids=None,
            )
            Submission.objects.filter(form_code="BM01-VON", unit__code="00715").delete()
            AuditEntry.objects.filter(action="reporting.values_save", actor=commune).delete()
            if not period_existed:
                Period.objects.filter(code="2026Q3", period_type__code="quy").delete()
        finally:
            connections.close_all()

    try:
        threads = [threading.Thread(target=post, args=(order,)) for order in (batch, batch[::-1])]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors, errors
        assert len(outcomes) == 6 and {o.status for o in outcomes} == {"applied"}
        for key in keys:
            assert sorted(o.replayed for o in outcomes if o.key == str(key)) == [False, True]
        counter = threading.Thread(target=count)
        counter.start()
        counter.join()
        assert check == {"values": ["40", "41", "42"], "history": 0, "keys": 3}
    finally:
        cleaner = threading.Thread(target=cleanup)
        cleaner.start()
        cleaner.join()


def test_a_second_offline_change_made_on_the_first_as_typed_is_not_a_conflict(
    people, login, today, von, q3
):
    client = login(people.commune)
    cell = cell_keys(von, indicator="VON_KH", DU_AN="DA1", LOAI_VON="DTPT")[0]
    first = value_change(cell, "1234,5")
    second = value_change(cell, "1300", base="1234,5")  # the page shows what was typed
    results = send(client, first, second).json()["results"]
    assert [r["outcome"] for r in results] == ["saved", "saved"]
    assert results[1]["stored"]["display"] == "1.300"


def test_the_service_worker_is_served_from_the_root_with_the_app_shell(client, db):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache"
    body = response.content.decode()
    shell = json.loads(body.split("self.SHELL=")[1].split(";self.VERSION")[0])
    assert any("js/outbox" in u for u in shell) and any("js/form-entry" in u for u in shell)
    assert any("manifest" in u for u in shell) and 'addEventListener("fetch"' in body


def test_the_entry_page_names_its_outbox_and_loads_the_offline_script(
    people, login, today, von, q3
):
    page = login(people.commune).get("/reporting/BM01-VON/2026Q3/00715/").content.decode()
    assert 'data-outbox="/api/v1/reports/BM01-VON/2026Q3/00715/outbox"' in page
    assert 'rel="manifest"' in page
    assert "js/outbox" in page


def test_a_submit_sent_as_the_browser_sends_it_without_a_cell_is_accepted(
    people, login, today, von, q3
):
    """The outbox sends every change with the same fields; a submit's cell is empty."""
    client = login(people.commune)
    submit = {"key": str(uuid.uuid4()), "kind": "submit", "cell": "", "base": "", "requires": []}
    answer = send(client, submit)
    assert answer.status_code == 200, answer.content
    assert answer.json()["results"][0]["outcome"] == "submitted"


# --- batches: the browser sends up to 100 changes a request -----------------------------------


def writes(queries) -> list[str]:
    return [
        q["sql"] for q in queries if q["sql"].lstrip().split()[0] in ("INSERT", "UPDATE", "DELETE")
    ]


def test_one_batch_applies_its_good_changes_in_order_and_refuses_the_others_one_by_one(
    people, login, today, von, q3
):
    a, c, e = cell_keys(von, indicator="VON_KH", DU_AN="DA1")[:3]
    services.datavalues_save(
        actor=people.commune, form=von, unit=unit_get(code="00715"), period=q3,
        inputs=[services.CellInput(c, "500")], source="web",
    )  # fmt: skip
    client = login(people.commune)
    first = value_change(a, "100")
    bad = value_change(e, "mười")
    late = value_change(c, "700", base="")  # typed before the 500 arrived
    on_first = value_change(a, "150", base="100")  # made offline on the first
    submit = {"key": str(uuid.uuid4()), "kind": "submit", "requires": [first["key"]]}
    after = value_change(e, "9")
    audits = AuditEntry.objects.filter(action="reporting.values_save").count()
    results = send(client, first, bad, late, on_first, submit, after).json()["results"]
    assert [(r["status"], r["outcome"] or r["reason"]) for r in results] == [
        ("applied", "saved"),
        ("refused", "invalid"),
        ("refused", "conflict"),
        ("applied", "saved"),
        ("applied", "submitted"),
        ("refused", "submitted"),
    ]
    assert [r["key"] for r in results] == [
        ch["key"] for ch in (first, bad, late, on_first, submit, after)
    ]
    # Each applied change says how it left the cell; the conflict carries the stored value.
    assert results[0]["stored"]["display"] == "100" and results[3]["stored"]["display"] == "150"
    assert results[2]["stored"] == {"display": "500", "comment": ""}
    assert (stored(von, q3, a), stored(von, q3, c), stored(von, q3, e)) == ("150", "500", None)
    history = DataValueChange.objects.filter(data_value__unit__code="00715", source="offline")
    assert list(history.values_list("old_value", "new_value")) == [("100", "150")]
    # The values before the submit were written once, audited once, before the submit.
    assert AuditEntry.objects.filter(action="reporting.values_save").count() == audits + 1
    submission = Submission.objects.get(form_code="BM01-VON", unit__code="00715", period=q3)
    assert submission.status == SubmissionStatus.SUBMITTED
    # Only the applied keys are recorded: each refusal can be dealt with and sent again.
    recorded = set(QueuedChange.objects.values_list("key", flat=True))
    assert {str(k) for k in recorded} == {first["key"], on_first["key"], submit["key"]}


def test_a_batch_sent_again_is_answered_from_the_records_and_writes_nothing(
    people, login, today, von, q3
):
    """The answer to a batch was lost: the browser sends it again, with the changes that
    were waiting behind it."""
    from django.db import connection as db_connection
    from django.test.utils import CaptureQueriesContext

    cells = cell_keys(von, indicator="VON_KH", DU_AN="DA1")[:4]
    client = login(people.commune)
    batch = [value_change(cell, str(10 + i)) for i, cell in enumerate(cells[:3])]
    first = send(client, *batch).json()["results"]
    assert [r["outcome"] for r in first] == ["saved"] * 3 and not any(r["replayed"] for r in first)
    keys = QueuedChange.objects.count()
    audits = AuditEntry.objects.count()
    with CaptureQueriesContext(db_connection) as queries:
        again = send(client, *batch).json()["results"]
    assert writes(queries.captured_queries) == []
    assert [r["replayed"] for r in again] == [True] * 3
    assert [(r["outcome"], r["stored"]) for r in again] == [
        (r["outcome"], r["stored"]) for r in first
    ]
    # The same batch followed by what waited behind it: the rest is applied, once.
    rest = value_change(cells[3], "99")
    answer = send(client, *batch, rest).json()["results"]
    assert [r["replayed"] for r in answer] == [True, True, True, False]
    assert answer[3]["outcome"] == "saved" and stored(von, q3, cells[3]) == "99"
    assert QueuedChange.objects.count() == keys + 1
    assert AuditEntry.objects.filter(action="reporting.values_save").count() == 2
    assert AuditEntry.objects.count() == audits + 1
    assert not DataValueChange.objects.filter(data_value__unit__code="00715").exists()


def test_a_batch_interrupted_in_the_middle_keeps_nothing_and_is_applied_once_when_sent_again(
    people, login, today, von, q3, monkeypatch
):
    """The server fails after the batch's values are written, before its submit (a stopped
    server, a database error): nothing of the batch stays, and the browser — which keeps
    every change until it has an answer — sends it again."""
    from dantoc.reporting.services import outbox

    cells = cell_keys(von, indicator="VON_KH", DU_AN="DA1")[:3]
    batch = [value_change(cell, str(20 + i)) for i, cell in enumerate(cells)]
    submit = {"key": str(uuid.uuid4()), "kind": "submit", "requires": [c["key"] for c in batch]}

    def stopped(**kwargs):
        raise ConnectionError("the server stopped in the middle of the batch")

    client = login(people.commune)
    client.raise_request_exception = False
    with monkeypatch.context() as patch:
        patch.setattr(outbox, "submission_submit", stopped)
        assert send(client, *batch, submit).status_code == 500
    assert not DataValue.objects.filter(unit__code="00715").exists()
    assert not QueuedChange.objects.exists()
    assert not AuditEntry.objects.filter(action="reporting.values_save").exists()
    results = send(client, *batch, submit).json()["results"]
    assert [(r["outcome"], r["replayed"]) for r in results] == [("saved", False)] * 3 + [
        ("submitted", False)
    ]
    assert [stored(von, q3, cell) for cell in cells] == ["20", "21", "22"]
    assert QueuedChange.objects.count() == 4
    assert AuditEntry.objects.filter(action="reporting.values_save").count() == 1
    assert AuditEntry.objects.filter(action="reporting.submit").count() == 1


def test_a_key_sent_twice_in_one_batch_is_applied_once(people, login, today, von, q3):
    cell = cell_keys(von, indicator="VON_KH", DU_AN="DA1")[0]
    client = login(people.commune)
    change = value_change(cell, "31")
    other = {**change, "value": "32"}  # the same key for something else
    results = send(client, change, change, other).json()["results"]
    assert [(r["status"], r["replayed"], r["reason"]) for r in results] == [
        ("applied", False, ""),
        ("applied", True, ""),
        ("refused", False, "reused"),
    ]
    assert stored(von, q3, cell) == "31" and QueuedChange.objects.count() == 1
