"""Demo warnings (load_demo_data; never in production): a drill (CAP status Test) for flash
floods and landslides in three highland communes of Lào Cai, issued by the province's demo
officer in Vietnamese and Mông, then updated to a higher risk level."""

from __future__ import annotations

import datetime

from django.utils import timezone

from dantoc.accounts.models import User
from dantoc.alerts import services
from dantoc.alerts.models import Alert, AlertStatus, Hazard
from dantoc.geo.models import Unit

COMMUNES = ("02701", "02683", "02728")  # Y Tý, Bát Xát, Mường Hum (Lào Cai, from 1/7/2025)
TEXT = {
    "vi": (
        "DIỄN TẬP: nguy cơ lũ quét, sạt lở đất ở Y Tý, Bát Xát, Mường Hum",
        "Đây là bản tin diễn tập. Mưa lớn 100–200 mm trong 24 giờ có thể gây lũ quét ở các "
        "khe suối nhỏ và sạt lở đất trên sườn dốc.",
        "Không ở lại nhà ven suối, chân taluy; chuẩn bị di dời theo hướng dẫn của thôn, bản; "
        "không qua ngầm, tràn khi nước chảy xiết.",
    ),
    "hmn": (
        "KAWM XYAUM: dej nyab thiab av qeeg hauv Y Tý, Bát Xát, Mường Hum",
        "No yog kev kawm xyaum xwb. Nag loj heev tej zaum yuav ua rau dej nyab thiab av qeeg.",
        "Tsis txhob nyob ze tus dej thiab pob tsuas; npaj khiav raws li lub zos qhia.",
    ),
}


def _content(level: int, now: datetime.datetime) -> services.AlertContent:
    return services.AlertContent(
        hazard=Hazard.FLASH_FLOOD,
        level=level,
        status=AlertStatus.TEST,
        onset=now,
        expires=now + datetime.timedelta(days=30),
        communes=list(Unit.objects.filter(code__in=COMMUNES, valid_to__isnull=True)),
        infos=[services.InfoText(lang, *words) for lang, words in TEXT.items()],
    )


def demo_alerts_load() -> str:
    """Loader ``alerts.demo``: the drill and its update, once (none while one is in force)."""
    if Alert.objects.filter(status=AlertStatus.TEST, expires__gt=timezone.now()).exists():
        return "0"
    officer = User.objects.get(username="tinh.laocai")
    now = timezone.now().replace(second=0, microsecond=0)
    first = services.alert_issue(actor=officer, content=_content(1, now))
    services.alert_update(actor=officer, alert=first, content=_content(2, now))
    return "2"
