"""Parsing and canonical forms of values and disaggregation keys, shared by every entry path
(web form, Excel, API) so that all of them accept and refuse exactly the same things."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from dantoc.indicators.models import ValueType

_KEY_PART = re.compile(r"^[A-Za-z0-9_]+$")


class ValueError_(ValueError):
    """A value that does not fit its indicator; the message is for the person who typed it."""


def options_key(options: dict[str, str]) -> str:
    """Canonical text of a category → option map: "ETHNIC=08;SEX=F" (sorted by category)."""
    for cat, opt in options.items():
        if not (_KEY_PART.match(cat) and _KEY_PART.match(opt)):
            raise ValueError_(f"Mã phân tổ không hợp lệ: {cat}={opt}")
    return ";".join(f"{cat}={options[cat]}" for cat in sorted(options))


def parse_options_key(key: str) -> dict[str, str]:
    if not key:
        return {}
    result: dict[str, str] = {}
    for part in key.split(";"):
        cat, sep, opt = part.partition("=")
        if not sep or not _KEY_PART.match(cat) or not _KEY_PART.match(opt) or cat in result:
            raise ValueError_(f"Phân tổ không hợp lệ: {key!r} (dạng NHOM=MUC;NHOM2=MUC2)")
        result[cat] = opt
    return result


def parse_number(raw: str, *, decimal_comma: bool) -> Decimal:
    """Read a number as typed. With ``decimal_comma`` (Vietnamese pages) "1.234.567,5" and
    "1234,5" are accepted; otherwise (API, CSV) the decimal mark is the point."""
    text = raw.strip().replace(" ", "").replace("\u00a0", "")
    if decimal_comma:
        if "," in text:
            text = text.replace(".", "").replace(",", ".")
        elif text.count(".") > 1 or re.fullmatch(r"-?\d{1,3}(\.\d{3})+", text):
            text = text.replace(".", "")
    if len(text) > 60:
        raise ValueError_(f"'{raw[:20]}…' quá dài để là một số")
    try:
        number = Decimal(text)
    except (InvalidOperation, ArithmeticError):
        raise ValueError_(f"'{raw}' không phải là số") from None
    if not number.is_finite():
        raise ValueError_(f"'{raw}' không phải là số")
    # Exponents such as 1E1000000 are numbers on paper only: refuse them before any arithmetic.
    if abs(number.adjusted()) > 30:
        raise ValueError_(f"'{raw}' quá lớn hoặc quá nhỏ")
    return number


def normalise_value(
    value_type: str, raw: object, *, decimal_comma: bool = False
) -> tuple[str, Decimal | None]:
    """Return (stored text, numeric value) for ``raw``, or raise ValueError_ saying why not."""
    if raw is None:
        raise ValueError_("thiếu giá trị")
    if isinstance(raw, bool):
        raw = "true" if raw else "false"
    if isinstance(raw, (int, float, Decimal)) and value_type != ValueType.TEXT:
        number = parse_number(str(raw), decimal_comma=False)
    else:
        text = str(raw).strip()
        if value_type == ValueType.TEXT:
            if len(text) > 2000:
                raise ValueError_("văn bản dài quá 2.000 ký tự")
            return text, None
        if value_type == ValueType.BOOLEAN:
            lowered = text.lower()
            if lowered in {"true", "1", "có", "co", "yes"}:
                return "true", Decimal(1)
            if lowered in {"false", "0", "không", "khong", "no"}:
                return "false", Decimal(0)
            raise ValueError_(f"'{text}' không phải Có/Không")
        number = parse_number(text, decimal_comma=decimal_comma)
    if value_type == ValueType.BOOLEAN:
        if number in (0, 1):
            return ("true" if number else "false"), number
        raise ValueError_(f"'{raw}' không phải Có/Không")
    if value_type == ValueType.INTEGER and number != number.to_integral_value():
        raise ValueError_(f"'{raw}' phải là số nguyên")
    if value_type == ValueType.PERCENTAGE and not (0 <= number <= 100):
        raise ValueError_(f"tỷ lệ '{raw}' phải từ 0 đến 100")
    if abs(number) >= Decimal("1e18"):
        raise ValueError_(f"'{raw}' quá lớn")
    if value_type == ValueType.INTEGER:
        number = number.to_integral_value()
        return str(number), number
    # Values are kept to 6 decimals (the numeric column's precision), so that the text that is
    # exported and the number that is added up can never disagree (Excel's 0.30000000000000004
    # becomes 0.3).
    if number.as_tuple().exponent < -6:
        number = number.quantize(Decimal("0.000001"))
    normalized = number.normalize()
    text = format(normalized, "f")
    return text, normalized
