"""The audit trail in words: action names, field names and values as officials say them.

Rows keep their codes (``accounts.user_update``, ``unit: 67``), which the API returns as they
are; the page shows "Sửa tài khoản", "Đơn vị: Xã Ngọc Đường → Xã Lũng Cú". Field names come
from the models' verbose names, values from the fields' choices and from the related rows
(fetched in one query per model for a whole page).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dantoc.audit.models import AuditEntry

# Whole actions whose words do not follow from their parts.
ACTIONS = {
    "accounts.login": gettext_lazy("Đăng nhập"),
    "accounts.user_create": gettext_lazy("Tạo tài khoản"),
    "accounts.user_update": gettext_lazy("Sửa tài khoản"),
    "accounts.user_set_roles": gettext_lazy("Đổi vai trò của tài khoản"),
    "accounts.user_activate": gettext_lazy("Mở khoá tài khoản"),
    "accounts.user_deactivate": gettext_lazy("Khoá tài khoản"),
    "accounts.password_change": gettext_lazy("Đổi mật khẩu"),
    "accounts.password_reset": gettext_lazy("Đặt lại mật khẩu (đường dẫn một lần)"),
    "accounts.password_reset_requested": gettext_lazy(
        "Gửi đường dẫn đặt lại mật khẩu (quên mật khẩu)"
    ),
    "accounts.totp_enrol": gettext_lazy("Đăng ký ứng dụng xác thực"),
    "accounts.totp_replace": gettext_lazy("Thay ứng dụng xác thực"),
    "accounts.totp_reset": gettext_lazy("Đặt lại xác thực hai lớp"),
    "accounts.totp_install": gettext_lazy("Cài ứng dụng xác thực (thiết lập)"),
    "reporting.submit": gettext_lazy("Nộp báo cáo"),
    "reporting.approve": gettext_lazy("Duyệt báo cáo"),
    "reporting.return": gettext_lazy("Trả lại báo cáo"),
    "reporting.reopen": gettext_lazy("Mở lại báo cáo đã duyệt"),
    "reporting.waive": gettext_lazy("Miễn nộp báo cáo"),
    "reporting.unwaive": gettext_lazy("Bỏ miễn nộp báo cáo"),
    "reporting.values_save": gettext_lazy("Lưu số liệu báo cáo"),
    "reporting.datavalues_import": gettext_lazy("Nhập số liệu từ tệp"),
    "reporting.form_define": gettext_lazy("Định nghĩa biểu mẫu báo cáo"),
    "reporting.form_publish": gettext_lazy("Ban hành biểu mẫu báo cáo"),
    "reporting.period_type_create": gettext_lazy("Thêm loại kỳ báo cáo"),
    "reference.units_load": gettext_lazy("Nạp danh mục đơn vị hành chính"),
    "reference.ethnic_groups_load": gettext_lazy("Nạp danh mục dân tộc"),
    "reference.catalogue_load": gettext_lazy("Nạp danh mục chương trình"),
    "reference.area_classifications_import": gettext_lazy("Nhập phân loại vùng, xã, thôn"),
    "indicators.catalogue_load": gettext_lazy("Nạp danh mục chỉ tiêu"),
    "analytics.target_set": gettext_lazy("Đặt mục tiêu"),
    "portal.content_mirror_import": gettext_lazy("Nhập nội dung cổng thông tin từ bản sao"),
    "portal.legal_document_status_follow": gettext_lazy("Cập nhật hiệu lực văn bản"),
    "integration.client_rotate_secret": gettext_lazy("Đổi khoá bí mật của ứng dụng kết nối"),
    "integration.submission_create": gettext_lazy("Nhận báo cáo qua kết nối"),
    "media.asset_ready": gettext_lazy("Tệp đa phương tiện đã xử lý xong"),
    "media.asset_failed": gettext_lazy("Xử lý tệp đa phương tiện thất bại"),
    "media.asset_retry": gettext_lazy("Xử lý lại tệp đa phương tiện"),
}

# Actions named ``<app>.<thing>_<verb>``: the words of the thing and of the verb.
THINGS = {
    "user": gettext_lazy("tài khoản"),
    "article": gettext_lazy("bài viết"),
    "article_translation": gettext_lazy("bản dịch bài viết"),
    "legal_document": gettext_lazy("văn bản"),
    "agency": gettext_lazy("cơ quan"),
    "article_revision": gettext_lazy("bản sửa bài viết"),
    "legal_document_revision": gettext_lazy("bản sửa văn bản"),
    "agency_revision": gettext_lazy("bản sửa thông tin cơ quan"),
    "article_attachment": gettext_lazy("tệp đính kèm bài viết"),
    "legal_document_attachment": gettext_lazy("tệp đính kèm văn bản"),
    "agency_attachment": gettext_lazy("tệp đính kèm cơ quan"),
    "indicator": gettext_lazy("chỉ tiêu"),
    "programme": gettext_lazy("chương trình"),
    "component": gettext_lazy("dự án, tiểu dự án"),
    "dataset": gettext_lazy("bộ dữ liệu mở"),
    "releases": gettext_lazy("các bản phát hành dữ liệu"),
    "release": gettext_lazy("bản phát hành dữ liệu"),
    "client": gettext_lazy("ứng dụng kết nối"),
    "webhook": gettext_lazy("địa chỉ nhận tin (webhook)"),
    "asset": gettext_lazy("tệp đa phương tiện"),
    "form": gettext_lazy("biểu mẫu báo cáo"),
    "submission": gettext_lazy("báo cáo"),
    "target": gettext_lazy("mục tiêu"),
    "reminder": gettext_lazy("nhắc nộp báo cáo"),
}
VERBS = {
    "create": gettext_lazy("Tạo"),
    "update": gettext_lazy("Sửa"),
    "save": gettext_lazy("Lưu"),
    "delete": gettext_lazy("Xoá"),
    "discard": gettext_lazy("Bỏ"),
    "submit": gettext_lazy("Gửi duyệt"),
    "approve": gettext_lazy("Duyệt"),
    "return": gettext_lazy("Trả lại"),
    "publish": gettext_lazy("Xuất bản"),
    "unpublish": gettext_lazy("Gỡ xuất bản"),
    "schedule": gettext_lazy("Hẹn giờ xuất bản"),
    "withdraw": gettext_lazy("Rút"),
    "upload": gettext_lazy("Tải lên"),
    "enable": gettext_lazy("Bật"),
    "disable": gettext_lazy("Tắt"),
    "subscribe": gettext_lazy("Đăng ký"),
    "unsubscribe": gettext_lazy("Huỷ"),
    "retry": gettext_lazy("Gửi lại"),
    "import": gettext_lazy("Nhập"),
    "send": gettext_lazy("Gửi"),
    "attachment_add": gettext_lazy("Thêm tệp đính kèm vào"),
    "attachment_remove": gettext_lazy("Gỡ tệp đính kèm khỏi"),
}

# Field names said better than by their model's verbose name (Django's own "active").
FIELD_LABELS = {"is_active": gettext_lazy("Đang hoạt động")}

# Keys of before/after that are not model fields.
EXTRA_FIELDS = {
    "devices_removed": gettext_lazy("Số ứng dụng xác thực đã gỡ"),
    "reason": gettext_lazy("Lý do"),
    "status": gettext_lazy("Trạng thái"),
    "data": gettext_lazy("Nội dung"),
    "image": gettext_lazy("Ảnh"),
    "count": gettext_lazy("Số lượng"),
    "created": gettext_lazy("Đã tạo"),
    "updated": gettext_lazy("Đã cập nhật"),
    "rows": gettext_lazy("Số dòng"),
}

EMPTY = "—"


def action_label(action: str) -> str:
    """ "accounts.user_update" -> "Sửa tài khoản" (English when chosen); an action this module
    does not know keeps its code, so that nothing is hidden."""
    if action in ACTIONS:
        return str(ACTIONS[action])
    _app, _dot, rest = action.partition(".")
    parts = rest.split("_")
    for i in range(1, len(parts)):
        thing, verb = "_".join(parts[:i]), "_".join(parts[i:])
        if thing in THINGS and verb in VERBS:
            return _("%(verb)s %(thing)s") % {"verb": VERBS[verb], "thing": THINGS[thing]}
    return action


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class DescribedEntry:
    entry: AuditEntry
    action: str
    object_kind: str
    changes: list[Change]


def _model_of(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _field(model, name: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _plain(value) -> str:
    if value is None or value == "" or value == []:
        return EMPTY
    if value is True:
        return _("Có")
    if value is False:
        return _("Không")
    if isinstance(value, list):
        return "; ".join(_plain(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _key_of(model, value):
    """``value`` as a primary key of ``model``, or None when it cannot be one: some rows keep
    the related row's name rather than its key (``{"client": "Cổng tỉnh"}``), which the
    database would refuse as a key."""
    try:
        return model._meta.pk.to_python(value)
    except (ValidationError, TypeError, ValueError):
        return None


class _Related:
    """Names of related rows, fetched once per model for every entry of the page."""

    def __init__(self):
        self.wanted: dict[type[models.Model], set] = defaultdict(set)
        self.names: dict[tuple[type[models.Model], str], str] = {}

    def want(self, model, values) -> None:
        for v in values if isinstance(values, list) else [values]:
            if v not in (None, "") and _key_of(model, v) is not None:
                self.wanted[model].add(v)

    def fetch(self) -> None:
        for model, pks in self.wanted.items():
            for pk, obj in model._default_manager.in_bulk(list(pks)).items():
                self.names[(model, str(pk))] = str(obj)

    def name(self, model, value) -> str:
        if isinstance(value, list):
            return "; ".join(self.name(model, v) for v in value) or EMPTY
        if value in (None, ""):
            return EMPTY
        if _key_of(model, value) is None:
            return _plain(value)  # a name kept in the row (a webhook's client), not a key
        return self.names.get((model, str(value)), f"#{value}")


def _value(field, value, related: _Related) -> str:
    if field is None:
        return _plain(value)
    if field.is_relation and field.related_model is not None:
        return related.name(field.related_model, value)
    if field.choices:
        choices = dict(field.flatchoices)
        if isinstance(value, list):
            return "; ".join(str(choices.get(v, v)) for v in value) or EMPTY
        return str(choices.get(value, _plain(value)))
    return _plain(value)


def _field_label(name: str, field) -> str:
    if name in FIELD_LABELS:
        return str(FIELD_LABELS[name])
    verbose = getattr(field, "verbose_name", None)  # a reverse relation has none
    if verbose:
        return capfirst(str(verbose))
    if field is not None and getattr(field, "related_model", None) is not None:
        return capfirst(str(field.related_model._meta.verbose_name_plural))
    return str(EXTRA_FIELDS.get(name, name))


def entries_described(entries: Iterable[AuditEntry]) -> list[DescribedEntry]:
    entries = list(entries)
    related = _Related()
    plans = []
    for entry in entries:
        model = _model_of(entry.object_type)
        rows = []
        for name, old, new in entry.changed_fields():
            field = _field(model, name)
            if field is not None and field.is_relation and field.related_model is not None:
                related.want(field.related_model, old)
                related.want(field.related_model, new)
            rows.append((name, field, old, new))
        plans.append((entry, model, rows))
    related.fetch()
    described = []
    for entry, model, rows in plans:
        changes = [
            Change(
                label=_field_label(name, field),
                before=_value(field, old, related),
                after=_value(field, new, related),
            )
            for name, field, old, new in rows
        ]
        kind = capfirst(str(model._meta.verbose_name)) if model is not None else entry.object_type
        described.append(
            DescribedEntry(
                entry=entry, action=action_label(entry.action), object_kind=kind, changes=changes
            )
        )
    return described
