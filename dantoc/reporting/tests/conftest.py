import datetime

import pytest

from dantoc.reporting import selectors, services

# Q3 2026 of the quarterly capital form is open for entry on this day (opens 16/09, locks
# 29/11) and before the communes' deadline (10/10).
TODAY = datetime.date(2026, 10, 5)


@pytest.fixture
def today(monkeypatch):
    """Pin the platform's idea of today so that entry windows do not depend on the clock."""
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    return TODAY


@pytest.fixture
def von(db):
    return selectors.form_get(code="BM01-VON")


@pytest.fixture
def q3(von):
    return services.period_resolve(period_type=von.period_type, code="2026Q3")


def cell_keys(form, *, indicator: str, **options) -> list[str]:
    """Keys of the form's cells for an indicator whose options include the given ones."""
    layout = selectors.form_layout(form)
    return [
        key
        for key, cell in layout.cells.items()
        if cell.indicator.code == indicator
        and all(cell.options.get(k) == v for k, v in options.items())
    ]
