"""Search that understands Vietnamese words: diacritics optional, whole syllables only, ranked;
ethnic group names under their common spellings (the shared pieces: core.text.words_q,
geo.selectors.ethnic_spellings, used by the portal, the ethnic groups and these pages)."""

from __future__ import annotations

import pytest

from dantoc.citizens.selectors import items_search
from dantoc.geo.selectors import ethnic_groups_search

pytestmark = pytest.mark.django_db


def _titles(q):
    return [i.title for i in items_search(q=q)]


@pytest.mark.parametrize("typed", ["y te", "Y tế", "y tế", "Y TE"])
def test_y_te_finds_health_not_kinh_te(make_item, typed):
    make_item(title="Trạm y tế xã khám miễn phí", summary="Khám bệnh ở trạm y tế.")
    make_item(
        topic="nong-nghiep",
        title="Phát triển kinh tế hộ gia đình",
        summary="Vay vốn làm kinh tế, theo ý kiến của thôn; quy định mới.",
    )
    assert _titles(typed) == ["Trạm y tế xã khám miễn phí"]


def test_kinh_te_finds_the_economic_item(make_item):
    make_item(title="Trạm y tế xã", summary="Khám bệnh.")
    make_item(topic="nong-nghiep", title="Phát triển kinh tế hộ gia đình", summary="Vay vốn.")
    assert _titles("kinh te") == ["Phát triển kinh tế hộ gia đình"]


def test_results_in_the_title_come_before_results_in_the_text(make_item):
    make_item(title="Nước sạch cho thôn", summary="Giữ vệ sinh", body="Hỏi trạm y tế xã.")
    make_item(title="Bảo hiểm y tế cho trẻ em", summary="Thẻ miễn phí")
    assert _titles("y te") == ["Bảo hiểm y tế cho trẻ em", "Nước sạch cho thôn"]


def test_drafts_are_not_found(make_item):
    make_item(title="Y tế chưa đăng", publish=False)
    assert _titles("y te") == []


@pytest.mark.parametrize(
    "typed, title",
    [
        ("Ede", "Lớp học chữ Ê Đê"),
        ("Rade", "Lớp học chữ Ê Đê"),
        ("ê-đê", "Lớp học chữ Ê Đê"),
        ("Jrai", "Lễ hội của người Gia Rai"),
        ("Gia-rai", "Lễ hội của người Gia Rai"),
        ("Bahnar", "Nhà rông Ba Na"),
        ("Hmong", "Thêu vải của người H'Mông"),
        ("Mông", "Thêu vải của người H'Mông"),
        ("Katu", "Dệt thổ cẩm Cơ Tu"),
    ],
)
def test_ethnic_group_names_are_found_under_their_common_spellings(make_item, typed, title):
    for t in (
        "Lớp học chữ Ê Đê",
        "Lễ hội của người Gia Rai",
        "Nhà rông Ba Na",
        "Thêu vải của người H'Mông",
        "Dệt thổ cẩm Cơ Tu",
    ):
        make_item(topic="giao-duc", title=t, summary="Tin thử nghiệm.")
    assert _titles(typed) == [title]


@pytest.mark.parametrize(
    "typed, name",
    [
        ("Ede", "Ê-đê"),
        ("Rade", "Ê-đê"),
        ("Ê Đê", "Ê-đê"),
        ("Jrai", "Gia-rai"),
        ("Gia Rai", "Gia-rai"),
        ("Bahnar", "Ba-na"),
        ("Ba Na", "Ba-na"),
        ("Xơ Đăng", "Xơ-đăng"),
        ("Sedang", "Xơ-đăng"),
        ("Cơ Tu", "Cơ-tu"),
        ("Khơ Mú", "Khơ-mú"),
        ("Khmu", "Khơ-mú"),
        ("Hmong", "Mông"),
    ],
)
def test_the_ethnic_groups_search_knows_the_common_spellings(typed, name):
    assert name in [g.name for g in ethnic_groups_search(q=typed)]


def test_the_ethnic_groups_search_matches_whole_words():
    # "ed" and "rad" sit inside "ede" and "rade" but are no name of any group.
    assert ethnic_groups_search(q="ed").count() == 0
    assert ethnic_groups_search(q="rad").count() == 0


def test_the_portal_search_no_longer_matches_inside_words():
    from dantoc.portal.selectors import portal_search
    from dantoc.portal.tests.factories import published_article

    published_article(kind="policy", title="Trạm y tế thôn bản")
    published_article(kind="policy", title="Chính sách quy hoạch kinh tế")
    titles = [a.title for a in portal_search(q="y te").articles]
    assert titles == ["Trạm y tế thôn bản"]
