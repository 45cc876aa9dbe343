"""Experts in and out: schema.org ``Person`` JSON-LD for public profiles, CSV/XLSX export for
officials, the expert's own data download (JSON), and the import of an expert list from XLSX
(all-or-nothing, errors by row and column, as reporting's XLSX import reports them)."""

from __future__ import annotations

import datetime
import io
import zipfile
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from dantoc.core.csvfiles import csv_writer, xlsx_row
from dantoc.core.errors import ImportRejected, RowError
from dantoc.core.languages import BY_CODE
from dantoc.experts.models import Availability, Expert, ExpertiseField, LanguageLevel
from dantoc.experts.services import Activity, LanguageSkill, ProfileData, profile_errors
from dantoc.geo.models import EthnicGroup, Unit
from dantoc.geo.selectors import units_valid_on

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 2000


# --- JSON-LD ----------------------------------------------------------------------------------


def person_jsonld(expert: Expert, parts: dict, *, url: str, image_url: str = "") -> dict:
    """schema.org Person for a public profile: only the public summary, never contact,
    documents or evaluations (those are restricted)."""
    data: dict = {
        "@context": "https://schema.org",
        "@type": "Person",
        "@id": url,
        "url": url,
        "name": expert.full_name,
    }
    if expert.position:
        data["jobTitle"] = expert.position
    if expert.organisation:
        data["worksFor"] = {"@type": "Organization", "name": expert.organisation}
    if expert.summary:
        data["description"] = expert.summary
    if image_url:
        data["image"] = image_url
    if expert.orcid:
        data["identifier"] = {
            "@type": "PropertyValue",
            "propertyID": "ORCID",
            "value": expert.orcid,
        }
        data["sameAs"] = [expert.orcid_url]
    if parts["fields"]:
        data["knowsAbout"] = [f.name for f in parts["fields"]]
    if parts["languages"]:
        data["knowsLanguage"] = [
            {"@type": "Language", "name": lang.name_en, "alternateName": lang.code}
            for lang, _label, _level in parts["languages"]
        ]
    if parts["provinces"]:
        data["workLocation"] = [
            {"@type": "AdministrativeArea", "name": u.name} for u in parts["provinces"]
        ]
    credentials = [a for a in parts["activities"] if a.kind == "qualifications"]
    if credentials:
        data["hasCredential"] = [
            {"@type": "EducationalOccupationalCredential", "name": a.title} for a in credentials
        ]
    return data


# --- export -----------------------------------------------------------------------------------

PUBLIC_COLUMNS = [
    ("uuid", "Mã"),
    ("full_name", "Họ và tên"),
    ("organisation", "Cơ quan, tổ chức"),
    ("position", "Chức danh"),
    ("fields", "Lĩnh vực"),
    ("provinces", "Tỉnh đã làm việc"),
    ("languages", "Ngôn ngữ"),
    ("availability", "Khả năng nhận việc"),
    ("verified", "Đã xác minh"),
    ("orcid", "ORCID iD"),
]
RESTRICTED_COLUMNS = [("email", "Thư điện tử"), ("phone", "Điện thoại"), ("address", "Địa chỉ")]


def export_rows(experts, *, restricted: bool) -> tuple[list[str], list[list]]:
    """Header and rows. ``restricted`` adds contact only for experts who allowed officials to
    see it (the others' cells stay empty)."""
    columns = PUBLIC_COLUMNS + (RESTRICTED_COLUMNS if restricted else [])
    rows = []
    experts = experts.prefetch_related("fields", "provinces", "languages")
    for e in experts:
        row = [
            str(e.uuid),
            e.full_name,
            e.organisation,
            e.position,
            "; ".join(f.code for f in e.fields.all()),
            "; ".join(u.name for u in e.provinces.all()),
            "; ".join(f"{x.code}:{x.level}" for x in e.languages.all()),
            e.get_availability_display(),
            e.verified_at.date().isoformat() if e.verified_at else "",
            e.orcid,
        ]
        if restricted:
            shared = e.consent_officials
            row += [
                e.email if shared else "",
                e.phone if shared else "",
                e.address if shared else "",
            ]
        rows.append(row)
    return [label for _key, label in columns], rows


def export_csv(header: list[str], rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def export_xlsx(header: list[str], rows: list[list]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Chuyên gia")
    sheet.append(xlsx_row(sheet, header))
    for row in rows:
        sheet.append(xlsx_row(sheet, row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- the expert's own data ----------------------------------------------------------------------


def expert_data_download(expert: Expert) -> dict:
    """Everything the platform keeps about the expert (right of access, Law 91/2025 and
    Decree 13/2023 Art. 14), as JSON."""

    def when(value):
        return value.isoformat() if value else None

    return {
        "format": "dantoc-expert-data/1",
        "generated_at": timezone.now().isoformat(),
        "profile": {
            "uuid": str(expert.uuid),
            "full_name": expert.full_name,
            "organisation": expert.organisation,
            "position": expert.position,
            "summary": expert.summary,
            "orcid": expert.orcid,
            "availability": expert.availability,
            "email": expert.email,
            "phone": expert.phone,
            "address": expert.address,
            "photo": str(expert.photo.uuid) if expert.photo_id else None,
            "created_at": when(expert.created_at),
            "updated_at": when(expert.updated_at),
        },
        "fields": [f.code for f in expert.fields.all()],
        "provinces": [u.code for u in expert.provinces.all()],
        "communes": [u.code for u in expert.communes.all()],
        "ethnic_groups": [g.code for g in expert.ethnic_groups.all()],
        "languages": [{"code": x.code, "level": x.level} for x in expert.languages.all()],
        "activities": [
            {
                "kind": a.kind,
                "title": a.title,
                "organisation": a.organisation,
                "year": a.year,
                "url": a.url,
            }
            for a in expert.activities.all()
        ],
        "documents": [
            {"title": d.title, "asset": str(d.asset.uuid), "uploaded_at": when(d.uploaded_at)}
            for d in expert.documents.select_related("asset")
        ],
        "consent": {
            "public": expert.consent_public,
            "officials": expert.consent_officials,
            "purpose": expert.consent_purpose,
            "given_at": when(expert.consent_at),
            "withdrawn_at": when(expert.consent_withdrawn_at),
            "deletion_requested_at": when(expert.deletion_requested_at),
            "history": [
                {
                    "action": c.action,
                    "public": c.public,
                    "officials": c.officials,
                    "purpose": c.purpose,
                    "at": when(c.at),
                }
                for c in expert.consents.all()
            ],
        },
        "verification": {
            "verified_at": when(expert.verified_at),
            "verified_by": str(expert.verified_by) if expert.verified_by_id else None,
            "note": expert.verification_note,
        },
        "engagements": [
            {
                "kind": g.kind,
                "component": g.component.code if g.component_id else None,
                "unit": g.unit.code,
                "title": g.title,
                "started_on": when(g.started_on),
                "ended_on": when(g.ended_on),
                "rating": g.rating,
                "evaluation": g.evaluation,
            }
            for g in expert.engagements.select_related("component", "unit")
        ],
    }


# --- import -----------------------------------------------------------------------------------

# Columns of the import template, in order: (key, header).
IMPORT_COLUMNS = [
    ("full_name", "Họ và tên"),
    ("organisation", "Cơ quan, tổ chức"),
    ("position", "Chức danh"),
    ("fields", "Lĩnh vực (mã, cách nhau bởi ;)"),
    ("provinces", "Tỉnh (mã, cách nhau bởi ;)"),
    ("ethnic_groups", "Dân tộc (mã, cách nhau bởi ;)"),
    ("languages", "Ngôn ngữ (mã:mức, cách nhau bởi ;)"),
    ("orcid", "ORCID iD"),
    ("email", "Thư điện tử"),
    ("phone", "Điện thoại"),
    ("qualifications", "Bằng cấp (cách nhau bởi ;)"),
    ("consent", "Đã đồng ý công khai (có/không)"),
    ("consent_date", "Ngày đồng ý (dd/mm/yyyy)"),
]


def import_template_xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Chuyên gia"
    sheet.append([header for _key, header in IMPORT_COLUMNS])
    sheet.append(
        [
            "Y Khoa Niê",
            "Trường Đại học Tây Nguyên",
            "Giảng viên",
            "DA1; DA5.1",
            "66",
            "11",
            "rad:native; vi:fluent",
            "0000-0002-1825-0097",
            "ykhoa@example.vn",
            "0912345678",
            "Thạc sĩ Quản lý đất đai",
            "có",
            "01/03/2026",
        ]
    )
    info = book.create_sheet("Hướng dẫn")
    info.append([_("Mã lĩnh vực")])
    for f in ExpertiseField.objects.order_by("order", "code"):
        info.append([f.code, f.name])
    info.append([])
    info.append([_("Mã ngôn ngữ")])
    for lang in BY_CODE.values():
        info.append([lang.code, lang.name])
    info.append([_("Mức"), ", ".join(LanguageLevel.values)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


@dataclass
class _Lookups:
    fields: dict
    provinces: dict
    groups: dict


def experts_xlsx_read(data: bytes) -> list[tuple[ProfileData, dict]]:
    """Parse and check a whole list; raise ImportRejected with every problem (row, column)
    or return the rows for ``services.experts_import``. Nothing is written here."""
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportRejected(
            [RowError(0, "", _("Tệp lớn hơn %(mb)s MB.") % {"mb": MAX_IMPORT_BYTES // 2**20})]
        )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ImportRejected([RowError(0, "", _("Tệp tải lên không phải là tệp Excel .xlsx."))])
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ImportRejected(
            [RowError(0, "", _("Không đọc được tệp Excel: %(reason)s") % {"reason": exc})]
        ) from exc
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True, max_row=MAX_IMPORT_ROWS + 2))
    if not rows:
        raise ImportRejected([RowError(1, "", _("Trang tính trống."))])
    header = [str(c or "").strip() for c in rows[0]]
    expected = [h for _k, h in IMPORT_COLUMNS]
    errors: list[RowError] = []
    for i, name in enumerate(expected):
        if i >= len(header) or header[i] != name:
            errors.append(
                RowError(1, _column_letter(i), _("Cần tiêu đề cột “%(name)s”.") % {"name": name})
            )
    if errors:
        raise ImportRejected(errors)
    if len(rows) > MAX_IMPORT_ROWS + 1:
        raise ImportRejected(
            [RowError(0, "", _("Tối đa %(n)d dòng mỗi lần nhập.") % {"n": MAX_IMPORT_ROWS})]
        )
    look = _Lookups(
        fields={f.code: f for f in ExpertiseField.objects.all()},
        provinces={u.code: u for u in units_valid_on().filter(level="province")},
        groups={g.code: g for g in EthnicGroup.objects.all()},
    )
    col = {key: i for i, (key, _h) in enumerate(IMPORT_COLUMNS)}
    result = []
    for number, raw in enumerate(rows[1:], start=2):
        cells = [("" if c is None else c) for c in raw] + [""] * len(IMPORT_COLUMNS)
        if not any(str(c).strip() for c in cells[: len(IMPORT_COLUMNS)]):
            continue

        def text(key, cells=cells):
            value = cells[col[key]]
            return str(value).strip() if not isinstance(value, datetime.datetime) else value

        def bad(key, message, number=number):
            errors.append(RowError(number, _column_letter(col[key]), message))

        def codes(key, table, what, text=text, bad=bad):
            found = []
            for code in [c.strip() for c in str(text(key)).split(";") if c.strip()]:
                code = code.zfill(2) if key in ("provinces", "ethnic_groups") else code
                if code in table:
                    found.append(table[code])
                else:
                    bad(key, _("Không có %(what)s mã “%(code)s”.") % {"what": what, "code": code})
            return found

        languages = []
        for item in [c.strip() for c in str(text("languages")).split(";") if c.strip()]:
            code, _sep, level = item.partition(":")
            languages.append(LanguageSkill(code.strip(), (level or "working").strip()))
        consent_word = str(text("consent")).lower()
        consent: dict = {}
        if consent_word in ("có", "co", "x", "yes", "1"):
            raw_date = text("consent_date")
            at = None
            if isinstance(raw_date, datetime.datetime):
                at = raw_date
            elif raw_date:
                try:
                    at = datetime.datetime.strptime(str(raw_date), "%d/%m/%Y")
                except ValueError:
                    bad(
                        "consent_date",
                        _("Ngày “%(v)s” không đúng dạng dd/mm/yyyy.") % {"v": raw_date},
                    )
            else:
                bad("consent_date", _("Có đồng ý thì phải ghi ngày đồng ý."))
            if at is not None:
                consent = {
                    "public": True,
                    "officials": True,
                    "purpose": "",
                    "at": timezone.make_aware(at) if timezone.is_naive(at) else at,
                }
        elif consent_word not in ("", "không", "khong", "no", "0"):
            bad("consent", _("Ghi “có” hoặc “không”."))
        data = ProfileData(
            full_name=str(text("full_name")),
            organisation=str(text("organisation")),
            position=str(text("position")),
            orcid=str(text("orcid")),
            email=str(text("email")),
            phone=str(text("phone")),
            availability=Availability.AVAILABLE,
            fields=codes("fields", look.fields, _("lĩnh vực")),
            provinces=codes("provinces", look.provinces, _("tỉnh")),
            ethnic_groups=codes("ethnic_groups", look.groups, _("dân tộc")),
            languages=languages,
            activities=[
                Activity(kind="qualifications", title=t.strip())
                for t in str(text("qualifications")).split(";")
                if t.strip()
            ],
        )
        problems = profile_errors(data)
        where = {"full_name": "full_name", "orcid": "orcid", "languages": "languages"}
        for key, messages in problems.items():
            for message in messages:
                bad(where.get(key, "full_name"), message)
        if data.email:
            from django.core.exceptions import ValidationError
            from django.core.validators import validate_email

            try:
                validate_email(data.email)
            except ValidationError:
                bad("email", _("Thư điện tử “%(v)s” không hợp lệ.") % {"v": data.email})
        result.append((data, consent))
    if errors:
        raise ImportRejected(errors)
    if not result:
        raise ImportRejected([RowError(2, "", _("Không có dòng nào để nhập."))])
    return result


__all__ = [
    "Unit",
    "expert_data_download",
    "experts_xlsx_read",
    "export_csv",
    "export_rows",
    "export_xlsx",
    "import_template_xlsx",
    "person_jsonld",
]
