"""Page weight of the light pages: bytes of HTML+CSS+JS a phone downloads on first load.

Run after `make run` has set up the database (or point DATABASE_URL at one that has the
reference and demo data):  .venv/bin/python benchmarks/page_weight.py
Prints one JSON document: per page the raw and gzip-compressed bytes, against the 60 KB budget
of issues 2, 5 and 6 (100 KB for the dashboards of issue 4); the baseline column is the same page without compression (what a server without
gzip would send). ``benchmark()`` is the run without the printing, for ``benchmarks/headline.py``
(which points DATABASE_URL at a database of its own, set up as `make run` does).
"""

from __future__ import annotations

import gzip
import json
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

BUDGET = 60 * 1024
PAGES = [
    ("/", None),
    ("/", "xa.lungcu"),
    ("/units/", None),
    ("/units/?as_of=2025-06-30", None),
    ("/units/08/", None),
    ("/units/01/", None),
    ("/units/02/", None),
    ("/units/00715/", None),
    ("/ethnic-groups/", None),
    ("/programmes/CTMTQG-1719/", None),
    ("/accounts/login/", None),
]
# Issue 5: every public page of the portal (demo content of load_demo_data).
PORTAL_PAGES = [
    ("/cong-thong-tin/", None),
    ("/cong-thong-tin/tin-tuc/", None),
    (
        "/cong-thong-tin/chuong-trinh/gioi-thieu-chuong-trinh-mtqg-phat-trien-kt-xh-vung-dong-bao-dttsmn/",
        None,
    ),
    (
        "/cong-thong-tin/tin-tuc/huong-dan-moi-ve-quan-ly-to-chuc-thuc-hien-cac-chuong-trinh-muc-tieu-quoc-gia/",
        None,
    ),
    ("/cong-thong-tin/van-ban/?loai=nghi_dinh", None),
    ("/cong-thong-tin/van-ban/", None),
    ("/cong-thong-tin/van-ban/27-2022-nd-cp/", None),
    ("/cong-thong-tin/dia-ban/", None),
    ("/cong-thong-tin/dia-ban/08/", None),
    ("/cong-thong-tin/dia-ban/08/?tat-ca=1", None),
    ("/cong-thong-tin/co-quan/", None),
    ("/cong-thong-tin/tim-kiem/?q=quyet+dinh+330", None),
]
# Issue 6: the open-data catalogue and a data set page (demo data sets of load_demo_data).
OPENDATA_PAGES = [
    ("/du-lieu-mo/", None),
    ("/du-lieu-mo/?q=dong+bao", None),
    ("/du-lieu-mo/?groups=econ&province=08", None),
    ("/du-lieu-mo/von-ctmtqg-1719-theo-tinh/", None),
    ("/du-lieu-mo/ho-duoc-ho-tro-nha-o-lao-cai/", None),
]
# Issue 4: the dashboards stay under 100 KB of HTML+CSS+JS on first load. A commune
# reporter may open every level's approved figures and needs no second factor here.
DASHBOARD_BUDGET = 100 * 1024
DASHBOARDS = [
    ("/analytics/?unit=VN", "xa.lungcu"),
    ("/analytics/?unit=08", "xa.lungcu"),
    ("/analytics/?unit=00715", "xa.lungcu"),
]


def measure(client, path: str) -> dict:
    from django.conf import settings

    response = client.get(path, HTTP_ACCEPT_ENCODING="gzip", HTTP_HOST="127.0.0.1")
    body = response.content
    sent = len(body)
    if response.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    raw = len(body)
    for asset in re.findall(r'(?:href|src)="/static/([^"]+\.(?:css|js))"', body.decode()):
        data = (Path(settings.STATIC_ROOT) / asset).read_bytes()
        raw += len(data)
        sent += len(gzip.compress(data))
    return {"status": response.status_code, "raw_bytes": raw, "gzip_bytes": sent}


def main() -> None:
    print(json.dumps(benchmark(), indent=2))


def benchmark() -> dict:
    """Every page's weight on the database of DATABASE_URL (Django is set up here)."""
    import django

    django.setup()
    from django.test import Client

    from dantoc.accounts.models import User

    results = []
    pages = (
        [(p, u, BUDGET) for p, u in PAGES]
        + [(p, u, BUDGET) for p, u in PORTAL_PAGES]
        + [(p, u, BUDGET) for p, u in OPENDATA_PAGES]
        + [(p, u, DASHBOARD_BUDGET) for p, u in DASHBOARDS]
    )
    for path, username, budget in pages:
        client = Client()
        if username:
            client.force_login(User.objects.get(username=username))
        figures = measure(client, path)
        results.append(
            {
                "page": path,
                "signed_in_as": username,
                **figures,
                "budget_bytes": budget,
                "within_budget": figures["gzip_bytes"] < budget,
                "baseline_uncompressed_within_budget": figures["raw_bytes"] < budget,
            }
        )
    return {"benchmark": "page_weight", "pages": results}


if __name__ == "__main__":
    main()
