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
