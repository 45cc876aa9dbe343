"""The SensorThings API v1.1 read shape, its query options and errors, read by Fraunhofer's
frost-sta-client over real HTTP."""

from __future__ import annotations

import pytest

from conftest import in_process_server
from dantoc.sensors import services
from dantoc.sensors.tests.helpers import hours_ago, reading, river_device

pytestmark = pytest.mark.django_db

ROOT = "/api/sensorthings/v1.1"


@pytest.fixture
def stream(people):
    device, secret, stream = river_device(people, threshold=None)
    services.readings_ingest(
        messages=[
            services.Message(
                str(device.uuid),
                secret,
                [reading("muc_nuoc", hours_ago(h), 100 + h) for h in range(30)],
            )
        ]
    )
    return stream


def test_things_datastreams_and_their_links(client, stream):
    root = client.get(ROOT).json()
    assert {v["name"] for v in root["value"]} >= {
        "Things",
        "Locations",
        "Datastreams",
        "Observations",
        "Sensors",
        "ObservedProperties",
    }
    things = client.get(f"{ROOT}/Things").json()["value"]
    thing = next(t for t in things if t["@iot.id"] == stream.device_id)
    assert thing["@iot.selfLink"].endswith(f"{ROOT}/Things({stream.device_id})")
    assert thing["properties"]["commune"] == "00715"
    assert "secret" not in str(thing).lower()
    datastreams = client.get(thing["Datastreams@iot.navigationLink"]).json()["value"]
    assert [d["@iot.id"] for d in datastreams] == [stream.pk]
    assert datastreams[0]["unitOfMeasurement"]["symbol"] == "cm"
    for link in ("Thing", "Sensor", "ObservedProperty"):
        entity = client.get(datastreams[0][f"{link}@iot.navigationLink"]).json()
        assert "@iot.id" in entity and "value" not in entity
    location = client.get(thing["Locations@iot.navigationLink"]).json()["value"][0]
    assert location["encodingType"] == "application/geo+json"
    assert client.get(f"{ROOT}/Things(999999)").status_code == 404


def test_observations_filter_order_top_skip_count_and_next_link(client, stream):
    base = f"{ROOT}/Datastreams({stream.pk})/Observations"
    since = hours_ago(9).isoformat().replace("+00:00", "Z")
    answer = client.get(
        base, {"$filter": f"result ge 103 and phenomenonTime le {since}", "$orderby": "result desc",
               "$top": "5", "$count": "true"}
    ).json()  # fmt: skip
    # Readings are 100 + hours ago: ≥ 9 hours ago and result ≥ 103 → hours 9..29, 21 of them.
    assert answer["@iot.count"] == 21
    assert [o["result"] for o in answer["value"]] == [129, 128, 127, 126, 125]
    following = client.get(answer["@iot.nextLink"]).json()
    assert [o["result"] for o in following["value"]] == [124, 123, 122, 121, 120]
    everything = client.get(
        base, {"$filter": "(result lt 101 or result gt 128) and not result eq 129"}
    ).json()
    assert [o["result"] for o in everything["value"]] == [100]
    assert "@iot.nextLink" not in everything


@pytest.mark.parametrize(
    "options",
    [
        {"$filter": "result gt"},
        {"$filter": "colour eq 'red'"},
        {"$filter": "result gt 'cao'"},
        {"$filter": "phenomenonTime gt 2026-12-01T00:00:00"},
        {"$filter": "(result gt 1"},
        {"$orderby": "secret desc"},
        {"$top": "-1"},
        {"$skip": "ba"},
        {"$count": "maybe"},
        {"$expand": "Datastream"},
        {"$search": "x"},
    ],
)
def test_malformed_query_options_are_answered_400(client, stream, options):
    answer = client.get(f"{ROOT}/Observations", options)
    assert answer.status_code == 400
    assert answer.json()["message"]


def test_frost_sta_client_reads_our_service(stream):
    import frost_sta_client as fsc

    with in_process_server() as base:
        service = fsc.SensorThingsService(f"{base}{ROOT}")
        things = list(service.things().query().list())
        assert stream.device.name in [t.name for t in things]
        observations = (
            service.observations()
            .query()
            .filter("result gt 120")
            .orderby("result", "desc")
            .top(4)
            .list()
        )
        results = [o.result for o in observations]
        # The client follows @iot.nextLink: all nine readings over 120, largest first.
        assert results == [129, 128, 127, 126, 125, 124, 123, 122, 121]
        datastream = service.datastreams().find(stream.pk)
        assert datastream.name == stream.name
