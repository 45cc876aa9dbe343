"""SVG charts: well-formed, escaped, honest about missing figures, Vietnamese numbers, small.

No database: the charts are pure functions of their arguments.
"""

from __future__ import annotations

import csv
import re
import unicodedata
import xml.etree.ElementTree as ET
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from dantoc.analytics.charts import (
    PROVINCE_TILES,
    RankItem,
    Series,
    bar_chart,
    line_chart,
    nice_ticks,
    progress_bar,
    province_tile_grid,
    ranking_bars,
)

NS = "{http://www.w3.org/2000/svg}"
UNITS_CSV = Path(settings.BASE_DIR) / "data" / "units" / "units.csv"
CHARTS_CSS = Path(settings.BASE_DIR) / "static" / "css" / "charts.css"
QUARTERS = [f"Quý {q}/{y}" for y in (2025, 2026) for q in (1, 2, 3, 4)]


@pytest.fixture(autouse=True)
def _vietnamese():
    with translation.override("vi"):
        yield


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{NS}svg"
    return root


def by_class(root: ET.Element, name: str, tag: str | None = None) -> list[ET.Element]:
    return [
        e
        for e in root.iter()
        if name in (e.get("class") or "").split() and (tag is None or e.tag == f"{NS}{tag}")
    ]


def shown(text: ET.Element) -> str:
    """What a <text> displays: its own text and tspans, not its <title> tooltip."""
    lines = [text.text or ""] + [t.text or "" for t in text if t.tag == f"{NS}tspan"]
    return " ".join(lines)


def texts_in(group: ET.Element) -> list[str]:
    return [shown(t) for t in group.iter(f"{NS}text")]


def desc(root: ET.Element) -> str:
    return root.find(f"{NS}desc").text


def current_provinces() -> dict[str, str]:
    with UNITS_CSV.open(encoding="utf-8", newline="") as f:
        return {
            row["code"]: row["name"]
            for row in csv.DictReader(f)
            if row["era"] == "new" and row["level"] == "province"
        }


def two_series_chart(**kwargs) -> str:
    return bar_chart(
        title="Vốn được giao và đã giải ngân",
        categories=QUARTERS,
        series=[
            Series(
                "Vốn giao", [D("1234.5"), D(1500), D(873), D(1100), None, D(0), D(950), D(1320)]
            ),
            Series(
                "Vốn giải ngân", [D(800), D("1200.4"), D(600), None, D(300), D(0), D(700), D(1000)]
            ),
        ],
        unit_label="tỷ đồng",
        **kwargs,
    )


# --- every chart ------------------------------------------------------------------------


def test_every_chart_is_one_accessible_image_named_by_its_title_and_description():
    charts = [
        two_series_chart(),
        line_chart(title="Tỷ lệ", categories=["2024", "2025"], series=[Series("A", [D(1), D(2)])]),
        ranking_bars(title="Xếp hạng", items=[RankItem("Tỉnh Lào Cai", D(3), None)]),
        province_tile_grid(title="Bản đồ", values={}, names={}, legend_label="Tỷ lệ (%)"),
    ]
    for svg in charts:
        root = parse(svg)
        assert root.get("role") == "img" and root.get("width") == "100%"
        assert root.get("viewBox").startswith("0 0 340 ")
        ids = root.get("aria-labelledby").split()
        assert [root.find(f".//*[@id='{i}']").tag for i in ids] == [f"{NS}title", f"{NS}desc"]


def test_ids_differ_between_two_identical_charts_on_one_page():
    first, second = parse(two_series_chart()), parse(two_series_chart())
    assert first.get("aria-labelledby") != second.get("aria-labelledby")
    chosen = parse(two_series_chart(id_prefix="von-2025"))
    assert chosen.get("aria-labelledby") == "von-2025-t von-2025-d"


def test_an_id_prefix_that_could_break_out_of_the_attribute_is_refused():
    with pytest.raises(ValueError):
        two_series_chart(id_prefix='x" onload="alert(1)')


def test_markup_in_labels_is_escaped_and_vietnamese_letters_survive():
    nasty = "Xã <b>Đắk</b> & \"Lắk\" 'Ơ'"
    svg = bar_chart(
        title=f"Vốn {nasty}",
        categories=[nasty, "Quý 2"],
        series=[Series(f"<script>{nasty}", [D(1), D(2)]), Series("Ư", [D(3), None])],
        unit_label="tỷ đồng & <%>",
    )
    assert "<b>" not in svg and "<script>" not in svg
    root = parse(svg)
    assert root.find(f"{NS}title").text == f"Vốn {nasty}"
    assert nasty in desc(root) and "tỷ đồng & <%>" in desc(root)
    legend = [shown(t) for t in root.iter(f"{NS}text")]
    assert f"<script>{nasty}" in legend


def test_decomposed_vietnamese_input_comes_out_composed():
    decomposed = unicodedata.normalize("NFD", "Tỉnh Tuyên Quang")
    root = parse(ranking_bars(title="Xếp hạng", items=[RankItem(decomposed, D(1), None)]))
    assert "Tỉnh Tuyên Quang" in desc(root)


def test_charts_are_compact_markup_without_inline_styles_or_long_decimals():
    svg = two_series_chart(value_labels=True)
    assert "style=" not in svg
    assert not re.search(r">\s+<", svg), "no whitespace between tags"
    attributes = " ".join(re.findall(r'="([^"]*)"', svg))
    assert re.search(r"\d\.\d", attributes), "coordinates do carry one decimal"
    assert not re.search(r"\d\.\d\d", attributes), "but never two"
    assert len(svg.encode()) < 6 * 1024


# --- bar chart ----------------------------------------------------------------------------


def test_missing_figure_draws_no_bar_but_zero_draws_a_flat_bar_on_the_baseline():
    root = parse(
        bar_chart(title="Vốn", categories=["A", "B", "C"], series=[Series("x", [D(5), None, D(0)])])
    )
    bars = by_class(root, "c-s1")[0].findall(f"{NS}rect")
    assert [b.find(f"{NS}title").text for b in bars] == ["A: 5", "C: 0"]
    zero = bars[1]
    baseline = by_class(root, "ax0")[0].get("d")  # "M<left> <y>H<right>"
    baseline_y = float(baseline.split()[1].split("H")[0])
    assert float(zero.get("height")) == 1
    assert float(zero.get("y")) + 1 == pytest.approx(baseline_y)
    assert "B: chưa có số liệu." in desc(root)


def test_chart_with_no_figures_says_so_and_draws_no_bars():
    root = parse(bar_chart(title="Vốn", categories=["A", "B"], series=[Series("x", [None, None])]))
    assert by_class(root, "c-s1")[0].findall(f"{NS}rect") == []
    assert "Chưa có số liệu" in [shown(t) for t in root.iter(f"{NS}text")]
    assert desc(root) == "Chưa có số liệu."


def test_all_zero_chart_has_only_the_zero_line_and_flat_bars():
    root = parse(bar_chart(title="Vốn", categories=["A", "B"], series=[Series("x", [D(0), D(0)])]))
    assert texts_in(by_class(root, "tk")[0]) == ["0"]
    assert [r.get("height") for r in by_class(root, "c-s1")[0].findall(f"{NS}rect")] == ["1", "1"]


def test_axis_for_a_top_figure_of_873_runs_to_1000_in_steps_of_200():
    root = parse(bar_chart(title="Vốn", categories=["A"], series=[Series("x", [D(873)])]))
    assert texts_in(by_class(root, "tk")[0]) == ["0", "200", "400", "600", "800", "1.000"]


def test_bars_are_as_tall_as_their_figures():
    root = parse(
        bar_chart(title="Vốn", categories=["A", "B"], series=[Series("x", [D(1000), D(250)])])
    )
    tall, short = (float(r.get("height")) for r in by_class(root, "c-s1")[0].iter(f"{NS}rect"))
    assert short / tall == pytest.approx(0.25, abs=0.01)


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0, 873, ["0", "200", "400", "600", "800", "1000"]),
        (0, 5, ["0", "1", "2", "3", "4", "5"]),
        (0, "0.087", ["0", "0.02", "0.04", "0.06", "0.08", "0.1"]),
        (0, 1001, ["0", "200", "400", "600", "800", "1000", "1200"]),
        (-30, 90, ["-50", "0", "50", "100"]),
        (0, 0, ["0"]),
    ],
)
def test_gridlines_step_by_one_two_or_five_times_a_power_of_ten(low, high, expected):
    assert [f"{t.normalize():f}" for t in nice_ticks(D(low), D(high))] == expected


@given(st.decimals(min_value=D("0.001"), max_value=D("1e12"), places=3))
def test_gridlines_cover_any_figure_with_the_first_round_number_above_it(top):
    ticks = nice_ticks(D(0), top)
    step = ticks[1] - ticks[0]
    assert ticks[0] == 0 and ticks[-2] < top <= ticks[-1]
    assert 3 <= len(ticks) - 1 <= 6
    assert step.normalize().as_tuple().digits in {(1,), (2,), (5,)}


@given(
    st.decimals(min_value=D("-1e9"), max_value=D(0), places=2),
    st.decimals(min_value=D(0), max_value=D("1e9"), places=2),
)
def test_gridlines_cover_negative_figures_too_and_keep_a_zero_line(low, high):
    ticks = nice_ticks(low, high)
    assert ticks[0] <= low and high <= ticks[-1] and D(0) in ticks
    assert len(ticks) == 1 or 3 <= len(ticks) - 1 <= 6


def test_figures_are_written_the_vietnamese_way():
    root = parse(
        bar_chart(
            title="Vốn",
            categories=["A"],
            series=[Series("x", [D("1234567.5")])],
            value_labels=True,
        )
    )
    assert texts_in(by_class(root, "vl")[0]) == ["1.234.567,5"]
    assert "1.500.000" in texts_in(by_class(root, "tk")[0])
    assert desc(root) == "A: 1.234.567,5."


def test_figures_are_rounded_half_up_to_the_decimals_asked_for():
    root = parse(
        bar_chart(
            title="Tỷ lệ",
            categories=["A", "B"],
            series=[Series("x", [D("0.05"), D("-0.04")])],
            decimals=1,
        )
    )
    assert desc(root) == "A: 0,1. B: 0."


def test_long_category_labels_are_cut_with_an_ellipsis_and_keep_their_full_text():
    long = "Huyện Mường Nhé cũ, nay thuộc xã Mường Nhé, tỉnh Điện Biên"
    root = parse(
        bar_chart(
            title="Vốn",
            categories=[long, *QUARTERS[1:]],
            series=[Series("x", [D(i) for i in range(8)])],
        )
    )
    first = by_class(root, "ct")[0].find(f"{NS}text")
    assert shown(first).endswith("…") and len(shown(first)) < len(long)
    assert first.find(f"{NS}title").text == long


def test_short_category_labels_stay_whole_and_horizontal():
    root = parse(
        bar_chart(
            title="Vốn",
            categories=["Vốn đầu tư phát triển", "Khác"],
            series=[Series("x", [D(1), D(2)])],
        )
    )
    labels = list(by_class(root, "ct")[0].iter(f"{NS}text"))
    assert [shown(t) for t in labels] == ["Vốn đầu tư phát triển", "Khác"]
    assert all(t.get("transform") is None and t.find(f"{NS}title") is None for t in labels)


def test_legend_appears_only_when_there_are_several_series():
    one = parse(bar_chart(title="Vốn", categories=["A"], series=[Series("Vốn giao", [D(1)])]))
    two = parse(two_series_chart())
    assert "Vốn giao" not in [shown(t) for t in one.iter(f"{NS}text")]
    assert {"Vốn giao", "Vốn giải ngân"} <= {shown(t) for t in two.iter(f"{NS}text")}


def test_series_take_their_own_css_class_or_one_by_position():
    root = parse(
        bar_chart(
            title="Vốn",
            categories=["A"],
            series=[Series("a", [D(1)]), Series("b", [D(2)], css_class="c-s3")],
        )
    )
    assert by_class(root, "c-s1") and by_class(root, "c-s3") and not by_class(root, "c-s2")


def test_a_series_must_have_one_figure_per_category():
    with pytest.raises(ValueError):
        bar_chart(title="Vốn", categories=["A", "B"], series=[Series("x", [D(1)])])
    with pytest.raises(ValueError):
        bar_chart(title="Vốn", categories=["A"], series=[Series(str(i), [D(1)]) for i in range(4)])


def test_realistic_bar_chart_stays_small():
    assert len(two_series_chart().encode()) < 6 * 1024


# --- line chart ---------------------------------------------------------------------------


def test_line_breaks_where_a_figure_is_missing_and_every_figure_has_a_point():
    root = parse(
        line_chart(
            title="Tỷ lệ hộ nghèo",
            categories=["2021", "2022", "2023", "2024", "2025", "2026"],
            series=[Series("Vùng cao", [D(25), D(23), None, D(20), D(0), None])],
            unit_label="%",
        )
    )
    group = by_class(root, "c-s1")[0]
    line = group.find(f"{NS}path").get("d")
    assert line.count("M") == 2, "two runs: 2021-2022 and 2024-2025"
    points = group.findall(f"{NS}circle")
    assert [p.find(f"{NS}title").text for p in points] == [
        "2021: 25%",
        "2022: 23%",
        "2024: 20%",
        "2025: 0%",
    ]
    baseline_y = float(by_class(root, "ax0")[0].get("d").split()[1].split("H")[0])
    assert float(points[-1].get("cy")) == pytest.approx(baseline_y)


def test_a_lone_figure_is_a_point_without_a_line():
    root = parse(
        line_chart(
            title="Tỷ lệ", categories=["A", "B", "C"], series=[Series("x", [None, D(4), None])]
        )
    )
    group = by_class(root, "c-s1")[0]
    assert group.find(f"{NS}path") is None and len(group.findall(f"{NS}circle")) == 1


def test_each_series_has_its_own_point_shape_so_colour_is_not_the_only_cue():
    root = parse(
        line_chart(
            title="Tỷ lệ",
            categories=["A"],
            series=[Series("a", [D(1)]), Series("b", [D(2)]), Series("c", [D(3)])],
        )
    )
    points = [
        [e.tag for e in g if e.tag != f"{NS}path" or not e.get("class")]
        for g in (by_class(root, f"c-s{i}")[-1] for i in (1, 2, 3))
    ]
    assert points == [[f"{NS}circle"], [f"{NS}rect"], [f"{NS}path"]]


# --- ranking ------------------------------------------------------------------------------


def test_ranked_rows_link_to_their_unit_with_escaped_addresses():
    root = parse(
        ranking_bars(
            title="Giải ngân theo tỉnh",
            items=[
                RankItem("Tỉnh Tuyên Quang", D(80), "/don-vi/08/?ky=2025&loai=von"),
                RankItem("Tỉnh Lào Cai", D(40), None),
            ],
            unit_label="%",
        )
    )
    links = root.findall(f"{NS}a")
    assert [a.get("href") for a in links] == ["/don-vi/08/?ky=2025&loai=von"]
    assert "Tỉnh Tuyên Quang" in texts_in(links[0])
    bars = by_class(root, "c-s1", "rect")
    assert float(bars[1].get("width")) / float(bars[0].get("width")) == pytest.approx(0.5, abs=0.01)


def test_a_script_link_is_refused():
    with pytest.raises(ValueError):
        ranking_bars(title="X", items=[RankItem("A", D(1), "javascript:alert(1)")])


def test_row_without_a_figure_shows_a_dash_and_no_bar():
    root = parse(
        ranking_bars(
            title="X", items=[RankItem("Tỉnh A", D(5), None), RankItem("Tỉnh B", None, None)]
        )
    )
    dash = [t for t in root.iter(f"{NS}text") if shown(t) == "—"]
    assert len(dash) == 1 and dash[0].find(f"{NS}title").text == "chưa có số liệu"
    assert len(by_class(root, "c-s1", "rect")) == 1
    assert "Tỉnh B: chưa có số liệu" in desc(root)


def test_ranking_shows_only_max_items_and_says_how_many_there_were():
    items = [RankItem(f"Tỉnh {i}", D(100 - i), None) for i in range(34)]
    root = parse(ranking_bars(title="X", items=items, max_items=10))
    assert len(by_class(root, "c-s1", "rect")) == 10
    assert "Hiển thị 10 trên 34 mục." in desc(root)


def test_highlighted_row_takes_its_css_class():
    root = parse(
        ranking_bars(
            title="X",
            items=[RankItem("A", D(5), None), RankItem("B", D(4), None, css_class="c-s2")],
        )
    )
    assert len(by_class(root, "c-s2", "rect")) == 1


# --- progress -----------------------------------------------------------------------------


def test_progress_shows_the_share_of_the_target_the_vietnamese_way():
    root = parse(
        progress_bar(label="Giải ngân", actual=D(725), target=D(1000), unit_label="tỷ đồng")
    )
    assert root.get("role") == "img"
    assert root.get("aria-label") == ("Giải ngân: đạt 725 trên mục tiêu 1.000 tỷ đồng, bằng 72,5%.")
    assert "72,5%" in [shown(t) for t in root.iter(f"{NS}text")]
    fill = by_class(root, "pg-fill")[0]
    assert float(fill.get("width")) == pytest.approx(340 * 0.725, abs=0.1)


def test_progress_over_target_fills_the_bar_but_tells_the_true_share():
    root = parse(progress_bar(label="Nhà ở", actual=D(1352), target=D(1000)))
    assert "135,2%" in [shown(t) for t in root.iter(f"{NS}text")]
    assert float(by_class(root, "pg-over")[0].get("width")) == 340


def test_progress_without_a_target_says_none_was_set():
    root = parse(progress_bar(label="Đường", actual=D(12), target=None, unit_label="km"))
    assert root.get("aria-label") == "Đường: 12 km; chưa đặt mục tiêu."
    assert not any("%" in shown(t) for t in root.iter(f"{NS}text"))
    assert not by_class(root, "pg-fill")


def test_progress_without_a_figure_draws_an_empty_track():
    root = parse(progress_bar(label="Trường", actual=None, target=D(40)))
    assert root.get("aria-label") == "Trường: chưa có số liệu; mục tiêu 40."
    assert not by_class(root, "pg-fill") and by_class(root, "pg-track")


# --- province tile map --------------------------------------------------------------------


def test_every_current_province_has_exactly_one_tile_of_its_own():
    provinces = current_provinces()
    assert len(provinces) == 34
    assert set(PROVINCE_TILES) == set(provinces)
    places = [(row, col) for row, col, _label in PROVINCE_TILES.values()]
    assert len(set(places)) == 34, "no two provinces share a tile"
    labels = [label for _r, _c, label in PROVINCE_TILES.values()]
    assert len(set(labels)) == 34 and all(2 <= len(label) <= 4 for label in labels)


def test_tile_map_reads_north_to_south():
    rows = {code: row for code, (row, _c, _l) in PROVINCE_TILES.items()}
    assert rows["08"] == 0 and rows["96"] == max(rows.values())  # Tuyên Quang … Cà Mau
    assert rows["01"] < rows["46"] < rows["48"] < rows["79"] < rows["92"]


def tile_map(values, **kwargs):
    provinces = current_provinces()
    return parse(
        province_tile_grid(
            title="Tỷ lệ hộ nghèo theo tỉnh",
            values=values,
            names=provinces,
            hrefs=kwargs.pop("hrefs", None),
            legend_label="Tỷ lệ hộ nghèo (%)",
            **kwargs,
        )
    )


def tiles_of(root):
    return {
        g.find(f"{NS}text").text: g
        for g in root.iter(f"{NS}g")
        if (g.get("class") or "").startswith("tile-")
    }


def legend_entries(root):
    return [shown(t) for t in by_class(root, "lg")[0].iter(f"{NS}text") if t.get("x") == "20"]


def test_tile_map_shades_all_34_provinces_and_its_legend_spans_min_to_max():
    values = {code: D(i) + D("0.5") for i, code in enumerate(sorted(PROVINCE_TILES))}
    root = tile_map(values)
    tiles = tiles_of(root)
    assert len(tiles) == 34
    assert {g.get("class") for g in tiles.values()} == {f"tile-b{i}" for i in range(1, 6)}
    entries = legend_entries(root)
    assert len(entries) == 5
    assert entries[0].startswith("0,5 –") and entries[-1].endswith("– 33,5")
    hn = tiles["HN"]
    assert hn.find(f"{NS}title").text == "Thành phố Hà Nội: 0,5"
    assert "Thành phố Hà Nội: 0,5" in desc(root)


def test_higher_figures_never_get_a_lighter_class():
    values = {code: D((i * 37) % 101) for i, code in enumerate(sorted(PROVINCE_TILES))}
    tiles = tiles_of(tile_map(values))
    ranked = sorted(
        (values[code], int(tiles[label].get("class")[-1]))
        for code, (_r, _c, label) in PROVINCE_TILES.items()
    )
    shades = [shade for _value, shade in ranked]
    assert shades == sorted(shades)


def test_provinces_without_figures_get_the_no_data_tile_and_legend_entry():
    root = tile_map({"08": D(10), "96": None})
    tiles = tiles_of(root)
    assert tiles["CM"].get("class") == "tile-none"
    assert tiles["HN"].get("class") == "tile-none"  # absent from values
    assert tiles["CM"].find(f"{NS}title").text == "Tỉnh Cà Mau: chưa có số liệu"
    assert legend_entries(root)[-1] == "Chưa có số liệu"


def test_break_values_given_by_the_caller_set_the_classes():
    values = {"08": D(3), "04": D(10), "11": D(25), "12": D(45)}
    root = tile_map(values, bins=[D(10), D(20), D(30), D(40)])
    tiles = tiles_of(root)
    assert [tiles[label].get("class") for label in ("TQ", "CB", "ĐB", "LCh")] == [
        "tile-b1",
        "tile-b2",
        "tile-b3",
        "tile-b5",
    ]
    assert legend_entries(root)[:5] == [
        "dưới 10",
        "10 – dưới 20",
        "20 – dưới 30",
        "30 – dưới 40",
        "từ 40 trở lên",
    ]


def test_tiles_link_to_their_province():
    root = tile_map({"08": D(1)}, hrefs={"08": "/don-vi/08/?a=1&b=2"})
    links = root.findall(f".//{NS}a")
    assert [a.get("href") for a in links] == ["/don-vi/08/?a=1&b=2"]
    assert links[0].find(f"{NS}g/{NS}text").text == "TQ"


def test_old_province_codes_are_refused():
    with pytest.raises(ValueError, match="02"):
        tile_map({"02": D(1)})  # Hà Giang, merged into Tuyên Quang on 01/07/2025


def test_tile_map_stays_small():
    svg = province_tile_grid(
        title="Tỷ lệ hộ nghèo theo tỉnh",
        values={code: D(i) for i, code in enumerate(PROVINCE_TILES)},
        names=current_provinces(),
        hrefs={code: f"/don-vi/{code}/" for code in PROVINCE_TILES},
        legend_label="Tỷ lệ hộ nghèo (%)",
    )
    assert len(svg.encode()) < 10 * 1024


# --- stylesheet ---------------------------------------------------------------------------


def luminance(hex_colour: str) -> float:
    hex_colour = hex_colour.lstrip("#")
    if len(hex_colour) == 3:
        hex_colour = "".join(c * 2 for c in hex_colour)
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted([luminance(a), luminance(b)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def css_rules() -> dict[str, str]:
    text = re.sub(r"/\*.*?\*/", "", CHARTS_CSS.read_text(encoding="utf-8"), flags=re.S)
    rules: dict[str, str] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", text):
        for selector in selectors.split(","):
            rules[selector.strip()] = rules.get(selector.strip(), "") + ";" + body
    return rules


def colour(body: str, prop: str) -> str:
    return re.findall(rf"(?:^|;){prop}:(#[0-9a-fA-F]{{3,6}})", body)[-1]


def test_stylesheet_is_small_and_styles_every_class_the_charts_use():
    assert CHARTS_CSS.stat().st_size < 2048
    rules = css_rules()
    for name in ["c-s1", "c-s2", "c-s3", "pg-track", "pg-fill", "pg-over", "tile-none"]:
        assert any(f".{name}" in s for s in rules), name
    assert all(f".tile-b{i}" in rules for i in range(1, 6))


def test_text_on_every_tile_class_meets_wcag_aa_contrast():
    rules = css_rules()
    dark = colour(rules[".chart text"], "fill")
    for name in [f"tile-b{i}" for i in range(1, 6)] + ["tile-none"]:
        fill = colour(rules[f".{name}"], "fill")
        text = (
            colour(rules[f".chart .{name} text"], "fill")
            if f".chart .{name} text" in rules
            else dark
        )
        assert contrast(fill, text) >= 4.5, name


def test_series_colours_stand_out_from_the_page_for_non_text_contrast():
    rules = css_rules()
    for i in (1, 2, 3):
        assert contrast(colour(rules[f".c-s{i}"], "color"), "#ffffff") >= 3, i
    assert contrast(colour(rules[".chart .ax"], "fill"), "#ffffff") >= 4.5
