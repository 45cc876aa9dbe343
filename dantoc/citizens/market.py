"""Writes of market prices: one price entered on the officer's page, a whole file (CSV or
XLSX) imported all-or-nothing with its errors by row and column, and the product list
(reference data).

A price is keyed by province, market, product and day: entering or importing it again
replaces it (a retried request or a file sent twice never makes two rows)."""

from __future__ import annotations

import csv
import datetime
import io
import re
import warnings
import zipfile
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from openpyxl import load_workbook

from dantoc.audit.services import audit_record
from dantoc.citizens import permissions
from dantoc.citizens.models import MarketPrice, MarketProduct
from dantoc.core.csvfiles import cell_restore, read_csv
from dantoc.core.errors import ImportRejected, RowError
from dantoc.core.loading import DATA_DIR, LoadResult, upsert
from dantoc.core.pagecache import public_pages_changed_on_commit
from dantoc.core.text import fold, nfc

MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 5000
MAX_PRICE = 1_000_000_000
# The columns of an import file (header names are matched without accents or case).
COLUMNS = {"ngay": "ngày", "cho": "chợ", "ma_san_pham": "mã sản phẩm", "gia": "giá"}


def products_reference_load() -> LoadResult:
    """Loader ``citizens.market_products``: the products of data/citizens/market_products.csv
    (the main products of the northern and central highlands; names and units as the
    provinces' price bulletins give them)."""
    result = LoadResult()
    index = {p.code: p for p in MarketProduct.objects.all()}
    for _line, row in read_csv(
        DATA_DIR / "citizens" / "market_products.csv", required=["code", "name", "unit", "order"]
    ):
        upsert(
            index,
            row["code"],
            MarketProduct,
            {"code": row["code"]},
            {"name": nfc(row["name"]), "unit": row["unit"], "order": int(row["order"])},
            result,
        )
    return result


def _check_province(actor, province) -> None:
    if actor is not None and not permissions.can_enter_prices(actor, province):
        raise PermissionDenied("Chỉ cán bộ cấp tỉnh nhập giá cho tỉnh của mình.")


def _market(value: str) -> str:
    market = " ".join(nfc(value or "").split())
    if not market:
        raise ValidationError("Cần ghi tên chợ hoặc nơi thu mua.", code="market")
    if len(market) > 120:
        raise ValidationError("Tên chợ dài quá 120 ký tự.", code="market")
    return market


def _day(value, today: datetime.date) -> datetime.date:
    if isinstance(value, datetime.datetime):
        value = value.date()
    if not isinstance(value, datetime.date):
        text = str(value or "").strip()
        for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"):
            try:
                value = datetime.datetime.strptime(text, fmt).date()
                break
            except ValueError:
                continue
        else:
            raise ValidationError("Ngày không đúng dạng ngày/tháng/năm.", code="date")
    if value > today:
        raise ValidationError("Ngày ở tương lai.", code="future")
    if value < today - datetime.timedelta(days=3 * 366):
        raise ValidationError("Ngày cũ quá 3 năm.", code="old")
    return value


def _price(value) -> int:
    if isinstance(value, bool):
        raise ValidationError("Giá phải là một số.", code="price")
    if isinstance(value, float):
        if value != int(value):
            raise ValidationError("Giá là số đồng, không có phần lẻ.", code="price")
        value = int(value)
    if not isinstance(value, int):
        text = re.sub(r"[\s.đ₫]|dong|đồng", "", str(value or "").strip().lower())
        if not text.isdigit():
            raise ValidationError(
                "Giá là số đồng, ví dụ 25000 hoặc 25.000 (không có phần lẻ).", code="price"
            )
        value = int(text)
    if not 0 < value <= MAX_PRICE:
        raise ValidationError("Giá phải lớn hơn 0 và không quá 1 tỷ đồng.", code="price")
    return value


def _upsert(actor, province, market: str, product: MarketProduct, on, price: int):
    row, created = MarketPrice.objects.update_or_create(
        province=province,
        market=market,
        product=product,
        on=on,
        defaults={"price": price, "entered_by": actor, "updated_at": timezone.now()},
    )
    return row, created


@transaction.atomic
def price_save(*, actor, province, market: str, product: MarketProduct, on, price) -> MarketPrice:
    """One price entered by a province officer for their province (replacing the same day's
    price of the product at that market)."""
    _check_province(actor, province)
    today = timezone.localdate()
    market, on, price = _market(market), _day(on, today), _price(price)
    before = (
        MarketPrice.objects.filter(province=province, market=market, product=product, on=on)
        .values("price")
        .first()
    )
    row, _created = _upsert(actor, province, market, product, on, price)
    public_pages_changed_on_commit()
    audit_record(
        actor=actor,
        action="citizens.price_save",
        obj=row,
        unit=province,
        before=before,
        after={"market": market, "product": product.code, "on": on.isoformat(), "price": price},
    )
    return row


@transaction.atomic
def price_delete(*, actor, price: MarketPrice) -> None:
    _check_province(actor, price.province)
    before = {
        "market": price.market,
        "product": price.product.code,
        "on": price.on.isoformat(),
        "price": price.price,
    }
    public_pages_changed_on_commit()
    audit_record(
        actor=actor, action="citizens.price_delete", obj=price, unit=price.province, before=before
    )
    price.delete()


# --- import ---------------------------------------------------------------------------------


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0


def _header_key(value) -> str:
    return fold(str(value or "")).strip().replace(" ", "_")


def _rows_of(data: bytes) -> tuple[str, list[list]]:
    """The rows of an uploaded CSV or XLSX file (by its content, not its name)."""
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportRejected([RowError(0, "", "Tệp lớn hơn 2 MB.")])
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if sum(i.file_size for i in archive.infolist()) > 10 * MAX_IMPORT_BYTES:
                    raise ImportRejected([RowError(0, "", "Nội dung tệp quá lớn.")])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            sheet = book.worksheets[0]
            rows = [list(r) for r in sheet.iter_rows(values_only=True)]
            book.close()
        except ImportRejected:
            raise
        except Exception:  # openpyxl raises many kinds of error for a damaged file
            raise ImportRejected(
                [RowError(0, "", "Tệp Excel bị hỏng hoặc không phải .xlsx.")]
            ) from None
        return sheet.title, rows
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRejected(
            [RowError(0, "", "Tệp không phải CSV UTF-8 hay Excel .xlsx: hãy lưu lại dạng .xlsx.")]
        ) from None
    if "\x00" in text:
        raise ImportRejected([RowError(0, "", "Tệp không phải CSV hay Excel .xlsx.")])
    dialect = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
    rows = [
        [cell_restore(c) for c in row] for row in csv.reader(io.StringIO(text), delimiter=dialect)
    ]
    return "", rows


@transaction.atomic
def prices_import(*, actor, province, data: bytes) -> ImportResult:
    """Import a file of prices for ``province``: a header row with the columns ngày, chợ, mã
    sản phẩm, giá (any order, accents and case ignored), then one price a row. Every row is
    checked first; one error and nothing is written (``ImportRejected`` lists them all, by
    row and column as the file shows them)."""
    _check_province(actor, province)
    sheet, rows = _rows_of(data)
    rows = [r for r in rows if any(str(c or "").strip() for c in r)]
    if not rows:
        raise ImportRejected([RowError(0, "", "Tệp trống.", sheet)])
    header = [_header_key(c) for c in rows[0]]
    missing = [label for key, label in COLUMNS.items() if key not in header]
    if missing:
        raise ImportRejected([RowError(1, "", "Thiếu cột: " + ", ".join(missing) + ".", sheet)])
    if len(rows) - 1 > MAX_IMPORT_ROWS:
        raise ImportRejected([RowError(0, "", f"Quá {MAX_IMPORT_ROWS} dòng giá.", sheet)])
    where = {key: header.index(key) for key in COLUMNS}
    products = {p.code: p for p in MarketProduct.objects.all()}
    today = timezone.localdate()
    errors: list[RowError] = []
    parsed = []
    seen: dict[tuple, int] = {}
    for number, raw in enumerate(rows[1:], start=2):
        raw = [*raw, *([None] * len(header))]
        values = {key: raw[index] for key, index in where.items()}
        row_errors = []
        checked = {}
        for key, check in (
            ("ngay", lambda v: _day(v, today)),
            ("cho", lambda v: _market(str(v or ""))),
            ("gia", _price),
        ):
            try:
                checked[key] = check(values[key])
            except ValidationError as exc:
                row_errors.append(RowError(number, COLUMNS[key], exc.messages[0], sheet))
        code = str(values["ma_san_pham"] or "").strip().lower()
        product = products.get(code)
        if product is None:
            row_errors.append(
                RowError(
                    number,
                    COLUMNS["ma_san_pham"],
                    f"Không có sản phẩm mã “{code}”: dùng một mã trong danh sách trên trang nhập giá.",
                    sheet,
                )
            )
        if not row_errors:
            key = (checked["cho"], code, checked["ngay"])
            if key in seen:
                row_errors.append(
                    RowError(number, COLUMNS["ngay"], f"Trùng với dòng {seen[key]}.", sheet)
                )
            seen[key] = number
        if row_errors:
            errors += row_errors
        else:
            parsed.append((checked["cho"], product, checked["ngay"], checked["gia"]))
    if errors:
        raise ImportRejected(errors)
    result = ImportResult()
    for market, product, on, price in parsed:
        _row, created = _upsert(actor, province, market, product, on, price)
        if created:
            result.created += 1
        else:
            result.updated += 1
    public_pages_changed_on_commit()
    audit_record(
        actor=actor,
        action="citizens.prices_import",
        obj=None,
        unit=province,
        after={"rows": len(parsed), "created": result.created, "updated": result.updated},
    )
    return result
