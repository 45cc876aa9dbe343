"""Market prices: the citizen pages (a province's latest prices, a product's last months as a
small chart drawn on the server as SVG, no script) and the province officer's page (enter one
price, import a file)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from dantoc.citizens import market, permissions, selectors
from dantoc.citizens.forms import PriceForm, PriceImportForm
from dantoc.citizens.models import MarketProduct
from dantoc.citizens.views import _page
from dantoc.core.errors import ImportRejected
from dantoc.core.pagecache import public_page
from dantoc.geo.models import UnitLevel
from dantoc.geo.selectors import unit_get

CHART_W, CHART_H = 320, 170
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 58, 8, 10, 24
# Lines told apart by dash as well as colour (readable in grey and by colour-blind readers).
STYLES = [("#0b5cad", ""), ("#b3261e", "6 3"), ("#1b7a3a", "2 3"), ("#6a3fa0", "8 3 2 3")]


def _province_or_404(code: str):
    province = unit_get(code=code)
    if province is None or province.level != UnitLevel.PROVINCE:
        raise Http404
    return province


@require_safe
@public_page
def prices_home(request):
    commune = selectors.commune_for_code(request.COOKIES.get("dantoc_commune"))
    mine = commune.parent if commune and commune.parent_id else None
    return _page(
        request,
        "citizens/prices/home.html",
        {"provinces": list(selectors.price_provinces()), "mine": mine},
    )


@require_safe
@public_page
def prices_province(request, code: str):
    province = _province_or_404(code)
    return _page(
        request,
        "citizens/prices/province.html",
        {"province": province, "latest": selectors.latest_prices(province=province)},
    )


def _ticks(low: int, high: int) -> list[int]:
    """Three round price marks between ``low`` and ``high``."""
    span = max(high - low, 1)
    step = 10 ** max(len(str(span // 2)) - 1, 0)
    for factor in (1, 2, 5, 10):
        if span / (step * factor) <= 3:
            step *= factor
            break
    first = (low // step) * step
    return [v for v in range(first, high + step, step) if low <= v <= high] or [low]


def price_chart(series: list[selectors.PriceSeries]) -> dict | None:
    """Polylines of each market's prices, scaled into a small SVG (the page draws it)."""
    points = [p for s in series for p in s.points]
    if not points:
        return None
    first = min(d for d, _v in points)
    last = max(d for d, _v in points)
    low = min(v for _d, v in points)
    high = max(v for _d, v in points)
    margin = max((high - low) // 10, 1)
    low, high = max(low - margin, 0), high + margin
    days = max((last - first).days, 1)
    inner_w = CHART_W - PAD_LEFT - PAD_RIGHT
    inner_h = CHART_H - PAD_TOP - PAD_BOTTOM

    # Coordinates as text made here: a template would write a float with the locale's
    # decimal comma, which SVG does not read.
    def x(day: datetime.date) -> str:
        return f"{PAD_LEFT + inner_w * (day - first).days / days:.1f}"

    def y(value: int) -> str:
        return f"{PAD_TOP + inner_h * (1 - (value - low) / (high - low)):.1f}"

    lines = []
    for index, s in enumerate(series):
        colour, dash = STYLES[index % len(STYLES)]
        lines.append(
            {
                "market": s.market,
                "colour": colour,
                "dash": dash,
                "points": " ".join(f"{x(d)},{y(v)}" for d, v in s.points),
            }
        )
    months = []
    cursor = first.replace(day=1)
    while cursor <= last:
        if cursor >= first:
            months.append({"x": x(cursor), "label": f"{cursor.month}/{cursor:%y}"})
        cursor = (cursor + datetime.timedelta(days=32)).replace(day=1)
    return {
        "width": CHART_W,
        "height": CHART_H,
        "left": PAD_LEFT,
        "label_x": PAD_LEFT - 4,
        "right": CHART_W - PAD_RIGHT,
        "bottom": CHART_H - PAD_BOTTOM,
        "label_y": CHART_H - 6,
        "lines": lines,
        "ticks": [{"y": y(v), "label": v} for v in _ticks(low, high)],
        "months": months,
        "first": first,
        "last": last,
    }


@require_safe
@public_page
def prices_product(request, code: str, product: str):
    province = _province_or_404(code)
    found = MarketProduct.objects.filter(code=product).first()
    if found is None:
        raise Http404
    series = selectors.price_series(province=province, product=found)
    return _page(
        request,
        "citizens/prices/product.html",
        {
            "province": province,
            "product": found,
            "series": series,
            "chart": price_chart(series),
            "rows": sorted(((d, s.market, v) for s in series for d, v in s.points), reverse=True)[
                :60
            ],
        },
    )


# --- the province officer's page -------------------------------------------------------------


def officer_required(view):
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not permissions.is_price_officer(request.user):
            raise PermissionDenied(_("Trang này dành cho cán bộ cấp tỉnh."))
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@officer_required
def prices_enter(request):
    """Enter a price or import a file for one of the officer's provinces; the latest rows."""
    provinces = selectors.officer_provinces(user=request.user)
    form = PriceForm(provinces=provinces, prefix="gia")
    upload = PriceImportForm(provinces=provinces, prefix="tep")
    import_errors = []
    if request.method == "POST" and "gia-product" in request.POST:
        form = PriceForm(request.POST, provinces=provinces, prefix="gia")
        if form.is_valid():
            data = form.cleaned_data
            try:
                market.price_save(
                    actor=request.user,
                    province=data["province"],
                    market=data["market"],
                    product=data["product"],
                    on=data["on"],
                    price=data["price"],
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("Đã lưu giá."))
                return redirect("citizens:prices_enter")
    elif request.method == "POST":
        upload = PriceImportForm(request.POST, request.FILES, provinces=provinces, prefix="tep")
        if upload.is_valid():
            try:
                result = market.prices_import(
                    actor=request.user,
                    province=upload.cleaned_data["province"],
                    data=upload.cleaned_data["file"].read(market.MAX_IMPORT_BYTES + 1),
                )
            except ImportRejected as exc:
                import_errors = exc.errors
            else:
                messages.success(
                    request,
                    _("Đã nhập %(n)s giá mới, cập nhật %(u)s giá.")
                    % {"n": result.created, "u": result.updated},
                )
                return redirect("citizens:prices_enter")
    page = Paginator(selectors.prices_for_officer(user=request.user), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "citizens/prices/enter.html",
        {
            "form": form,
            "upload": upload,
            "import_errors": import_errors,
            "page": page,
            "products": MarketProduct.objects.all(),
        },
    )
