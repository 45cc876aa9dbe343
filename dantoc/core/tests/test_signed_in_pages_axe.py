"""Every signed-in page type passes axe-core (WCAG 2.1 A/AA, colour contrast included) for
each persona who can open it (issue 17, defect 5).

The pages are not listed by hand: every URL pattern of the URLconf is opened (with sample
values for its path parameters, taken from the demo data and a small report made here) by
each persona; every answer that is an HTML page is checked in Chromium. A pattern with
parameters and no sample fails the test, so a new page cannot be forgotten; patterns that are
not pages are listed in ``EXCLUDED`` with the reason, or are found to be POST-only (405) or
files (not text/html) and reported as such.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django_otp.oath import TOTP

from conftest import CHROMIUM, PHONE
from dantoc.accounts.demo import DEMO_PASSWORD, DEMO_USERS
from dantoc.core.testing import HttpSession, axe_violations, run_python_json, running_platform

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (make test installs it)"
)
DESKTOP = {"width": 1366, "height": 900}

# The personas of the demo data, each on the screen they work on.
PERSONAS = {
    "commune": ("xa.lungcu", PHONE),
    "province": ("tinh.tuyenquang", DESKTOP),
    "ministry": ("bo.giamsat", DESKTOP),
    "editor": ("bientap", DESKTOP),
    "admin": ("admin", DESKTOP),
}

# URL patterns that are not pages a signed-in official opens, and why.
EXCLUDED = {
    "admin": "Django's own admin site: not part of the platform's pages (kept as Django ships it)",
    "api": "JSON API, not a page (checked by the API contract tests)",
    "api-docs": "Swagger UI, drf-spectacular's page, not ours",
    "accounts:login": "signed-out page (checked by the public pages' axe test)",
    "accounts:logout": "signs out: would end the persona's session",
    "accounts:password_reset": "signed-out pages of the password reset",
    "accounts:password_reset_done": "signed-out pages of the password reset",
    "accounts:password_reset_confirm": "signed-out page; needs a one-time token",
    "accounts:2fa_verify": "only between password and second factor (checked in the 2FA tests)",
    "portal:language": "redirects to the page it was called from",
    "notifications:notification_read": "marks read and redirects to the notification's page",
    "i18n": "Django's set_language: POST only",
    "healthz": "plain text for load balancers",
    "core:favicon": "the site's icon, not a page",
    "media:file": "serves a stored file, not a page",
    "portal:attachment": "serves a document's attached file, not a page",
    "portal:image": "serves an article's picture, not a page",
    "analytics:report-pdf": "the aggregate report as a PDF document, not a page",
    "analytics:report-xlsx": "the aggregate report as a workbook, not a page",
    "opendata:latest": "a dataset's file, not a page",
    "library:file": "serves a library item's PDF, not a page",
    "library:audio": "serves a library item's recording, not a page",
    "opendata:release_download": "a dataset release's file, not a page",
    "reporting:approve_many": "opened only with the reports chosen (?s=…); without them it "
    "redirects: axe-checked with a choice in reporting/tests/test_approvals_browser.py",
    "reporting:service_worker": "the offline entry's service worker script (/sw.js), not a page",
}

# Pages everyone sees alike apart from the header (which every other page checks for every
# persona): checked once, as the editor who works on them.
PUBLIC_PREFIXES = (
    "portal:",
    "opendata:catalogue",
    "opendata:dataset",
    "geo:",
    "programmes:",
    "citizens:",
    "library:",
)

FORM = {
    "code": "BM-AXE",
    "name": "Biểu thử nghiệm: khả năng tiếp cận",
    "period_type": "thang",
    "reporting_level": "commune",
    "opens_days_before_end": 31,
    "locks_days_after_end": 40,
    "deadlines": {"commune": 10},
    "sections": [
        {
            "code": "A",
            "title": "Vốn dự án 1",
            "columns": [
                {"code": "KH", "label": "Kế hoạch", "indicator": "VON_KH", "options": {}},
                {"code": "GN", "label": "Giải ngân", "indicator": "VON_GN", "options": {}},
            ],
            "rows": [
                {
                    "code": "TW",
                    "label": "Ngân sách trung ương",
                    "options": {"DU_AN": "DA1", "LOAI_VON": "DTPT", "NGUON_VON": "TW"},
                }
            ],
        }
    ],
    "rules": [
        {
            "code": "GN_LE_KH",
            "left": "#{VON_GN}",
            "operator": "<=",
            "right": "#{VON_KH}",
            "importance": "warning",
            "message": "Giải ngân không được vượt kế hoạch.",
        }
    ],
}

# A submitted report (with a value and its history), an integration client with a webhook,
# and the ids of demo rows, for the pages' path parameters.
SAMPLES = f"""
import json
from dantoc.accounts.models import User
from dantoc.reporting import services, selectors
from dantoc.integration.services import client_create
from dantoc.integration.services.webhooks import subscription_create
from dantoc.integration.models import IntegrationClient
from dantoc.geo.selectors import unit_get
from dantoc.portal.models import Article, LegalDocument, Agency, ContentRevision, LegalDocumentAttachment as Attachment
from dantoc.portal.models import SECTION_OF_KIND
from dantoc.opendata.models import Dataset
from dantoc.indicators.models import Indicator
from dantoc.programmes.models import Programme
from dantoc.notifications.models import Notification
from dantoc.media.models import MediaAsset

form, _ = services.form_define(definition=json.loads({json.dumps(json.dumps(FORM))}))
period = services.period_resolve(period_type=form.period_type, code=selectors.open_periods(form)[0].code)
commune, admin = User.objects.get(username="xa.lungcu"), User.objects.get(username="admin")
unit = unit_get(code="00715")
layout = selectors.form_layout(form)
key = next(iter(layout.cells))
for value in ("100", "120"):
    services.datavalues_save(actor=commune, form=form, unit=unit, period=period,
        inputs=[services.CellInput(key, value, None)], source="web")
services.submission_submit(actor=commune, form=form, unit=unit, period=period)
issued = client_create(actor=admin, name="Cổng tỉnh thử nghiệm", unit=unit_get(code="08"),
    scopes=["content:read", "webhooks"])
client = IntegrationClient.objects.get(name="Cổng tỉnh thử nghiệm")
from django.conf import settings
settings.INTEGRATION_WEBHOOK_ALLOW_PRIVATE = True  # no DNS here: a literal address
hook = subscription_create(actor=admin, client=client, url="https://127.0.0.1/hook")
article = Article.objects.filter(status="published").first()
# A picture kept as a media asset, and an edit to a published article waiting for a second
# editor (a revision), so that their pages are checked too.
import io
from PIL import Image
from django.core.files.uploadedfile import SimpleUploadedFile
from dantoc.media.services import asset_upload
from dantoc.portal.services import article_save
picture = io.BytesIO()
Image.new("RGB", (40, 30), "#9a1b1b").save(picture, "PNG")
editor = User.objects.get(username="bientap")
asset_upload(actor=editor, file=SimpleUploadedFile("anh.png", picture.getvalue(), "image/png"),
    allowed_kinds=["image"], owner_unit=editor.unit, process=False)
article_save(actor=editor, article=article, unit=article.unit, kind=article.kind,
    title=article.title + " (sửa)", summary=article.summary, body=article.body)
document = LegalDocument.objects.filter(status="published").first()
revision = ContentRevision.objects.first()
# A design of a new version of the form (the ministry officer's own draft), a finished
# background job with a file to download (the province officer's), and a data set's release.
from dantoc.reporting.designer.services import form_draft_start
from dantoc.core.jobs import JobOutcome, job_create, job_run
from dantoc.opendata.models import Release
draft = form_draft_start(actor=User.objects.get(username="bo.giamsat"), based_on=form)
job = job_create(owner=User.objects.get(username="tinh.tuyenquang"), kind="axe",
    title="Báo cáo tổng hợp thử nghiệm", params={{}}, enqueue=lambda job_id: None)
job_run(str(job.pk), lambda job: JobOutcome(messages=[("success", "Đã xong.")],
    output="so_ho\\r\\n12\\r\\n".encode(), output_name="tong-hop.csv", output_type="text/csv"))
release = Release.objects.filter(dataset__state="published").order_by("dataset__name", "version").first()
attachment = Attachment.objects.first()
asset = MediaAsset.objects.first()
# A drill warning by the commune officer, which the commune and province officers may change.
import datetime
from django.utils import timezone
from dantoc.alerts.services import AlertContent, InfoText, alert_issue
now = timezone.now()
alert = alert_issue(actor=commune, content=AlertContent(hazard="lu_quet", level=3, status="Test",
    onset=now, expires=now + datetime.timedelta(days=2), communes=[unit],
    infos=[InfoText("vi", "Diễn tập lũ quét", "Mưa lớn.", "Tránh xa suối.")]))
from dantoc.citizens.models import CitizenItem
citizen = CitizenItem.objects.filter(status="published").order_by("id").first()
from dantoc.library.models import LibraryItem
book = LibraryItem.objects.filter(status="published", text_state="ready").order_by("id").first()
print(json.dumps({{
    "form": form.code, "version": form.version, "period": period.code, "unit": unit.code,
    "key": key, "user": commune.pk, "client": client.pk, "hook": str(hook.uuid),
    "article": str(article.uuid), "section": SECTION_OF_KIND[article.kind], "slug": article.slug,
    "document": str(document.uuid), "document_slug": document.slug,
    "agency": str(Agency.objects.first().uuid),
    "revision": str(revision.uuid) if revision else None,
    "attachment": str(attachment.uuid) if attachment else None,
    "asset": str(asset.uuid) if asset else None,
    "alert": str(alert.uuid),
    "dataset": Dataset.objects.filter(state="published").first().name,
    "indicator": Indicator.objects.order_by("code").first().code,
    "programme": Programme.objects.order_by("code").first().code,
    "draft": draft.pk, "job": str(job.pk),
    "release": [release.dataset.name, release.version],
    "notification": Notification.objects.filter(recipient__username="tinh.tuyenquang").first().pk,
    "citizen": str(citizen.uuid), "citizen_topic": citizen.topic, "citizen_slug": citizen.slug,
    "book": str(book.uuid),
}}))
"""


def url_kwargs(s: dict) -> dict[str, dict | None]:
    """Path parameters of each page pattern that has some (None: no sample in the data)."""
    report = {"form_code": s["form"], "period_code": s["period"], "unit_code": s["unit"]}
    return {
        "geo:unit_detail": {"code": "08"},
        "programmes:programme_detail": {"code": s["programme"]},
        "media:asset": {"uuid": s["asset"]} if s["asset"] else None,
        "media:asset_retry": {"uuid": s["asset"]} if s["asset"] else None,
        "accounts:user_detail": {"pk": s["user"]},
        "accounts:user_edit": {"pk": s["user"]},
        "accounts:user_set_active": {"pk": s["user"]},
        "accounts:user_password_reset": {"pk": s["user"]},
        "accounts:user_totp_reset": {"pk": s["user"]},
        "core:job": {"job_id": s["job"]},
        "core:job_download": {"job_id": s["job"]},
        "reporting:form_detail": {"code": s["form"], "version": s["version"]},
        "reporting:form_publish": {"code": s["form"], "version": s["version"]},
        "reporting:form_json": {"code": s["form"], "version": s["version"]},
        "reporting:design_from_version": {"code": s["form"], "version": s["version"]},
        "reporting:design_edit": {"pk": s["draft"]},
        "reporting:design_step": {"pk": s["draft"], "step": "header"},
        "reporting:design_item": {"pk": s["draft"]},
        "reporting:design_preview": {"pk": s["draft"]},
        "reporting:design_save": {"pk": s["draft"]},
        "reporting:design_discard": {"pk": s["draft"]},
        "reporting:design_json": {"pk": s["draft"]},
        "reporting:indicator_edit": {"code": s["indicator"]},
        "reporting:completeness": {"form_code": s["form"], "period_code": s["period"]},
        "reporting:completeness_remind": {"form_code": s["form"], "period_code": s["period"]},
        "reporting:report": report,
        "reporting:report_xlsx_download": report,
        "reporting:report_xlsx_upload": report,
        "reporting:report_submit": report,
        "reporting:report_approve": report,
        "reporting:report_return": report,
        "reporting:report_waive": report,
        "reporting:value_history": {**report, "key": s["key"]},
        "notifications:notification_read": {"pk": s["notification"]},
        "opendata:edit": {"name": s["dataset"]},
        "opendata:publish": {"name": s["dataset"]},
        "opendata:refresh": {"name": s["dataset"]},
        "opendata:withdraw": {"name": s["dataset"]},
        "opendata:dataset": {"name": s["dataset"]},
        "opendata:release": {"name": s["release"][0], "version": s["release"][1]},
        "alerts:public_detail": {"uuid": s["alert"]},
        "alerts:cap_document": {"uuid": s["alert"]},
        "alerts:update": {"uuid": s["alert"]},
        "alerts:cancel": {"uuid": s["alert"]},
        "portal:document_feed": {},
        "portal:document": {"slug": s["document_slug"]},
        "portal:areas_province": {"code": "08"},
        "portal:language": {"code": "en"},
        "portal:section": {"section": s["section"]},
        "portal:feed": {"section": s["section"]},
        "portal:article": {"section": s["section"], "slug": s["slug"]},
        "portal:editor_article": {"uuid": s["article"]},
        "portal:editor_article_translation": {"uuid": s["article"]},
        "portal:editor_article_action": {"uuid": s["article"], "action": "submit"},
        "portal:editor_document": {"uuid": s["document"]},
        "portal:editor_document_action": {"uuid": s["document"], "action": "submit"},
        "portal:editor_revision": {"uuid": s["revision"]} if s["revision"] else None,
        "portal:editor_revision_action": {"uuid": s["revision"], "action": "approve"}
        if s["revision"]
        else None,
        "portal:editor_agency": {"uuid": s["agency"]},
        "portal:editor_agency_delete": {"uuid": s["agency"]},
        "integration:client_detail": {"pk": s["client"]},
        "integration:client_edit": {"pk": s["client"]},
        "integration:client_rotate": {"pk": s["client"]},
        "integration:client_active": {"pk": s["client"]},
        "integration:subscription_create": {"pk": s["client"]},
        "integration:subscription_delete": {"uuid": s["hook"]},
        "integration:message_retry": {"webhook_id": "msg_unknown"},
        "citizens:topic": {"topic": s["citizen_topic"]},
        "citizens:item": {"topic": s["citizen_topic"], "slug": s["citizen_slug"]},
        "citizens:print": {"topic": s["citizen_topic"], "slug": s["citizen_slug"]},
        "citizens:editor_item": {"uuid": s["citizen"]},
        "citizens:editor_translation": {"uuid": s["citizen"]},
        "citizens:editor_action": {"uuid": s["citizen"], "action": "gui-duyet"},
        "library:opds_type": {"doc_type": "sach"},
        "library:item": {"uuid": s["book"]},
        "library:reader": {"uuid": s["book"]},
        "library:text": {"uuid": s["book"]},
        "library:editor_item": {"uuid": s["book"]},
        "library:editor_action": {"uuid": s["book"], "action": "gui-duyet"},
    }


def patterns(resolver=None, prefix: str = "", namespace: str = ""):
    """(name with namespace, route, parameter names) of every pattern of the URLconf."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            if ns == "admin" or route.startswith("i18n/"):
                yield (ns or "i18n"), route, ()
                continue
            yield from patterns(entry, route, full_ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or "")
            yield name, route, tuple(entry.pattern.converters)


def excluded(name: str, route: str) -> str | None:
    if name in EXCLUDED:
        return EXCLUDED[name]
    if name.startswith("api") or route.startswith("api/") or "_api" in name:
        return EXCLUDED["api"]
    return None


def fill(route: str, kwargs: dict) -> str:
    import re

    def value(match):
        return str(kwargs[match.group(2)])

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", value, route)


def signed_in(base: str, username: str) -> HttpSession:
    session = HttpSession(base)
    session.sign_in(username, DEMO_PASSWORD)
    key_hex = next(u[5] for u in DEMO_USERS if u[0] == username)
    if key_hex:
        token = f"{TOTP(bytes.fromhex(key_hex)).token():06d}"
        answer = session.post_form("/accounts/2fa/verify/", {"token": token})
        assert answer.status == 302, answer.text[:300]
    return session


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_platform(workdir=tmp_path_factory.mktemp("axe")) as (db, served):
        yield served.url, run_python_json(db, SAMPLES), served


def test_every_signed_in_page_has_no_accessibility_violations(server, browser):
    base, samples, served = server
    kwargs = url_kwargs(samples)
    pages, not_pages, missing = [], {}, []
    for name, route, params in patterns():
        reason = excluded(name, route)
        if reason:
            not_pages[name or route] = reason
            continue
        if params:
            if kwargs.get(name) is None:
                missing.append(name or route)
                continue
            pages.append((name, fill(route, kwargs[name])))
        else:
            pages.append((name, "/" + route))
    assert not missing, f"pages with no sample for their path parameters: {missing}"

    sessions = {persona: signed_in(base, u) for persona, (u, _size) in PERSONAS.items()}
    to_check: dict[str, list[tuple[str, str]]] = {p: [] for p in PERSONAS}
    opened: set[str] = set()
    for name, path in pages:
        public = name.startswith(PUBLIC_PREFIXES) and not name.startswith("portal:editor")
        for persona, session in sessions.items():
            if public and persona != "editor":
                continue
            answer = session.get(path)
            assert answer.status < 500, (persona, path, answer.status, served.log_tail())
            kind = answer.headers.get("Content-Type", "")
            if answer.status == 405:
                not_pages[name] = "POST only: the page it returns to is checked"
            elif answer.status == 200 and not kind.startswith("text/html"):
                not_pages[name] = f"a file ({kind.split(';')[0]}), not a page"
            elif answer.status == 200:
                to_check[persona].append((name, path))
                opened.add(name)
    never = sorted({n for n, _ in pages} - opened - set(not_pages))
    # Every remaining pattern is a page some persona opened, or is explained above.
    assert not never, f"page patterns no persona could open: {never}"

    found = {}
    for persona, (_username, size) in PERSONAS.items():
        context = browser.new_context(viewport=size, locale="vi-VN")
        context.add_cookies(
            [{"name": c.name, "value": c.value, "url": base} for c in sessions[persona].cookies]
        )
        page = context.new_page()
        try:
            for _name, path in to_check[persona]:
                page.goto(base + path, wait_until="load")
                violations = axe_violations(page)
                if violations:
                    found[f"{persona} {path}"] = violations
        finally:
            context.close()
    checked = sum(len(v) for v in to_check.values())
    print(f"axe: {checked} (persona, page) pairs, {len(opened)} page patterns; not pages:")
    for name, why in sorted(not_pages.items()):
        print(f"  {name}: {why}")
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)
    assert len(opened) >= 40  # the URLconf's pages were really reached
