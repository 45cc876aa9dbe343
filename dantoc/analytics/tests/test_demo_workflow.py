"""Demo data that shows the workflow (issue 17): two editors, so that four-eyes publishing
can be tried, and demo reports submitted and approved mostly on time (completeness shows
on-time and late reports, not every one late as when they were all stamped "now")."""

from __future__ import annotations

import pytest

from dantoc.accounts.demo import DEMO_USERS, demo_users_load
from dantoc.accounts.models import RoleCode, User
from dantoc.analytics.demo import _approve_demo
from dantoc.geo.models import Unit
from dantoc.geo.selectors import unit_get
from dantoc.reporting import selectors, services
from dantoc.reporting.models import Submission

pytestmark = pytest.mark.django_db


def test_the_demo_has_two_editors_of_the_same_pages():
    editors = [u for u in DEMO_USERS if RoleCode.CONTENT_EDITOR in u[4]]
    assert len(editors) == 2 and {u[3] for u in editors} == {"VN"}
    demo_users_load()
    loaded = User.objects.filter(
        username__in=[u[0] for u in editors], roles__code=RoleCode.CONTENT_EDITOR, is_active=True
    )
    assert loaded.count() == 2


def test_demo_reports_are_mostly_on_time_and_some_late(people):
    form = selectors.form_get(code="BM01-VON")
    period = services.period_resolve(period_type=form.period_type, code="2025Q4")
    province = unit_get(code="08")
    communes = list(Unit.objects.filter(parent=province, valid_to__isnull=True).order_by("code"))
    _approve_demo(form, period, communes, people.ministry, selectors.form_layout(form))

    table = selectors.completeness(form=form, period=period, root=province)
    assert table.total.approved == len(communes)
    assert table.total.on_time > table.total.late > 0
    # The commune with a demo reporter submitted in that reporter's name.
    lungcu = Submission.objects.get(form_code=form.code, period=period, unit__code="00715")
    assert lungcu.submitted_by == people.commune
    assert lungcu.submitted_at < lungcu.decided_at
