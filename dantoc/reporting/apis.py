"""JSON for the entry page's autosave and for any client that works one report at a time."""

from __future__ import annotations

import dataclasses

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied as DrfPermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from dantoc.reporting import selectors, services
from dantoc.reporting.permissions import can_enter
from dantoc.reporting.services.outbox import QueuedInput, queued_changes_apply
from dantoc.reporting.views import resolve_report, value_display


class CellSerializer(serializers.Serializer):
    key = serializers.CharField(max_length=40, help_text="Ô của biểu mẫu, ví dụ r12c3")
    value = serializers.CharField(allow_blank=True, allow_null=True, max_length=2000)
    comment = serializers.CharField(
        allow_blank=True, allow_null=True, required=False, max_length=1000
    )


class SaveSerializer(serializers.Serializer):
    cells = CellSerializer(many=True, max_length=2000)


OUTCOME = inline_serializer(
    "ReportSaveResult",
    {
        "cells": inline_serializer(
            "CellOutcome",
            {
                "key": serializers.CharField(),
                "status": serializers.ChoiceField(["saved", "unchanged", "deleted", "error"]),
                "value": serializers.CharField(),
                "message": serializers.CharField(),
                "warning": serializers.CharField(),
                "stored": inline_serializer(
                    "StoredCell",
                    {
                        "display": serializers.CharField(),
                        "comment": serializers.CharField(),
                    },
                    help_text="Giá trị và ghi chú đang lưu của ô, như trang nhập liệu hiển thị "
                    "(trang dùng làm mốc so sánh khi lưu cả trang) / The cell as now stored.",
                ),
            },
            many=True,
        ),
        "violations": inline_serializer(
            "RuleViolation",
            {
                "rule": serializers.CharField(),
                "importance": serializers.CharField(),
                "message": serializers.CharField(),
                "indicators": serializers.ListField(child=serializers.CharField()),
            },
            many=True,
        ),
    },
)


def _result_json(result: services.SaveResult, stored: dict | None = None) -> dict:
    """``stored``: the page's view of each cell after the save (``value_display`` and the
    comment), so that the entry page's whole-page "Lưu" compares against what autosave stored
    rather than against what the page showed when it was loaded."""
    stored = stored or {}
    return {
        "cells": [
            {
                "key": c.key,
                "status": c.status,
                "value": c.value,
                "message": c.message,
                "warning": c.warning,
                **({"stored": stored[c.key]} if c.key in stored else {}),
            }
            for c in result.cells
        ],
        "violations": [
            {
                "rule": v.rule_code,
                "importance": v.importance,
                "message": v.message,
                "indicators": list(v.indicators),
            }
            for v in result.violations
        ],
    }


class ReportValuesApi(APIView):
    """Giá trị của một báo cáo (biểu, kỳ, đơn vị) / The values of one report."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses=inline_serializer(
            "ReportValues",
            {
                "form": serializers.CharField(),
                "version": serializers.IntegerField(),
                "period": serializers.CharField(),
                "unit": serializers.CharField(),
                "status": serializers.CharField(),
                "values": serializers.DictField(),
            },
        )
    )
    def get(self, request, form_code: str, period_code: str, unit_code: str):
        form, period, unit = resolve_report(request, form_code, period_code, unit_code)
        layout = selectors.form_layout(form)
        values = selectors.values_for(layout=layout, unit=unit, period=period)
        submission = selectors.submission_for(form=form, unit=unit, period=period)
        return Response(
            {
                "form": form.code,
                "version": form.version,
                "period": period.code,
                "unit": unit.code,
                "status": submission.status if submission else "draft",
                "values": {
                    key: {"value": v.value, "comment": v.comment, "updated_at": v.updated_at}
                    for key, v in values.items()
                },
            }
        )

    @extend_schema(request=SaveSerializer, responses={200: OUTCOME, 409: OUTCOME})
    def post(self, request, form_code: str, period_code: str, unit_code: str):
        """Lưu một hoặc nhiều ô (tự động lưu trên trang nhập liệu). Ô sai được báo riêng, ô
        đúng vẫn được lưu. Saves cells; each bad cell is reported, good ones are kept."""
        form, period, unit = resolve_report(request, form_code, period_code, unit_code)
        if not can_enter(request.user, unit) or unit.level != form.reporting_level:
            raise DrfPermissionDenied("Bạn không được nhập số liệu cho đơn vị này.")
        payload = SaveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        inputs = [
            services.CellInput(c["key"], c["value"], c.get("comment"))
            for c in payload.validated_data["cells"]
        ]
        try:
            result = services.datavalues_save(
                actor=request.user, form=form, unit=unit, period=period, inputs=inputs, source="web"
            )
        except services.ReportClosed as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        code = status.HTTP_200_OK if not result.errors else status.HTTP_400_BAD_REQUEST
        layout = selectors.form_layout(form)
        now = selectors.values_for(layout=layout, unit=unit, period=period)
        stored = {
            c.key: {
                "display": value_display(layout.cells[c.key], now.get(c.key)),
                "comment": now[c.key].comment if c.key in now else "",
            }
            for c in result.cells
            if c.status != "error" and c.key in layout.cells
        }
        return Response(_result_json(result, stored), status=code)


class QueuedChangeSerializer(serializers.Serializer):
    key = serializers.UUIDField(help_text="Mã thay đổi do trình duyệt tạo (UUID) / Idempotency key")
    kind = serializers.ChoiceField(["value", "submit"])
    cell = serializers.CharField(max_length=40, required=False, default="", allow_blank=True)
    value = serializers.CharField(
        allow_blank=True, allow_null=True, required=False, max_length=2000
    )
    comment = serializers.CharField(
        allow_blank=True, allow_null=True, required=False, max_length=1000
    )
    base = serializers.CharField(
        allow_blank=True,
        required=False,
        default="",
        max_length=2000,
        help_text="Giá trị đang lưu khi thay đổi được nhập / The stored value it was made on",
    )
    base_comment = serializers.CharField(
        allow_blank=True, allow_null=True, required=False, max_length=1000
    )
    requires = serializers.ListField(
        child=serializers.UUIDField(), required=False, default=list, max_length=5000
    )

    def validate(self, attrs):
        if attrs["kind"] == "value" and not attrs.get("cell"):
            raise serializers.ValidationError({"cell": "Thiếu ô cần lưu."})
        return attrs


class OutboxSerializer(serializers.Serializer):
    changes = QueuedChangeSerializer(many=True, max_length=2000)


OUTBOX_RESULT = inline_serializer(
    "OutboxResult",
    {
        "results": inline_serializer(
            "QueuedChangeResult",
            {
                "key": serializers.UUIDField(),
                "status": serializers.ChoiceField(["applied", "refused"]),
                "outcome": serializers.CharField(),
                "reason": serializers.ChoiceField(
                    [
                        "",
                        "conflict",
                        "closed",
                        "submitted",
                        "invalid",
                        "waiting",
                        "blocked",
                        "reused",
                    ]
                ),
                "message": serializers.CharField(),
                "warning": serializers.CharField(),
                "stored": inline_serializer(
                    "QueuedStoredCell",
                    {"display": serializers.CharField(), "comment": serializers.CharField()},
                    allow_null=True,
                ),
                "replayed": serializers.BooleanField(),
            },
            many=True,
        )
    },
)


class ReportOutboxApi(APIView):
    """Thay đổi nhập khi mất mạng, gửi lại đúng một lần / Changes queued offline, applied once.

    Each change carries an idempotency key: sending it again (a retry, a second tab) returns
    the recorded outcome without writing anything. A value change made on a value that was
    changed meanwhile is refused as a conflict with the stored value; a submit waits until
    the changes it requires are applied. Changes are applied in the order sent, the whole
    batch in one transaction: a refusal concerns its change only, and a failure of the
    request keeps nothing of the batch (send it again: nothing is applied twice)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=OutboxSerializer, responses={200: OUTBOX_RESULT})
    def post(self, request, form_code: str, period_code: str, unit_code: str):
        form, period, unit = resolve_report(request, form_code, period_code, unit_code)
        if not can_enter(request.user, unit) or unit.level != form.reporting_level:
            raise DrfPermissionDenied("Bạn không được nhập số liệu cho đơn vị này.")
        payload = OutboxSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        changes = [
            QueuedInput(
                key=c["key"],
                kind=c["kind"],
                cell=c["cell"],
                value=c.get("value"),
                comment=c.get("comment"),
                base=c["base"],
                base_comment=c.get("base_comment"),
                requires=tuple(c["requires"]),
            )
            for c in payload.validated_data["changes"]
        ]
        outcomes = queued_changes_apply(
            actor=request.user, form=form, unit=unit, period=period, changes=changes
        )
        results = [dataclasses.asdict(o) for o in outcomes]
        return Response({"results": results})
