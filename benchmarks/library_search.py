"""E-library search over 50,000 items (metadata and full text), word index beside a naive scan.

Target (issue 24): search over 50,000 items (metadata and full text) p95 ≤ 50 ms server time,
side by side with a naive query.

    .venv/bin/python benchmarks/library_search.py                 # SQLite (a temporary file)
    .venv/bin/python benchmarks/library_search.py \\
        --database postgres://postgres@127.0.0.1:5432/dantoc_bench_library

The script makes its own database (a SQLite file in a temporary folder, or the PostgreSQL
database named in ``--database``, replaced and dropped at the end unless ``--keep``) and
migrates it. To be quick it writes the rows directly with ``bulk_create`` (not through
``services.item_save``, which would store a PDF per item), but with the services' own
functions for what search reads: ``item_search_text`` (the folded text the naive search
scans) and ``item_word_weights`` (the word index rows):

- ``--items`` (50,000) published items, 5 % more drafts that search must leave out; titles,
  authors, subjects and abstracts from a Vietnamese vocabulary of ethnic affairs, and a
  "full text" of ``--words`` (150) syllables drawn with a Zipf-like skew, so that some
  syllables ("dân", "tộc") are in nearly every item, as in a real collection.

It then times, ``--repeat`` times per query (after warm-up), queries from rare words to
words in almost every item:

- ``indexed``: ``selectors.items_search`` (the word index: an index seek per word, the items
  holding them all, ranked by summed weights, one page of 20 and the total);
- ``page``: GET ``/thu-vien/?q=…`` through Django's test client (routing, middleware, the
  view, the template): the server time a reader waits for;
- ``naive``: ``selectors.items_search_naive`` (a whole-syllable regular expression per word
  over every item's folded text, as the portal's search does), ``--naive-repeat`` times.

Prints one JSON document (the table on stderr).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
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
VOCABULARY = [
    "dân",
    "tộc",
    "thiểu",
    "số",
    "miền",
    "núi",
    "chính",
    "sách",
    "hỗ",
    "trợ",
    "nhà",
    "ở",
    "đất",
    "sản",
    "xuất",
    "nước",
    "sinh",
    "hoạt",
    "giảm",
    "nghèo",
    "bền",
    "vững",
    "giáo",
    "dục",
    "đào",
    "tạo",
    "nghề",
    "y",
    "tế",
    "văn",
    "hóa",
    "lễ",
    "hội",
    "phong",
    "tục",
    "tập",
    "quán",
    "thổ",
    "cẩm",
    "nhuộm",
    "chàm",
    "sáp",
    "ong",
    "lanh",
    "dệt",
    "rèn",
    "đan",
    "lát",
    "khèn",
    "múa",
    "xòe",
    "cồng",
    "chiêng",
    "nhà",
    "sàn",
    "nhà",
    "rông",
    "ruộng",
    "bậc",
    "thang",
    "nương",
    "rẫy",
    "rừng",
    "phòng",
    "hộ",
    "dược",
    "liệu",
    "chăn",
    "nuôi",
    "trâu",
    "bò",
    "lợn",
    "gà",
    "ngô",
    "lúa",
    "nếp",
    "sắn",
    "chè",
    "cà",
    "phê",
    "hợp",
    "tác",
    "xã",
    "du",
    "lịch",
    "cộng",
    "đồng",
    "chợ",
    "phiên",
    "đường",
    "giao",
    "thông",
    "điện",
    "lưới",
    "trường",
    "học",
    "trạm",
    "y",
    "tế",
    "tảo",
    "hôn",
    "hôn",
    "nhân",
    "cận",
    "huyết",
    "bình",
    "đẳng",
    "giới",
    "trẻ",
    "em",
    "dinh",
    "dưỡng",
    "người",
    "có",
    "uy",
    "tín",
    "già",
    "làng",
    "trưởng",
    "bản",
    "thôn",
    "xã",
    "huyện",
    "tỉnh",
    "Hà",
    "Giang",
    "Lào",
    "Cai",
    "Điện",
    "Biên",
    "Sơn",
    "La",
    "Lai",
    "Châu",
    "Cao",
    "Bằng",
    "Gia",
    "Lai",
    "Kon",
    "Tum",
    "Đắk",
    "Lắk",
    "Sóc",
    "Trăng",
    "Trà",
    "Vinh",
    "Mông",
    "Thái",
    "Tày",
    "Nùng",
    "Dao",
    "Khơme",
    "Êđê",
    "Giarai",
    "Bana",
    "Xơđăng",
    "Chăm",
    "Mường",
    "Hoa",
    "Sán",
    "Chay",
    "Cơho",
    "nghiên",
    "cứu",
    "báo",
    "cáo",
    "luận",
    "án",
    "tài",
    "liệu",
    "sổ",
    "tay",
    "hướng",
    "dẫn",
    "quyết",
    "định",
    "nghị",
    "định",
    "thông",
    "tư",
    "chương",
    "trình",
    "mục",
    "tiêu",
    "quốc",
    "gia",
    "dự",
    "án",
    "tiểu",
    "dự",
    "án",
    "kế",
    "hoạch",
    "năm",
    "kết",
    "quả",
    "thực",
    "hiện",
    "đánh",
    "giá",
    "giám",
    "sát",
    "vốn",
    "đầu",
    "tư",
    "ngân",
    "sách",
    "trung",
    "ương",
    "địa",
    "phương",
]
# Vietnamese has some 6,000–7,000 syllables in use; a collection's text draws on thousands.
# The vocabulary above is padded with syllables made from initials, rhymes and tones, and
# drawn with a Zipf-like skew (rank r with weight 1/r): function syllables at the head, the
# programme's words next ("dân", "tộc" in nearly every item), most syllables rare.
HEAD = "của và các có được trong cho những người là với một này đã không theo từ về".split()  # noqa: SIM905
INITIALS = "b c ch d đ g gi h k kh l m n ng nh p ph qu r s t th tr v x".split()  # noqa: SIM905
RHYMES = "a ai am an ang anh ao au ay e em en eng i im in inh iu o oi om on ong u ui um un ung ưa ươn ương".split()  # noqa: SIM905
TONES = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]

QUERIES = [
    ("rare pair", "nhuom cham"),
    ("rare word", "khen"),
    ("place and group", "ha giang mong"),
    ("three common", "chinh sach ho tro"),
    ("near every item", "dan toc"),
    ("no match", "xyzw quoc"),
]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="", help="postgres://… (default: SQLite)")
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--words", type=int, default=150, help="syllables of full text per item")
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--naive-repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--seed", type=int, default=24)
    return parser.parse_args(argv)


def progress(message: str) -> None:
    print(f"[library {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def main() -> int:
    args = parse_args()
    if args.database:
        reason = testing.postgres_unavailable(args.database)
        if reason:
            print(reason, file=sys.stderr)
            return 2
    workdir = Path(tempfile.mkdtemp(prefix="library-bench-"))
    if args.database:
        name = args.database.rsplit("/", 1)[1] or "dantoc_bench_library"
        db = testing.create_database(name=name, base_url=args.database, replace=True)
    else:
        db = testing.create_database(
            workdir=workdir,
            vendor="sqlite",
            name="library_bench",
            base_url=f"sqlite:///{workdir}/x.sqlite3",
            replace=True,
        )
    os.environ["DATABASE_URL"] = db.url
    os.environ.setdefault("DANTOC_MEDIA_ROOT", str(workdir / "media"))
    os.environ.setdefault(
        "DANTOC_STATICFILES_STORAGE", "django.contrib.staticfiles.storage.StaticFilesStorage"
    )
    try:
        result = run(args)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            testing.drop_database(db)
            shutil.rmtree(workdir, ignore_errors=True)
    result["database"] = db.vendor
    result["load_average"] = os.getloadavg()
    print(table(result), file=sys.stderr)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


def vocabulary(rng: random.Random, size: int = 5000) -> list[str]:
    import unicodedata

    made = [
        unicodedata.normalize("NFC", initial + rhyme[0] + tone + rhyme[1:])
        for initial in INITIALS
        for rhyme in RHYMES
        for tone in TONES
    ]
    rng.shuffle(made)
    words = list(dict.fromkeys([*HEAD, "dân", "tộc", "chính", "sách", *VOCABULARY]))
    # The programme's other words are spread among the first thousand ranks.
    head, rest = words[:24], words[24:]
    body = [w for w in made if w not in words][: size - len(words)]
    for word in rest:
        body.insert(rng.randrange(0, 1000), word)
    return head + body


def _zipf_words(rng: random.Random, vocab: list[str], weights: list[float], n: int) -> list[str]:
    return rng.choices(vocab, cum_weights=weights, k=n)


WORD_INDEXES = {
    # name: (columns, unique): dropped while the rows are written, made again after (one
    # sorted build instead of millions of random index inserts).
    "library_word_item": ("item_id", False),
    "library_word_rank": ("word, weight, item_id", False),
}


def build(args) -> None:
    import django
    from django.core.management import call_command

    django.setup()
    progress("migrating")
    call_command("migrate", verbosity=0)
    from django.db import connection, transaction
    from django.utils import timezone

    from dantoc.core.text import fold
    from dantoc.geo.models import Unit
    from dantoc.library.models import LibraryItem
    from dantoc.library.services import WEIGHTS, words

    unit = Unit.objects.create(
        code="VN", name="Việt Nam", short_name="Việt Nam", search_name="viet nam",
        level="country", kind="quoc_gia", path="/",
    )  # fmt: skip
    Unit.objects.filter(pk=unit.pk).update(path=f"/{unit.pk}/")
    rng = random.Random(args.seed)
    vocab = vocabulary(rng)
    cumulative, running = [], 0.0
    for rank in range(len(vocab)):
        running += 1 / (rank + 1)
        cumulative.append(running)
    now = timezone.now()
    total = args.items + args.items // 20
    unique = "library_word_item_unique"
    with connection.cursor() as cursor:
        for name in WORD_INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE library_libraryword DROP CONSTRAINT IF EXISTS {unique}")
        else:
            cursor.execute(f"DROP INDEX IF EXISTS {unique}")
    progress(f"writing {total} items and their word index")
    batch = 2500
    written_words = 0
    for start in range(0, total, batch):
        items = []
        for n in range(start, min(start + batch, total)):
            title = " ".join(rng.sample(VOCABULARY, rng.randint(3, 9))).capitalize()
            full = " ".join(_zipf_words(rng, vocab, cumulative, args.words))
            public = n < args.items
            item = LibraryItem(
                unit=unit,
                doc_type=rng.choice(["sach", "nghien-cuu", "bao-cao", "luan-van"]),
                title=title,
                creators=" ".join(rng.sample(VOCABULARY, 3)).title(),
                subjects="\n".join(rng.sample(VOCABULARY, 2)),
                description=" ".join(rng.sample(VOCABULARY, 20)),
                full_text=full,
                text_state="ready",
                status="published" if public else "draft",
                published_at=now - datetime.timedelta(minutes=n) if public else None,
                first_published_at=now - datetime.timedelta(minutes=n) if public else None,
                updated_at=now,
            )
            # What services.item_search_text stores (no ethnic groups here), folded once.
            item.search_text = fold(
                " ".join([title, item.creators, item.subjects, item.description, full])
            )
            items.append(item)
        rows = []
        with transaction.atomic():
            LibraryItem.objects.bulk_create(items)
            for item in items:
                if item.status != "published":
                    continue
                # services.item_word_weights, without the ORM round trips.
                weights: dict[str, int] = {}
                for part, text in (
                    ("title", item.title),
                    ("creators", item.creators),
                    ("subjects", item.subjects),
                    ("description", item.description),
                ):
                    for word in words(text):
                        weights[word] = weights.get(word, 0) + WEIGHTS[part]
                for word in words(item.full_text):
                    weights[word] = weights.get(word, 0) + WEIGHTS["text"]
                rows += [(w, item.pk, v) for w, v in weights.items()]
            with connection.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO library_libraryword (word, item_id, weight) VALUES (%s, %s, %s)",
                    rows,
                )
        written_words += len(rows)
        progress(f"{min(start + batch, total)} items, {written_words} word rows")
    progress("building the word indexes")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"ALTER TABLE library_libraryword ADD CONSTRAINT {unique} UNIQUE (word, item_id)"
            )
        else:
            cursor.execute(f"CREATE UNIQUE INDEX {unique} ON library_libraryword (word, item_id)")
        for name, (columns, _) in WORD_INDEXES.items():
            cursor.execute(f"CREATE INDEX {name} ON library_libraryword ({columns})")
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE library_libraryitem")
            cursor.execute("VACUUM ANALYZE library_libraryword")
        else:
            cursor.execute("ANALYZE")


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _time(function, repeat: int) -> dict:
    for _ in range(min(WARMUP, repeat)):
        function()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(_p(times, 0.95), 2),
        "max_ms": round(max(times), 2),
        "runs": repeat,
    }


def run(args) -> dict:
    build(args)
    from django.test import Client

    from dantoc.library import selectors

    client = Client(HTTP_HOST="localhost")
    result: dict = {"items": args.items, "full_text_words": args.words, "queries": {}}
    all_indexed, all_pages = [], []
    for label, q in QUERIES:
        progress(f"query {label!r}: {q}")
        found = selectors.items_search(q=q)
        naive = selectors.items_search_naive(q=q)
        indexed = _time(lambda q=q: selectors.items_search(q=q), args.repeat)
        page = _time(lambda q=q: client.get("/thu-vien/", {"q": q}), args.repeat)
        baseline = _time(lambda q=q: selectors.items_search_naive(q=q), args.naive_repeat)
        result["queries"][label] = {
            "q": q,
            "matches": found.total,
            "naive_matches": naive.total,
            "indexed": indexed,
            "page": page,
            "naive": baseline,
        }
        all_indexed.append(indexed["p95_ms"])
        all_pages.append(page["p95_ms"])
    result["worst_p95_ms"] = {"indexed": max(all_indexed), "page": max(all_pages)}
    result["target_p95_ms"] = TARGET_P95_MS
    return result


def table(result: dict) -> str:
    lines = [
        f"{result['items']} items on {result['database']}, load {result['load_average']}",
        f"{'query':18} {'q':22} {'found':>7} {'index p95':>10} {'page p95':>9} {'naive p95':>10}",
    ]
    for label, row in result["queries"].items():
        lines.append(
            f"{label:18} {row['q']:22} {row['matches']:>7} {row['indexed']['p95_ms']:>10} "
            f"{row['page']['p95_ms']:>9} {row['naive']['p95_ms']:>10}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
