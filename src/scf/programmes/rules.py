"""The programmes' rules: a small safe expression language over named platform indicators.

The operator writes a programme's eligibility (a condition) and its amount (a formula in
yuan) as data, e.g. `is_institution and years_operating <= 2` and
`min(registered_capital * 0.01, 5000000)`. simpleeval evaluates them: no attribute access,
no imports, no calls but the few functions below. Every number is a Decimal (literals
included), never a float, and a name that is not an indicator is refused when the rule is
saved.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from simpleeval import InvalidExpression, SimpleEval

from scf.core.errors import InvalidInput

# Every indicator a rule may name, with what it measures (over the programme's period).
INDICATORS: dict[str, str] = {
    "is_sme": "1 if the applicant is a micro, small or medium enterprise, else 0",
    "is_institution": "1 if the applicant is a licensed financial institution, else 0",
    "key_chain": "1 if the applicant works in one of the city's key industry chains, else 0",
    "years_operating": "whole years since the applicant was founded",
    "registered_capital": "registered capital, yuan",
    "financed_amount": "financing the applicant took and was funded in the period, yuan",
    "financed_count": "financings the applicant took and was funded in the period",
    "financed_rate": "amount-weighted annual rate of those financings (0.036 is 3.6%)",
    "funded_amount": "financing the applicant (an institution) funded in the period, yuan",
    "funded_count": "financings the applicant (an institution) funded in the period",
    "smes_reached": "SMEs the applicant (an institution) funded in the period",
    "defaulted": "financings of the applicant (either side) in default",
    "park_member": "1 if the applicant is a member of a park on the last day, else 0",
    "park_members": "members of the parks the applicant operates, on the last day",
    "park_sme_amount": "SME financing of those members in the period, yuan",
}

MAX_RULE = 1000

# What a rule may be built of; anything else (attributes, subscripts, lambdas, strings,
# comprehensions, powers) is refused when the rule is saved.
ALLOWED_NODES: tuple[type, ...] = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.BinOp,
    ast.UnaryOp,
    ast.Compare,
    ast.IfExp,
    ast.Call,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.USub,
    ast.UAdd,
    ast.Not,
    ast.Eq,
    ast.NotEq,
    ast.Gt,
    ast.Lt,
    ast.GtE,
    ast.LtE,
)


def _round2(x: Decimal) -> Decimal:
    return Decimal(x).quantize(Decimal("0.01"), ROUND_HALF_UP)


FUNCTIONS: dict[str, Any] = {"min": min, "max": max, "round2": _round2}

# No power (an exponent is the way to make a rule run for ever), no bitwise operators.
OPERATORS: dict[type, Any] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Gt: operator.gt,
    ast.Lt: operator.lt,
    ast.GtE: operator.ge,
    ast.LtE: operator.le,
    ast.Not: operator.not_,
}


class DecimalEval(SimpleEval):  # type: ignore[misc]
    """simpleeval with every literal number read as an exact Decimal."""

    def _eval_constant(self, node: ast.Constant) -> Any:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidExpression("only numbers may be written in a rule")
        return Decimal(str(value))


def names_in(text: str, field: str) -> list[str]:
    """The indicator names a rule uses; refuse a rule that does not parse or names anything
    that is neither an indicator nor one of the functions."""
    if not text.strip():
        raise InvalidInput("write the rule", field=field)
    if len(text) > MAX_RULE:
        raise InvalidInput(f"a rule has at most {MAX_RULE} characters", field=field)
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise InvalidInput(f"the rule does not read: {exc.msg}", field=field) from None
    used: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ALLOWED_NODES):
            raise InvalidInput(
                f"a rule may not use {type(node).__name__}: write numbers, indicators, "
                "arithmetic, comparisons, and/or/not, min, max and round2",
                field=field,
            )
        if isinstance(node, ast.Constant) and (
            isinstance(node.value, bool) or not isinstance(node.value, int | float)
        ):
            raise InvalidInput("only numbers may be written in a rule", field=field)
        if isinstance(node, ast.Call) and not (
            isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS and not node.keywords
        ):
            raise InvalidInput("a rule calls min, max or round2 only", field=field)
        if isinstance(node, ast.Name) and node.id not in FUNCTIONS:
            if node.id not in INDICATORS:
                raise InvalidInput(
                    f"unknown indicator {node.id!r}", field=field, code="unknown_indicator"
                )
            used.add(node.id)
    return sorted(used)


def evaluate(text: str, values: Mapping[str, Decimal], field: str = "rule") -> Any:
    """Evaluate a rule over indicator values; refuse what the language does not allow."""
    ev = DecimalEval(operators=OPERATORS, functions=FUNCTIONS, names=dict(values))
    try:
        return ev.eval(text.strip())
    except (InvalidExpression, InvalidOperation, ZeroDivisionError, TypeError) as exc:
        raise InvalidInput(f"the rule cannot be computed: {exc}", field=field) from None


def check_rules(eligibility: str, amount: str) -> list[str]:
    """Refuse rules that name unknown indicators or do not compute; return the names used.

    Each rule is tried on sample values (every indicator 1), so that a rule using what the
    language forbids (a power, an attribute, a string) is refused when saved, not when an
    enterprise applies."""
    used = sorted(set(names_in(eligibility, "eligibility")) | set(names_in(amount, "amount")))
    sample = dict.fromkeys(INDICATORS, Decimal(1))
    evaluate(eligibility, sample, "eligibility")
    result = evaluate(amount, sample, "amount")
    if isinstance(result, bool) or not isinstance(result, Decimal):
        raise InvalidInput("the amount rule must compute a number", field="amount")
    return used


def award_amount(amount_rule: str, values: Mapping[str, Decimal]) -> Decimal:
    """The amount the rule computes, in yuan to the fen (half up), never below zero."""
    result = evaluate(amount_rule, values, "amount")
    if isinstance(result, bool) or not isinstance(result, Decimal):
        raise InvalidInput("the amount rule must compute a number", field="amount")
    return max(_round2(result), Decimal("0.00"))


def is_eligible(rule: str, values: Mapping[str, Decimal]) -> bool:
    return bool(evaluate(rule, values, "eligibility"))
