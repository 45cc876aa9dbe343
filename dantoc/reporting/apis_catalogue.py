"""``/api/v1/forms/``, ``/api/v1/indicators/`` and ``/api/v1/periods/``: the reporting
catalogue in the platform's own API (codes, with each object's DHIS2 UID beside its code),
read by the same selectors as the pages and the DHIS2 metadata API."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound

from dantoc.indicators.models import Indicator
from dantoc.reporting import selectors
from dantoc.reporting.dhis2_ids import DATA_ELEMENT, DATA_SET, uid
from dantoc.reporting.models import Period, ReportForm


class CategoryOptionsSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    options = serializers.SerializerMethodField()

    def get_options(self, category) -> list[dict[str, str]]:
        return [{"code": o.code, "name": o.name} for o in category.options.all()]


class IndicatorSerializer(serializers.ModelSerializer):
    uid = serializers.SerializerMethodField(help_text="UID DHIS2 / DHIS2 UID")
    categories = CategoryOptionsSerializer(many=True)

    class Meta:
        model = Indicator
        fields = [
            "code",
            "uid",
            "name",
            "name_en",
            "unit_of_measure",
            "value_type",
            "aggregation",
            "description",
            "categories",
        ]

    def get_uid(self, indicator) -> str:
        return uid(DATA_ELEMENT, indicator.code)


class FormSerializer(serializers.ModelSerializer):
    uid = serializers.SerializerMethodField(help_text="UID DHIS2 / DHIS2 UID")
    period_type = serializers.CharField(source="period_type.code")
    indicators = serializers.SerializerMethodField()

    class Meta:
        model = ReportForm
        fields = [
            "code",
            "uid",
            "version",
            "name",
            "name_en",
            "period_type",
            "reporting_level",
            "legal_basis",
            "description",
            "opens_days_before_end",
            "locks_days_after_end",
            "indicators",
        ]

    def get_uid(self, form) -> str:
        return uid(DATA_SET, form.code)

    def get_indicators(self, form) -> list[str]:
        return sorted(i.code for i in selectors.form_layout(form).indicators.values())


class PeriodSerializer(serializers.ModelSerializer):
    period_type = serializers.CharField(source="period_type.code")

    class Meta:
        model = Period
        fields = ["code", "period_type", "start_date", "end_date"]


class FormListApi(generics.ListAPIView):
    """Biểu mẫu đang dùng / Report forms in use (the active version of each)."""

    serializer_class = FormSerializer
    filter_backends: list = []
    pagination_class = None

    def get_queryset(self):
        return selectors.active_forms().order_by("code")


class FormDetailApi(generics.RetrieveAPIView):
    """Một biểu mẫu (phiên bản đang dùng) / One report form (its active version)."""

    serializer_class = FormSerializer
    filter_backends: list = []

    def get_object(self):
        form = selectors.form_get(code=self.kwargs["code"])
        if form is None:
            raise NotFound(f"Không có biểu mẫu mã {self.kwargs['code']!r}.")
        return form


class IndicatorListApi(generics.ListAPIView):
    """Chỉ tiêu và phân tổ / Indicators with their disaggregation categories."""

    serializer_class = IndicatorSerializer
    filter_backends: list = []

    def get_queryset(self):
        return Indicator.objects.prefetch_related("categories__options").order_by("code")


class IndicatorDetailApi(generics.RetrieveAPIView):
    serializer_class = IndicatorSerializer
    filter_backends: list = []
    lookup_field = "code"

    def get_queryset(self):
        return Indicator.objects.prefetch_related("categories__options")


class PeriodListApi(generics.ListAPIView):
    """Kỳ báo cáo đã có số liệu hoặc đã mở / Reporting periods known to the platform, latest
    first; ``form`` limits them to a form's period type."""

    serializer_class = PeriodSerializer
    filter_backends: list = []

    @extend_schema(
        parameters=[
            OpenApiParameter("form", str, description="Mã biểu mẫu / form code"),
            OpenApiParameter("period_type", str, description="Mã loại kỳ / period type code"),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        periods = Period.objects.select_related("period_type").order_by("-start_date", "code")
        if params.get("form"):
            form = selectors.form_get(code=params["form"])
            # A filter: an unknown form has no periods (an empty list, not an error).
            periods = periods.filter(period_type=form.period_type) if form else periods.none()
        if params.get("period_type"):
            periods = periods.filter(period_type__code=params["period_type"])
        return periods
