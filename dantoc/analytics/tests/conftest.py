# The reporting tests' fixtures (a pinned today, the capital form, its Q3 2026 period).
# Households by ethnic group (BM02-DA1, S1 2026), approved: the open-data fixture.
from dantoc.opendata.tests.conftest import households
from dantoc.reporting.tests.conftest import q3, today, von

__all__ = ["households", "q3", "today", "von"]
