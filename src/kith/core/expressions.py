"""The one expression language of Kith: CEL (Common Expression Language).

Rule sets (``kith.realtime``) and, later, flows write conditions in CEL. An expression
is compiled once against the variables it may read (``compile_expression``), then
evaluated many times with a typed activation (``CompiledExpression.evaluate``).
User text is never given to Python's ``eval``: the ``common-expression-language``
package parses and runs CEL in Rust (about 100k evaluations/s, LIBRARIES.md).

Errors:
- a syntax error or a variable that is not declared → ``ValidationFailed`` whose
  field error points at ``path`` (e.g. ``["rules", 2, "when"]``);
- anything that fails at run time (a type mismatch, a missing key) →
  ``ExpressionError``, which callers catch and report; it never escapes as a 500.

Several expressions evaluated over the same values share one ``Activation``
(``activation(values)``): the values are converted to CEL once, not once per
expression (measured: 8 rules over one activation 65 µs, 680 µs from a dict each time).
An activation is not thread-safe; build one per evaluation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kith.core.errors import FieldError, ValidationFailed

MAX_LENGTH = 4_000
_MACRO_VARIABLE = re.compile(r"\.(?:all|exists|exists_one|map|filter)\(\s*([A-Za-z_]\w*)\s*,")
# CEL's standard functions and macros an expression may call; operators (``_&&_``,
# ``_?_:_``, ``!_``, ``@in``) are always allowed. Anything else is refused when the
# expression is compiled, so a typo fails at publish time, not at 3 a.m.
STANDARD_FUNCTIONS = frozenset(
    {
        "size",
        "int",
        "uint",
        "double",
        "string",
        "bytes",
        "bool",
        "dyn",
        "type",
        "matches",
        "startsWith",
        "endsWith",
        "contains",
        "lowerAscii",
        "upperAscii",
        "timestamp",
        "duration",
        "getFullYear",
        "getMonth",
        "getDate",
        "getDayOfMonth",
        "getDayOfWeek",
        "getDayOfYear",
        "getHours",
        "getMinutes",
        "getSeconds",
        "max",
        "min",
        "has",
        "exists",
        "all",
        "exists_one",
        "map",
        "filter",
    }
)


class Activation:
    """Values prepared for evaluating several expressions (see the module docstring)."""

    __slots__ = ("context", "values")

    def __init__(self, values: Mapping[str, Any]) -> None:
        import cel

        self.values = values
        self.context = cel.Context(variables=dict(values))


def activation(values: Mapping[str, Any]) -> Activation:
    return Activation(values)


class ExpressionError(Exception):
    """An expression failed while it was evaluated (not when it was compiled)."""

    def __init__(self, source: str, message: str) -> None:
        super().__init__(f"{source!r}: {message}")
        self.source = source
        self.message = message


@dataclass(frozen=True)
class CompiledExpression:
    """A compiled CEL program and the variables it reads."""

    source: str
    variables: frozenset[str]
    _program: Any

    def evaluate(self, values: Activation | Mapping[str, Any]) -> Any:
        """The value of the expression for ``values`` (name → plain Python value:
        bool, int, float, str, list, dict, None). Raises ``ExpressionError``."""
        given = values.context if isinstance(values, Activation) else dict(values)
        try:
            return self._program.execute(given)
        except (ValueError, TypeError, RuntimeError, KeyError, OverflowError) as exc:
            raise ExpressionError(self.source, _first_line(str(exc))) from exc

    def test(self, values: Activation | Mapping[str, Any]) -> bool:
        """``evaluate`` for a condition: the value must be a bool."""
        value = self.evaluate(values)
        if not isinstance(value, bool):
            raise ExpressionError(self.source, f"must be true or false, got {type(value).__name__}")
        return value


def compile_expression(
    source: str,
    declared: Iterable[str],
    *,
    path: Sequence[str | int] = ("expression",),
    functions: Iterable[str] = (),
) -> CompiledExpression:
    """Compile ``source``; every variable it reads must be in ``declared`` and every
    function it calls a CEL standard one (or in ``functions``)."""
    import cel  # the Rust extension; imported on first use

    where = list(path)
    if not isinstance(source, str) or not source.strip():
        raise ValidationFailed("empty expression", [FieldError(where, "must not be empty")])
    if len(source) > MAX_LENGTH:
        raise ValidationFailed(
            "expression too long", [FieldError(where, f"at most {MAX_LENGTH} characters")]
        )
    try:
        program = cel.compile(source)
    except (ValueError, TypeError, RuntimeError) as exc:
        message = _first_line(str(exc))
        raise ValidationFailed(
            f"expression does not compile: {message}", [FieldError(where, message, "cel_syntax")]
        ) from exc
    # the iteration variables of macros (``list.exists(x, x > 1)``) are not free variables
    bound = frozenset(_MACRO_VARIABLE.findall(source))
    allowed = frozenset(declared) | bound
    used = frozenset(str(v) for v in program.variables()) - (bound - frozenset(declared))
    unknown = sorted(used - allowed)
    if unknown:
        message = f"unknown variable(s) {', '.join(unknown)}; known: {', '.join(sorted(allowed))}"
        raise ValidationFailed(
            f"expression does not compile: {message}", [FieldError(where, message, "cel_unknown")]
        )
    callable_ = STANDARD_FUNCTIONS | frozenset(functions)
    unknown_calls = sorted(
        str(f) for f in program.functions() if _is_named(str(f)) and str(f) not in callable_
    )
    if unknown_calls:
        message = f"unknown function(s) {', '.join(unknown_calls)}"
        raise ValidationFailed(
            f"expression does not compile: {message}", [FieldError(where, message, "cel_unknown")]
        )
    return CompiledExpression(source, used, program)


def _is_named(function: str) -> bool:
    """A named function rather than an operator (``_&&_``, ``@in``, ``!_``)."""
    return not function.startswith("@") and any(c.isalpha() for c in function)


def _first_line(message: str) -> str:
    text = message.strip().splitlines()
    return " ".join(line.strip() for line in text[:3] if line.strip())[:500] or "error"
