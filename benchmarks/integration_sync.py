"""A full sync of 10,000 legal documents to an empty client (issue 5: under a minute).

    .venv/bin/python benchmarks/integration_sync.py [--documents 10000] [--no-per-item]
    .venv/bin/python benchmarks/integration_sync.py --database postgres://postgres@127.0.0.1:5432/dantoc
    (or DATABASE_URL=postgres://… instead of --database)

Creates throw-away databases of the run's vendor (SQLite files in a temporary folder, or
fresh PostgreSQL databases when the database URL points at a PostgreSQL server), each set up
as `make run` does (migrate, reference data):

- the *source* gets N published legal documents (written with bulk_create: a benchmark
  fixture, not a user path; 100 documents share each timestamp, so the cursor's tie-break is
  exercised) and an integration client, and is served by gunicorn (2 workers, production
  settings, the feeds' settle delay at its default);
- the *mirror* (and, for the baseline, a second mirror) is empty.

Measured, side by side in the same run:

- ``pull_500`` / ``pull_50``: a client downloads the whole documents feed over HTTP with
  requests-oauthlib (token, then cursor paging until ``has_more`` is false), ``limit=500``
  against ``limit=50`` (ten times the requests): the floor any mirror pays;
- ``mirror_full``: ``manage.py portal_sync --feeds documents`` into the empty mirror, the
  reference client's bulk path (one ``portal.mirror.content_mirror_apply`` per page of 500:
  bulk inserts, one audit row per page), in a child process (Django start-up included);
- ``mirror_again``: the same command once more with nothing new (one page, no writes);
- ``mirror_full_per_item`` (the baseline; leave it out with ``--no-per-item``): the same
  command with ``--per-item`` into another empty mirror, every document written through the
  editorial services (audit rows, publication) one at a time, as before the bulk path.

Prints one JSON document with seconds, pages, documents per second and the checks (every
document arrived once; each mirror holds N published documents). ``benchmark(args, vendor)``
is the run without the printing, for ``benchmarks/headline.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from dantoc.core import testing  # noqa: E402  (needs no Django set-up)

TARGET_SECONDS = 60

FILL = """
import datetime, json, uuid
from django.db import transaction
from django.utils import timezone
from dantoc.core.text import fold
from dantoc.geo.models import Unit, UnitLevel
from dantoc.integration.services import client_create
from dantoc.portal.models import LegalDocument

N = {n}
provinces = list(Unit.objects.filter(level=UnitLevel.PROVINCE, valid_to__isnull=True))
country = Unit.objects.get(code="VN", valid_to__isnull=True)
start = timezone.now() - datetime.timedelta(days=30)
types = ["quyet_dinh", "nghi_dinh", "thong_tu", "cong_van", "ke_hoach"]
Through = LegalDocument.areas.through
with transaction.atomic():
    for first in range(0, N, 1000):
        docs = []
        for i in range(first, min(first + 1000, N)):
            moment = start + datetime.timedelta(seconds=i // 100)  # 100 share a timestamp
            unit = country if i % 3 == 0 else provinces[i % len(provinces)]
            number = f"{{i + 1}}/QĐ-{{unit.code}}"
            abstract = (
                f"Về việc phê duyệt danh sách thôn đặc biệt khó khăn, văn bản số {{i + 1}} "
                "thuộc Chương trình mục tiêu quốc gia vùng đồng bào dân tộc thiểu số"
            )
            docs.append(LegalDocument(
                uuid=uuid.uuid4(), unit=unit, status="published", published_at=moment,
                first_published_at=moment, updated_at=moment, created_at=moment,
                slug=f"vb-{{i + 1}}", number_symbol=number, doc_type=types[i % len(types)],
                issuing_body="Ủy ban Dân tộc" if unit == country else f"UBND {{unit.name}}",
                signer="Nguyễn Văn A", issued_on=datetime.date(2024, 1, 1)
                + datetime.timedelta(days=i % 600), abstract=abstract, field="Dân tộc",
                body=f"<p>{{abstract}}</p>", search_text=fold(number + " " + abstract),
            ))
        LegalDocument.objects.bulk_create(docs)
    links = []
    for doc in LegalDocument.objects.only("id", "unit_id").iterator():
        if doc.id % 2 == 0:
            links.append(Through(legaldocument_id=doc.id, unit_id=provinces[doc.id % 34].id))
    Through.objects.bulk_create(links, batch_size=2000)
issued = client_create(actor=None, name="Benchmark", unit=Unit.objects.get(code="08",
    valid_to__isnull=True), scopes=["content:read"], rate_limit=100000)
print(json.dumps({{"id": issued.client_id, "secret": issued.client_secret,
                  "documents": LegalDocument.objects.count()}}))
"""


def pull(base_url: str, credentials: dict, limit: int) -> dict:
    from oauthlib.oauth2 import BackendApplicationClient
    from requests_oauthlib import OAuth2Session

    started = time.perf_counter()
    session = OAuth2Session(client=BackendApplicationClient(client_id=credentials["id"]))
    session.fetch_token(
        token_url=f"{base_url}/token",
        client_id=credentials["id"],
        client_secret=credentials["secret"],
    )
    ids, cursor, pages, body_bytes = [], None, 0, 0
    while True:
        params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        response = session.get(f"{base_url}/api/integration/v1/documents", params=params)
        response.raise_for_status()
        body_bytes += len(response.content)
        page = response.json()
        pages += 1
        ids += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"] or cursor
        if not page["has_more"]:
            break
    seconds = time.perf_counter() - started
    return {
        "limit": limit,
        "seconds": round(seconds, 2),
        "pages": pages,
        "documents": len(ids),
        "unique_documents": len(set(ids)),
        "documents_per_second": round(len(ids) / seconds),
        "megabytes": round(body_bytes / 1e6, 1),
    }


def mirror(mirror_db, base_url: str, credentials: dict, *, per_item: bool = False) -> dict:
    started = time.perf_counter()
    out = testing.manage(
        mirror_db,
        "portal_sync",
        "--url", base_url,
        "--client-id", credentials["id"],
        "--feeds", "documents",
        "--limit", "500",
        *(["--per-item"] if per_item else []),
        timeout=1800,
        env={"DANTOC_SYNC_CLIENT_SECRET": credentials["secret"]},
    )  # fmt: skip
    seconds = time.perf_counter() - started
    report = json.loads(out.strip().splitlines()[-1])
    return {
        "seconds": round(seconds, 2),
        **{k: v for k, v in report.items() if k != "errors"},
        "errors": len(report.get("errors", [])),
    }


def published_documents(db) -> int:
    return db.query(
        "SELECT COUNT(*) FROM portal_legaldocument WHERE status = %s AND deleted_at IS NULL",
        ["published"],
    )[0][0]


def parse_args(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument(
        "--database",
        help="postgres://… or sqlite:///…: the server (or vendor) of the throw-away databases "
        "(default: DATABASE_URL)",
    )
    parser.add_argument(
        "--no-per-item",
        action="store_true",
        help="leave out the per-item baseline mirror (it takes minutes)",
    )
    parser.add_argument(
        "--name-prefix",
        default=None,
        help="PostgreSQL: name the databases PREFIX + source/mirror/baseline (default: random)",
    )
    return parser.parse_args(argv)


def main() -> int:
    args = parse_args()
    if args.database:
        os.environ["DATABASE_URL"] = args.database

    vendor = testing.vendor_of(testing.run_database_url())
    if vendor == "postgresql" and (reason := testing.postgres_unavailable()):
        print(reason, file=sys.stderr)
        return 2
    print(json.dumps(benchmark(args, vendor), indent=2, ensure_ascii=False))
    return 0


def benchmark(args, vendor: str) -> dict:
    """The run on throw-away databases of ``vendor`` on the run's server; the figures."""
    os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"  # plain HTTP on loopback
    result: dict = {"vendor": vendor, "documents": args.documents}
    # SQLite files get plain names; PostgreSQL databases random ones (no clash on a shared
    # server) unless a prefix of the caller's own is given.
    names = ("source", "mirror", "baseline")
    if vendor == "postgresql":
        prefix = args.name_prefix
        names = tuple(prefix + n for n in names) if prefix else (None, None, None)
    with tempfile.TemporaryDirectory(prefix="dantoc-sync-bench-") as workdir:
        work = Path(workdir)
        with (
            testing.throwaway_database(workdir=work, name=names[0], replace=True) as source,
            testing.throwaway_database(workdir=work, name=names[1], replace=True) as target,
            testing.throwaway_database(workdir=work, name=names[2], replace=True) as baseline,
        ):
            started = time.perf_counter()
            testing.prepare(source, demo=False)
            testing.prepare(target, demo=False)
            if not args.no_per_item:
                testing.prepare(baseline, demo=False)
            credentials = testing.run_python_json(
                source, FILL.format(n=args.documents), timeout=1800
            )
            result["setup_seconds"] = round(time.perf_counter() - started, 1)
            with testing.serve(source, workers=2, log_path=work / "gunicorn.log") as server:
                result["pull_500"] = pull(server.url, credentials, 500)
                result["pull_50"] = pull(server.url, credentials, 50)
                result["mirror_full"] = mirror(target, server.url, credentials)
                result["mirror_again"] = mirror(target, server.url, credentials)
                if not args.no_per_item:
                    result["mirror_full_per_item"] = mirror(
                        baseline, server.url, credentials, per_item=True
                    )
            result["mirror_published_documents"] = published_documents(target)
            if not args.no_per_item:
                result["baseline_published_documents"] = published_documents(baseline)
    result["checks"] = {
        "pull_500_complete": result["pull_500"]["unique_documents"] == args.documents,
        "pull_50_complete": result["pull_50"]["unique_documents"] == args.documents,
        "mirror_complete": result["mirror_published_documents"] == args.documents,
        "mirror_again_wrote_nothing": result["mirror_again"]["created"]
        == result["mirror_again"]["updated"]
        == 0,
    }
    if not args.no_per_item:
        result["checks"]["baseline_complete"] = (
            result["baseline_published_documents"] == args.documents
        )
        result["mirror_speedup_bulk_vs_per_item"] = round(
            result["mirror_full_per_item"]["seconds"] / result["mirror_full"]["seconds"], 1
        )
    result["pull_speedup_500_vs_50"] = round(
        result["pull_50"]["seconds"] / result["pull_500"]["seconds"], 2
    )
    result["target_seconds"] = TARGET_SECONDS
    result["mirror_full_under_target"] = result["mirror_full"]["seconds"] < TARGET_SECONDS
    result["pull_500_under_target"] = result["pull_500"]["seconds"] < TARGET_SECONDS
    return result


if __name__ == "__main__":
    sys.exit(main())
