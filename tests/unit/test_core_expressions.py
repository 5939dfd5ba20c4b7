"""The one expression language (CEL): compiled once against declared variables;
compile errors carry the field path; run-time errors are reported, never raised raw."""

from __future__ import annotations

import pytest

from kith.core.errors import ValidationFailed
from kith.core.expressions import ExpressionError, activation, compile_expression

DECLARED = ("input", "card")


def test_compiles_once_and_evaluates_with_typed_values() -> None:
    rule = compile_expression("card.accounts_1h >= 5 && input.amount > 100.0", DECLARED)
    assert rule.variables == frozenset({"card", "input"})
    assert rule.test({"card": {"accounts_1h": 5}, "input": {"amount": 120.5}}) is True
    assert rule.test({"card": {"accounts_1h": 4}, "input": {"amount": 120.5}}) is False
    shared = activation({"card": {"accounts_1h": 7}, "input": {"amount": 1.0}})
    assert rule.test(shared) is False
    assert compile_expression("card.accounts_1h * 2", DECLARED).evaluate(shared) == 14


def test_syntax_errors_and_undeclared_variables_point_at_the_field() -> None:
    with pytest.raises(ValidationFailed) as syntax:
        compile_expression("card.accounts_1h >=", DECLARED, path=("rules", 3, "when"))
    assert syntax.value.errors[0].path == ["rules", 3, "when"]
    assert syntax.value.errors[0].type == "cel_syntax"
    with pytest.raises(ValidationFailed) as unknown:
        compile_expression("cards.txns_1h > 1", DECLARED, path=("when",))
    assert unknown.value.errors[0].type == "cel_unknown"
    assert "cards" in unknown.value.errors[0].message
    with pytest.raises(ValidationFailed):
        compile_expression("   ", DECLARED)


def test_run_time_errors_are_reported_as_expression_errors() -> None:
    rule = compile_expression("int(input.city) > 3", DECLARED)
    with pytest.raises(ExpressionError) as bad_value:
        rule.test({"input": {"city": "上海"}})
    assert bad_value.value.source == "int(input.city) > 3"
    with pytest.raises(ExpressionError):
        compile_expression("input.missing == 1", DECLARED).test({"input": {}})
    with pytest.raises(ExpressionError, match="true or false"):
        compile_expression("card.accounts_1h", DECLARED).test({"card": {"accounts_1h": 2}})


def test_python_is_never_evaluated() -> None:
    with pytest.raises(ValidationFailed):
        compile_expression("__import__('os').system('true')", DECLARED)


def test_standard_functions_and_macros_compile_unknown_functions_do_not() -> None:
    rule = compile_expression(
        'input.tags.exists(t, t == "vip") && size(input.city) > 0 && input.city.startsWith("上")',
        DECLARED,
    )
    assert rule.variables == frozenset({"input"})
    assert rule.test({"input": {"tags": ["new", "vip"], "city": "上海"}}) is True
    with pytest.raises(ValidationFailed) as unknown:
        compile_expression("input.city.shout() == 'X'", DECLARED)
    assert "shout" in unknown.value.errors[0].message
