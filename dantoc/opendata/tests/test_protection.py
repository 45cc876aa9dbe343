"""The cell key method that protects counts by ethnic group (``dantoc.opendata.protection``):
the same contributing records give the same published value wherever the cell is shown."""

from __future__ import annotations

import pytest

from dantoc.opendata import protection, services
from dantoc.opendata.models import Release
from dantoc.opendata.tests.conftest import S1_DAY
from dantoc.opendata.tests.test_releases import read_csv

pytestmark = pytest.mark.django_db

HOUSEHOLDS = {
    "indicators": ["DA1_HO_NHA_O"],
    "periods": ["2026S1"],
    "units": ["08", "00715", "00700"],
    "categories": ["DAN_TOC"],
}


@pytest.fixture(autouse=True)
def _secret(settings):
    # A fixed secret: the published noise is then the same on every machine.
    settings.OPENDATA_KEY_SECRET = "test-record-keys"


def by_cell(release) -> dict[tuple, dict]:
    return {(r["unit_code"], r.get("DAN_TOC", "")): r for r in read_csv(release)}


def enter_households(people, user, figures: dict[str, str]):
    """``{"08": "40", …}``: ethnic group → households, entered and approved for S1 2026."""
    from dantoc.opendata.tests.conftest import approve
    from dantoc.reporting import selectors
    from dantoc.reporting import services as reporting
    from dantoc.reporting.tests.conftest import cell_keys

    form = selectors.form_get(code="BM02-DA1")
    period = reporting.period_resolve(period_type=form.period_type, code="2026S1")
    cells = []
    for group, value in figures.items():
        [key] = cell_keys(form, indicator="DA1_HO_NHA_O", DAN_TOC=group)
        cells.append(reporting.CellInput(key, value))
    reporting.datavalues_save(
        actor=user, form=form, unit=user.unit, period=period, inputs=cells, source="web"
    )
    approve(people, user, form, period)


@pytest.fixture
def s1_day(monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: S1_DAY)


def test_noise_never_exceeds_the_maximum_nor_makes_a_count_zero_or_negative():
    table = protection.table_build(max_noise=4, variance=2, threshold=5)
    for value in range(1, 30):
        law = table.distribution(value)
        assert abs(sum(law.values()) - 1) < 1e-9
        assert min(law) >= max(-4, 1 - value) and max(law) <= 4
    # Above the maximum the law is symmetric (unbiased) and has about the variance asked.
    law = table.distribution(50)
    assert abs(sum(n * p for n, p in law.items())) < 1e-9
    assert 1.5 < sum(n * n * p for n, p in law.items()) < 2.0
    for key in range(0, protection.KEY_SPACE, protection.KEY_SPACE // 997):
        for value in (1, 2, 3, 7, 120):
            shown = protection.protect(value, key, table)
            assert shown.flag == "suppressed" or int(shown.text) >= 5
            assert shown.text == "" or abs(int(shown.text) - value) <= 4


def test_a_zero_is_published_as_zero_and_small_perturbed_counts_stay_suppressed():
    table = protection.table_build(max_noise=4, variance=2, threshold=5)
    assert protection.protect(0, 12345, table) == protection.Published("0", "")
    shown = {protection.protect(3, key, table) for key in range(0, 2**64, 2**58)}
    assert protection.Published("3", "") not in shown
    assert protection.Published("", "suppressed") in shown


def test_record_keys_depend_on_the_secret(settings):
    first = protection.record_key("DA1_HO_NHA_O", "2026S1", "00715", "DAN_TOC=09")
    settings.OPENDATA_KEY_SECRET = "another secret"
    assert protection.record_key("DA1_HO_NHA_O", "2026S1", "00715", "DAN_TOC=09") != first


def test_a_cell_made_of_the_same_records_shows_the_same_value_in_every_release_and_level(
    people, define, s1_day
):
    enter_households(people, people.commune, {"08": "40", "09": "3", "02": "12"})
    dataset = define(name="ho-nha-o", **HOUSEHOLDS)
    first = by_cell(services.dataset_publish(actor=people.province, dataset=dataset))
    # Only Lũng Cú has reported: the province's cells are made of its records alone, so they
    # show what the commune's show (otherwise two noises on one count narrow it down).
    for group in ("08", "09", "02"):
        assert first[("08", group)]["value"] == first[("00715", group)]["value"]
        assert first[("08", group)]["flag"] == first[("00715", group)]["flag"]
    assert first[("00715", "09")]["flag"] == "suppressed"
    # Ngọc Đường's report comes in: a new release. Lũng Cú's cells keep their values; the
    # province's change by a noise of their own, not by Ngọc Đường's exact counts.
    enter_households(people, people.other_commune, {"08": "25", "09": "8", "02": "20"})
    services.dataset_refresh(dataset=dataset, reason="test")
    second = by_cell(Release.objects.get(dataset=dataset, version=2))
    for group in ("08", "09", "02"):
        assert second[("00715", group)] == first[("00715", group)]


def test_another_data_set_showing_the_same_cell_publishes_the_same_value(people, define, s1_day):
    enter_households(people, people.commune, {"08": "40", "09": "3", "02": "12"})
    enter_households(people, people.other_commune, {"08": "25", "09": "8", "02": "20"})
    wide = define(name="ho-nha-o-tinh", **HOUSEHOLDS)
    narrow = define(name="ho-nha-o-ngoc-duong", **{**HOUSEHOLDS, "units": ["00700"]})
    a = by_cell(services.dataset_publish(actor=people.province, dataset=wide))
    b = by_cell(services.dataset_publish(actor=people.province, dataset=narrow))
    for group in ("08", "09", "02"):
        assert a[("00700", group)]["value"] == b[("00700", group)]["value"]


def test_totals_of_a_protected_count_are_perturbed_within_the_maximum_too(
    people, define, s1_day, settings
):
    enter_households(people, people.commune, {"08": "40", "09": "3", "02": "12"})
    enter_households(people, people.other_commune, {"08": "25", "09": "8", "02": "20"})
    totals = define(name="ho-nha-o-tong", **{**HOUSEHOLDS, "categories": []})
    release = services.dataset_publish(actor=people.province, dataset=totals)
    rows = by_cell(release)
    truth = {"00715": 55, "00700": 53, "08": 108}
    seen = {unit: int(rows[(unit, "")]["value"]) for unit in truth}
    assert all(abs(seen[u] - truth[u]) <= settings.OPENDATA_PERTURBATION_MAX for u in truth)
    # A perturbed total is not the sum of its communes' perturbed totals and need not be the
    # truth: with this secret at least one of the three differs from its true count.
    assert seen != truth
    assert release.protection == "cell-key-1"


def test_releases_made_before_protection_are_withdrawn_and_republished_with_a_note(
    people, define, s1_day, client
):
    from django.core.management import call_command

    enter_households(people, people.commune, {"08": "40", "09": "3", "02": "12"})
    dataset = define(name="ho-nha-o", **HOUSEHOLDS)
    old = services.dataset_publish(actor=people.province, dataset=dataset)
    Release.objects.filter(pk=old.pk).update(protection="")  # as made before the change
    url = old.files.get(format="csv").get_absolute_url()
    assert client.get(url).status_code == 200

    call_command("opendata_republish", stdout=__import__("io").StringIO())

    old.refresh_from_db()
    assert old.withdrawn_at is not None
    answer = client.get(url)
    assert answer.status_code == 410
    assert "Thu hồi" in answer.content.decode()
    new = Release.objects.get(dataset=dataset, version=2)
    assert new.protection == "cell-key-1" and new.withdrawn_at is None
    page = client.get(f"/du-lieu-mo/{dataset.name}/").content.decode()
    assert services.WITHDRAWN_NOTE in page
    # Run again: nothing left to withdraw, no new release.
    call_command("opendata_republish", stdout=__import__("io").StringIO())
    assert Release.objects.filter(dataset=dataset).count() == 2
