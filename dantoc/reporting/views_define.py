"""Pages where ministry officers define indicators, report forms and period types."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dantoc.core.errors import ImportRejected
from dantoc.indicators.forms import IndicatorForm
from dantoc.indicators.models import Indicator
from dantoc.indicators.services import indicator_save
from dantoc.reporting import selectors, services
from dantoc.reporting.forms import FormDefinitionUpload, PeriodTypeForm
from dantoc.reporting.models import PeriodType, ReportForm
from dantoc.reporting.permissions import can_define_forms


def _require_definer(request):
    if not can_define_forms(request.user):
        raise PermissionDenied


@login_required
def form_list(request):
    forms = ReportForm.objects.select_related("period_type").order_by("code", "-version")
    return render(
        request,
        "reporting/form_list.html",
        {"forms": forms, "can_define": can_define_forms(request.user)},
    )


@login_required
def form_detail(request, code: str, version: int):
    form = selectors.form_get(code=code, version=version)
    if form is None:
        raise Http404
    layout = selectors.form_layout(form)
    return render(
        request,
        "reporting/form_detail.html",
        {
            "form": form,
            "layout": layout,
            "rules": form.rules.all(),
            "deadlines": form.deadlines.all(),
            "can_define": can_define_forms(request.user),
        },
    )


@login_required
def form_upload(request):
    _require_definer(request)
    upload = FormDefinitionUpload(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and upload.is_valid():
        try:
            form, created = services.form_define(
                definition=upload.cleaned_data["definition"], actor=request.user, publish=False
            )
        except ImportRejected as exc:
            errors = exc.errors
        except (KeyError, TypeError, ValueError) as exc:
            errors = [_("Định nghĩa thiếu hoặc sai mục: %(e)s") % {"e": exc}]
        else:
            if created:
                messages.success(
                    request,
                    _("Đã tạo phiên bản %(v)s (bản nháp). Kiểm tra rồi bấm Áp dụng.")
                    % {"v": form.version},
                )
            else:
                messages.info(request, _("Định nghĩa không đổi so với phiên bản mới nhất."))
            return redirect("reporting:form_detail", code=form.code, version=form.version)
    return render(request, "reporting/form_upload.html", {"upload": upload, "errors": errors})


@login_required
@require_POST
def form_publish(request, code: str, version: int):
    _require_definer(request)
    form = selectors.form_get(code=code, version=version)
    if form is None:
        raise Http404
    services.form_publish(actor=request.user, form=form)
    messages.success(
        request, _("Phiên bản %(v)s đang được dùng cho các kỳ báo cáo.") % {"v": version}
    )
    return redirect("reporting:form_detail", code=code, version=version)


@login_required
def indicator_list(request):
    indicators = Indicator.objects.prefetch_related("categories").select_related("component")
    return render(
        request,
        "reporting/indicator_list.html",
        {"indicators": indicators, "can_define": can_define_forms(request.user)},
    )


@login_required
def indicator_edit(request, code: str | None = None):
    _require_definer(request)
    indicator = None
    if code is not None:
        indicator = Indicator.objects.filter(code=code).first()
        if indicator is None:
            raise Http404
    form = IndicatorForm(
        request.POST or None,
        instance=indicator,
        initial={"categories": list(indicator.categories.all())} if indicator else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = indicator_save(
                actor=request.user,
                indicator=form.save(commit=False),
                categories=list(form.cleaned_data["categories"]),
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Đã lưu chỉ tiêu %(c)s.") % {"c": saved.code})
            return redirect("reporting:indicator_list")
    return render(request, "reporting/indicator_edit.html", {"form": form, "indicator": indicator})


@login_required
def period_type_list(request):
    create = None
    if can_define_forms(request.user):
        create = PeriodTypeForm(request.POST or None)
        if request.method == "POST" and create.is_valid():
            try:
                services.period_type_create(
                    actor=request.user, period_type=create.save(commit=False)
                )
            except (ValidationError, ValueError) as exc:
                create.add_error(None, str(exc))
            else:
                messages.success(request, _("Đã thêm loại kỳ báo cáo."))
                return redirect("reporting:period_type_list")
    elif request.method == "POST":
        raise PermissionDenied
    types = []
    for pt in PeriodType.objects.order_by("code"):
        from dantoc.reporting.periods import period_containing

        window = period_containing(selectors.timezone.localdate(), pt.rule())
        types.append({"type": pt, "example": window})
    return render(request, "reporting/period_types.html", {"types": types, "create": create})
