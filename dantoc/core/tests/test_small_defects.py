"""Small things officials noticed (issue 17, defect 8): the reporter's home offers its tasks as
links, read-only fields look read-only, English is "English" wherever it is chosen, and
``/favicon.ico`` exists."""

from __future__ import annotations

import re

import pytest
from django.conf import settings

from dantoc.core.languages import translation_choices
from dantoc.core.tests.test_messages import css_rules

pytestmark = pytest.mark.django_db


def test_the_reporters_home_links_to_entering_data_and_the_excel_template(people, login):
    html = login(people.commune).get("/").content.decode()
    assert '<a href="/reporting/">Nhập số liệu báo cáo của xã, nộp báo cáo đúng hạn</a>' in html
    assert '<a href="/reporting/">Tải biểu mẫu Excel, điền và tải lên lại</a>' in html


def test_read_only_fields_do_not_look_like_boxes_to_type_in():
    rules = css_rules()
    readonly = rules["input[readonly]"]
    assert readonly["background"] != "var(--bg)" and "dashed" in readonly["border-style"]
    assert rules["textarea[readonly]"] == readonly


def test_english_has_one_name_wherever_it_is_chosen():
    switch = dict(settings.LANGUAGES)
    assert dict(translation_choices())["en"] == str(switch["en"]) == "English"


def test_the_site_has_a_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
    page = client.get("/").content.decode()
    assert re.search(r'<link rel="icon" href="/static/favicon\.[0-9a-f]+\.svg"', page)
