"""Reach of citizen information on the programme dashboard (/analytics/): views, listens and
shares per province and language, shown as a proxy, from the counts alone."""

from __future__ import annotations

import pytest
from django.utils import timezone

from dantoc.citizens import services

pytestmark = pytest.mark.django_db


def test_the_dashboard_shows_reach_as_a_proxy_per_province_and_language(login, people, make_item):
    item = make_item(title="Tiêm chủng")
    for counter, n in (("views", 3), ("listens", 2), ("shares", 1)):
        for _ in range(n):
            services.reach_count(item=item, province_code="08", language="hmn", counter=counter)
    services.reach_count(item=item, province_code="15", language="vi")
    year = timezone.localdate().year
    ministry = login(people.ministry)
    page = ministry.get("/analytics/", {"unit": "VN", "year": year}).content.decode()
    panel = page[page.index('id="h-reach"') :]
    assert "con số gần đúng" in panel and "không phải số người" in panel
    assert f"Năm {year}: 4 lượt xem, 2 lượt nghe, 1 lượt chia sẻ." in panel
    assert "Tuyên Quang" in panel and "Lào Cai" in panel and "Tiếng Mông" in panel, panel[:3000]
    province = login(people.province)
    page = province.get("/analytics/", {"unit": "08", "year": year}).content.decode()
    panel = page[page.index('id="h-reach"') :]
    assert f"Năm {year}: 3 lượt xem, 2 lượt nghe, 1 lượt chia sẻ." in panel


def test_readings_are_added_up_in_the_process_and_written_together(make_item, settings):
    """On a busy server a reading costs no write: counts wait in the process, then one
    write per item, place, language and counter; nothing is lost at the flush."""
    from dantoc.citizens.models import ItemReach

    settings.CITIZEN_REACH_BUFFER_SECONDS = 3600
    item = make_item(title="Rửa tay")
    for _ in range(3):
        services.reach_count(item=item, province_code="08", language="vi")
    services.reach_count(item=item, province_code="08", language="hmn", counter="listens")
    assert not ItemReach.objects.filter(item=item).exists()
    services.reach_flush()
    rows = {(r.language, r.views, r.listens) for r in ItemReach.objects.filter(item=item)}
    assert rows == {("vi", 3, 0), ("hmn", 0, 1)}
    services.reach_flush()  # nothing counted twice
    assert sum(ItemReach.objects.filter(item=item).values_list("views", flat=True)) == 3
