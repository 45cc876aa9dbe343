from django.urls import path, re_path

from dantoc.sensors import apis

app_name = "sensors_api"
urlpatterns = [
    path("api/sensors/v1/readings", apis.ReadingsIngestApi.as_view(), name="readings"),
    path(f"{apis.ROOT}", apis.SensorThingsRootApi.as_view(), name="sensorthings-root"),
    *[
        path(f"{apis.ROOT}/{name}", view.as_view(), name=f"sensorthings-{name.lower()}")
        for name, view in apis.COLLECTION_VIEWS.items()
    ],
    re_path(
        rf"^{apis.ROOT}/(?P<resource>[A-Za-z]+\([0-9]+\)(?:/[A-Za-z]+)?)$",
        apis.SensorThingsEntityApi.as_view(),
        name="sensorthings-entity",
    ),
]
