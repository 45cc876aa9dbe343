"""DHIS2-shaped metadata read from the platform's catalogue (selectors: reads only).

The shapes follow the DHIS2 2.40 Web API ("Metadata", ``/api/dataSets`` and friends, as
documented in ``dhis2-docs`` ``src/developer/web-api/metadata.md`` and the schemas of
``dhis2-core`` 2.40): how the platform's objects stand in for DHIS2's:

- data set = the active version of a report form (``code`` = form code);
- data element = an indicator; its category combination = its set of categories;
- category = a disaggregation category, category option = one of its options, whose code
  is ``CATEGORY=OPTION`` (an option's own code is unique only within its category);
- category option combination = a canonical options key that some active form has a cell
  for (``DU_AN=DA1;LOAI_VON=DTPT``), ``default`` for none; its category combination is the
  set of categories in the key;
- organisation unit = an administrative unit in force today (DHIS2 has one tree; history
  before the 2025 reform is reached through the codes, see ``docs/dhis2.md``).

Every object carries its UID (``dhis2_ids.uid``) beside its code. ``IdMaps`` translates
identifiers between the schemes DHIS2 clients use (UID, CODE, NAME).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from dantoc.geo.models import Unit
from dantoc.geo.selectors import valid_on_q
from dantoc.indicators.models import Category, Indicator
from dantoc.reporting import selectors
from dantoc.reporting.dhis2_ids import (
    CATEGORY,
    CATEGORY_COMBO,
    CATEGORY_OPTION,
    CATEGORY_OPTION_COMBO,
    DATA_ELEMENT,
    DATA_SET,
    DEFAULT,
    ORG_UNIT,
    is_uid,
    uid,
)
from dantoc.reporting.models import PeriodKindChoices

VALUE_TYPES = {
    "integer": "INTEGER",
    "number": "NUMBER",
    "percentage": "PERCENTAGE",
    "text": "TEXT",
    "boolean": "BOOLEAN",
}
AGGREGATION_TYPES = {"sum": "SUM", "average": "AVERAGE", "last": "LAST", "none": "NONE"}
PERIOD_TYPES = {
    PeriodKindChoices.YEAR: "Yearly",
    PeriodKindChoices.SEMESTER: "SixMonthly",
    PeriodKindChoices.QUARTER: "Quarterly",
    PeriodKindChoices.MONTH: "Monthly",
    # A cumulative report (9 months from January) has no DHIS2 period type of its own.
    PeriodKindChoices.CUMULATIVE: "Yearly",
}
SCHEMES = ("UID", "CODE", "NAME")


def _iso(moment: datetime.datetime | datetime.date | None) -> str | None:
    if moment is None:
        return None
    if isinstance(moment, datetime.datetime):
        return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
    return f"{moment:%Y-%m-%d}T00:00:00.000"


def _ref(kind: str, code: str) -> dict[str, str]:
    return {"id": uid(kind, code)}


def _named(kind: str, code: str, name: str, **more: Any) -> dict[str, Any]:
    """The identifiable and nameable properties every DHIS2 object has."""
    return {
        "id": uid(kind, code),
        "code": code,
        "name": name,
        "displayName": name,
        "shortName": name[:50],
        "displayShortName": name[:50],
        **more,
    }


def combo_code(categories: list[str] | set[str]) -> str:
    """The code of the category combination of these categories (``default`` for none)."""
    return "+".join(sorted(categories)) or DEFAULT


@dataclass
class Catalogue:
    """Every metadata collection except organisation units, each a list of DHIS2 objects."""

    dataSets: list[dict] = field(default_factory=list)
    dataElements: list[dict] = field(default_factory=list)
    categories: list[dict] = field(default_factory=list)
    categoryOptions: list[dict] = field(default_factory=list)
    categoryCombos: list[dict] = field(default_factory=list)
    categoryOptionCombos: list[dict] = field(default_factory=list)
    # indicator code -> codes of the active forms that have a cell for it
    forms_of_indicator: dict[str, list[str]] = field(default_factory=dict)


def metadata_catalogue() -> Catalogue:
    """The catalogue in DHIS2's shapes (a handful of queries per active form)."""
    catalogue = Catalogue()
    categories = list(Category.objects.prefetch_related("options"))
    option_names: dict[tuple[str, str], str] = {}
    category_names = {c.code: c.name for c in categories}
    for category in categories:
        for option in category.options.all():
            option_names[(category.code, option.code)] = option.name
    indicators = list(
        Indicator.objects.prefetch_related("categories").order_by("code")
    )  # every indicator, with or without a form
    forms_of: dict[str, list[str]] = defaultdict(list)
    keys_of: dict[str, set[str]] = defaultdict(set)
    all_keys: set[str] = {""}
    for form in selectors.active_forms().order_by("code"):
        layout = selectors.form_layout(form)
        codes = sorted(i.code for i in layout.indicators.values())
        by_id = {i.pk: i.code for i in layout.indicators.values()}
        for indicator_id, key in layout.by_value_key:
            keys_of[by_id[indicator_id]].add(key)
            all_keys.add(key)
        for code in codes:
            if form.code not in forms_of[code]:
                forms_of[code].append(form.code)
        catalogue.dataSets.append(
            _named(
                DATA_SET, form.code, form.name,
                description=form.description,
                periodType=PERIOD_TYPES.get(form.period_type.kind, "Yearly"),
                version=form.version,
                expiryDays=form.locks_days_after_end,
                openFuturePeriods=0,
                created=_iso(form.created_at),
                lastUpdated=_iso(form.published_at or form.created_at),
                categoryCombo=_ref(CATEGORY_COMBO, DEFAULT),
                dataSetElements=[
                    {"dataSet": _ref(DATA_SET, form.code), "dataElement": _ref(DATA_ELEMENT, c)}
                    for c in codes
                ],
                dataElements=[_ref(DATA_ELEMENT, c) for c in codes],
            )
        )  # fmt: skip
    catalogue.forms_of_indicator = dict(forms_of)
    combos: dict[str, set[str]] = {DEFAULT: set()}
    for indicator in indicators:
        cats = {c.code for c in indicator.categories.all()}
        combos[combo_code(cats)] = cats
        catalogue.dataElements.append(
            _named(
                DATA_ELEMENT, indicator.code, indicator.name,
                description=indicator.description,
                formName=indicator.name,
                valueType=VALUE_TYPES.get(indicator.value_type, "TEXT"),
                aggregationType=AGGREGATION_TYPES.get(indicator.aggregation, "NONE"),
                domainType="AGGREGATE",
                zeroIsSignificant=False,
                created=_iso(indicator.created_at),
                lastUpdated=_iso(indicator.updated_at),
                categoryCombo=_ref(CATEGORY_COMBO, combo_code(cats)),
                dataSetElements=[
                    {"dataSet": _ref(DATA_SET, f), "dataElement": _ref(DATA_ELEMENT, indicator.code)}
                    for f in forms_of.get(indicator.code, [])
                ],
                categoryOptionCombos=[
                    _ref(CATEGORY_OPTION_COMBO, k or DEFAULT) for k in sorted(keys_of.get(indicator.code, ()))
                ],
            )
        )  # fmt: skip
    for key in sorted(all_keys):
        parts = [p.split("=", 1) for p in key.split(";")] if key else []
        cats = {cat for cat, _opt in parts}
        combos.setdefault(combo_code(cats), cats)
        name = ", ".join(option_names.get((cat, opt), opt) for cat, opt in parts) or DEFAULT
        catalogue.categoryOptionCombos.append(
            _named(
                CATEGORY_OPTION_COMBO, key or DEFAULT, name,
                ignoreApproval=False,
                categoryCombo=_ref(CATEGORY_COMBO, combo_code(cats)),
                categoryOptions=[_ref(CATEGORY_OPTION, f"{c}={o}") for c, o in parts]
                or [_ref(CATEGORY_OPTION, DEFAULT)],
            )
        )  # fmt: skip
    for code, cats in sorted(combos.items()):
        name = ", ".join(category_names.get(c, c) for c in sorted(cats)) or DEFAULT
        catalogue.categoryCombos.append(
            _named(
                CATEGORY_COMBO, code, name,
                dataDimensionType="DISAGGREGATION",
                skipTotal=False,
                categories=[_ref(CATEGORY, c) for c in sorted(cats)] or [_ref(CATEGORY, DEFAULT)],
            )
        )  # fmt: skip
    catalogue.categories.append(
        _named(CATEGORY, DEFAULT, DEFAULT, dataDimensionType="DISAGGREGATION",
               categoryOptions=[_ref(CATEGORY_OPTION, DEFAULT)])
    )  # fmt: skip
    catalogue.categoryOptions.append(
        _named(CATEGORY_OPTION, DEFAULT, DEFAULT, categories=[_ref(CATEGORY, DEFAULT)])
    )
    for category in categories:
        options = sorted(category.options.all(), key=lambda o: (o.order, o.code))
        catalogue.categories.append(
            _named(
                CATEGORY, category.code, category.name,
                description=category.description,
                dataDimensionType="DISAGGREGATION",
                categoryOptions=[_ref(CATEGORY_OPTION, f"{category.code}={o.code}") for o in options],
            )
        )  # fmt: skip
        for option in options:
            catalogue.categoryOptions.append(
                _named(
                    CATEGORY_OPTION, f"{category.code}={option.code}", option.name,
                    categories=[_ref(CATEGORY, category.code)],
                )
            )  # fmt: skip
    return catalogue


def organisation_units(*, as_of: datetime.date | None = None) -> list[dict]:
    """The units in force on ``as_of`` (today by default) as DHIS2 organisation units, in
    the order of their paths (parents before children)."""
    day = as_of or timezone.localdate()
    rows = list(
        Unit.objects.filter(valid_on_q(day))
        .order_by("path")
        .values_list("pk", "code", "name", "short_name", "parent_id", "path", "valid_from", "valid_to")
    )  # fmt: skip
    codes = {row[0]: row[1] for row in rows}
    children: dict[int, list[str]] = defaultdict(list)
    for row in rows:
        if row[4] in codes:
            children[row[4]].append(row[1])
    units = []
    for pk, code, name, short_name, parent_id, path, valid_from, valid_to in rows:
        ancestors = [int(p) for p in path.strip("/").split("/") if p]
        uid_path = "/" + "/".join(uid(ORG_UNIT, codes[a]) for a in ancestors if a in codes)
        unit = _named(
            ORG_UNIT, code, name,
            shortName=short_name or name[:50],
            displayShortName=short_name or name[:50],
            level=len(ancestors),
            path=uid_path,
            openingDate=_iso(valid_from) or "1900-01-01T00:00:00.000",
            closedDate=_iso(valid_to),
            children=[_ref(ORG_UNIT, c) for c in children.get(pk, [])],
        )  # fmt: skip
        if parent_id in codes:
            unit["parent"] = _ref(ORG_UNIT, codes[parent_id])
        units.append(unit)
    return units


class IdMaps:
    """Translates identifiers of data sets, data elements, org units and category option
    combinations between DHIS2's schemes and the platform's codes; each kind is loaded on
    first use. ``AUTO`` (no scheme asked for) reads a known UID as its object and anything
    else as a code, so existing clients that send codes keep working."""

    def __init__(self, catalogue: Catalogue | None = None) -> None:
        self._catalogue = catalogue
        self._maps: dict[
            str, tuple[dict[str, str | None], dict[str, str | None], dict[str, str]]
        ] = {}

    def catalogue(self) -> Catalogue:
        if self._catalogue is None:
            self._catalogue = metadata_catalogue()
        return self._catalogue

    def _entries(self, kind: str) -> list[tuple[str, str]]:
        if kind == ORG_UNIT:
            # Every code a unit ever had, with its latest name (so history resolves too).
            names: dict[str, str] = {}
            for code, name in Unit.objects.order_by("valid_from").values_list("code", "name"):
                names[code] = name
            return list(names.items())
        if kind == DATA_ELEMENT:
            return list(Indicator.objects.values_list("code", "name"))
        catalogue = self.catalogue()
        objects = catalogue.dataSets if kind == DATA_SET else catalogue.categoryOptionCombos
        return [(o["code"], o["name"]) for o in objects]

    def _load(self, kind: str):
        found = self._maps.get(kind)
        if found is None:
            by_uid: dict[str, str | None] = {}
            by_name: dict[str, str | None] = {}
            name_of: dict[str, str] = {}
            for code, name in self._entries(kind):
                key = uid(kind, code)
                # A UID or name two objects share resolves to neither (None).
                by_uid[key] = code if by_uid.get(key, code) == code else None
                by_name[name] = code if by_name.get(name, code) == code else None
                name_of[code] = name
            found = self._maps[kind] = (by_uid, by_name, name_of)
        return found

    def to_code(self, kind: str, scheme: str, ident: str) -> str:
        """The code of the object ``ident`` names under ``scheme``; ``ident`` unchanged when
        nothing matches (the import then names it in its conflict)."""
        if not ident or scheme == "CODE" or (scheme == "AUTO" and not is_uid(ident)):
            return ident
        by_uid, by_name, _names = self._load(kind)
        if scheme == "NAME":
            return by_name.get(ident) or ident
        return by_uid.get(ident) or ident

    def from_code(self, kind: str, scheme: str, code: str) -> str:
        """How ``code`` is written under ``scheme``."""
        if scheme == "UID":
            return uid(kind, code)
        if scheme == "NAME":
            return self._load(kind)[2].get(code, code)
        return code


# --- identifier schemes of dataValueSets ---------------------------------------------------

SCHEME_ALIASES = {"UID": "UID", "ID": "UID", "CODE": "CODE", "NAME": "NAME"}


@dataclass(frozen=True)
class IdSchemes:
    """The scheme of each kind of identifier in a payload or an answer: DHIS2's
    ``idScheme`` and the more specific ``dataSetIdScheme``, ``dataElementIdScheme``,
    ``orgUnitIdScheme``, ``categoryOptionComboIdScheme`` (also used for the attribute option
    combination unless ``attributeOptionComboIdScheme`` says otherwise). ``AUTO``: a known
    UID or else a code."""

    data_set: str = "AUTO"
    data_element: str = "AUTO"
    org_unit: str = "AUTO"
    category_option_combo: str = "AUTO"
    attribute_option_combo: str = "AUTO"

    @property
    def all_codes(self) -> bool:
        return {
            self.data_set,
            self.data_element,
            self.org_unit,
            self.category_option_combo,
            self.attribute_option_combo,
        } <= {"CODE"}

    @classmethod
    def from_query(cls, params, *, default: str = "AUTO") -> IdSchemes:
        """The schemes a query asks for; ``ValueError`` naming a scheme not supported."""

        def read(name: str, fallback: str) -> str:
            value = (params.get(name) or "").strip()
            if not value:
                return fallback
            scheme = SCHEME_ALIASES.get(value.upper())
            if scheme is None:
                raise ValueError(name, value)
            return scheme

        general = read("idScheme", default)
        coc = read("categoryOptionComboIdScheme", general)
        return cls(
            data_set=read("dataSetIdScheme", general),
            data_element=read("dataElementIdScheme", general),
            org_unit=read("orgUnitIdScheme", general),
            category_option_combo=coc,
            attribute_option_combo=read("attributeOptionComboIdScheme", coc),
        )


class CodedRows:
    """Raw rows (``dhis2.RawRow``) with their identifiers read under ``schemes`` and given
    as codes, read again at each iteration as the rows they wrap are; each distinct
    identifier is looked up once."""

    def __init__(self, rows, *, schemes: IdSchemes, maps: IdMaps) -> None:
        self._rows = rows
        self._schemes = schemes
        self._maps = maps

    def __iter__(self):
        to_code, schemes = self._maps.to_code, self._schemes
        memo: dict[tuple[str, str], str] = {}

        def code(kind: str, scheme: str, ident: str) -> str:
            found = memo.get((scheme, kind, ident))
            if found is None:
                found = memo[(scheme, kind, ident)] = to_code(kind, scheme, ident)
            return found

        for index, de, pe, ou, coc, aoc, value, comment, deleted in self._rows:
            yield (
                index,
                code(DATA_ELEMENT, schemes.data_element, de),
                pe,
                code(ORG_UNIT, schemes.org_unit, ou),
                code(CATEGORY_OPTION_COMBO, schemes.category_option_combo, coc),
                code(CATEGORY_OPTION_COMBO, schemes.attribute_option_combo, aoc) if aoc else aoc,
                value,
                comment,
                deleted,
            )
