# The reporting tests' fixtures (a pinned today, the capital form, its Q3 2026 period).
from dantoc.reporting.tests.conftest import q3, today, von

__all__ = ["q3", "today", "von"]
