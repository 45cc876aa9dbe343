"""Writes of the expert database. Every write is audited (``experts.<thing>_<verb>``); every
view of restricted data by an official is audited too (``experts.restricted_view``)."""

from __future__ import annotations

import datetime
import hashlib
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dantoc.accounts.services import user_set_active
from dantoc.audit.models import AuditEntry
from dantoc.audit.services import audit_record, audit_redact, snapshot
from dantoc.channels.services import outbox_enqueue
from dantoc.core.csvfiles import read_csv
from dantoc.core.languages import BY_CODE
from dantoc.core.loading import DATA_DIR, LoadResult, upsert
from dantoc.core.text import fold
from dantoc.experts import permissions
from dantoc.experts.models import (
    ActivityKind,
    ConsentAction,
    ConsentRecord,
    Engagement,
    Expert,
    ExpertActivity,
    ExpertDocument,
    ExpertiseField,
    ExpertLanguage,
    LanguageLevel,
)
from dantoc.experts.orcid import orcid_normalise
from dantoc.geo.models import EthnicGroup, Unit, UnitLevel
from dantoc.media.models import MediaKind
from dantoc.media.services import asset_delete, asset_upload
from dantoc.programmes.models import Component

PROFILE_FIELDS = [
    "full_name",
    "organisation",
    "position",
    "summary",
    "orcid",
    "availability",
    "email",
    "phone",
    "address",
]
CONSENT_FIELDS = [
    "consent_public",
    "consent_officials",
    "consent_purpose",
    "consent_at",
    "consent_withdrawn_at",
    "deletion_requested_at",
]
DEFAULT_PURPOSE = _(
    "Kết nối chuyên gia với các dự án, tiểu dự án, hội nghị và cuộc họp của Chương trình MTQG "
    "vùng đồng bào dân tộc thiểu số và miền núi."
)
PHOTO_KINDS = (MediaKind.IMAGE,)
DOCUMENT_KINDS = (MediaKind.DOCUMENT, MediaKind.IMAGE)


# --- reference data ---------------------------------------------------------------------------


def fields_reference_load() -> LoadResult:
    """Loader ``experts.fields``: the taxonomy of data/experts/fields.csv, each field tied to
    its component of the programme catalogue (programme CTMTQG-1719)."""
    result = LoadResult()
    components = {c.code: c for c in Component.objects.filter(programme__code="CTMTQG-1719")}
    index = {f.code: f for f in ExpertiseField.objects.all()}
    for line, row in read_csv(DATA_DIR / "experts" / "fields.csv", required=["code", "name_vi"]):
        parent = index.get(row["parent_code"]) if row["parent_code"] else None
        if row["parent_code"] and parent is None:
            raise ValueError(f"fields.csv dòng {line}: chưa có lĩnh vực cha {row['parent_code']}")
        component = components.get(row["component_code"])
        if row["component_code"] and component is None:
            raise ValueError(f"fields.csv dòng {line}: không có dự án {row['component_code']}")
        upsert(
            index,
            row["code"],
            ExpertiseField,
            {"code": row["code"]},
            {
                "parent": parent,
                "component": component,
                "name": row["name_vi"],
                "name_en": row["name_en"],
                "order": int(row["order"] or 0),
            },
            result,
        )
    return result


# --- profile ----------------------------------------------------------------------------------


@dataclass
class LanguageSkill:
    code: str
    level: str


@dataclass
class Activity:
    kind: str
    title: str
    organisation: str = ""
    year: int | None = None
    url: str = ""


@dataclass
class ProfileData:
    """What a profile form or an imported row gives."""

    full_name: str
    organisation: str = ""
    position: str = ""
    summary: str = ""
    orcid: str = ""
    availability: str = "available"
    email: str = ""
    phone: str = ""
    address: str = ""
    fields: list[ExpertiseField] = field(default_factory=list)
    provinces: list[Unit] = field(default_factory=list)
    communes: list[Unit] = field(default_factory=list)
    ethnic_groups: list[EthnicGroup] = field(default_factory=list)
    languages: list[LanguageSkill] = field(default_factory=list)
    activities: list[Activity] | None = None  # None: leave them as they are


def profile_errors(data: ProfileData) -> dict[str, list[str]]:
    """The problems of ``data``, by field (empty: none)."""
    errors: dict[str, list[str]] = {}
    if not data.full_name.strip():
        errors.setdefault("full_name", []).append(_("Hãy nhập họ và tên."))
    if data.orcid.strip() and orcid_normalise(data.orcid) is None:
        errors.setdefault("orcid", []).append(
            _(
                "ORCID iD “%(value)s” không hợp lệ: cần 16 ký tự dạng 0000-0002-1825-0097, "
                "ký tự cuối là số kiểm tra theo ISO 7064 MOD 11-2."
            )
            % {"value": data.orcid.strip()}
        )
    for skill in data.languages:
        if skill.code not in BY_CODE:
            errors.setdefault("languages", []).append(
                _("Không có ngôn ngữ mã “%(code)s”.") % {"code": skill.code}
            )
        if skill.level not in LanguageLevel.values:
            errors.setdefault("languages", []).append(
                _("Mức độ “%(level)s” không hợp lệ.") % {"level": skill.level}
            )
    for unit in data.provinces:
        if unit.level != UnitLevel.PROVINCE:
            errors.setdefault("provinces", []).append(
                _("%(name)s không phải đơn vị cấp tỉnh.") % {"name": unit.name}
            )
    for unit in data.communes:
        if unit.level != UnitLevel.COMMUNE:
            errors.setdefault("communes", []).append(
                _("%(name)s không phải đơn vị cấp xã.") % {"name": unit.name}
            )
    return errors


def _profile_snapshot(expert: Expert) -> dict:
    data = snapshot(expert, PROFILE_FIELDS + CONSENT_FIELDS)
    if expert.pk:
        data["fields"] = sorted(expert.fields.values_list("code", flat=True))
        data["provinces"] = sorted(expert.provinces.values_list("code", flat=True))
        data["ethnic_groups"] = sorted(expert.ethnic_groups.values_list("code", flat=True))
        data["languages"] = sorted(f"{x.code}:{x.level}" for x in expert.languages.all())
    return data


def _apply(expert: Expert, data: ProfileData) -> None:
    errors = profile_errors(data)
    if errors:
        raise ValidationError(errors)
    expert.full_name = data.full_name.strip()
    expert.organisation = data.organisation.strip()
    expert.position = data.position.strip()
    expert.summary = data.summary.strip()
    expert.orcid = orcid_normalise(data.orcid) or "" if data.orcid.strip() else ""
    expert.availability = data.availability
    expert.email = data.email.strip()
    expert.phone = data.phone.strip()
    expert.address = data.address.strip()
    expert.full_clean(exclude=["user", "photo", "verified_by", "created_by"])
    expert.save()
    expert.fields.set(data.fields)
    expert.provinces.set(data.provinces)
    expert.communes.set(data.communes)
    expert.ethnic_groups.set(data.ethnic_groups)
    expert.languages.all().delete()
    seen = set()
    for skill in data.languages:
        if skill.code in seen:
            continue
        seen.add(skill.code)
        ExpertLanguage.objects.create(expert=expert, code=skill.code, level=skill.level)
    if data.activities is not None:
        expert.activities.all().delete()
        ExpertActivity.objects.bulk_create(
            ExpertActivity(
                expert=expert,
                kind=a.kind if a.kind in ActivityKind.values else ActivityKind.WORK,
                title=a.title[:400],
                organisation=a.organisation[:300],
                year=a.year,
                url=a.url,
            )
            for a in data.activities
            if a.title.strip()
        )
    expert_reindex(expert=expert)


def expert_reindex(*, expert: Expert) -> None:
    """Recompute the folded search text and the facet codes from the profile's rows."""
    values = index_values(
        expert,
        fields=list(expert.fields.select_related("parent")),
        provinces=list(expert.provinces.all()),
        communes=list(expert.communes.all()),
        groups=list(expert.ethnic_groups.all()),
        languages=[(x.code, x.level) for x in expert.languages.all()],
        activities=[a.title for a in expert.activities.all()],
    )
    for name, value in values.items():
        setattr(expert, name, value)
    expert.save(update_fields=list(values))


def index_values(
    expert: Expert,
    *,
    fields: list[ExpertiseField],
    provinces: list[Unit],
    communes: list[Unit],
    groups: list[EthnicGroup],
    languages: list[tuple[str, str]],
    activities: list[str],
) -> dict[str, str]:
    """The search text and facet codes of a profile (``parent`` of each field loaded)."""
    codes = set()
    for f in fields:
        codes.add(f.code)
        if f.parent_id:
            codes.add(f.parent.code)
    words = [
        expert.full_name,
        expert.organisation,
        expert.position,
        expert.summary,
        *(f.name for f in fields),
        *(f.code for f in fields),
        *(u.name for u in provinces + communes),
        *(g.name + " " + g.other_names.replace(";", " ") for g in groups),
        *(BY_CODE[code].name + " " + BY_CODE[code].name_local for code, _level in languages),
        *activities,
    ]
    return {
        "search_text": search_text_of(words),
        "field_codes": _codes(codes),
        "province_codes": _codes(u.code for u in provinces),
        "ethnic_codes": _codes(g.code for g in groups),
        # " rad rad:native vi vi:fluent ": the filter reads " rad ", matching the level.
        "language_codes": _codes(
            [code for code, _level in languages] + [f"{code}:{level}" for code, level in languages]
        ),
    }


def search_text_of(texts: Iterable[str]) -> str:
    """Folded words separated by single spaces, with a space at each end (" y khoa nie … "):
    a whole word is then `` word `` inside it, a plain LIKE on both databases (no regular
    expression run over every row; see selectors.experts_search)."""
    folded = fold(" ".join(t for t in texts if t))
    spaced = "".join(ch if ch.isalnum() else " " for ch in folded)
    return " " + " ".join(spaced.split()) + " "


def _codes(values: Iterable[str]) -> str:
    found = sorted(set(values))
    return " " + " ".join(found) + " " if found else ""


def _record_consent(
    *, expert: Expert, action: str, actor, purpose: str = "", at: datetime.datetime | None = None
) -> ConsentRecord:
    return ConsentRecord.objects.create(
        expert=expert,
        action=action,
        public=expert.consent_public,
        officials=expert.consent_officials,
        purpose=purpose or expert.consent_purpose or DEFAULT_PURPOSE,
        at=at or timezone.now(),
        by=actor if getattr(actor, "is_authenticated", False) else None,
    )


def _replayed(request_token) -> Expert | None:
    if request_token is None:
        return None
    return Expert.objects.filter(request_token=request_token).first()


@transaction.atomic
def expert_register(
    *,
    user,
    data: ProfileData,
    consent_public: bool,
    consent_officials: bool,
    purpose_accepted: bool,
    request_token: uuid.UUID | None = None,
) -> Expert:
    """A person registers their own profile (signed in with an account of their own). The
    consent is given here, with the purpose shown on the form, and recorded."""
    if (done := _replayed(request_token)) is not None:
        return done
    if not permissions.can_register(user) or not getattr(user, "is_authenticated", False):
        raise PermissionDenied(_("Tài khoản này không đăng ký hồ sơ chuyên gia được."))
    if not purpose_accepted:
        raise ValidationError(
            {"purpose_accepted": [_("Cần đồng ý với mục đích xử lý dữ liệu để đăng ký.")]}
        )
    now = timezone.now()
    expert = Expert(
        user=user,
        full_name=data.full_name,
        consent_public=consent_public,
        consent_officials=consent_officials,
        consent_purpose=DEFAULT_PURPOSE,
        consent_at=now,
        request_token=request_token,
        created_by=user,
    )
    _apply(expert, data)
    _record_consent(expert=expert, action=ConsentAction.GIVEN, actor=user, at=now)
    audit_record(
        actor=user, action="experts.expert_register", obj=expert, after=_profile_snapshot(expert)
    )
    return expert


@transaction.atomic
def expert_create(
    *, actor, data: ProfileData, request_token: uuid.UUID | None = None
) -> tuple[Expert, str]:
    """An official enters an expert and invites them: the profile is seen by officials only
    (without contact) until the expert accepts the invitation and gives consent. Returns the
    expert and the invitation secret for the link."""
    if (done := _replayed(request_token)) is not None:
        return done, done.invite_token
    if actor is not None and not permissions.can_manage_experts(actor):
        raise PermissionDenied(_("Bạn không có quyền thêm chuyên gia."))
    expert = Expert(
        full_name=data.full_name,
        request_token=request_token,
        created_by=actor,
        invite_token=secrets.token_urlsafe(32),
    )
    _apply(expert, data)
    audit_record(
        actor=actor, action="experts.expert_create", obj=expert, after=_profile_snapshot(expert)
    )
    return expert, expert.invite_token


@transaction.atomic
def invitation_email_send(*, expert_id: int, link: str) -> bool:
    """E-mail the invitation link to an expert an official entered, at the address the
    official gave (task worker; ``tasks.invitation_email_send_task``). Sent once: not again
    for a replayed form or a second task (the profile row is locked and the audit row of the
    sending is looked for), nor once the invitation is accepted or the profile is gone;
    False then. The e-mail is queued in the platform's outbox, which retries a mail server
    that fails (the official also has the link on screen)."""
    expert = Expert.objects.select_for_update().filter(pk=expert_id).first()
    if expert is None or not expert.invite_token or not expert.email or expert.user_id:
        return False
    if AuditEntry.objects.filter(
        action="experts.invitation_email", object_type="experts.expert", object_id=str(expert_id)
    ).exists():
        return False
    with translation.override(settings.LANGUAGE_CODE):
        body = "\n\n".join(
            [
                _("Kính gửi %(name)s,") % {"name": expert.full_name},
                _(
                    "Cơ quan quản lý Chương trình mục tiêu quốc gia phát triển kinh tế - xã hội "
                    "vùng đồng bào dân tộc thiểu số và miền núi mời ông/bà tham gia Cơ sở dữ "
                    "liệu chuyên gia của Chương trình. Hồ sơ do cán bộ nhập chỉ cán bộ xem được, "
                    "không có thông tin liên hệ, cho đến khi ông/bà nhận lời mời và chọn những "
                    "gì được công khai."
                ),
                _("Nhận lời mời: %(link)s") % {"link": link},
                _(
                    "Nếu không muốn tham gia, ông/bà có thể bỏ qua thư này hoặc yêu cầu xoá hồ sơ "
                    "sau khi nhận lời mời."
                ),
                _("Thư này do nền tảng dantoc gửi tự động; vui lòng không trả lời thư này."),
            ]
        )
        # Through the platform's outbox (channels): stored, then sent with retries.
        token_tag = hashlib.sha256(expert.invite_token.encode()).hexdigest()[:16]
        outbox_enqueue(
            channel="email",
            address=expert.email,
            subject=_("[dantoc] Lời mời tham gia Cơ sở dữ liệu chuyên gia"),
            body=body + "\n",
            idempotency_key=f"experts:invitation:{expert.uuid}:{token_tag}",
            source="experts",
        )
    audit_record(
        actor=None,
        action="experts.invitation_email",
        obj=expert,
        after={"sent": True},
    )
    return True


@transaction.atomic
def expert_invitation_accept(
    *, user, token: str, consent_public: bool, consent_officials: bool, purpose_accepted: bool
) -> Expert:
    expert = (
        Expert.objects.select_for_update().filter(invite_token=token).first() if token else None
    )
    if expert is None or expert.user_id is not None:
        raise ValidationError(_("Lời mời không còn hiệu lực."))
    if not permissions.can_register(user):
        raise PermissionDenied(_("Tài khoản này không nhận lời mời được."))
    if not purpose_accepted:
        raise ValidationError(
            {"purpose_accepted": [_("Cần đồng ý với mục đích xử lý dữ liệu để nhận lời mời.")]}
        )
    before = _profile_snapshot(expert)
    expert.user = user
    expert.invite_token = ""
    expert.consent_public = consent_public
    expert.consent_officials = consent_officials
    expert.consent_purpose = DEFAULT_PURPOSE
    expert.consent_at = timezone.now()
    expert.consent_withdrawn_at = None
    expert.save()
    _record_consent(expert=expert, action=ConsentAction.GIVEN, actor=user)
    audit_record(
        actor=user,
        action="experts.invitation_accept",
        obj=expert,
        before=before,
        after=_profile_snapshot(expert),
    )
    return expert


@transaction.atomic
def expert_update(*, actor, expert: Expert, data: ProfileData) -> Expert:
    """The expert edits their own profile (nobody else does)."""
    if not permissions.can_edit_profile(actor, expert):
        raise PermissionDenied(_("Chỉ chuyên gia mới sửa được hồ sơ của mình."))
    expert = Expert.objects.select_for_update().get(pk=expert.pk)
    before = _profile_snapshot(expert)
    _apply(expert, data)
    audit_record(
        actor=actor,
        action="experts.expert_update",
        obj=expert,
        before=before,
        after=_profile_snapshot(expert),
    )
    return expert


@transaction.atomic
def expert_photo_set(*, actor, expert: Expert, file) -> Expert:
    if not permissions.can_edit_profile(actor, expert):
        raise PermissionDenied(_("Chỉ chuyên gia mới đổi được ảnh của mình."))
    asset = asset_upload(actor=actor, file=file, allowed_kinds=PHOTO_KINDS)
    before = {"photo": str(expert.photo.uuid) if expert.photo_id else None}
    expert.photo = asset
    expert.save(update_fields=["photo", "updated_at"])
    audit_record(
        actor=actor,
        action="experts.photo_set",
        obj=expert,
        before=before,
        after={"photo": str(asset.uuid)},
    )
    return expert


@transaction.atomic
def expert_document_add(*, actor, expert: Expert, file, title: str) -> ExpertDocument:
    if not permissions.can_edit_profile(actor, expert):
        raise PermissionDenied(_("Chỉ chuyên gia mới thêm được tài liệu của mình."))
    if not title.strip():
        raise ValidationError({"title": [_("Hãy đặt tên cho tài liệu.")]})
    asset = asset_upload(actor=actor, file=file, allowed_kinds=DOCUMENT_KINDS)
    document = ExpertDocument.objects.create(expert=expert, asset=asset, title=title.strip())
    audit_record(
        actor=actor,
        action="experts.document_add",
        obj=expert,
        after={"document": document.pk, "asset": str(asset.uuid), "title": document.title},
    )
    return document


# --- consent and rights -------------------------------------------------------------------------


@transaction.atomic
def consent_set(*, actor, expert: Expert, public: bool, officials: bool) -> Expert:
    """The expert gives (again) or changes their consent; recorded with its purpose and time."""
    if not permissions.is_own(actor, expert):
        raise PermissionDenied(_("Chỉ chuyên gia mới thay đổi được sự đồng ý của mình."))
    expert = Expert.objects.select_for_update().get(pk=expert.pk)
    before = snapshot(expert, CONSENT_FIELDS)
    was_given = expert.consent_at is not None and expert.consent_withdrawn_at is None
    expert.consent_public = public
    expert.consent_officials = officials
    expert.consent_purpose = expert.consent_purpose or DEFAULT_PURPOSE
    expert.consent_at = timezone.now()
    expert.consent_withdrawn_at = None
    expert.save(update_fields=[*CONSENT_FIELDS, "updated_at"])
    _record_consent(
        expert=expert,
        action=ConsentAction.CHANGED if was_given else ConsentAction.GIVEN,
        actor=actor,
    )
    audit_record(
        actor=actor,
        action="experts.consent_set",
        obj=expert,
        before=before,
        after=snapshot(expert, CONSENT_FIELDS),
    )
    return expert


@transaction.atomic
def consent_withdraw(*, actor, expert: Expert) -> Expert:
    """Withdrawal hides the profile from every page, the API, exports and matching at once
    (they all read selectors that test ``consent_withdrawn_at``)."""
    if not permissions.is_own(actor, expert):
        raise PermissionDenied(_("Chỉ chuyên gia mới rút được sự đồng ý của mình."))
    expert = Expert.objects.select_for_update().get(pk=expert.pk)
    if expert.consent_withdrawn_at is not None:
        return expert  # a repeated click changes nothing
    before = snapshot(expert, CONSENT_FIELDS)
    expert.consent_withdrawn_at = timezone.now()
    expert.consent_public = False
    expert.consent_officials = False
    expert.save(update_fields=[*CONSENT_FIELDS, "updated_at"])
    _record_consent(expert=expert, action=ConsentAction.WITHDRAWN, actor=actor)
    audit_record(
        actor=actor,
        action="experts.consent_withdraw",
        obj=expert,
        before=before,
        after=snapshot(expert, CONSENT_FIELDS),
    )
    return expert


@transaction.atomic
def deletion_request(*, actor, expert: Expert) -> Expert:
    """The expert asks for their data to be deleted: hidden at once; a ministry officer
    erases it (``expert_erase``) after checking nothing must be kept."""
    if not permissions.is_own(actor, expert):
        raise PermissionDenied(_("Chỉ chuyên gia mới yêu cầu xoá được dữ liệu của mình."))
    expert = Expert.objects.select_for_update().get(pk=expert.pk)
    if expert.deletion_requested_at is not None:
        return expert
    before = snapshot(expert, CONSENT_FIELDS)
    expert.deletion_requested_at = timezone.now()
    expert.save(update_fields=["deletion_requested_at", "updated_at"])
    _record_consent(expert=expert, action=ConsentAction.DELETION, actor=actor)
    audit_record(
        actor=actor,
        action="experts.deletion_request",
        obj=expert,
        before=before,
        after=snapshot(expert, CONSENT_FIELDS),
    )
    return expert


@transaction.atomic
def expert_erase(*, actor, expert: Expert) -> None:
    """Delete an expert's personal data (the profile and everything under it). The audit rows
    keep only the id, the fact of deletion and the names of the fields changed before, not the
    data (``audit_redact``)."""
    if not permissions.can_erase(actor):
        raise PermissionDenied(_("Chỉ cán bộ cấp bộ mới xoá được hồ sơ chuyên gia."))
    pk = expert.pk
    assets = [d.asset for d in expert.documents.select_related("asset")]
    photo = expert.photo
    account = expert.user
    expert.delete()
    if account is not None and not account.role_codes():
        # The expert's own sign-in (no name or e-mail is kept on it) is closed.
        user_set_active(actor=None, user=account, is_active=False)
    for asset in [*assets, *([photo] if photo else [])]:
        asset_delete(actor=actor, asset=asset)
    # The profile's earlier audit rows (registration, edits, consent, views) held its name and
    # contact: they keep what happened and when, not the data.
    audit_redact(object_type="experts.expert", object_id=str(pk))
    audit_record(
        actor=actor,
        action="experts.expert_erase",
        object_type="experts.expert",
        object_id=str(pk),
        object_repr=f"#{pk}",
    )


def restricted_view_record(*, actor, expert: Expert, what: str, ip_address: str | None = None):
    """Log that an official saw the restricted part of a profile (contact, a document, an
    export). Written even on a GET: the law asks who saw personal data, not only who changed
    it."""
    if permissions.is_own(actor, expert):
        return None
    return audit_record(
        actor=actor,
        action="experts.restricted_view",
        obj=expert,
        after={"what": what},
        ip_address=ip_address,
    )


# --- verification and engagements ------------------------------------------------------------


@transaction.atomic
def expert_verify(*, actor, expert: Expert, note: str) -> Expert:
    if not permissions.can_manage_experts(actor):
        raise PermissionDenied(_("Bạn không có quyền xác minh chuyên gia."))
    if not note.strip():
        raise ValidationError({"note": [_("Hãy ghi đã kiểm tra những gì (bằng cấp, giấy tờ).")]})
    expert = Expert.objects.select_for_update().get(pk=expert.pk)
    before = snapshot(expert, ["verified_at", "verified_by", "verification_note"])
    expert.verified_at = timezone.now()
    expert.verified_by = actor
    expert.verification_note = note.strip()[:500]
    expert.save(update_fields=["verified_at", "verified_by", "verification_note", "updated_at"])
    audit_record(
        actor=actor,
        action="experts.expert_verify",
        obj=expert,
        before=before,
        after=snapshot(expert, ["verified_at", "verified_by", "verification_note"]),
    )
    return expert


@dataclass
class EngagementData:
    kind: str
    unit: Unit
    title: str
    started_on: datetime.date
    component: object = None
    ended_on: datetime.date | None = None
    rating: int | None = None
    evaluation: str = ""


@transaction.atomic
def engagement_record(
    *, actor, expert: Expert, data: EngagementData, request_token: uuid.UUID | None = None
) -> Engagement:
    if request_token is not None:
        done = Engagement.objects.filter(request_token=request_token).first()
        if done is not None:
            return done
    if not permissions.can_record_engagement(actor, data.unit):
        raise PermissionDenied(_("Bạn chỉ ghi được lần tham gia tại địa bàn mình phụ trách."))
    if expert.is_hidden:
        raise ValidationError(_("Hồ sơ này đã bị ẩn theo yêu cầu của chuyên gia."))
    errors: dict[str, list[str]] = {}
    if not data.title.strip():
        errors["title"] = [_("Hãy ghi nội dung chuyên gia đã tham gia.")]
    if data.ended_on and data.ended_on < data.started_on:
        errors["ended_on"] = [_("Ngày kết thúc trước ngày bắt đầu.")]
    if data.rating is not None and not 1 <= data.rating <= 5:
        errors["rating"] = [_("Đánh giá từ 1 đến 5.")]
    if errors:
        raise ValidationError(errors)
    engagement = Engagement(
        expert=expert,
        kind=data.kind,
        component=data.component,
        unit=data.unit,
        title=data.title.strip(),
        started_on=data.started_on,
        ended_on=data.ended_on,
        rating=data.rating,
        evaluation=data.evaluation.strip(),
        recorded_by=actor,
        request_token=request_token,
    )
    engagement.full_clean(exclude=["recorded_by", "expert", "component", "unit"])
    try:
        with transaction.atomic():
            engagement.save()
    except IntegrityError:
        return Engagement.objects.get(request_token=request_token)
    average = expert.engagements.filter(rating__isnull=False).aggregate(avg=Avg("rating"))["avg"]
    Expert.objects.filter(pk=expert.pk).update(rating_avg=average)
    audit_record(
        actor=actor,
        action="experts.engagement_record",
        obj=expert,
        unit=data.unit,
        after={
            "engagement": engagement.pk,
            "kind": engagement.kind,
            "component": getattr(data.component, "code", None),
            "unit": data.unit.code,
            "title": engagement.title,
            "rating": engagement.rating,
        },
    )
    return engagement


# --- import ----------------------------------------------------------------------------------


@transaction.atomic
def experts_import(*, actor, rows: list[tuple[ProfileData, dict]]) -> list[Expert]:
    """Create the experts of an already checked list (see ``exchange.experts_xlsx_read``),
    all in one transaction. ``consent`` per row: {"public", "officials", "at", "purpose"} when
    the list records the person's consent, else {}."""
    if not permissions.can_manage_experts(actor):
        raise PermissionDenied(_("Bạn không có quyền nhập danh sách chuyên gia."))
    created = []
    for data, consent in rows:
        expert = Expert(full_name=data.full_name, created_by=actor)
        if consent:
            expert.consent_public = consent["public"]
            expert.consent_officials = consent["officials"]
            expert.consent_purpose = consent["purpose"] or DEFAULT_PURPOSE
            expert.consent_at = consent["at"]
        else:
            expert.invite_token = secrets.token_urlsafe(32)
        _apply(expert, data)
        if consent:
            _record_consent(
                expert=expert, action=ConsentAction.IMPORTED, actor=actor, at=consent["at"]
            )
        created.append(expert)
    audit_record(
        actor=actor,
        action="experts.experts_import",
        object_type="experts.expert",
        object_repr=_("%(n)d chuyên gia") % {"n": len(created)},
        after={"created": [e.pk for e in created]},
    )
    return created


def export_record(*, actor, count: int, restricted: bool, fmt: str):
    """Log an export of the expert list (with or without the restricted columns)."""
    return audit_record(
        actor=actor,
        action="experts.export",
        object_type="experts.expert",
        object_repr=_("%(n)d chuyên gia") % {"n": count},
        after={"count": count, "restricted": restricted, "format": fmt},
    )
