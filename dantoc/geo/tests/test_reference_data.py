import datetime
import unicodedata
from pathlib import Path

import pytest

from dantoc.core.errors import ImportRejected
from dantoc.core.loading import DATA_DIR
from dantoc.geo.models import EthnicGroup, Unit, UnitSuccession
from dantoc.geo.selectors import ethnic_groups_search, unit_get, units_valid_on
from dantoc.geo.services import ethnic_groups_load, units_load
from dantoc.programmes.models import Programme

pytestmark = pytest.mark.django_db

AFTER = datetime.date(2025, 7, 1)
BEFORE = datetime.date(2025, 6, 30)


def counts(day, **filters):
    return units_valid_on(as_of=day).filter(**filters).count()


def test_after_the_reform_there_are_34_provinces_and_3321_communes_and_no_districts():
    assert counts(AFTER, level="province") == 34
    assert counts(AFTER, level="province", kind="thanh_pho_tw") == 6
    assert counts(AFTER, level="commune") == 3321
    assert counts(AFTER, level="commune", kind="xa") == 2621
    assert counts(AFTER, level="commune", kind="phuong") == 687
    assert counts(AFTER, level="commune", kind="dac_khu") == 13
    assert counts(AFTER, level="district") == 0


def test_before_the_reform_there_are_63_provinces_696_districts_and_10051_communes():
    assert counts(BEFORE, level="province") == 63
    assert counts(BEFORE, level="district") == 696
    assert counts(BEFORE, level="commune") == 10051


def test_known_units_have_their_official_codes_and_diacritics():
    hanoi = unit_get(code="01", as_of=AFTER)
    assert hanoi.name == "Thành phố Hà Nội"
    assert hanoi.kind == "thanh_pho_tw"
    ha_giang = unit_get(code="02", as_of=BEFORE)
    assert ha_giang.name == "Tỉnh Hà Giang"
    assert ha_giang.valid_to == BEFORE
    phu_quoc = unit_get(code="31078", as_of=AFTER)
    assert phu_quoc.name == "Đặc khu Phú Quốc"
    assert phu_quoc.parent.code == "91"
    dong_van = Unit.objects.get(code="026", level="district")
    assert dong_van.name == "Huyện Đồng Văn"
    assert dong_van.parent == ha_giang
    for unit in (hanoi, ha_giang, phu_quoc, dong_van):
        assert unicodedata.is_normalized("NFC", unit.name)


def test_new_tuyen_quang_is_made_of_old_ha_giang_and_old_tuyen_quang():
    new = unit_get(code="08", as_of=AFTER)
    predecessors = UnitSuccession.objects.filter(successor=new)
    assert sorted(s.predecessor.code for s in predecessors) == ["02", "08"]
    assert all(s.predecessor.valid_to == BEFORE for s in predecessors)
    assert not any(s.partial for s in predecessors)


def test_every_old_province_has_exactly_one_successor():
    old = units_valid_on(as_of=BEFORE).filter(level="province")
    mapped = UnitSuccession.objects.filter(predecessor__in=old)
    assert mapped.count() == 63
    assert mapped.values("predecessor").distinct().count() == 63


def test_materialised_paths_put_every_unit_under_its_parent():
    commune = unit_get(code="00715", as_of=AFTER)
    province = unit_get(code="08", as_of=AFTER)
    assert commune.path.startswith(province.path)
    assert commune.path == f"{province.path}{commune.pk}/"
    assert Unit.objects.filter(path="").count() == 0


def test_loading_the_reference_data_twice_changes_nothing():
    before = Unit.objects.count()
    result = units_load(
        units_csv=DATA_DIR / "units" / "units.csv",
        successions_csv=DATA_DIR / "units" / "unit_successions.csv",
    )
    assert result.created == 0 and result.updated == 0
    assert result.unchanged == before - 1  # all but the country row
    assert Unit.objects.count() == before


def test_a_units_file_with_errors_names_row_and_column_and_changes_nothing(tmp_path: Path):
    original = (DATA_DIR / "units" / "units.csv").read_text(encoding="utf-8").splitlines()
    header, first = original[0], original[1]
    renamed = first.replace("Tỉnh", "Tỉnh Đổi Tên", 1)
    bad = [header, renamed, "new,commune,99999,Xã Ma,Ma,xa,77", "new,province,AB,Tỉnh X,X,tinh,"]
    path = tmp_path / "units.csv"
    path.write_text("\n".join(bad) + "\n", encoding="utf-8")
    name_before = Unit.objects.get(code=first.split(",")[2], level="province", valid_to=BEFORE).name
    with pytest.raises(ImportRejected) as exc:
        units_load(units_csv=path, successions_csv=DATA_DIR / "units" / "unit_successions.csv")
    messages = [str(e) for e in exc.value.errors]
    assert any("dòng 4, cột code" in m for m in messages)
    unchanged = Unit.objects.get(code=first.split(",")[2], level="province", valid_to=BEFORE)
    assert unchanged.name == name_before


def test_unknown_parent_code_is_reported_with_its_row(tmp_path: Path):
    path = tmp_path / "units.csv"
    path.write_text(
        "era,level,code,name,short_name,kind,parent_code\nnew,commune,99999,Xã Ma,Ma,xa,77\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRejected) as exc:
        units_load(units_csv=path, successions_csv=DATA_DIR / "units" / "unit_successions.csv")
    assert str(exc.value.errors[0]) == "dòng 2, cột parent_code: không tìm thấy đơn vị cha '77'"
    assert not Unit.objects.filter(code="99999").exists()


def test_54_ethnic_groups_with_both_official_code_lists():
    assert EthnicGroup.objects.count() == 54
    khmer = EthnicGroup.objects.get(name="Khơ-me")
    assert (khmer.code, khmer.code_1979) == ("05", "05")
    muong = EthnicGroup.objects.get(name="Mường")
    assert (muong.code, muong.code_1979) == ("04", "06")
    assert EthnicGroup.objects.get(code="01").name == "Kinh"


@pytest.mark.parametrize("typed", ["hmong", "Mông", "mong", "H'Mông", "Hmông", "meo"])
def test_ethnic_groups_are_found_by_any_spelling(typed):
    assert "Mông" in [g.name for g in ethnic_groups_search(q=typed)]


def test_ethnic_group_loader_rejects_bad_codes_without_writing(tmp_path: Path):
    path = tmp_path / "eg.csv"
    path.write_text(
        "code_qd1019_2008,code_qd121_1979,name,other_names\n01,01,Kinh Mới,\n7,xx,Ai,\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRejected) as exc:
        ethnic_groups_load(path=path)
    assert {(e.row, e.column) for e in exc.value.errors} == {
        (3, "code_qd1019_2008"),
        (3, "code_qd121_1979"),
    }
    assert EthnicGroup.objects.get(code="01").name == "Kinh"


def test_programme_catalogue_has_ntp_1719_with_10_projects_and_the_2026_2035_programme():
    ntp = Programme.objects.get(code="CTMTQG-1719")
    assert (ntp.start_year, ntp.end_year, ntp.phase_start_year, ntp.phase_end_year) == (
        2021,
        2030,
        2021,
        2025,
    )
    projects = ntp.components.filter(level="project")
    assert projects.count() == 10
    assert ntp.components.get(code="DA1").name.startswith("Giải quyết tình trạng thiếu đất ở")
    assert ntp.components.get(code="DA5").children.count() == 4
    successor = Programme.objects.get(code="CTMTQG-2026-2035")
    assert (successor.start_year, successor.end_year) == (2026, 2035)


def test_island_special_zones_succeed_the_island_districts_they_replace():
    con_dao = unit_get(code="26732", as_of=AFTER)
    assert con_dao.name == "Đặc khu Côn Đảo" and con_dao.parent.code == "79"
    predecessors = [s.predecessor for s in UnitSuccession.objects.filter(successor=con_dao)]
    assert [(u.code, u.name, u.level) for u in predecessors] == [
        ("755", "Huyện Côn Đảo", "district")
    ]
