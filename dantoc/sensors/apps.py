"""Measuring devices (rain gauges, river levels, air quality, people/vehicle counters) whose
readings arrive over MQTT or HTTP, are read back through an OGC SensorThings API, become
monthly indicator values and can raise a draft disaster warning."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from dantoc.core.registry import HealthCheck, Loader, MenuEntry


class SensorsConfig(AppConfig):
    name = "dantoc.sensors"
    label = "sensors"
    verbose_name = _("Thiết bị đo, cảm biến")
    api_urls = "dantoc.sensors.api_urls"

    reference_loaders = (
        Loader(
            "sensors.reference",
            "dantoc.sensors.services.sensors_reference_load",
            after=("indicators.catalogue", "reporting.forms"),
        ),
    )
    demo_loaders = (
        Loader(
            "sensors.demo",
            "dantoc.sensors.demo.demo_sensors_load",
            after=("accounts.demo_users",),
        ),
    )
    menu = (
        MenuEntry(
            _("Thiết bị đo"),
            "sensors:device_list",
            allowed="dantoc.sensors.permissions.can_view_devices",
            order=75,
        ),
    )
    capabilities = (
        (
            "province_officer",
            _("Đăng ký, thu hồi thiết bị đo (mưa, mực nước, không khí, đếm lượt) của các xã"),
            "sensors:device_list",
        ),
    )
    health_checks = (HealthCheck("mqtt", "dantoc.sensors.mqtt.broker_health"),)

    def ready(self) -> None:
        from dantoc.core.events import listen
        from dantoc.sensors import tasks

        listen("sensors.readings_stored", tasks.on_readings_stored)
