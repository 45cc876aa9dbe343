"""The OAI-PMH 2.0 provider harvested by a real client (Sickle) over HTTP, and its protocol
errors: only open records leave the platform; withdrawn and restricted ones are deleted
records; flow control by resumption tokens."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest
from sickle import Sickle
from sickle.oaiexceptions import (
    BadArgument,
    BadResumptionToken,
    CannotDisseminateFormat,
    IdDoesNotExist,
    NoRecordsMatch,
)

from conftest import in_process_server
from dantoc.core import oai
from dantoc.editorial import services as editorial
from dantoc.heritage import services

from .conftest import item_data, publish

NS = {"o": oai.OAI_NS}


@pytest.fixture
def harvester(archive):
    with in_process_server() as url:
        yield Sickle(f"{url}/oai", max_retries=0), url


def _id(item) -> str:
    return f"oai:{oai.repository_identifier()}:heritage/{item.uuid}"


def test_identify_and_formats(harvester):
    sickle, _url = harvester
    identify = sickle.Identify()
    assert identify.protocolVersion == "2.0"
    assert identify.deletedRecord == "persistent"
    assert identify.granularity == "YYYY-MM-DDThh:mm:ssZ"
    assert [f.metadataPrefix for f in sickle.ListMetadataFormats()] == ["oai_dc"]


def test_a_harvest_gets_open_records_with_dublin_core_and_restricted_ones_as_deleted(
    harvester, archive
):
    sickle, _url = harvester
    records = {r.header.identifier: r for r in sickle.ListRecords(metadataPrefix="oai_dc")}
    opened = records[_id(archive.open_item)]
    assert not opened.header.deleted
    assert opened.metadata["title"] == ["Lễ hội Gầu Tào"]
    assert "Event" in opened.metadata["type"]
    assert "heritage:ethnic:08" in opened.header.setSpecs
    assert "heritage:province:08" in opened.header.setSpecs
    for name in ("community_item", "all_item", "any_item"):
        hidden = records[_id(getattr(archive, name))]
        assert hidden.header.deleted
        assert hidden.header.setSpecs == ["heritage"]  # nothing said of where it comes from
        raw = ET.tostring(hidden.xml, encoding="unicode")
        assert getattr(archive, name).title not in raw
    assert _id(archive.draft_item) not in records  # never public, never offered


def test_set_selection_and_get_record(harvester, archive):
    sickle, _url = harvester
    mong = [
        h.identifier
        for h in sickle.ListIdentifiers(metadataPrefix="oai_dc", set="heritage:ethnic:08")
    ]
    assert mong == [_id(archive.open_item)]
    with pytest.raises(NoRecordsMatch):
        list(sickle.ListIdentifiers(metadataPrefix="oai_dc", set="heritage:ethnic:02"))
    specs = {s.setSpec for s in sickle.ListSets()}
    assert {"heritage", "heritage:ethnic:08", "heritage:province:08"} <= specs
    record = sickle.GetRecord(identifier=_id(archive.open_item), metadataPrefix="oai_dc")
    assert record.metadata["title"] == ["Lễ hội Gầu Tào"]


def test_resumption_tokens_page_through_every_record_once(harvester, archive, people, monkeypatch):
    monkeypatch.setattr(oai, "PAGE_SIZE", 2)
    for n in range(3):
        publish(
            services.item_create(
                actor=people.commune, unit=people.commune.unit, data=item_data(title=f"Dân ca {n}")
            ),
            people,
        )
    sickle, url = harvester
    identifiers = [h.identifier for h in sickle.ListIdentifiers(metadataPrefix="oai_dc")]
    assert len(identifiers) == len(set(identifiers)) == 7  # 4 open + 3 deleted
    # A token is the only argument allowed beside the verb, and cannot be forged.
    import requests

    first = requests.get(
        f"{url}/oai", params={"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"}
    )
    token = ET.fromstring(first.content).find(".//o:resumptionToken", NS).text
    assert token
    again = requests.get(f"{url}/oai", params={"verb": "ListIdentifiers", "resumptionToken": token})
    assert ET.fromstring(again.content).find(".//o:error", NS) is None
    with pytest.raises(BadResumptionToken):
        list(sickle.ListIdentifiers(resumptionToken=token[:-3] + "xyz"))
    with pytest.raises(BadArgument):
        list(sickle.ListIdentifiers(resumptionToken=token, metadataPrefix="oai_dc"))


def test_a_withdrawn_item_is_harvested_as_deleted_after_its_datestamp(harvester, archive, people):
    sickle, _url = harvester
    editorial.content_withdraw(actor=people.province, item=archive.open_item)
    archive.open_item.refresh_from_db()
    since = archive.open_item.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    headers = {
        h.identifier: h for h in sickle.ListIdentifiers(metadataPrefix="oai_dc", **{"from": since})
    }
    assert headers[_id(archive.open_item)].deleted


def test_protocol_errors(harvester, archive):
    sickle, url = harvester
    import requests

    bad = requests.get(f"{url}/oai", params={"verb": "Harvest"})
    assert ET.fromstring(bad.content).find("o:error", NS).get("code") == "badVerb"
    with pytest.raises(BadArgument):
        list(sickle.ListRecords())  # no metadataPrefix
    with pytest.raises(BadArgument):
        list(sickle.ListRecords(metadataPrefix="oai_dc", **{"from": "05-12-2026"}))
    with pytest.raises(BadArgument):
        list(
            sickle.ListRecords(
                metadataPrefix="oai_dc", **{"from": "2026-01-02", "until": "2026-01-01"}
            )
        )
    with pytest.raises(BadArgument):
        list(
            sickle.ListRecords(
                metadataPrefix="oai_dc", **{"from": "2026-01-01", "until": "2026-01-02T00:00:00Z"}
            )
        )
    with pytest.raises(CannotDisseminateFormat):
        list(sickle.ListRecords(metadataPrefix="marc21"))
    with pytest.raises(IdDoesNotExist):
        sickle.GetRecord(identifier="oai:dantoc.vn:heritage/khong-co", metadataPrefix="oai_dc")
    with pytest.raises(IdDoesNotExist):
        sickle.GetRecord(identifier=_id(archive.draft_item), metadataPrefix="oai_dc")
    with pytest.raises(NoRecordsMatch):
        list(sickle.ListRecords(metadataPrefix="oai_dc", **{"from": "2099-01-01"}))
    repeated = requests.get(f"{url}/oai?verb=Identify&verb=Identify")
    assert ET.fromstring(repeated.content).find("o:error", NS).get("code") == "badArgument"
    posted = requests.post(f"{url}/oai", data={"verb": "Identify"})
    assert ET.fromstring(posted.content).find("o:Identify", NS) is not None


def test_no_set_hierarchy_when_no_source_declares_sets(client, monkeypatch):
    monkeypatch.setattr(oai, "oai_sources", lambda: [])
    response = client.get("/oai", {"verb": "ListSets"})
    assert ET.fromstring(response.content).find("o:error", NS).get("code") == "noSetHierarchy"
