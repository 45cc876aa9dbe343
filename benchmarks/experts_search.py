"""Expert search and matching over 10,000 experts, beside a naive implementation.

Target (issue 23): with 10,000 experts, search and matching p95 ≤ 50 ms server time, on
PostgreSQL and SQLite.

    .venv/bin/python benchmarks/experts_search.py                  # SQLite (a temporary file)
    .venv/bin/python benchmarks/experts_search.py \\
        --database postgres://postgres@127.0.0.1:5432/dantoc_bench_experts

The script makes its own database (a SQLite file in a temporary folder, or the PostgreSQL
database named in ``--database``, replaced and dropped at the end), migrates it and loads the
reference data. It then writes ``--experts`` profiles directly with ``bulk_create`` (not
through ``services.expert_register``, which would take minutes), with the search text and facet
codes computed by the services' own ``index_values``: 1–3 fields, 1–3 provinces, 0–2 ethnic
groups, 1–3 languages with levels, 95 % consented to publication, 3 % withdrawn.

Measured (``--repeat`` runs after a warm-up, parameters varying from run to run):

- ``search_api``: GET /api/v1/experts/ through Django's test client (routing, middleware, the
  view, JSON), with words without diacritics, a field, a province, a language, or together;
- ``search_page``: GET /chuyen-gia/ (the directory page, HTML) with the same parameters;
- ``match``: ``selectors.experts_match`` for a sub-project, a province and one or two ethnic
  groups, as a ministry officer (the computation the matching page renders);
- ``naive_search`` / ``naive_match``: what an implementation without the facet columns would
  do: read every visible expert with its fields, provinces, groups and languages
  (``prefetch_related``) and filter or score them in Python.

Prints one JSON document (and a table on stderr).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from dantoc.core import testing  # noqa: E402  (needs no Django set-up)

TARGET_P95_MS = 50
WARMUP = 3
SURNAMES = ["Nguyễn", "Trần", "Lò", "Giàng", "Sùng", "Thạch", "Kim", "Y", "H'", "Nông", "Hoàng", "Lường", "Vàng", "Rơ Mah", "Đinh", "Bùi", "Triệu", "Ma"]  # fmt: skip
GIVEN = ["Văn Hùng", "Thị Mai", "Seo Phử", "Khoa Niê", "Sô Phên", "Thị Lan", "A Dình", "Bá Lai", "Thị Hạnh", "Minh Đức", "Văn Ơn", "Tài Vinh"]  # fmt: skip
ORGS = ["Trường Đại học Tây Nguyên", "Viện Dân tộc học", "Sở Y tế", "Hội Liên hiệp Phụ nữ", "Trung tâm Khuyến nông", "Bảo tàng tỉnh", "Trường Cao đẳng nghề", "Viện Chiến lược Chuyển đổi số"]  # fmt: skip
QUERIES = [
    "ede",
    "hmong",
    "khuyen nong",
    "y te",
    "phu nu",
    "dan toc hoc",
    "chuyen doi so",
    "bao tang",
]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="", help="postgres://… (default: SQLite file)")
    parser.add_argument("--experts", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--baseline-repeat", type=int, default=5)
    args = parser.parse_args(argv)
    if args.database and testing.vendor_of(args.database) != "postgresql":
        parser.error("--database takes a postgres:// address")
    return args


def progress(message: str) -> None:
    print(f"[experts {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def main() -> int:
    args = parse_args()
    if args.database:
        reason = testing.postgres_unavailable(args.database)
        if reason:
            print(reason, file=sys.stderr)
            return 2
    workdir = Path(tempfile.mkdtemp(prefix="experts-bench-"))
    if args.database:
        name = args.database.rsplit("/", 1)[1] or "dantoc_bench_experts"
        db = testing.create_database(name=name, base_url=args.database, replace=True)
    else:
        db = testing.create_database(
            workdir=workdir,
            vendor="sqlite",
            name="experts_bench",
            base_url=f"sqlite:///{workdir}/x.sqlite3",
            replace=True,
        )
    os.environ["DATABASE_URL"] = db.url
    os.environ.setdefault("DANTOC_MEDIA_ROOT", str(workdir / "media"))
    try:
        result = run(args)
    finally:
        from django.db import connections

        connections.close_all()
        testing.drop_database(db)
        shutil.rmtree(workdir, ignore_errors=True)
    print(table(result), file=sys.stderr)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


def build(count: int) -> dict:
    from django.db import transaction
    from django.utils import timezone

    from dantoc.core.languages import CONTENT_LANGUAGES
    from dantoc.experts.models import Expert, ExpertiseField, ExpertLanguage, LanguageLevel
    from dantoc.experts.selectors import provinces_current
    from dantoc.experts.services import index_values
    from dantoc.geo.models import EthnicGroup

    rng = random.Random(23)
    fields = list(ExpertiseField.objects.select_related("parent"))
    provinces = list(provinces_current())
    groups = list(EthnicGroup.objects.exclude(code="01"))[:20]
    languages = [lang.code for lang in CONTENT_LANGUAGES]
    now = timezone.now()
    experts, links = [], []
    for i in range(count):
        e = Expert(
            full_name=f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)} {i}",
            organisation=rng.choice(ORGS),
            position="Chuyên gia",
            summary="Kinh nghiệm làm việc với cộng đồng vùng đồng bào dân tộc thiểu số.",
            availability=rng.choice(["available", "available", "limited", "unavailable"]),
            consent_public=rng.random() < 0.95,
            consent_officials=rng.random() < 0.7,
            consent_at=now,
            consent_withdrawn_at=now if rng.random() < 0.03 else None,
            verified_at=now if rng.random() < 0.4 else None,
        )
        f = rng.sample(fields, rng.randint(1, 3))
        p = rng.sample(provinces, rng.randint(1, 3))
        g = rng.sample(groups, rng.randint(0, 2))
        lang = [
            (code, rng.choice(LanguageLevel.values))
            for code in ["vi", *rng.sample(languages[2:], rng.randint(0, 2))]
        ]
        for name, value in index_values(
            e, fields=f, provinces=p, communes=[], groups=g, languages=lang, activities=[]
        ).items():
            setattr(e, name, value)
        experts.append(e)
        links.append((f, p, g, lang))
    with transaction.atomic():
        Expert.objects.bulk_create(experts, batch_size=1000)
        experts = list(Expert.objects.order_by("pk"))
        F, P, G = Expert.fields.through, Expert.provinces.through, Expert.ethnic_groups.through
        rows_f, rows_p, rows_g, rows_l = [], [], [], []
        for e, (f, p, g, lang) in zip(experts, links, strict=True):
            rows_f += [F(expert_id=e.pk, expertisefield_id=x.pk) for x in f]
            rows_p += [P(expert_id=e.pk, unit_id=x.pk) for x in p]
            rows_g += [G(expert_id=e.pk, ethnicgroup_id=x.pk) for x in g]
            rows_l += [ExpertLanguage(expert_id=e.pk, code=c, level=lv) for c, lv in lang]
        for model, rows in ((F, rows_f), (P, rows_p), (G, rows_g), (ExpertLanguage, rows_l)):
            model.objects.bulk_create(rows, batch_size=2000)
    return {"experts": count, "languages": len(rows_l), "field_links": len(rows_f)}


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def summary(samples: list[float]) -> dict:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "runs": len(samples),
        "median_ms": round(statistics.median(samples), 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(max(samples), 1),
    }


def naive_search(params) -> list:
    """Every visible expert with its relations, filtered in Python."""
    from dantoc.core.text import search_words
    from dantoc.experts.selectors import experts_public

    words = search_words(params.get("q", ""))
    found = []
    for e in experts_public().prefetch_related("fields__parent", "provinces", "languages"):
        text = e.search_text.split()
        if words and not all(w in text for w in words):
            continue
        if params.get("field") and params["field"] not in {
            c for f in e.fields.all() for c in (f.code, f.parent.code if f.parent_id else "")
        }:
            continue
        if params.get("province") and params["province"] not in {u.code for u in e.provinces.all()}:
            continue
        if params.get("language") and params["language"] not in {x.code for x in e.languages.all()}:
            continue
        found.append(e)
    found.sort(key=lambda e: (e.verified_at is None, e.full_name))
    return found[:50]


def naive_match(request) -> list:
    from dantoc.experts.models import LEVEL_WEIGHT
    from dantoc.experts.selectors import LANGUAGE_OF_GROUP, experts_for_officials

    wanted = {LANGUAGE_OF_GROUP.get(g.code) for g in request.ethnic_groups}
    group_codes = {g.code for g in request.ethnic_groups}
    project = request.component.code.split(".")[0]
    scored = []
    for e in experts_for_officials().prefetch_related(
        "fields__parent", "provinces", "ethnic_groups", "languages", "engagements"
    ):
        score = sum(LEVEL_WEIGHT[x.level] for x in e.languages.all() if x.code in wanted)
        score += 3 * any(u.pk == request.province.pk for u in e.provinces.all())
        score += 2 * any(g.code in group_codes for g in e.ethnic_groups.all())
        codes = {c for f in e.fields.all() for c in (f.code, f.parent.code if f.parent_id else "")}
        score += 4 if request.component.code in codes else 2 if project in codes else 0
        list(e.engagements.all())
        if score:
            scored.append((score, e.full_name))
    scored.sort(reverse=True)
    return scored[:20]


def measure(args) -> dict:
    from django.test import Client

    from dantoc.accounts.services import user_create
    from dantoc.experts import selectors
    from dantoc.experts.selectors import provinces_current
    from dantoc.geo.models import EthnicGroup
    from dantoc.geo.selectors import unit_get
    from dantoc.programmes.models import Component

    rng = random.Random(7)
    client = Client(HTTP_HOST="localhost")
    provinces = [u.code for u in provinces_current()]
    params_pool = []
    for q in QUERIES:
        params_pool.append({"q": q})
    for field in ("DA1", "DA3.2", "DA7", "DA10.2"):
        params_pool.append({"field": field})
    for code in rng.sample(provinces, 4):
        params_pool.append({"province": code})
    params_pool += [
        {"language": "rad"},
        {"language": "hmn", "province": "15"},
        {"q": "phu nu", "field": "DA8", "verified": "1"},
        {"q": "ede", "language": "rad", "province": "66"},
    ]
    official = user_create(
        actor=None,
        username="bench.ministry",
        password="x",
        unit=unit_get(code="VN"),
        roles=["ministry_officer"],
        check_password=False,
    )
    components = list(
        Component.objects.filter(programme__code="CTMTQG-1719", level__in=["project", "subproject"])
    )
    groups = list(EthnicGroup.objects.filter(code__in=["03", "05", "08", "11", "10", "09"]))
    requests = [
        selectors.MatchRequest(
            component=rng.choice(components),
            province=unit_get(code=rng.choice(provinces)),
            ethnic_groups=rng.sample(groups, rng.randint(1, 2)),
        )
        for _ in range(args.repeat)
    ]

    def series(fn, inputs, repeat):
        for item in inputs[: min(WARMUP, repeat)]:
            fn(item)
        samples = []
        for i in range(repeat):
            item = inputs[i % len(inputs)]
            samples.append(timed(lambda item=item: fn(item)))
        return samples

    def api(params):
        response = client.get("/api/v1/experts/", params)
        assert response.status_code == 200, response.content[:300]

    def page(params):
        response = client.get("/chuyen-gia/", params)
        assert response.status_code == 200

    def match(request):
        selectors.experts_match(user=official, request=request)

    shuffled = params_pool[:]
    rng.shuffle(shuffled)
    plan = [
        ("search_api", api, shuffled, args.repeat),
        ("search_page", page, shuffled, args.repeat),
        ("match", match, requests, args.repeat),
        ("naive_search", naive_search, shuffled, args.baseline_repeat),
        ("naive_match", naive_match, requests, args.baseline_repeat),
    ]
    results = {}
    for name, fn, inputs, repeat in plan:
        results[name] = summary(series(fn, inputs, repeat))
        progress(f"{name}: {results[name]}")
    return results


def run(args) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    call_command("migrate", "--noinput", verbosity=0)
    call_command("load_reference_data", stdout=io.StringIO())
    progress(f"migrated and reference data loaded in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    counts = build(args.experts)
    progress(f"{args.experts} experts written in {time.perf_counter() - started:.0f} s")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    load_before = os.getloadavg()[0]
    measures = measure(args)
    return {
        "benchmark": "experts_search",
        "target": {"search_and_match_p95_ms": TARGET_P95_MS},
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "database": connection.vendor,
            "load_average_1min": {
                "before": round(load_before, 1),
                "after": round(os.getloadavg()[0], 1),
            },
        },
        "data": counts,
        "results": measures,
        "within_target": all(
            measures[k]["p95_ms"] <= TARGET_P95_MS for k in ("search_api", "search_page", "match")
        ),
    }


def table(result: dict) -> str:
    lines = [
        f"experts_search on {result['machine']['database']} ({result['data']['experts']} experts)"
    ]
    for name, m in result["results"].items():
        lines.append(
            f"  {name:<14} median {m['median_ms']:>8} ms   p95 {m['p95_ms']:>8} ms   ({m['runs']} runs)"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
