"""Validation rules of report forms: ``left operator right`` over small arithmetic expressions.

An expression adds, subtracts, multiplies and divides numbers and references:
``#{VON_GN}`` is the sum of every value of indicator VON_GN in the report;
``#{VON_GN:NGUON_VON=TW}`` only those whose options include NGUON_VON=TW (several
``CAT=OPT`` may be joined with commas). The same grammar is evaluated by
``static/js/form-entry.js`` in the browser, so a reporter sees the message before saving,
also from a cached page while offline; the server evaluates it again on save and submit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, DivisionByZero, InvalidOperation

_TOKEN = re.compile(
    r"\s*(?:(?P<ref>#\{(?P<code>[A-Za-z0-9_]+)(?::(?P<opts>[A-Za-z0-9_=,]*))?\})"
    r"|(?P<num>\d+(?:\.\d+)?)|(?P<op>[-+*/()]))"
)


class ExpressionError(ValueError):
    pass


@dataclass(frozen=True)
class Ref:
    indicator: str
    options: tuple[tuple[str, str], ...]


def tokenize(expr: str) -> list:
    tokens: list = []
    pos = 0
    text = expr.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise ExpressionError(f"Biểu thức không hợp lệ tại vị trí {pos + 1}: {expr!r}")
        pos = match.end()
        if match.group("ref"):
            opts = []
            for part in filter(None, (match.group("opts") or "").split(",")):
                cat, sep, opt = part.partition("=")
                if not sep or not cat or not opt:
                    raise ExpressionError(f"Phân tổ không hợp lệ {part!r} trong {expr!r}")
                opts.append((cat, opt))
            tokens.append(Ref(match.group("code"), tuple(sorted(opts))))
        elif match.group("num"):
            tokens.append(Decimal(match.group("num")))
        else:
            tokens.append(match.group("op"))
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return tokens


class _Parser:
    """expr := term (('+'|'-') term)* ; term := factor (('*'|'/') factor)* ;
    factor := number | ref | '(' expr ')' | '-' factor"""

    def __init__(self, tokens: list, source: str):
        self.tokens = tokens
        self.i = 0
        self.source = source

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self):
        token = self.peek()
        self.i += 1
        return token

    def parse(self):
        node = self.expr()
        if self.peek() is not None:
            raise ExpressionError(f"Thừa ký hiệu sau biểu thức: {self.source!r}")
        return node

    def expr(self):
        node = self.term()
        while self.peek() in ("+", "-"):
            node = (self.take(), node, self.term())
        return node

    def term(self):
        node = self.factor()
        while self.peek() in ("*", "/"):
            node = (self.take(), node, self.factor())
        return node

    def factor(self):
        token = self.take()
        if token == "(":
            node = self.expr()
            if self.take() != ")":
                raise ExpressionError(f"Thiếu dấu ')' trong {self.source!r}")
            return node
        if token == "-":
            return ("neg", self.factor())
        if isinstance(token, (Decimal, Ref)):
            return token
        raise ExpressionError(f"Biểu thức không hợp lệ: {self.source!r}")


def parse(expr: str):
    return _Parser(tokenize(expr), expr).parse()


def references(expr: str) -> list[Ref]:
    return [t for t in tokenize(expr) if isinstance(t, Ref)]


Values = dict[str, list[tuple[dict[str, str], Decimal]]]


def _lookup(ref: Ref, values: Values) -> tuple[Decimal, bool]:
    total = Decimal(0)
    found = False
    for options, number in values.get(ref.indicator, []):
        if all(options.get(cat) == opt for cat, opt in ref.options):
            total += number
            found = True
    return total, found


def evaluate(node, values: Values) -> tuple[Decimal | None, bool]:
    """(value, whether any referenced data exists). Division by zero gives None."""
    if isinstance(node, Decimal):
        return node, False
    if isinstance(node, Ref):
        return _lookup(node, values)
    if node[0] == "neg":
        value, found = evaluate(node[1], values)
        return (None if value is None else -value), found
    op, left, right = node
    a, found_a = evaluate(left, values)
    b, found_b = evaluate(right, values)
    found = found_a or found_b
    if a is None or b is None:
        return None, found
    try:
        if op == "+":
            return a + b, found
        if op == "-":
            return a - b, found
        if op == "*":
            return a * b, found
        return a / b, found
    except (DivisionByZero, InvalidOperation):
        return None, found


COMPARE = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


@dataclass(frozen=True)
class Violation:
    rule_code: str
    importance: str
    message: str
    left: Decimal | None
    right: Decimal | None
    indicators: tuple[str, ...]


def check_rule(
    *, code: str, left: str, operator: str, right: str, importance: str, message: str,
    values: Values,
) -> Violation | None:  # fmt: skip
    l_value, l_found = evaluate(parse(left), values)
    r_value, r_found = evaluate(parse(right), values)
    involved = tuple(sorted({r.indicator for r in references(left) + references(right)}))
    violated = False
    if operator == "compulsory_pair":
        violated = l_found != r_found
    elif operator == "exclusive_pair":
        violated = l_found and r_found
    elif (l_found or r_found) and l_value is not None and r_value is not None:
        # A rule over data nobody has entered yet is not broken.
        violated = not COMPARE[operator](l_value, r_value)
    if not violated:
        return None
    return Violation(code, importance, message, l_value, r_value, involved)


def check_rules(rules: Iterable, values: Values) -> list[Violation]:
    found = []
    for rule in rules:
        if rule.operator not in ("compulsory_pair", "exclusive_pair", *COMPARE):
            continue  # refused when forms are defined; never let one break a page
        try:
            violation = check_rule(
                code=rule.code,
                left=rule.left,
                operator=rule.operator,
                right=rule.right,
                importance=rule.importance,
                message=rule.message,
                values=values,
            )
        except ExpressionError:
            continue
        if violation:
            found.append(violation)
    return found
