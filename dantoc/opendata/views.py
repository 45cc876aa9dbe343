"""Open-data pages: the public catalogue and data-set pages, the downloads, and the
officers' data-set editor."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseGone, HttpResponseNotModified
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dantoc.analytics.charts import RankItem, ranking_bars
from dantoc.opendata import dcat, selectors, services
from dantoc.opendata.apis import catalog_rdf_response, dataset_rdf_response
from dantoc.opendata.forms import DatasetForm
from dantoc.opendata.models import LICENCE_URLS, Dataset, DatasetState, FileFormat
from dantoc.opendata.permissions import can_manage_datasets, can_publish_for

PAGE_SIZE = 20
PREVIEW_ROWS = 10
# Catalogue filters a visitor can click: query parameter → search field.
FILTERS = ("organization", "groups", "province", "year", "tags", "res_format", "license_id")
FACET_TITLES = {
    "organization": gettext_lazy("Cơ quan công bố"),
    "groups": gettext_lazy("Chủ đề"),
    "province": gettext_lazy("Tỉnh, thành phố"),
    "year": gettext_lazy("Năm"),
    "tags": gettext_lazy("Từ khoá"),
    "res_format": gettext_lazy("Định dạng"),
    "license_id": gettext_lazy("Giấy phép"),
}


def catalogue(request):
    rdf = dcat.negotiate(request.headers.get("Accept", ""))
    if rdf:
        # The catalogue's address answers linked-data clients with the DCAT-AP catalogue
        # (Turtle, JSON-LD or RDF/XML), paged as /catalog.<fmt> is.
        response = catalog_rdf_response(request, rdf)
        patch_vary_headers(response, ["Accept"])
        return response
    text = request.GET.get("q", "").strip()[:200]
    chosen = {f: request.GET.getlist(f) for f in FILTERS if request.GET.getlist(f)}
    try:
        page_number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page_number = 1
    query = selectors.SearchQuery(
        text=text,
        conditions=[selectors.Condition(field=f, values=v) for f, v in chosen.items()],
        sort=[("metadata_modified", True)] if not text else [],
        rows=PAGE_SIZE,
        start=(page_number - 1) * PAGE_SIZE,
        facet_fields=list(FILTERS),
        facet_limit=12,
    )
    try:
        result = selectors.datasets_search_cached(query)
    except selectors.SearchError as exc:
        messages.error(request, str(exc))
        query.conditions = []
        result = selectors.datasets_search(query)
    facets = []
    for name in FILTERS:
        items = []
        for item in result.facets.get(name, []):
            active = item.name in chosen.get(name, [])
            params = _toggle(request.GET, name, item.name)
            items.append((item, active, params))
        if items:
            facets.append((name, FACET_TITLES[name], items))
    pages = Paginator(range(result.count), PAGE_SIZE) if result.count else None
    rest = request.GET.copy()
    rest.pop("page", None)
    response = render(
        request,
        "opendata/catalogue.html",
        {
            "result": result,
            "datasets": _with_organizations(result.datasets),
            "text": text,
            "facets": facets,
            "chosen": chosen,
            "page_obj": pages.get_page(page_number) if pages else None,
            "rest": rest.urlencode(),
            "can_manage": can_manage_datasets(request.user),
        },
    )
    # The same address gives RDF to clients that ask for it: caches must keep both apart.
    patch_vary_headers(response, ["Accept"])
    return _public(request, response)


def _with_organizations(datasets):
    for dataset in datasets:
        dataset.organization = selectors.organization_of(dataset.publisher)
    return datasets


def _toggle(params, name: str, value: str) -> str:
    """The query string with ``name=value`` switched on or off (and back to page 1)."""
    pairs = [(k, v) for k, vs in params.lists() for v in vs if k != "page"]
    if (name, value) in pairs:
        pairs.remove((name, value))
    else:
        pairs.append((name, value))
    return urlencode(pairs)


def _public(request, response):
    """Anonymous catalogue pages may be kept briefly by browsers and proxies."""
    if not request.user.is_authenticated:
        patch_cache_control(response, public=True, max_age=300)
    return response


def dataset_detail(request, name: str):
    dataset = selectors.dataset_get(name, include_unpublished=True)
    if dataset is None or (
        dataset.state == DatasetState.DRAFT and not can_publish_for(request.user, dataset.publisher)
    ):
        raise Http404(_("Không có bộ dữ liệu này."))
    rdf = dcat.negotiate(request.headers.get("Accept", ""))
    if rdf and dataset.state == DatasetState.PUBLISHED:
        # Linked-data clients asking for Turtle, JSON-LD or RDF/XML get the DCAT-AP record.
        return dataset_rdf_response(request, dataset, rdf)
    releases = list(dataset.releases.all())
    latest = releases[0] if releases else None
    # The chart reads the first thousand rows; the table shows the first ten, names only.
    header, rows = selectors.release_preview(latest, limit=1000) if latest else ([], [])
    shown = [
        n
        for n, name in enumerate(header)
        if name.endswith("_name") or name in ("value", "unit_of_measure", "flag")
    ]
    context = {
        "dataset": dataset,
        "organization": selectors.organization_of(dataset.publisher),
        "releases": releases,
        "latest": latest,
        "files": list(latest.files.all()) if latest else [],
        "header": [header[n] for n in shown],
        "rows": [[row[n] for n in shown] for row in rows[:PREVIEW_ROWS]],
        "value_at": shown.index(header.index("value")) if "value" in header else None,
        "chart": _chart(header, rows),
        "licence_url": LICENCE_URLS.get(dataset.licence, ""),
        "can_manage": can_publish_for(request.user, dataset.publisher),
        "groups": selectors.group_title(dataset.theme),
    }
    response = _public(request, render(request, "opendata/dataset.html", context))
    response["Vary"] = "Accept, Cookie"
    return response


def _chart(header: list[str], rows: list[list[str]]):
    """A small bar chart of the preview's first indicator and period, one bar per unit
    (with disaggregations: the first combination of options only, said in the title)."""
    if not rows or "value" not in header:
        return None
    col = {name: n for n, name in enumerate(header)}
    first = rows[0]
    option_cols = [
        n for n, name in enumerate(header) if name.endswith("_name") and n > col["unit_name"]
    ]
    option_codes = [n - 1 for n in option_cols]
    items = []
    for row in rows:
        same = (
            row[col["indicator"]] == first[col["indicator"]]
            and row[col["period"]] == first[col["period"]]
            and all(row[n] == first[n] for n in option_codes)
        )
        if not same:
            continue
        try:
            value = Decimal(row[col["value"]]) if row[col["value"]] else None
        except InvalidOperation:
            value = None
        items.append(RankItem(label=row[col["unit_name"]] or row[col["unit_code"]], value=value))
    if len(items) < 2:
        return None
    options = ", ".join(first[n] for n in option_cols if first[n])
    title = f"{first[col['indicator_name']]}, {first[col['period_name']]}"
    if options:
        title += f" ({options})"
    return ranking_bars(
        title=title,
        items=items,
        unit_label=first[col["unit_of_measure"]],
        max_items=10,
        decimals=0
        if all(i.value is None or i.value == i.value.to_integral() for i in items)
        else 1,
        id_prefix="od",
    )


def release_detail(request, name: str, version: int):
    """A release's own page: its files with sizes and SHA-256 checksums, its date, its
    notes, and the data set's other versions."""
    release = selectors.release_for_page(name, version)
    if release is None:
        raise Http404(_("Không có phiên bản này."))
    dataset = release.dataset
    versions = selectors.release_versions(dataset)
    position = versions.index(release.version)
    context = {
        "dataset": dataset,
        "release": release,
        "files": list(release.files.all()),
        "organization": selectors.organization_of(dataset.publisher),
        "previous": versions[position - 1] if position > 0 else None,
        "next": versions[position + 1] if position + 1 < len(versions) else None,
        "newest": versions[-1],
    }
    return _public(request, render(request, "opendata/release.html", context))


def release_download(request, name: str, version: int, filename: str):
    """A release file at its stable address, ``<name>-v<version>.<format>``; the file never
    changes, so it may be cached for a year."""
    stem, _dot, fmt = filename.rpartition(".")
    if stem != f"{name}-v{version}" or fmt not in FileFormat.values:
        raise Http404(_("Không có tệp này."))
    dataset = Dataset.objects.filter(name=name).exclude(state=DatasetState.DRAFT).first()
    release = selectors.release_get(dataset, version) if dataset else None
    stored = next((f for f in release.files.all() if f.format == fmt), None) if release else None
    if stored is None:
        raise Http404(_("Không có tệp này."))
    if release.withdrawn_at is not None:
        # Withdrawn: it disclosed what it should not have (see opendata_republish).
        return HttpResponseGone(release.withdrawn_note, content_type="text/plain; charset=utf-8")
    etag = f'"{stored.sha256}"'
    if etag in request.headers.get("If-None-Match", ""):
        return HttpResponseNotModified(headers={"ETag": etag})
    response = FileResponse(
        stored.file.open("rb"),
        as_attachment=True,
        filename=f"{name}-v{version}.{fmt}",
        content_type=stored.media_type,
    )
    response["ETag"] = etag
    response["Content-Length"] = str(stored.size)
    patch_cache_control(response, public=True, max_age=31536000, immutable=True)
    return response


def latest_download(request, name: str, fmt: str):
    """The newest release in a format: a redirect to its stable address."""
    dataset = selectors.dataset_get(name)
    latest = selectors.latest_release(dataset) if dataset else None
    if latest is None or fmt not in FileFormat.values:
        raise Http404(_("Bộ dữ liệu chưa có phiên bản nào."))
    return redirect(release_path(name, latest.version, fmt))


def release_path(name: str, version: int, fmt: str) -> str:
    return reverse(
        "opendata:release_download",
        kwargs={"name": name, "version": version, "filename": f"{name}-v{version}.{fmt}"},
    )


# --- the officers' editor ---------------------------------------------------------------


def _require_manager(request) -> None:
    if not can_manage_datasets(request.user):
        raise PermissionDenied(_("Tài khoản này không được quản lý dữ liệu mở."))


@login_required
def manage_list(request):
    _require_manager(request)
    datasets = selectors.datasets_for_manager(request.user)
    return render(request, "opendata/manage_list.html", {"datasets": datasets})


@login_required
def dataset_edit(request, name: str | None = None):
    _require_manager(request)
    dataset = None
    if name is not None:
        dataset = selectors.dataset_get(name, include_unpublished=True)
        if dataset is None or not can_publish_for(request.user, dataset.publisher):
            raise Http404(_("Không có bộ dữ liệu này."))
    if request.method == "POST":
        form = DatasetForm(request.POST, dataset=dataset)
        # Buttons other than "Lưu" show the form again, as filled in, without saving: add the
        # unit found by the picker, or list the periods of a newly chosen frequency.
        step = request.POST.get("step", "")
        if step == "add_unit":
            form.add_unit_step()
        elif step == "show_periods":
            form.redisplay()
        elif form.is_valid():
            try:
                saved = services.dataset_save(
                    actor=request.user, data=form.to_input(), dataset=dataset
                )
            except ValidationError as exc:
                form.add_service_errors(exc.message_dict)
            else:
                messages.success(request, _("Đã lưu bộ dữ liệu “%(t)s”.") % {"t": saved.title})
                return redirect("opendata:dataset", name=saved.name)
    else:
        form = DatasetForm(
            initial=DatasetForm.initial_from(dataset) if dataset else None, dataset=dataset
        )
    return render(request, "opendata/edit.html", {"form": form, "dataset": dataset})


def _managed(request, name: str) -> Dataset:
    _require_manager(request)
    dataset = selectors.dataset_get(name, include_unpublished=True)
    if dataset is None or not can_publish_for(request.user, dataset.publisher):
        raise Http404(_("Không có bộ dữ liệu này."))
    return dataset


@login_required
@require_POST
def dataset_publish(request, name: str):
    dataset = _managed(request, name)
    release = services.dataset_publish(actor=request.user, dataset=dataset)
    messages.success(
        request,
        _("Đã công bố; phiên bản hiện hành: %(v)s (%(n)s dòng, %(s)s ô ẩn vì số nhỏ).")
        % {"v": release.version, "n": release.row_count, "s": release.suppressed_count},
    )
    return redirect("opendata:dataset", name=dataset.name)


@login_required
@require_POST
def dataset_refresh(request, name: str):
    dataset = _managed(request, name)
    if dataset.state != DatasetState.PUBLISHED:
        messages.error(request, _("Chỉ cập nhật được bộ dữ liệu đang công bố."))
    elif services.dataset_refresh(dataset=dataset, reason="Cập nhật thủ công") is None:
        messages.info(request, _("Số liệu không thay đổi: không có phiên bản mới."))
    else:
        messages.success(request, _("Đã tạo phiên bản mới."))
    return redirect("opendata:dataset", name=dataset.name)


@login_required
@require_POST
def dataset_withdraw(request, name: str):
    dataset = _managed(request, name)
    try:
        services.dataset_withdraw(
            actor=request.user, dataset=dataset, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Đã ngừng công bố; các phiên bản cũ vẫn tải được."))
    return redirect("opendata:dataset", name=dataset.name)
