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
    "meetings:janus_events": "Janus's event handler posts here (loopback, its own password)",
    "meetings:room": "the room needs the media server (Janus), which this platform runs "
    "without: axe-checked with Janus in meetings/tests/test_meetings_browser.py",
    "citizens:audio": "a recording's audio file, not a page",
    "citizens:ocop_photo": "an OCOP product's photo, not a page",
    "citizens:share": "counts a share, then redirects to Facebook or answers a beacon",
    "channels:requeue": "POST only: queues a failed message again and redirects to the outbox",
    "channels:zalo_webhook": "Zalo's signed event callback (POST only), not a page",
    "experts:register": "for people without an official role (checked in experts/tests)",
    "experts:invitation": "signed-out page; needs an invitation's one-time token",
    "experts:my_profile": "the expert's own page: experts hold no official role "
    "(axe-checked in experts/tests/test_browser.py)",
    "experts:my_data": "the expert's own data as a JSON file, not a page",
    "experts:photo": "serves an expert's photo, not a page",
    "experts:document": "serves an expert's document (restricted, logged), not a page",
    "oai": "the OAI-PMH provider: XML for harvesters (heritage/tests/test_oai.py)",
    "heritage:feed": "an RSS feed, not a page",
    "heritage:media_file": "serves a heritage file, not a page",
    "heritage:manifest": "a IIIF manifest (JSON), not a page",
    "heritage:iiif_base": "redirects to the IIIF image's info.json",
    "heritage:iiif_info": "IIIF image information (JSON), not a page",
    "heritage:iiif_image": "an image made by the IIIF service, not a page",
    "heritage:media_upload": "POST only: adds a file and redirects",
    "heritage:media_upload_piece": "POST only: one piece of a large upload (JSON), not a page",
    "heritage:item_step": "POST only: moves the item through the workflow and redirects",
    "heritage:revision_step": "POST only: moves a change of a published item and redirects",
    "training:lesson_media": "a lesson's picture, audio or video file (the demo lessons have none)",
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
    "channels:subscribe",
    "channels:confirm",
    "channels:subscribed",
    "channels:unsubscribe",
)
# Pages under those prefixes that are for officers, not for everyone.
OFFICER_PAGES = (
    "citizens:prices_enter",
    "citizens:ocop_editor_list",
    "citizens:ocop_new",
    "citizens:ocop_edit",
    "citizens:ocop_action",
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
# A river-level device of Lũng Cú (the province officer's) whose reading crossed its threshold.
from dantoc.sensors import services as sensors
device, secret = sensors.device_register(actor=User.objects.get(username="tinh.tuyenquang"),
    name="Trạm mực nước Lũng Cú", kind="river_level", unit=unit)
sensors.datastream_create(actor=User.objects.get(username="tinh.tuyenquang"), device=device,
    code="muc_nuoc", name="Mực nước", observed_property="Mực nước", unit_of_measurement="cm",
    threshold=250, hazard="lu_quet")
sensors.readings_ingest(messages=[sensors.Message(str(device.uuid), secret, [{{"stream": "muc_nuoc",
    "phenomenonTime": now.isoformat(), "result": 260}}])])
from dantoc.sensors.models import ThresholdCrossing
from dantoc.citizens.models import CitizenItem
citizen = CitizenItem.objects.filter(status="published").order_by("id").first()
# The demo's meeting now in progress (its invitation's check-in code, a follow-up task, the
# commune officer's calendar feed).
from dantoc.meetings.models import FollowUpTask, Invitation, Meeting
from dantoc.meetings.services import calendar_feed_get_or_create
meeting = Meeting.objects.filter(status="scheduled", mode="ket_hop").order_by("id").first()
from dantoc.citizens.models import OcopProduct
ocop = OcopProduct.objects.filter(status="published").order_by("id").first()
from dantoc.training.models import Certificate as TrCertificate, Course as TrCourse
from dantoc.training.models import Event as TrEvent, Participant as TrParticipant
from dantoc.training.services import checkin_token
tr_participant = TrParticipant.objects.filter(status="confirmed").order_by("pk").first()
# A citizen's SMS subscription waiting for its code, and a confirmed one of the demo data.
from dantoc.channels.models import Subscription
from dantoc.channels.services import subscription_sms_start
pending, _sent = subscription_sms_start(phone="0862000999", commune=unit, consent=True)
subscribed = Subscription.objects.filter(confirmed_at__isnull=False).first()
# A demo expert who lets officials see their contact, and one who asked for deletion.
from dantoc.experts.models import Expert
expert = Expert.objects.filter(consent_officials=True, consent_public=True).order_by("pk").first()
leaving = Expert.objects.exclude(pk=expert.pk).order_by("pk").last()
leaving.deletion_requested_at = now
leaving.save(update_fields=["deletion_requested_at"])
from dantoc.library.models import LibraryItem
book = LibraryItem.objects.filter(status="published", text_state="ready").order_by("id").first()
from dantoc.heritage.models import HeritageItem, Protocol
heritage = HeritageItem.objects.filter(status="published", unit__code="00715").order_by("id").first()
protocol = Protocol.objects.filter(memberships__user=commune, memberships__is_steward=True).first()
print(json.dumps({{
    "meeting": str(meeting.uuid), "checkin": meeting.invitations.first().checkin_code,
    "meeting_task": FollowUpTask.objects.order_by("id").first().pk,
    "feed": calendar_feed_get_or_create(user=commune).token,
    "heritage": str(heritage.uuid), "protocol": str(protocol.uuid),
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
    "device": str(device.uuid), "crossing": ThresholdCrossing.objects.get(datastream__device=device).pk,
    "citizen": str(citizen.uuid), "citizen_topic": citizen.topic, "citizen_slug": citizen.slug,
    "ocop": str(ocop.uuid) if ocop else None, "ocop_slug": ocop.slug if ocop else None,
    "tr_event": str(TrEvent.objects.order_by("starts_at").first().uuid),
    "tr_course": str(TrCourse.objects.first().uuid),
    "tr_certificate": str(TrCertificate.objects.order_by("pk").first().uuid),
    "tr_participant": tr_participant.pk, "tr_participant_event": str(tr_participant.event.uuid),
    "tr_token": checkin_token(tr_participant),
    "tr_material": str(TrEvent.objects.order_by("starts_at").first().materials.first().uuid),
    "sub_pending": str(pending.uuid), "sub": str(subscribed.uuid),
    "sub_token": subscribed.unsubscribe_token,
    "expert": str(expert.uuid), "leaving_expert": str(leaving.uuid),
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
        "heritage:item_detail": {"uuid": s["heritage"]},
        "heritage:manage_item": {"uuid": s["heritage"]},
        "heritage:translations": {"uuid": s["heritage"]},
        "heritage:protocol_members": {"uuid": s["protocol"]},
        "alerts:cap_document": {"uuid": s["alert"]},
        "alerts:update": {"uuid": s["alert"]},
        "alerts:cancel": {"uuid": s["alert"]},
        "channels:confirm": {"uuid": s["sub_pending"]},
        "channels:subscribed": {"uuid": s["sub"]},
        "channels:unsubscribe": {"token": s["sub_token"]},
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
        "sensors:device_detail": {"uuid": s["device"]},
        "sensors:device_revoke": {"uuid": s["device"]},
        "sensors:device_secret_renew": {"uuid": s["device"]},
        "sensors:crossing_decide": {"pk": s["crossing"]},
        "citizens:topic": {"topic": s["citizen_topic"]},
        "citizens:item": {"topic": s["citizen_topic"], "slug": s["citizen_slug"]},
        "citizens:print": {"topic": s["citizen_topic"], "slug": s["citizen_slug"]},
        "citizens:editor_item": {"uuid": s["citizen"]},
        "citizens:editor_translation": {"uuid": s["citizen"]},
        "citizens:editor_action": {"uuid": s["citizen"], "action": "gui-duyet"},
        **{
            f"meetings:{name}": {"uuid": s["meeting"]}
            for name in (
                "detail",
                "edit",
                "cancel",
                "invitation_ics",
                "room",
                "attendance",
                "checkin_code",
                "minutes",
                "document_upload",
            )
        },
        "meetings:checkin": {"uuid": s["meeting"], "code": s["checkin"]},
        "meetings:task_done": {"pk": s["meeting_task"]},
        "meetings:feed": {"token": s["feed"]},
        "citizens:editor_audio": {"uuid": s["citizen"]},
        "citizens:prices_province": {"code": "08"},
        "citizens:prices_product": {"code": "08", "product": "lon-hoi"},
        "citizens:ocop_product": {"slug": s["ocop_slug"]} if s["ocop_slug"] else None,
        "citizens:ocop_edit": {"uuid": s["ocop"]} if s["ocop"] else None,
        "citizens:ocop_action": {"uuid": s["ocop"], "action": "gui-duyet"} if s["ocop"] else None,
        "citizens:audio": None,
        "citizens:ocop_photo": None,
        "citizens:share": None,
        "training:event_detail": {"uuid": s["tr_event"]},
        "training:event_audience": {"uuid": s["tr_event"]},
        "training:material_create": {"uuid": s["tr_event"]},
        "training:material_file": {"uuid": s["tr_event"], "material": s["tr_material"]},
        "training:material_remove": {"uuid": s["tr_event"], "material": s["tr_material"]},
        "training:event_register": {"uuid": s["tr_event"]},
        "training:event_nominate": {"uuid": s["tr_event"]},
        "training:session_create": {"uuid": s["tr_event"]},
        "training:attendance_manual": {"uuid": s["tr_event"]},
        "training:headcount_save": {"uuid": s["tr_event"]},
        "training:event_finish": {"uuid": s["tr_event"]},
        "training:event_cancel": {"uuid": s["tr_event"]},
        "training:feedback": {"uuid": s["tr_event"]},
        "training:event_ics": {"uuid": s["tr_event"]},
        "training:checkin_qr": {"uuid": s["tr_event"]},
        "training:participant_action": {
            "uuid": s["tr_participant_event"],
            "pk": s["tr_participant"],
            "verb": "xac-nhan",
        },
        "training:checkin": {"token": s["tr_token"]},
        "training:course_detail": {"uuid": s["tr_course"]},
        "training:course_edit": {"uuid": s["tr_course"]},
        "training:lesson_detail": {"uuid": s["tr_course"], "position": 1},
        "training:quiz": {"uuid": s["tr_course"]},
        "training:certificate_verify": {"uuid": s["tr_certificate"]},
        "training:certificate_pdf": {"uuid": s["tr_certificate"]},
        "training:certificate_credential": {"uuid": s["tr_certificate"]},
        "training:certificate_revoke": {"uuid": s["tr_certificate"]},
        "experts:export": {"fmt": "xlsx"},
        "experts:profile": {"uuid": s["expert"]},
        "experts:profile_jsonld": {"uuid": s["expert"]},
        "experts:contact": {"uuid": s["expert"]},
        "experts:verify": {"uuid": s["expert"]},
        "experts:engagement": {"uuid": s["expert"]},
        "experts:erase": {"uuid": s["leaving_expert"]},
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
        public = (
            name.startswith(PUBLIC_PREFIXES)
            and not name.startswith("portal:editor")
            and name not in OFFICER_PAGES
        )
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
