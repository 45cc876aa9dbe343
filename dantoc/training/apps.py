"""Conferences, workshops and training (Hội nghị, hội thảo, tập huấn): events with sessions,
nominations and registration, QR check-in, citizen head counts, feedback, e-learning courses
with quizzes, and certificates with a signed Open Badges 3.0 credential."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from dantoc.core.registry import Loader, MenuEntry


class TrainingConfig(AppConfig):
    name = "dantoc.training"
    label = "training"
    verbose_name = _("Hội nghị, hội thảo, tập huấn")

    reference_loaders = (
        Loader(
            "training.forms",
            "dantoc.training.figures.form_reference_load",
            after=("reporting.forms",),
        ),
    )
    demo_loaders = (
        Loader(
            "training.demo",
            "dantoc.training.demo.demo_training_load",
            after=("accounts.demo_users",),
        ),
    )
    menu = (
        MenuEntry(
            _("Tập huấn"),
            "training:event_list",
            allowed="dantoc.training.permissions.can_view_training",
            order=75,
        ),
    )
    capabilities = (
        (
            "province_officer",
            _("Tổ chức hội nghị, tập huấn; cử cán bộ; điểm danh"),
            "training:event_list",
        ),
        (
            "commune_reporter",
            _("Đăng ký tập huấn, học trực tuyến, nhận chứng nhận"),
            "training:event_list",
        ),
    )
    key_figures = ("TL_CB_TH",)
    # The page a key figure of the programme dashboard opens (``?unit=<code>&year=<year>``).
    key_figure_pages = (("TL_CB_TH", "training:goal"),)

    def ready(self) -> None:
        from dantoc.core.events import listen
        from dantoc.training import figures, services

        listen(services.ROSTER_CHANGED, figures.on_roster_changed)
        listen(services.OFFICIALS_TRAINED, figures.on_officials_trained)
