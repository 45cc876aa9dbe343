"""Content in an ethnic language is stored, selected and served with its script's font."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from dantoc.core.languages import TRANSLATION_CODES
from dantoc.portal.services import article_translation_save
from dantoc.portal.tests.factories import published_article

pytestmark = pytest.mark.django_db

TAI_VIET = "ꪼꪕ ꪒꪾ"  # Tai Viet letters (U+AA80–AADF)


def test_a_tai_dam_translation_is_stored_selected_and_served_with_its_font(client):
    article = published_article(title="Tin tiếng Thái")
    article_translation_save(
        actor=None, article=article, language="blt", title=f"Tin {TAI_VIET}", body="<p>ꪼꪕ</p>"
    )
    url = article.get_absolute_url()

    plain = client.get(url).content.decode()
    assert 'hreflang="blt"' in plain and TAI_VIET not in plain

    page = client.get(url + "?ban-dich=blt").content.decode()
    assert '<article class="article" lang="blt" dir="ltr">' in page
    assert TAI_VIET in page


def test_an_unregistered_language_code_is_refused():
    article = published_article(title="Tin")
    with pytest.raises(ValidationError):
        article_translation_save(actor=None, article=article, language="xyz", title="?")
    assert not article.translations.exists()
    assert "cjm" in TRANSLATION_CODES and "vi" not in TRANSLATION_CODES
