"""DRF's settings name classes of dantoc.core.apis; loading them must work whichever module is
imported first (Django runs its system checks in no fixed order, so ``manage.py check`` failed
with "partially initialized module 'dantoc.core.apis'" after unrelated model changes)."""

from __future__ import annotations

import os
import subprocess
import sys

from dantoc.core.testing import BASE_DIR


def test_drf_settings_load_dantoc_core_apis_first_in_a_fresh_process():
    code = (
        "import django; django.setup()\n"
        "from rest_framework.settings import api_settings\n"
        "print(api_settings.DEFAULT_PAGINATION_CLASS.__name__)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "Pagination"
