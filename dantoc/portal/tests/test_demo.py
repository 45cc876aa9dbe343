"""The demo content loads through the services and only once."""

import pytest

from dantoc.audit.models import AuditEntry
from dantoc.portal.demo import demo_content_load
from dantoc.portal.models import Agency, Article, LegalDocument, LegalStatus

pytestmark = pytest.mark.django_db


def test_the_demo_content_loads_once_and_is_public():
    added = demo_content_load()
    assert added["documents"] == 5 and added["agencies"] == 3 and added["articles"] >= 4
    assert added["classifications"] > 0
    audit_rows = AuditEntry.objects.count()
    again = demo_content_load()
    assert again == {"documents": 0, "articles": 0, "agencies": 0, "classifications": 0}
    assert AuditEntry.objects.count() == audit_rows
    assert all(d.is_public for d in LegalDocument.objects.all())
    assert all(a.is_public for a in Article.objects.all())
    decree = LegalDocument.objects.get(number_symbol="27/2022/NĐ-CP")
    assert decree.legal_status == LegalStatus.AMENDED
    assert Agency.objects.filter(name_en="Ministry of Ethnic and Religious Affairs").exists()
