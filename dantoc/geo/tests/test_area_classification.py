import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from dantoc.audit.models import AuditEntry
from dantoc.geo.models import AreaClassification

pytestmark = pytest.mark.django_db

HEADER = "unit_code,unit_as_of,scheme,value,village_name,valid_from,valid_to,decision\n"


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "kv.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_import_attaches_regions_and_villages_to_the_units_of_the_day(tmp_path):
    # 00721 is Thị trấn Đồng Văn before the reform; classifications of 2021 name old communes.
    path = write(
        tmp_path,
        "00721,2025-06-30,region,III,,04/06/2021,30/06/2025,861/QĐ-TTg\n"
        "00721,2025-06-30,dbkk_village,DBKK,Thôn Sà Phìn A,2021-09-16,,612/QĐ-UBDT\n",
    )
    call_command("import_area_classification", str(path), stdout=io.StringIO())
    rows = AreaClassification.objects.filter(unit__code="00721", unit__valid_to__isnull=False)
    assert rows.count() == 2
    region = rows.get(scheme="region")
    assert region.value == "III" and region.valid_to.isoformat() == "2025-06-30"
    assert AuditEntry.objects.filter(action="reference.area_classifications_import").exists()


def test_importing_the_same_file_twice_adds_nothing(tmp_path):
    path = write(tmp_path, "00721,2025-06-30,region,III,,2021-06-04,,861/QĐ-TTg\n")
    call_command("import_area_classification", str(path), stdout=io.StringIO())
    call_command("import_area_classification", str(path), stdout=io.StringIO())
    assert AreaClassification.objects.count() == 1


def test_a_bad_row_is_named_and_nothing_is_imported(tmp_path):
    path = write(
        tmp_path,
        "00721,2025-06-30,region,III,,2021-06-04,,861/QĐ-TTg\n"
        "00721,2025-06-30,region,IV,,2021-06-04,,861/QĐ-TTg\n"
        "99999,2025-06-30,region,I,,2021-06-04,,861/QĐ-TTg\n"
        "00721,2025-06-30,dbkk_village,DBKK,,31/02/2021,,612/QĐ-UBDT\n",
    )
    with pytest.raises(CommandError) as exc:
        call_command("import_area_classification", str(path))
    message = str(exc.value)
    assert "dòng 3, cột value" in message
    assert "dòng 4, cột unit_code" in message
    assert "dòng 5, cột valid_from" in message
    assert "dòng 5, cột village_name" in message
    assert AreaClassification.objects.count() == 0


def test_unit_page_shows_its_classification(tmp_path, client):
    path = write(tmp_path, "00721,2025-06-30,region,III,,2021-06-04,2025-06-30,861/QĐ-TTg\n")
    call_command("import_area_classification", str(path), stdout=io.StringIO())
    html = client.get("/units/00721/", {"as_of": "2025-06-30"}).content.decode()
    assert "Khu vực (I/II/III)" in html and "861/QĐ-TTg" in html
