"""The rows of the benchmark's national data set of households by ethnic group (3,321
communes × 54 groups × 6 semesters), protected as a release is: each row is one commune's
record, so its cell key is that record's key, and the count goes through the perturbation
table (``dantoc.opendata.protection``). Used by ``opendata_download.py`` and by the
disclosure attacker test (``dantoc/opendata/tests/test_disclosure_attack.py``) on fewer
communes. Django must be set up before the rows are read."""

from __future__ import annotations

COMMUNES = 3321
GROUPS = 54
SEMESTERS = ["2023S1", "2023S2", "2024S1", "2024S2", "2025S1", "2025S2"]
INDICATOR = "DA1_HO_NHA_O"


def true_count(commune: int, group: int) -> int:
    return (commune * 7 + group * 13) % 90


def lines(total: int, *, communes: int = COMMUNES):
    from dantoc.opendata.protection import current_table, protect, record_keyer

    table = current_table()
    record_key = record_keyer()
    n = 0
    for period in SEMESTERS:
        for commune in range(communes):
            code = f"{commune + 1:05d}"
            for group in range(1, GROUPS + 1):
                if n >= total:
                    return
                option = f"{group:02d}"
                key = record_key(INDICATOR, period, code, f"DAN_TOC={option}")
                shown = protect(true_count(commune, group), key, table)
                yield [
                    INDICATOR, "Số hộ được hỗ trợ nhà ở", period, f"6 tháng {period}",
                    code, f"Xã số {code}", option, f"Dân tộc {option}",
                    shown.text, "hộ", shown.flag,
                ]  # fmt: skip
                n += 1
