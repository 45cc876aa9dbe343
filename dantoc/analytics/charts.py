"""Server-side SVG charts for the dashboards: bars, lines, rankings, progress meters, tile map.

Pure functions: figures in, compact inline SVG out, so a chart costs no JavaScript and a few
kilobytes on a 3G phone. Every drawing is in a 340-unit-wide viewBox (a 360 px phone screen
less the page padding) that scales to the width of its container, so 13-unit text stays
readable there. Colours come from CSS classes in static/css/charts.css (one class per series
or bin, never a style per point); layout that must hold even without that stylesheet
(font size, text anchor) is set once per group as a presentation attribute.

Each chart is a single `role="img"` whose <title> and <desc> give the title and every figure
in words, because screen readers do not read the marks. Text from callers is escaped here;
the result is safe for `|safe`.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import unicodedata
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from html import escape
from urllib.parse import urlsplit

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from dantoc.core.templatetags.vn import format_number_vi

WIDTH = 340
FONT = 13
SMALL = 12
LINE = 16
MAX_SERIES = 3
ZERO_MARK = 1  # a zero bar is drawn 1 unit thick, so "0" differs visibly from "no data"

# Provinces and centrally-run cities in force since 01/07/2025 (era "new" in
# data/units/units.csv): code -> (row, column, tile label). Placed by hand: each province's
# centre was put on a grid of about 0.5° latitude per row and 0.8° longitude per column, then
# nudged so that neighbours touch; the Centre and South are pulled left to keep the grid six
# columns wide. The merged provinces that reach from the Lao border to the sea (Quảng Ngãi,
# Gia Lai, Đắk Lắk) take the whole width of the central strip.
PROVINCE_TILES: dict[str, tuple[int, int, str]] = {
    "08": (0, 3, "TQ"),  # Tuyên Quang (with Hà Giang: Lũng Cú, the northern tip)
    "04": (0, 4, "CB"),  # Cao Bằng
    "11": (1, 0, "ĐB"),  # Điện Biên
    "12": (1, 1, "LCh"),  # Lai Châu
    "15": (1, 2, "LCa"),  # Lào Cai (with Yên Bái)
    "19": (1, 3, "TNg"),  # Thái Nguyên (with Bắc Kạn)
    "20": (1, 4, "LS"),  # Lạng Sơn
    "14": (2, 1, "SL"),  # Sơn La
    "25": (2, 2, "PT"),  # Phú Thọ (with Vĩnh Phúc, Hòa Bình)
    "01": (2, 3, "HN"),  # Hà Nội
    "24": (2, 4, "BN"),  # Bắc Ninh (with Bắc Giang)
    "22": (2, 5, "QNi"),  # Quảng Ninh
    "38": (3, 2, "TH"),  # Thanh Hóa
    "37": (3, 3, "NB"),  # Ninh Bình (with Hà Nam, Nam Định)
    "33": (3, 4, "HY"),  # Hưng Yên (with Thái Bình)
    "31": (3, 5, "HP"),  # Hải Phòng (with Hải Dương)
    "40": (4, 2, "NA"),  # Nghệ An
    "42": (5, 3, "HT"),  # Hà Tĩnh
    "44": (6, 3, "QT"),  # Quảng Trị (with Quảng Bình)
    "46": (7, 4, "Huế"),  # Huế
    "48": (8, 4, "ĐNg"),  # Đà Nẵng (with Quảng Nam)
    "51": (9, 4, "QNg"),  # Quảng Ngãi (with Kon Tum)
    "52": (10, 4, "GL"),  # Gia Lai (with Bình Định)
    "66": (11, 4, "ĐL"),  # Đắk Lắk (with Phú Yên)
    "75": (12, 2, "ĐNai"),  # Đồng Nai (with Bình Phước)
    "68": (12, 3, "LĐ"),  # Lâm Đồng (with Đắk Nông, Bình Thuận)
    "56": (12, 4, "KH"),  # Khánh Hòa (with Ninh Thuận)
    "80": (13, 1, "TNi"),  # Tây Ninh (with Long An)
    "79": (13, 2, "HCM"),  # Hồ Chí Minh (with Bình Dương, Bà Rịa - Vũng Tàu)
    "91": (14, 0, "AG"),  # An Giang (with Kiên Giang)
    "82": (14, 1, "ĐT"),  # Đồng Tháp (with Tiền Giang)
    "86": (14, 2, "VL"),  # Vĩnh Long (with Bến Tre, Trà Vinh)
    "92": (15, 1, "CT"),  # Cần Thơ (with Sóc Trăng, Hậu Giang)
    "96": (16, 1, "CM"),  # Cà Mau (with Bạc Liêu)
}
TILE_PITCH = 40
TILE_SIZE = 37
# The legend sits in the empty area west of the central strip (rows 5-11, columns 0-2): room
# for a three-line heading and six two-line entries.
_LEGEND_ROW = 5
_LEGEND_COLS = 3

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")
_CLASS = re.compile(r"[A-Za-z0-9_ -]*\Z")
_SAFE_SCHEMES = {"", "http", "https"}


@dataclass(frozen=True)
class Series:
    """One line or one colour of bars; `None` in `values` means no data, not zero."""

    name: str
    values: Sequence[Decimal | None]
    css_class: str = ""  # default: c-s1, c-s2, c-s3 by position


@dataclass(frozen=True)
class RankItem:
    label: str
    value: Decimal | None
    href: str | None = None
    css_class: str = ""  # default: c-s1; pass e.g. "c-s2" to pick out the viewer's own unit


# ---------------------------------------------------------------------------------------
# Text, numbers and markup helpers


def _clean(text: object) -> str:
    """NFC text without the control characters XML 1.0 cannot carry."""
    return _CONTROL.sub("", unicodedata.normalize("NFC", str(text)))


def _esc(text: object) -> str:
    return escape(_clean(text), quote=True)


def _f(x: float) -> str:
    """A coordinate with at most one decimal: 12.0 -> "12", 12.34 -> "12.3"."""
    text = f"{x:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def _dec(value: object) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float):
        raise TypeError(f"chart values must be Decimal or None, not {type(value).__name__}")
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if not number.is_finite():
        raise ValueError(f"chart values must be finite, not {number}")
    return number


def _num(value: Decimal, decimals: int) -> str:
    """Vietnamese format rounded half-up: 1234567.46 -> "1.234.567,5"."""
    rounded = value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return format_number_vi(rounded + 0)  # + 0 turns -0 into 0


def _with_unit(number: str, unit: str) -> str:
    if not unit:
        return number
    return f"{number}{unit}" if unit == "%" else f"{number} {unit}"


def _value_text(value: Decimal | None, decimals: int, unit: str = "") -> str:
    if value is None:
        return _("chưa có số liệu")
    return _with_unit(_num(value, decimals), unit)


@functools.cache
def _char_width(char: str) -> float:
    """Advance width in em, between Roboto (Android) and the wider DejaVu Sans (Linux)."""
    base = unicodedata.normalize("NFD", char)[:1] or char
    if base in "ijlI.,:;'|!":
        return 0.28
    if base in "ftr()[]/ -":
        return 0.36
    if base in "–":
        return 0.5
    if base in "mw":
        return 0.85
    if base in "MW%…—":
        return 0.95
    if base.isupper() or base == "Đ":
        return 0.7
    return 0.6


@functools.lru_cache(maxsize=4096)
def _text_width(text: str, size: float) -> float:
    """Estimated rendered width: no font metrics on the server, so err on the wide side."""
    return sum(_char_width(c) for c in text) * size


def _fit(text: str, max_width: float, size: float) -> tuple[str, bool]:
    """Text shortened with an ellipsis to fit `max_width`; True if it was shortened."""
    if _text_width(text, size) <= max_width:
        return text, False
    cut = text
    while cut and _text_width(cut.rstrip() + "…", size) > max_width:
        cut = cut[:-1]
    return cut.rstrip() + "…", True


def _wrap(text: str, max_width: float, size: float, max_lines: int) -> tuple[list[str], bool]:
    """Greedy word wrap into at most `max_lines` lines; True if text had to be cut."""
    lines: list[str] = []
    for word in text.split():
        if lines and _text_width(f"{lines[-1]} {word}", size) <= max_width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    cut = len(lines) > max_lines
    lines = lines[:max_lines] or [""]
    if cut:
        lines[-1] += "…"
    fitted = [_fit(line, max_width, size) for line in lines]
    return [line for line, _short in fitted], cut or any(short for _line, short in fitted)


def _text(
    x: float, y: float, text: str, *, max_width: float | None = None, size: float = FONT, attrs=""
) -> str:
    """A <text>; shortened text keeps its whole wording in a <title> tooltip."""
    shown, cut = _fit(text, max_width, size) if max_width else (text, False)
    tip = f"<title>{_esc(text)}</title>" if cut else ""
    return f'<text x="{_f(x)}" y="{_f(y)}"{attrs}>{_esc(shown)}{tip}</text>'


def _prefix(id_prefix: str | None) -> str:
    if id_prefix is None:
        return "ch" + uuid.uuid4().hex[:8]
    if not _ID.match(id_prefix):
        raise ValueError(f"id_prefix must be a letter then letters, digits, _ or -: {id_prefix!r}")
    return id_prefix


def _css_class(css_class: str, default: str) -> str:
    if not _CLASS.match(css_class):
        raise ValueError(f"bad CSS class: {css_class!r}")
    return css_class.strip() or default


def _href(href: str) -> str:
    """Only site-relative and http(s) links: a javascript: URL in SVG would run on click."""
    scheme = urlsplit(_clean(href).strip()).scheme.lower()
    if scheme not in _SAFE_SCHEMES:
        raise ValueError(f"unsafe link in chart: {href!r}")
    return _esc(href.strip())


def _svg(*, pid: str, title: str, desc: str, height: float, body: str, kind: str) -> SafeString:
    # A chart whose bars or tiles are links is a group, not an image: an image's content is
    # hidden from assistive technology, so links inside it could not be reached (axe-core
    # "nested-interactive").
    role = "group" if "<a " in body else "img"
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {kind}" width="100%" '
        f'viewBox="0 0 {WIDTH} {_f(height)}" font-size="{FONT}" role="{role}" '
        f'aria-labelledby="{pid}-t {pid}-d"><title id="{pid}-t">{_esc(title)}</title>'
        f'<desc id="{pid}-d">{_esc(desc)}</desc>{body}</svg>'
    )


def _unit_text(unit_label: str) -> str:
    return _("Đơn vị: %(unit)s") % {"unit": unit_label} if unit_label else ""


def _unit_sentence(unit_label: str) -> str:
    return f"{_unit_text(unit_label)}." if unit_label else ""


def _join_desc(*parts: str) -> str:
    return " ".join(p for p in parts if p)


# ---------------------------------------------------------------------------------------
# Value axis


def nice_ticks(low: Decimal, high: Decimal) -> list[Decimal]:
    """Gridline values from a round number ≤ low to one ≥ high (taking in 0), stepping by
    1, 2 or 5 × 10ⁿ: 0..873 -> 0, 200, …, 1000. The tightest top with 3 to 6 steps wins,
    then the fewer lines; this gives 4 or 5 steps wherever a 1-2-5 step allows."""
    low, high = min(low, Decimal(0)), max(high, Decimal(0))
    if low == high:
        return [Decimal(0)]
    span = high - low
    options = []
    for exponent in range(span.adjusted() - 2, span.adjusted() + 2):
        for mantissa in (1, 2, 5):
            step = Decimal(mantissa).scaleb(exponent)
            first = math.floor(low / step)
            count = math.ceil(high / step) - first
            if 3 <= count <= 6:
                options.append((count * step, count, step, first))
    _span, count, step, first = min(options)
    return [(first + i) * step for i in range(count + 1)]


# ---------------------------------------------------------------------------------------
# Bar and line charts


def bar_chart(
    *,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    unit_label: str = "",
    height: int = 180,
    value_labels: bool = False,
    decimals: int = 1,
    id_prefix: str | None = None,
) -> SafeString:
    """Vertical grouped bars, one group per category and one colour per series (1-3).

    `height` is the height of the plotting area in viewBox units (the width is 340).
    """
    return _cartesian(
        bars=True,
        title=title,
        categories=categories,
        series=series,
        unit_label=unit_label,
        height=height,
        value_labels=value_labels,
        decimals=decimals,
        id_prefix=id_prefix,
    )


def line_chart(
    *,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    unit_label: str = "",
    height: int = 180,
    value_labels: bool = False,
    decimals: int = 1,
    id_prefix: str | None = None,
) -> SafeString:
    """One line per series over the periods in `categories`; a point marks each figure and
    the line breaks where a figure is missing. Series 1-3 use circle, square, diamond."""
    return _cartesian(
        bars=False,
        title=title,
        categories=categories,
        series=series,
        unit_label=unit_label,
        height=height,
        value_labels=value_labels,
        decimals=decimals,
        id_prefix=id_prefix,
    )


def _marker(index: int, x: float, y: float, tip: str = "") -> str:
    title = f"<title>{_esc(tip)}</title>" if tip else ""
    if index == 0:
        return f'<circle cx="{_f(x)}" cy="{_f(y)}" r="3.5">{title}</circle>'
    if index == 1:
        return f'<rect x="{_f(x - 3.5)}" y="{_f(y - 3.5)}" width="7" height="7">{title}</rect>'
    return f'<path d="M{_f(x)} {_f(y - 4.5)}l4.5 4.5-4.5 4.5-4.5-4.5z">{title}</path>'


def _legend(names: list[str], classes: list[str], *, y: float, bars: bool) -> tuple[str, float]:
    """Legend items flowing left to right, wrapping onto new rows; returns (svg, height)."""
    items = []
    x, row = 0.0, 0
    for index, (name, css) in enumerate(zip(names, classes, strict=True)):
        label, cut = _fit(name, WIDTH - 24, FONT)
        width = 18 + _text_width(label, FONT) + 14
        if x and x + width > WIDTH:
            x, row = 0.0, row + 1
        top = y + row * LINE
        if bars:
            mark = f'<rect x="{_f(x)}" y="{_f(top + 2)}" width="12" height="12"/>'
        else:
            mark = f'<path class="ln" d="M{_f(x)} {_f(top + 8)}h14"/>' + _marker(
                index, x + 7, top + 8
            )
        tip = f"<title>{_esc(name)}</title>" if cut else ""
        items.append(
            f'<g class="{_esc(css)}">{mark}</g>'
            f'<text x="{_f(x + 18)}" y="{_f(top + 12)}">{_esc(label)}{tip}</text>'
        )
        x += width
    return "".join(items), (row + 1) * LINE + 4


@dataclass(frozen=True)
class _Plot:
    """Where the value axis and the category slots of a bar or line chart fall."""

    left: float
    right: float
    top: float
    bottom: float
    low: Decimal
    high: Decimal
    count: int

    @property
    def slot(self) -> float:
        return (self.right - self.left) / self.count

    def x(self, index: int) -> float:
        return self.left + self.slot * (index + 0.5)

    def y(self, value: Decimal) -> float:
        share = float((value - self.low) / (self.high - self.low))
        return self.bottom - share * (self.bottom - self.top)


@dataclass(frozen=True)
class _CategoryLabels:
    """Horizontal and wrapped onto two lines when a slot holds six characters, otherwise
    slanted at 45° and cut at 18 characters; full text in a <title> when cut."""

    full: list[str]
    lines: list[list[str]]
    cut: list[bool]
    slanted: bool

    @classmethod
    def fit(cls, cats: list[str], slot: float) -> _CategoryLabels:
        slanted = slot - 6 < 6 * 0.6 * SMALL
        if slanted:
            fitted = [_fit(c, 18 * 0.6 * SMALL, SMALL) for c in cats]
            return cls(cats, [[t] for t, _c in fitted], [c for _t, c in fitted], True)
        wrapped = [_wrap(c, slot - 6, SMALL, 2) for c in cats]
        return cls(cats, [w for w, _c in wrapped], [c for _w, c in wrapped], False)

    def reach_left(self, slot: float) -> float:
        """How far left of the plot the first slanted label reaches."""
        if not self.slanted:
            return 0
        return _text_width(self.lines[0][0], SMALL) * 0.71 - slot / 2

    @property
    def height(self) -> float:
        if self.slanted:
            return max(_text_width(lines[0], SMALL) for lines in self.lines) * 0.71 + 14
        return max(len(lines) for lines in self.lines) * (SMALL + 2) + 6

    def svg(self, plot: _Plot, top: float) -> str:
        texts = []
        for index, (lines, cut, full) in enumerate(
            zip(self.lines, self.cut, self.full, strict=True)
        ):
            tip = f"<title>{_esc(full)}</title>" if cut else ""
            x = plot.x(index)
            if self.slanted:
                at = f"{_f(x + 4)} {_f(top - 4)}"
                texts.append(
                    f'<text transform="rotate(-45 {at})" x="{_f(x + 4)}" y="{_f(top - 4)}">'
                    f"{_esc(lines[0])}{tip}</text>"
                )
            else:
                more = "".join(
                    f'<tspan x="{_f(x)}" dy="{SMALL + 2}">{_esc(line)}</tspan>'
                    for line in lines[1:]
                )
                texts.append(f'<text x="{_f(x)}" y="{_f(top)}">{_esc(lines[0])}{more}{tip}</text>')
        anchor = "end" if self.slanted else "middle"
        return f'<g class="ax ct" font-size="{SMALL}" text-anchor="{anchor}">{"".join(texts)}</g>'


def _cartesian(
    *,
    bars: bool,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    unit_label: str,
    height: int,
    value_labels: bool,
    decimals: int,
    id_prefix: str | None,
) -> SafeString:
    pid = _prefix(id_prefix)
    if not 1 <= len(series) <= MAX_SERIES:
        raise ValueError(f"a chart takes 1 to {MAX_SERIES} series, not {len(series)}")
    cats = [_clean(c) for c in categories]
    if not cats:
        raise ValueError("a chart needs at least one category")
    values = []
    for s in series:
        if len(s.values) != len(cats):
            raise ValueError(
                f"series {s.name!r} has {len(s.values)} values for {len(cats)} categories"
            )
        values.append([_dec(v) for v in s.values])
    names = [_clean(s.name) for s in series]
    classes = [_css_class(s.css_class, f"c-s{i + 1}") for i, s in enumerate(series)]
    unit = _clean(unit_label)
    present = [v for row in values for v in row if v is not None]
    ticks = nice_ticks(min(present, default=Decimal(0)), max(present, default=Decimal(0)))
    tick_labels = [format_number_vi(t) for t in ticks]

    parts: list[str] = []
    y = 0.0
    if unit:
        parts.append(f'<text class="ax" x="0" y="13">{_esc(_unit_text(unit))}</text>')
        y += LINE + 2
    if len(series) > 1:
        legend, legend_height = _legend(names, classes, y=y, bars=bars)
        parts.append(legend)
        y += legend_height

    right = WIDTH - 4
    left = max(_text_width(t, SMALL) for t in tick_labels) + 8
    labels = _CategoryLabels.fit(cats, (right - left) / len(cats))
    left = max(left, labels.reach_left((right - left) / len(cats)) + 6)
    slot = (right - left) / len(cats)
    bar_width = min(slot * 0.8 / len(series), 36)

    value_texts = [[_num(v, decimals) if v is not None else "" for v in row] for row in values]
    widest_value = max(_text_width(t, SMALL) for row in value_texts for t in row)
    values_slanted = value_labels and widest_value > (bar_width if bars else slot) - 1
    headroom = 0.0
    if value_labels:
        headroom = widest_value + 6 if values_slanted else SMALL + 4
    footroom = headroom if any(v < 0 for v in present) else 0
    top = y + headroom + 7  # 7: half a tick label above the top gridline
    plot = _Plot(
        left=left,
        right=right,
        top=top,
        bottom=top + height,
        low=ticks[0],
        high=ticks[-1] if len(ticks) > 1 else Decimal(1),  # no figures, or all zero
        count=len(cats),
    )

    zero_y = plot.y(Decimal(0))
    grid = "".join(f"M{_f(left)} {_f(plot.y(t))}H{_f(right)}" for t in ticks if t != 0)
    if grid:
        parts.append(f'<path class="gl" d="{grid}"/>')
    parts.append(f'<path class="ax0" d="M{_f(left)} {_f(zero_y)}H{_f(right)}"/>')
    parts.append(
        f'<g class="ax tk" font-size="{SMALL}" text-anchor="end">'
        + "".join(
            f'<text x="{_f(left - 4)}" y="{_f(plot.y(t) + 4)}">{label}</text>'
            for t, label in zip(ticks, tick_labels, strict=True)
        )
        + "</g>"
    )
    parts.append(labels.svg(plot, plot.bottom + footroom + SMALL + 3))

    value_marks: list[str] = []
    for index, (row, css, name) in enumerate(zip(values, classes, names, strict=True)):
        tips = [
            _mark_tip(cat, name if len(series) > 1 else "", v, decimals, unit)
            if v is not None
            else ""
            for cat, v in zip(cats, row, strict=True)
        ]
        if bars:
            offset = bar_width * (index - len(series) / 2)
            gap = 1 if len(series) > 1 else 0
            marks = _bars(plot, row, tips, offset=offset, width=bar_width - gap)
            label_offset = offset + bar_width / 2
        else:
            marks = _line(plot, row, tips, index)
            label_offset = 0
        parts.append(f'<g class="{_esc(css)}">{marks}</g>')
        if value_labels:
            value_marks += _value_labels(
                plot,
                row,
                value_texts[index],
                offset=label_offset,
                lift=0 if bars else 3,
                slanted=values_slanted,
            )
    if value_marks:
        anchor = "start" if values_slanted else "middle"
        parts.append(
            f'<g class="vl" font-size="{SMALL}" text-anchor="{anchor}">{"".join(value_marks)}</g>'
        )
    if not present:
        parts.append(
            f'<text class="ax" x="{_f((left + right) / 2)}" y="{_f(top + height / 2)}" '
            f'text-anchor="middle">{_esc(_("Chưa có số liệu"))}</text>'
        )

    desc = _join_desc(
        _unit_sentence(unit),
        _cartesian_desc(cats, names, values, decimals) if present else _("Chưa có số liệu."),
    )
    return _svg(
        pid=pid,
        title=title,
        desc=desc,
        height=plot.bottom + footroom + labels.height + 4,
        body="".join(parts),
        kind="bars" if bars else "lines",
    )


def _bars(
    plot: _Plot, row: list[Decimal | None], tips: list[str], *, offset: float, width: float
) -> str:
    zero_y = plot.y(Decimal(0))
    marks = []
    for index, (value, tip) in enumerate(zip(row, tips, strict=True)):
        if value is None:
            continue
        y = plot.y(value)
        top, height = min(y, zero_y), abs(y - zero_y)
        if height < ZERO_MARK:
            top, height = (zero_y - ZERO_MARK if value >= 0 else zero_y), ZERO_MARK
        marks.append(
            f'<rect x="{_f(plot.x(index) + offset)}" y="{_f(top)}" width="{_f(width)}" '
            f'height="{_f(height)}"><title>{_esc(tip)}</title></rect>'
        )
    return "".join(marks)


def _line(plot: _Plot, row: list[Decimal | None], tips: list[str], index: int) -> str:
    """Runs of consecutive figures joined by a line; a gap wherever a figure is missing."""
    runs: list[list[str]] = [[]]
    for i, value in enumerate(row):
        if value is None:
            runs.append([])
        else:
            runs[-1].append(f"{_f(plot.x(i))} {_f(plot.y(value))}")
    path = "".join(f"M{run[0]}L{' '.join(run[1:])}" for run in runs if len(run) > 1)
    marks = [f'<path class="ln" d="{path}"/>'] if path else []
    marks += [
        _marker(index, plot.x(i), plot.y(value), tip)
        for i, (value, tip) in enumerate(zip(row, tips, strict=True))
        if value is not None
    ]
    return "".join(marks)


def _value_labels(
    plot: _Plot,
    row: list[Decimal | None],
    texts: list[str],
    *,
    offset: float,
    lift: float,
    slanted: bool,
) -> list[str]:
    """Figures just beyond the end of each bar (or above each point), read upwards if wide."""
    marks = []
    for index, (value, text) in enumerate(zip(row, texts, strict=True)):
        if value is None:
            continue
        above = value >= 0
        x = plot.x(index) + offset
        y = plot.y(value) + (-(4 + lift) if above else 4 + lift)
        if slanted:
            end = "" if above else ' text-anchor="end"'
            marks.append(
                f'<text transform="rotate(-90 {_f(x + 4)} {_f(y)})" x="{_f(x + 4)}" '
                f'y="{_f(y)}"{end}>{text}</text>'
            )
        else:
            marks.append(f'<text x="{_f(x)}" y="{_f(y if above else y + SMALL - 2)}">{text}</text>')
    return marks


def _mark_tip(category: str, series_name: str, value: Decimal, decimals: int, unit: str) -> str:
    figure = _value_text(value, decimals, unit)
    return f"{category} – {series_name}: {figure}" if series_name else f"{category}: {figure}"


def _cartesian_desc(
    cats: list[str], names: list[str], values: list[list[Decimal | None]], decimals: int
) -> str:
    sentences = []
    for index, cat in enumerate(cats):
        if len(names) == 1:
            figures = _value_text(values[0][index], decimals)
        else:
            figures = "; ".join(
                f"{name} {_value_text(row[index], decimals)}"
                for name, row in zip(names, values, strict=True)
            )
        sentences.append(f"{cat}: {figures}.")
    return " ".join(sentences)


# ---------------------------------------------------------------------------------------
# Ranking


def ranking_bars(
    *,
    title: str,
    items: Sequence[RankItem],
    unit_label: str = "",
    max_items: int | None = None,
    decimals: int = 1,
    id_prefix: str | None = None,
) -> SafeString:
    """Horizontal bars in the order given (the caller sorts): name on the left, figure at the
    end of the bar, "—" where there is no figure. Rows with `href` are links."""
    pid = _prefix(id_prefix)
    if max_items is not None and max_items < 1:
        raise ValueError(f"max_items must be at least 1, not {max_items}")
    unit = _clean(unit_label)
    shown_items = list(items if max_items is None else items[:max_items])
    rows = [(_clean(i.label), _dec(i.value), i) for i in shown_items]
    row_height, bar_height = 26, 14
    label_width = WIDTH * 0.4
    bar_left = label_width + 2
    texts = [_num(v, decimals) if v is not None else "—" for _label, v, _item in rows]
    value_room = max((_text_width(t, FONT) for t in texts), default=0) + 6
    longest = WIDTH - bar_left - value_room
    top_value = max((v for _label, v, _item in rows if v is not None), default=Decimal(0))

    parts: list[str] = []
    y = 0.0
    if unit:
        parts.append(f'<text class="ax" x="0" y="13">{_esc(_unit_text(unit))}</text>')
        y += LINE + 4
    if not rows:
        parts.append(f'<text class="ax" x="0" y="{_f(y + 16)}">{_esc(_("Chưa có số liệu"))}</text>')
        y += row_height
    for (label, value, item), text in zip(rows, texts, strict=True):
        middle = y + row_height / 2
        row = [_text(0, middle + 4.5, label, max_width=label_width - 6)]
        if value is None:
            row.append(
                f'<text x="{_f(bar_left)}" y="{_f(middle + 4.5)}">—'
                f"<title>{_esc(_('chưa có số liệu'))}</title></text>"
            )
        else:
            length = float(value / top_value) * longest if top_value > 0 and value > 0 else 0
            length = max(length, ZERO_MARK)
            css = _css_class(item.css_class, "c-s1")
            row.append(
                f'<rect class="{_esc(css)}" x="{_f(bar_left)}" y="{_f(middle - bar_height / 2)}" '
                f'width="{_f(length)}" height="{bar_height}"/>'
                f'<text x="{_f(bar_left + length + 4)}" y="{_f(middle + 4.5)}">{text}</text>'
            )
        if item.href:
            hit = (
                f'<rect x="0" y="{_f(y)}" width="{WIDTH}" height="{row_height}" fill="none" '
                'pointer-events="all"/>'
            )
            tip = f"<title>{_esc(label)}: {_esc(_value_text(value, decimals, unit))}</title>"
            parts.append(f'<a href="{_href(item.href)}">{tip}{hit}{"".join(row)}</a>')
        else:
            parts.append("".join(row))
        y += row_height

    figures = "; ".join(f"{label}: {_value_text(v, decimals)}" for label, v, _item in rows)
    summary = f"{figures}." if rows else _("Chưa có số liệu.")
    more = ""
    if len(shown_items) < len(items):
        more = _("Hiển thị %(shown)s trên %(total)s mục.") % {
            "shown": len(shown_items),
            "total": len(items),
        }
    desc = _join_desc(_unit_sentence(unit), summary, more)
    return _svg(pid=pid, title=title, desc=desc, height=y + 4, body="".join(parts), kind="rank")


# ---------------------------------------------------------------------------------------
# Progress towards a target


def progress_bar(
    *,
    label: str,
    actual: Decimal | None,
    target: Decimal | None,
    unit_label: str = "",
    decimals: int = 1,
) -> SafeString:
    """A meter of actual against target with the true percentage (the bar stops at 100%)."""
    label = _clean(label)
    unit = _clean(unit_label)
    actual, target = _dec(actual), _dec(target)
    share = None
    if actual is not None and target is not None and target > 0:
        share = actual / target * 100
        percent = _num(share, 1) + "%"
        sentence = _("%(label)s: đạt %(actual)s trên mục tiêu %(target)s, bằng %(percent)s.") % {
            "label": label,
            "actual": _num(actual, decimals),
            "target": _value_text(target, decimals, unit),
            "percent": percent,
        }
        detail = f"{_num(actual, decimals)} / {_value_text(target, decimals, unit)}"
    elif target is None or target <= 0:
        percent = ""
        what = _("chưa đặt mục tiêu") if target is None else _("mục tiêu bằng 0")
        figure = _value_text(actual, decimals, unit)
        sentence = f"{label}: {figure}; {what}."
        detail = f"{figure} · {what}"
    else:
        percent = ""
        sentence = _("%(label)s: chưa có số liệu; mục tiêu %(target)s.") % {
            "label": label,
            "target": _value_text(target, decimals, unit),
        }
        detail = f"{_('chưa có số liệu')} / {_value_text(target, decimals, unit)}"

    percent_width = _text_width(percent, FONT) + 8 if percent else 0
    parts = [_text(0, 13, label, max_width=WIDTH - percent_width)]
    if percent:
        parts.append(
            f'<text x="{WIDTH}" y="13" text-anchor="end" font-weight="700">{percent}</text>'
        )
    parts.append(f'<rect class="pg-track" x="0" y="19" width="{WIDTH}" height="10" rx="2"/>')
    if share is not None and share > 0:
        width = WIDTH * min(float(share), 100.0) / 100
        css = "pg-over" if share > 100 else "pg-fill"
        parts.append(f'<rect class="{css}" x="0" y="19" width="{_f(width)}" height="10" rx="2"/>')
    parts.append(
        _text(0, 45, detail, max_width=WIDTH, size=SMALL, attrs=f' class="ax" font-size="{SMALL}"')
    )
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart progress" width="100%" '
        f'viewBox="0 0 {WIDTH} 50" font-size="{FONT}" role="img" aria-label="{_esc(sentence)}">'
        f"<title>{_esc(sentence)}</title>{''.join(parts)}</svg>"
    )


# ---------------------------------------------------------------------------------------
# Province tile map


@dataclass(frozen=True)
class _Bins:
    breaks: list[Decimal]  # lower bounds of classes 2..k
    low: Decimal | None  # data minimum (computed bins) or None (caller's bins)
    high: Decimal | None

    def index(self, value: Decimal) -> int:
        return sum(1 for b in self.breaks if value >= b)

    def shades(self) -> list[int]:
        """Palette steps 1-5 spread over the k classes actually used."""
        k = len(self.breaks) + 1
        if k == 1:
            return [3]
        return [1 + round(i * 4 / (k - 1)) for i in range(k)]


def _bins(
    present: list[Decimal], bins: Sequence[Decimal] | None, binning: str, decimals: int
) -> _Bins:
    if binning not in ("quantile", "equal"):
        raise ValueError(f"binning is 'quantile' or 'equal', not {binning!r}")
    step = Decimal(1).scaleb(-decimals)

    def rounded(value: Decimal) -> Decimal:
        # Breaks are rounded as shown in the legend, so a figure falls in the class it reads in.
        return value.quantize(step, rounding=ROUND_HALF_UP) + 0

    if bins is not None:
        given = [_dec(b) for b in bins]
        breaks = [b for b in given if b is not None]
        if not 1 <= len(given) <= 4 or len(breaks) < len(given):
            raise ValueError("bins are 1 to 4 increasing break values (up to 5 classes)")
        if any(a >= b for a, b in itertools.pairwise(breaks)):
            raise ValueError("bins are 1 to 4 increasing break values (up to 5 classes)")
        return _Bins(breaks=breaks, low=None, high=None)
    if not present:
        return _Bins(breaks=[], low=None, high=None)
    ordered = sorted(present)
    low, high = ordered[0], ordered[-1]
    if binning == "quantile":
        candidates = [ordered[len(ordered) * k // 5] for k in range(1, 5)]
    else:
        candidates = [low + (high - low) * k / 5 for k in range(1, 5)]
    breaks = sorted({rounded(c) for c in candidates if low < rounded(c) <= high})
    return _Bins(breaks=breaks, low=low, high=high)


def _bin_labels(b: _Bins, decimals: int) -> list[str]:
    def n(value: Decimal) -> str:
        return _num(value, decimals)

    if not b.breaks:
        if b.low is None:
            return []
        return [n(b.low) if n(b.low) == n(b.high) else f"{n(b.low)} – {n(b.high)}"]
    labels = []
    edges = [b.low, *b.breaks, b.high]
    for i in range(len(b.breaks) + 1):
        start, end = edges[i], edges[i + 1]
        if i == 0:
            labels.append(
                _("%(low)s – dưới %(high)s") % {"low": n(start), "high": n(end)}
                if start is not None
                else _("dưới %(value)s") % {"value": n(end)}
            )
        elif i == len(b.breaks):
            labels.append(
                f"{n(start)} – {n(end)}"
                if end is not None
                else _("từ %(value)s trở lên") % {"value": n(start)}
            )
        else:
            labels.append(_("%(low)s – dưới %(high)s") % {"low": n(start), "high": n(end)})
    return labels


def province_tile_grid(
    *,
    title: str,
    values: Mapping[str, Decimal | None],
    names: Mapping[str, str],
    hrefs: Mapping[str, str] | None = None,
    legend_label: str,
    bins: Sequence[Decimal] | None = None,
    binning: str = "quantile",
    decimals: int = 1,
    id_prefix: str | None = None,
) -> SafeString:
    """The 34 provinces as a tile map, shaded in up to 5 classes (tile-b1 … tile-b5).

    `values` and `names` are keyed by the post-2025 province code; a province absent from
    `values` has no data (tile-none). Classes are quintiles of the figures shown
    (`binning="equal"` for equal widths) unless `bins` gives 1-4 break values: a figure
    goes in the class of the highest break it reaches.
    """
    pid = _prefix(id_prefix)
    unknown = sorted(set(values) - set(PROVINCE_TILES))
    if unknown:
        raise ValueError(f"not a current province code: {', '.join(unknown)}")
    figures = {code: _dec(values.get(code)) for code in PROVINCE_TILES}
    present = [v for v in figures.values() if v is not None]
    classes = _bins(present, bins, binning, decimals)
    shades = classes.shades()
    legend_label = _clean(legend_label)
    ox = WIDTH - (6 * TILE_PITCH - (TILE_PITCH - TILE_SIZE)) - 2

    tiles = []
    order = sorted(PROVINCE_TILES, key=lambda c: PROVINCE_TILES[c][:2])
    for code in order:
        row, col, short = PROVINCE_TILES[code]
        value = figures[code]
        name = _clean(names.get(code) or short)
        css = "tile-none" if value is None else f"tile-b{shades[classes.index(value)]}"
        x, y = ox + col * TILE_PITCH, row * TILE_PITCH
        tile = (
            f'<g class="{css}"><title>{_esc(name)}: {_esc(_value_text(value, decimals))}</title>'
            f'<path d="M{_f(x)} {_f(y)}h{TILE_SIZE}v{TILE_SIZE}h-{TILE_SIZE}z"/>'
            f'<text x="{_f(x + TILE_SIZE / 2)}" y="{_f(y + TILE_SIZE / 2 + 4)}">{_esc(short)}</text></g>'
        )
        href = (hrefs or {}).get(code)
        tiles.append(f'<a href="{_href(href)}">{tile}</a>' if href else tile)
    parts = [f'<g text-anchor="middle" font-size="{SMALL}" font-weight="600">{"".join(tiles)}</g>']

    legend_width = ox + _LEGEND_COLS * TILE_PITCH - 8
    y = _LEGEND_ROW * TILE_PITCH + 12
    lines, cut = _wrap(legend_label, legend_width, FONT, 3)
    legend = [
        f'<text x="0" y="{_f(y + i * LINE)}" font-weight="700">{_esc(line)}'
        + (f"<title>{_esc(legend_label)}</title>" if cut and i == len(lines) - 1 else "")
        + "</text>"
        for i, line in enumerate(lines)
    ]
    y += len(lines) * LINE
    entries = list(
        zip((f"tile-b{s}" for s in shades), _bin_labels(classes, decimals), strict=False)
    )
    if len(present) < len(PROVINCE_TILES):
        entries.append(("tile-none", _("Chưa có số liệu")))
    for css, text in entries:
        wrapped, _cut = _wrap(text, legend_width - 20, SMALL, 2)
        legend.append(f'<rect class="{css}" x="0" y="{_f(y - 2)}" width="14" height="14"/>')
        legend.append(
            "".join(
                f'<text x="20" y="{_f(y + 9 + i * (SMALL + 2))}">{_esc(line)}</text>'
                for i, line in enumerate(wrapped)
            )
        )
        y += len(wrapped) * (SMALL + 2) + 6
    parts.append(f'<g class="lg" font-size="{SMALL}">{"".join(legend)}</g>')

    rows = max(r for r, _c, _s in PROVINCE_TILES.values()) + 1
    height = max(rows * TILE_PITCH, y)
    desc_figures = "; ".join(
        f"{_clean(names.get(code) or PROVINCE_TILES[code][2])}: {_value_text(figures[code], decimals)}"
        for code in order
    )
    desc = f"{legend_label.rstrip('.')}. {desc_figures}."
    return _svg(pid=pid, title=title, desc=desc, height=height, body="".join(parts), kind="tiles")
