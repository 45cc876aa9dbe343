from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated

from dantoc.accounts.permissions import can_view_audit
from dantoc.audit.selectors import audit_entries_for
from dantoc.audit.serializers import AuditEntrySerializer
from dantoc.geo.selectors import unit_get


class AuditEntryListApi(generics.ListAPIView):
    """Nhật ký hệ thống (quản trị) / Audit trail (administrators)."""

    permission_classes = [IsAuthenticated]
    serializer_class = AuditEntrySerializer
    filter_backends: list = []

    @extend_schema(
        parameters=[
            OpenApiParameter("user", str),
            OpenApiParameter("unit", str),
            OpenApiParameter("object_type", str),
            OpenApiParameter("object_id", str),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if not can_view_audit(self.request.user):
            raise PermissionDenied("Chỉ quản trị hệ thống được xem nhật ký.")
        params = self.request.query_params
        unit = unit_get(code=params["unit"]) if params.get("unit") else None
        entries = audit_entries_for(
            viewer=self.request.user,
            username=params.get("user", ""),
            unit=unit,
            object_type=params.get("object_type", ""),
            object_id=params.get("object_id", ""),
        )
        return entries.none() if params.get("unit") and unit is None else entries
