"""Risk-rule conditions: a small JSON-logic subset, evaluated by walking the tree.

Rules are data that administrators edit, so their conditions are never ``eval``-ed:
a condition is a JSON object with one operator and its operands, e.g.
``{"and": [{"==": [{"var": "args.currency"}, "CNY"]}, {">": [{"var": "args.value"}, 500]}]}``.

Operators: ``var`` (dotted path into the facts, optional default), ``==``, ``!=``,
``<``, ``<=``, ``>``, ``>=``, ``in``, ``and``, ``or``, ``!``. Numbers compare as
decimals, so ``"600.00"`` (how amounts travel in JSON) is greater than ``500``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any


class ConditionError(ValueError):
    """The condition is not a well-formed expression of the supported operators."""


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            return None
    return None


def _equal(a: Any, b: Any) -> bool:
    x, y = _number(a), _number(b)
    if x is not None and y is not None:
        return x == y
    return bool(a == b)


def _ordered(compare: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def apply(a: Any, b: Any) -> bool:
        x, y = _number(a), _number(b)
        if x is not None and y is not None:
            return compare(x, y)
        if isinstance(a, str) and isinstance(b, str):
            return compare(a, b)
        return False  # incomparable values (None, mixed types) never satisfy an order

    return apply


_BINARY: dict[str, Callable[[Any, Any], bool]] = {
    "==": _equal,
    "!=": lambda a, b: not _equal(a, b),
    "<": _ordered(lambda a, b: a < b),
    "<=": _ordered(lambda a, b: a <= b),
    ">": _ordered(lambda a, b: a > b),
    ">=": _ordered(lambda a, b: a >= b),
    "in": lambda a, b: isinstance(b, list | str) and a in b,
}


def evaluate(condition: Any, facts: Mapping[str, Any]) -> Any:
    """The value of ``condition`` over ``facts``; raises ConditionError when malformed."""
    if isinstance(condition, list):
        return [evaluate(item, facts) for item in condition]
    if not isinstance(condition, Mapping):
        return condition  # a literal
    if len(condition) != 1:
        raise ConditionError(f"an expression has exactly one operator, got {sorted(condition)}")
    operator, operands = next(iter(condition.items()))
    if operator == "var":
        return _var(operands, facts)
    values = operands if isinstance(operands, list) else [operands]
    if operator == "and":
        return all(evaluate(v, facts) for v in values)
    if operator == "or":
        return any(evaluate(v, facts) for v in values)
    if operator == "!":
        return not _single(operator, values, facts)
    if operator in _BINARY:
        if len(values) != 2:
            raise ConditionError(f"{operator} takes two operands")
        return _BINARY[operator](evaluate(values[0], facts), evaluate(values[1], facts))
    raise ConditionError(f"unknown operator {operator!r}")


def _single(operator: str, values: list[Any], facts: Mapping[str, Any]) -> Any:
    if len(values) != 1:
        raise ConditionError(f"{operator} takes one operand")
    return evaluate(values[0], facts)


def _var(operands: Any, facts: Mapping[str, Any]) -> Any:
    path, default = (operands[0], operands[1]) if isinstance(operands, list) else (operands, None)
    if not isinstance(path, str):
        raise ConditionError("var takes a dotted path")
    value: Any = facts
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return default
        value = value[part]
    return value
