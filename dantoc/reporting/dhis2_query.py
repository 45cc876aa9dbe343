"""DHIS2's metadata query language over lists of objects: ``fields``, ``filter``,
``rootJunction``, ``order`` and paging, as the DHIS2 2.40 Web API documents them
("Metadata field filter", "Metadata object filter", "Paging" in ``dhis2-docs``
``src/developer/web-api/metadata.md``). Pure functions over dicts, so the API layer only
chooses the collection.

Supported: fields with nesting (``dataSetElements[dataElement[id,name]]``), exclusion
(``!code``) and the presets ``*``/``:all``, ``:identifiable``, ``:nameable``, ``:owner``;
filters ``property:operator:value`` on dotted paths (``parent.id``,
``dataSetElements.dataSet.id``) with eq, !eq, ne, ieq, like, !like, $like, !$like, like$,
!like$, ilike, !ilike, $ilike, !$ilike, ilike$, !ilike$, in, !in, gt, ge, lt, le, null,
!null, empty, !empty, token, !token; ``rootJunction=AND|OR``; ``order=prop:asc|desc|iasc|idesc``.
"""

from __future__ import annotations

import math
from typing import Any

from django.utils.translation import gettext as _

IDENTIFIABLE = ["id", "code", "name", "displayName", "created", "lastUpdated"]
NAMEABLE = [*IDENTIFIABLE, "shortName", "displayShortName", "description"]
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 10000


class QueryError(ValueError):
    """A query the sender must correct; the message says how."""


# --- fields --------------------------------------------------------------------------------


def _split_top(text: str) -> list[str]:
    """Split at commas that are not inside brackets."""
    parts, depth, current = [], 0, []
    for char in text:
        if char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
            if depth < 0:
                raise QueryError(_("fields có dấu ngoặc không khớp."))
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    if depth:
        raise QueryError(_("fields có dấu ngoặc không khớp."))
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def parse_fields(text: str) -> dict[str, Any]:
    """``fields`` as a tree: name -> sub-tree (None when the whole value is wanted)."""
    tree: dict[str, Any] = {}
    for part in _split_top(text):
        if "[" in part:
            name, rest = part.split("[", 1)
            if not rest.endswith("]"):
                raise QueryError(_("fields có dấu ngoặc không khớp."))
            tree[name.strip()] = parse_fields(rest[:-1])
        else:
            tree[part] = None
    return tree


def _expand(obj: dict, tree: dict[str, Any]) -> dict[str, Any]:
    wanted: dict[str, Any] = {}
    excluded = set()
    for name, sub in tree.items():
        if name in ("*", ":all", ":owner", ":persisted"):
            for key in obj:
                wanted.setdefault(key, None)
        elif name == ":identifiable":
            for key in IDENTIFIABLE:
                wanted.setdefault(key, None)
        elif name == ":nameable":
            for key in NAMEABLE:
                wanted.setdefault(key, None)
        elif name.startswith("!"):
            excluded.add(name[1:])
        else:
            wanted[name] = sub
    return {k: v for k, v in wanted.items() if k not in excluded}


def select(obj: Any, tree: dict[str, Any] | None, resolve=None) -> Any:
    """``obj`` with only the fields of ``tree``. A reference (``{"id": ...}``) asked for
    more than its id is replaced by the object ``resolve(id)`` finds, as DHIS2 does for
    ``dataSetElements[dataElement[id,code]]``."""
    if tree is None:
        return obj
    if isinstance(obj, list):
        return [select(item, tree, resolve) for item in obj]
    if not isinstance(obj, dict):
        return obj
    if resolve is not None and set(obj) == {"id"} and set(tree) - {"id"}:
        obj = resolve(obj["id"]) or obj
    result = {}
    for name, sub in _expand(obj, tree).items():
        if name in obj and obj[name] is not None:
            result[name] = select(obj[name], sub, resolve)
    return result


# --- filters -------------------------------------------------------------------------------


def _values(obj: Any, path: list[str]) -> list[Any]:
    if not path:
        return obj if isinstance(obj, list) else [obj]
    if isinstance(obj, list):
        return [v for item in obj for v in _values(item, path)]
    if not isinstance(obj, dict):
        return []
    if path[0] not in obj:
        return [None] if len(path) == 1 else []
    return _values(obj[path[0]], path[1:])


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _compare(value: Any, wanted: str) -> int | None:
    left, right = _number(value), _number(wanted)
    if left is not None and right is not None:
        return (left > right) - (left < right)
    if value is None:
        return None
    text = str(value)
    return (text > wanted) - (text < wanted)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _one(value: Any, op: str, wanted: str) -> bool:
    text = _text(value)
    low, wanted_low = text.lower(), wanted.lower()
    if op == "eq":
        return text == wanted
    if op == "ieq":
        return low == wanted_low
    if op == "like":
        return wanted in text
    if op == "$like":
        return text.startswith(wanted)
    if op == "like$":
        return text.endswith(wanted)
    if op == "ilike":
        return wanted_low in low
    if op == "$ilike":
        return low.startswith(wanted_low)
    if op == "ilike$":
        return low.endswith(wanted_low)
    if op == "token":
        return all(word in low for word in wanted_low.split())
    if op == "in":
        return text in _list(wanted)
    if op in ("gt", "ge", "lt", "le"):
        order = _compare(value, wanted)
        if order is None:
            return False
        return {"gt": order > 0, "ge": order >= 0, "lt": order < 0, "le": order <= 0}[op]
    raise QueryError(_("Không hỗ trợ phép lọc `%(op)s`.") % {"op": op})


def _list(text: str) -> set[str]:
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    return {part.strip() for part in text.split(",")}


NEGATED = {"!eq": "eq", "ne": "eq", "neq": "eq", "!like": "like", "!$like": "$like",
           "!like$": "like$", "!ilike": "ilike", "!$ilike": "$ilike", "!ilike$": "ilike$",
           "!in": "in", "!token": "token"}  # fmt: skip
UNARY = {"null", "!null", "empty", "!empty"}


def parse_filter(text: str):
    """``property:operator:value`` as a predicate on an object."""
    prop, _sep, rest = text.partition(":")
    op, _sep, wanted = rest.partition(":")
    if not prop or not op:
        raise QueryError(
            _("Bộ lọc `%(filter)s` phải có dạng thuộc_tính:phép_lọc:giá_trị.") % {"filter": text}
        )
    path = prop.split(".")
    if op in UNARY:

        def unary(obj: dict) -> bool:
            values = _values(obj, path)
            if op in ("null", "!null"):
                empty = all(v is None for v in values)
                return empty if op == "null" else not empty
            blank = all(v in (None, "", [], {}) for v in values)
            return blank if op == "empty" else not blank

        return unary
    positive = NEGATED.get(op, op)
    _one(None, positive, wanted)  # an unknown operator is refused here, once

    def predicate(obj: dict) -> bool:
        found = any(_one(v, positive, wanted) for v in _values(obj, path) if v is not None)
        return not found if positive != op else found

    return predicate


def apply_filters(objects: list[dict], filters: list[str], junction: str = "AND") -> list[dict]:
    if not filters:
        return objects
    predicates = [parse_filter(f) for f in filters]
    combine = any if junction.upper() == "OR" else all
    return [o for o in objects if combine(p(o) for p in predicates)]


def apply_order(objects: list[dict], order: str) -> list[dict]:
    for part in reversed([p for p in order.split(",") if p.strip()]):
        prop, _sep, direction = part.strip().partition(":")
        direction = (direction or "asc").lower()
        if direction not in ("asc", "desc", "iasc", "idesc"):
            raise QueryError(_("Thứ tự `%(order)s` không hợp lệ.") % {"order": part})
        insensitive = direction.startswith("i")

        def key(obj, prop=prop, insensitive=insensitive):
            value = obj.get(prop)
            number = _number(value)
            if number is not None:
                return (0, number, "")
            text = _text(value)
            return (1, 0, text.lower() if insensitive else text)

        objects = sorted(objects, key=key, reverse=direction.endswith("desc"))
    return objects


def page_of(objects: list[dict], *, page: str | None, page_size: str | None, paging: bool):
    """(the page's objects, DHIS2's ``pager``; None when ``paging=false``)."""
    # Checked even with paging=false: a malformed number is an error, not something to ignore.
    try:
        # Present but empty is not a number (absent is the default).
        number = int(1 if page is None else page)
        size = int(DEFAULT_PAGE_SIZE if page_size is None else page_size)
    except ValueError:
        raise QueryError(_("page và pageSize phải là số nguyên dương.")) from None
    if not (-(2**31) <= number < 2**31 and -(2**31) <= size < 2**31):
        # A page number no JSON reader holds as an integer (DHIS2's are Java ints).
        raise QueryError(_("page và pageSize phải là số nguyên dương.")) from None
    if not paging:
        return objects, None
    # As DHIS2: a page below the first is the first, a size below one the default.
    number = max(number, 1)
    size = min(size if size >= 1 else DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    total = len(objects)
    pager = {
        "page": number,
        "pageCount": max(1, math.ceil(total / size)),
        "total": total,
        "pageSize": size,
    }
    return objects[(number - 1) * size : number * size], pager
