"""Parse distribution specs such as ``normal(-4, 1)`` or ``0.3*normal(-2, 1) + 0.7*normal(3, 0.5)``.

The text is parsed by Python's ``ast`` in eval mode and then walked by a small interpreter that
accepts only a whitelist: calls of known family names, numbers, lists, unary minus, ``+ - * /``
between numbers, and ``weight * distribution`` terms joined by ``+`` for mixtures. Nothing is ever
evaluated by Python itself. Every error names the problem and carries the span of the offending
token, so the message can put a caret under it.
"""

from __future__ import annotations

import ast
import difflib
import math
import warnings
from collections.abc import Callable
from typing import Any, cast

from . import families as fam
from .errors import GeoanimError, SpecError, ValidationError

MAX_LENGTH = 100_000
_BRACKETS = {"(": ")", "[": "]", "{": "}"}


def parse(text: str, variables: dict[str, float] | None = None) -> fam.Distribution:
    """Parse a spec string into a validated distribution.

    ``variables`` names numbers the spec may use, as in ``parse("uniform(s, s + 1)", {"s": 2})``.

    Raises:
        SpecError: the text is not a spec (syntax, unknown family, wrong arguments).
        ValidationError: the spec is well formed but breaks a family's rules.
    """
    if not isinstance(text, str):
        raise SpecError(f"a spec must be a string (got {type(text).__name__})")
    if not text.strip():
        raise SpecError("empty spec: expected a distribution such as normal(0, 1)", text=text, span=(0, len(text)))
    if len(text) > MAX_LENGTH:
        raise SpecError(f"spec too long ({len(text)} characters; the limit is {MAX_LENGTH})")
    _check_brackets(text)
    try:
        # strip all surrounding whitespace, not only newlines: " normal(0, 1)" was rejected with
        # "unexpected indent"; spans are then relative to the stripped text the error carries
        with warnings.catch_warnings():  # "1and 2" made Python print a SyntaxWarning on stderr
            warnings.simplefilter("ignore")
            tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise _syntax_error(text, exc) from None
    except (ValueError, MemoryError, RecursionError) as exc:
        # the parser's MemoryError for deep nesting (e.g. 10000 minus signs) has an empty message
        raise SpecError(f"cannot parse spec: {str(exc) or 'nested too deeply'}", text=text,
                        span=(0, len(text))) from None
    try:
        interp = _Interpreter(text.strip(), variables or {})
        value = _finish(interp.eval(tree.body), interp)
    except RecursionError:
        raise SpecError("spec is nested too deeply", text=text, span=(0, len(text))) from None
    if not isinstance(value, fam.Distribution):
        raise SpecError("expected a distribution such as normal(0, 1), got a number or list",
                        text=text, span=(0, len(text)))
    return value


def parse_call(text: str, lookup: Callable[[str], fam.Entry | None], names: Callable[[], list[str]],
               what: str) -> Any:
    """Parse ``name(arguments)`` with the spec grammar against another table of entries (metric
    parameters: ``alpha(0.5)``, ``wfr(kappa=2)``), with the same one-line, caret-marked errors."""
    stripped = text.strip()
    _check_brackets(stripped)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(stripped, mode="eval")
    except SyntaxError as exc:
        raise _syntax_error(stripped, exc) from None
    except (ValueError, MemoryError, RecursionError) as exc:
        raise SpecError(f"cannot parse {what}: {str(exc) or 'nested too deeply'}", text=stripped,
                        span=(0, len(stripped))) from None
    interp = _Interpreter(stripped, None, lookup, names, what)
    if not isinstance(tree.body, ast.Call):
        raise interp.fail(f"expected a {what} such as {names()[0] if names() else 'name'}(...)", tree.body)
    try:
        return interp.eval(tree.body)
    except RecursionError:
        raise SpecError(f"{what} is nested too deeply", text=stripped, span=(0, len(stripped))) from None


def _check_brackets(text: str) -> None:
    """Give bracket mistakes a precise message and caret (Python's messages are vaguer)."""
    stack: list[tuple[str, int]] = []
    for i, ch in enumerate(text):
        if ch in _BRACKETS:
            stack.append((ch, i))
        elif ch in ")]}":
            if not stack:
                raise SpecError(f"unmatched '{ch}' in spec", text=text, span=(i, i + 1))
            opener, _ = stack.pop()
            if _BRACKETS[opener] != ch:
                raise SpecError(f"expected '{_BRACKETS[opener]}' in spec, found '{ch}'", text=text, span=(i, i + 1))
    if stack:
        opener, _ = stack[-1]
        end = len(text.rstrip())
        raise SpecError(f"expected '{_BRACKETS[opener]}' in spec", text=text, span=(end, end + 1))


def _syntax_error(text: str, exc: SyntaxError) -> SpecError:
    lines = text.strip().split("\n")
    lineno = max(1, min(exc.lineno or 1, len(lines)))
    col = max(0, (exc.offset or 1) - 1)
    offset = sum(len(line) + 1 for line in lines[: lineno - 1]) + min(col, len(lines[lineno - 1]))
    msg = (exc.msg or "invalid syntax").replace("invalid syntax. Perhaps you forgot a comma?",
                                                "expected ',' between arguments")
    return SpecError(f"invalid spec: {msg}", text=text.strip(), span=(offset, offset + 1))


def _span(text: str, node: ast.AST) -> tuple[int, int]:
    lines = text.split("\n")
    def offset(lineno: int, col: int) -> int:
        # ast columns are UTF-8 byte offsets; convert to character offsets
        line = lines[lineno - 1]
        col = len(line.encode("utf-8")[:col].decode("utf-8", errors="ignore"))
        return sum(len(x) + 1 for x in lines[: lineno - 1]) + col
    # ast.AST itself declares no positions (expressions and keywords do, the end ones as optional)
    lineno: int = getattr(node, "lineno", 1)
    col_offset: int = getattr(node, "col_offset", 0)
    end_lineno: int | None = getattr(node, "end_lineno", None)
    end_col_offset: int | None = getattr(node, "end_col_offset", None)
    start = offset(lineno, col_offset)
    end = offset(end_lineno or lineno, end_col_offset or col_offset + 1)
    return start, max(end, start + 1)


def suggest(name: str, options: list[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest option, or ''."""
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def known_names() -> list[str]:
    """Every name a spec can call (families, their aliases and shorthands such as dirac)."""
    return sorted(fam.FAMILIES)


class _Interpreter:
    def __init__(self, text: str, variables: dict[str, float] | None = None,
                 lookup: Callable[[str], fam.Entry | None] = fam.entry, names: Callable[[], list[str]] = known_names,
                 what: str = "family"):
        self.text = text
        self.variables = {k: float(v) for k, v in (variables or {}).items()}
        self.lookup, self.names, self.what = lookup, names, what

    def fail(self, message: str, node: ast.AST, cls=SpecError) -> GeoanimError:
        return cls(message, text=self.text, span=_span(self.text, node))

    def eval(self, node: ast.AST) -> Any:
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise self.fail(f"unsupported syntax in spec: {_describe(node)}", node)
        return method(node)

    # numbers ------------------------------------------------------------------------------------
    def _Constant(self, node: ast.Constant):
        v = node.value
        if isinstance(v, str):
            return _Text(v)
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise self.fail(f"expected a number, found {v!r}", node)
        try:
            f = float(v)
        except OverflowError:
            raise self.fail("number too large", node) from None
        return f

    def _UnaryOp(self, node: ast.UnaryOp):
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            raise self.fail(f"unsupported operator in spec: {_describe(node)}", node)
        v = self.eval(node.operand)
        if not isinstance(v, float):
            raise self.fail("a sign can only stand before a number", node)
        return -v if isinstance(node.op, ast.USub) else v

    def _BinOp(self, node: ast.BinOp):
        left, right = self.eval(node.left), self.eval(node.right)
        if isinstance(left, float) and isinstance(right, float):
            return self._arith(node, left, right)
        if isinstance(node.op, ast.Mult):
            if isinstance(left, float) and isinstance(right, fam.Distribution):
                return _Term(left, right, node)
            if isinstance(right, float) and isinstance(left, fam.Distribution):
                return _Term(right, left, node)
        if isinstance(node.op, ast.Add):
            terms = self._terms(left, node.left) + self._terms(right, node.right)
            return _Sum(terms, node)
        raise self.fail(f"unsupported expression in spec: {_describe(node)}; mixtures are written "
                        "like 0.3*normal(0, 1) + 0.7*normal(3, 1)", node)

    def _terms(self, value: Any, node: ast.AST) -> list[_Term]:
        if isinstance(value, _Sum):
            return value.terms
        if isinstance(value, _Term):
            return [value]
        if isinstance(value, fam.Distribution):
            raise self.fail("mixture component needs a weight, as in 0.5*normal(0, 1)", node)
        raise self.fail("expected a weighted distribution such as 0.5*normal(0, 1)", node)

    def _arith(self, node: ast.BinOp, a: float, b: float) -> float:
        op = node.op
        try:
            if isinstance(op, ast.Add):
                r = a + b
            elif isinstance(op, ast.Sub):
                r = a - b
            elif isinstance(op, ast.Mult):
                r = a * b
            elif isinstance(op, ast.Div):
                r = a / b
            else:
                raise self.fail(f"unsupported operator in spec: {_describe(node)} (use + - * /)", node)
        except ZeroDivisionError:
            raise self.fail("division by zero", node) from None
        return r

    def _List(self, node: ast.List):
        return [self.eval(e) for e in node.elts]

    _Tuple = _List

    # distributions -------------------------------------------------------------------------------
    def _Name(self, node: ast.Name):
        if node.id in self.variables:
            return self.variables[node.id]
        if node.id in ("inf", "nan"):
            raise self.fail(f"numbers must be finite (got {node.id})", node, ValidationError)
        if self.lookup(node.id) is not None:
            if self.variables:  # a sweep's spec: more likely a variable misspelt than a family without arguments
                raise self.fail(f"unknown name '{node.id}' (the variables are {', '.join(sorted(self.variables))}; "
                                f"the family {node.id}(...) needs arguments)", node)
            raise self.fail(f"'{node.id}' needs arguments, as in {node.id}(...)", node)
        raise self.fail(f"unknown name '{node.id}'{suggest(node.id, self.names())}", node)

    def _Call(self, node: ast.Call):
        if not isinstance(node.func, ast.Name):
            raise self.fail("expected a family name such as normal(...)", node.func)
        name = node.func.id
        entry = self.lookup(name)
        if entry is None:
            raise self.fail(f"unknown {self.what} '{name}'{suggest(name, self.names())}", node.func)
        names, required, kinds = entry.signature
        values: dict[str, Any] = {}
        nodes: dict[str, ast.AST] = {}
        for i, arg in enumerate(node.args):
            if isinstance(arg, ast.Starred):
                raise self.fail("unsupported syntax in spec: *args", arg)
            if i >= len(names):
                raise self.fail(f"{name}: takes at most {len(names)} argument{'s' * (len(names) != 1)} "
                                f"({', '.join(names)})", arg)
            values[names[i]], nodes[names[i]] = self.eval(arg), arg
        for kw in node.keywords:
            if kw.arg is None:
                raise self.fail("unsupported syntax in spec: **kwargs", kw)
            key = entry.canonical(kw.arg)
            if key is None:
                spelled = [n for p in entry.params for n in (p.name, *p.aliases)]
                raise self.fail(f"{name}: unknown argument '{kw.arg}'{suggest(kw.arg, spelled)} "
                                f"(expected {', '.join(names)})", kw)
            if key in values:
                raise self.fail(f"{name}: argument '{key}' given twice", kw)
            values[key], nodes[key] = self.eval(kw.value), kw
        missing = [n for n in names[:required] if n not in values]
        if missing:
            raise self.fail(f"{name}: missing argument '{missing[0]}' (expected {', '.join(names)})", node)
        for n, kind in zip(names, kinds):
            if n in values:
                values[n] = self._coerce(name, n, kind, values[n], nodes[n])
        try:
            return entry.build(**values)
        except ValidationError as exc:
            where = nodes.get(exc.param or "", node)
            raise exc.located(self.text, _span(self.text, where)) from None
        except GeoanimError as exc:
            raise exc.located(self.text, _span(self.text, node)) from None

    def _coerce(self, family: str, arg: str, kind: str, value: Any, node: ast.AST):
        if isinstance(value, _Text) and kind != "str":
            raise self.fail(f"expected a number, found {value.text!r}", node)
        if kind == "num":
            if not isinstance(value, float):
                raise self.fail(f"{family}: `{arg}` must be a number", node)
            return value
        if kind == "list":
            if not isinstance(value, list) or not all(isinstance(v, float) for v in value):
                raise self.fail(f"{family}: `{arg}` must be a list of numbers such as [0.2, 0.8]", node)
            return tuple(value)
        if kind == "matrix":
            if not isinstance(value, list) or not value or not all(
                    isinstance(r, list) and all(isinstance(v, float) for v in r) for r in value):
                raise self.fail(f"{family}: `{arg}` must be a list of rows of numbers such as [[1, 0], [0, 1]]", node)
            return tuple(tuple(r) for r in value)
        if kind == "str":
            if not isinstance(value, _Text):
                raise self.fail(f"{family}: `{arg}` must be a quoted string such as \"cloud.csv\"", node)
            return value.text
        if kind == "dist":
            value = _finish(value, self)
            if not isinstance(value, fam.Distribution):
                raise self.fail(f"{family}: `{arg}` must be a distribution", node)
            return value
        raise AssertionError(kind)  # pragma: no cover


class _Text:
    """A quoted string in a spec (only file names take one)."""

    def __init__(self, text: str):
        self.text = text


class _Term:
    def __init__(self, weight: float, dist: fam.Distribution, node: ast.AST):
        self.weight, self.dist, self.node = weight, dist, node


class _Sum:
    def __init__(self, terms: list[_Term], node: ast.AST):
        self.terms, self.node = terms, node


def _finish(value: Any, interp: _Interpreter) -> Any:
    """Turn weighted terms into a Mixture (a single term of weight 1 is just its distribution)."""
    if isinstance(value, _Term):
        value = _Sum([value], value.node)
    if isinstance(value, _Sum):
        for term in value.terms:
            if not math.isfinite(term.weight) or term.weight <= 0:
                raise interp.fail(f"mixture: weights must be > 0 (got {fam.fmt(term.weight)})", term.node,
                                  ValidationError)
        total = fam.fsum_or_inf(t.weight for t in value.terms)
        if abs(total - 1.0) > fam.SUM_TOL:
            raise interp.fail(f"mixture: weights must sum to 1 (got {total!r})", value.node, ValidationError)
        if len(value.terms) == 1:
            return value.terms[0].dist
        try:
            # any laws: Mixture itself rejects components that are not 1-D (a ValidationError located below)
            components = cast("tuple[fam.Univariate, ...]", tuple(t.dist for t in value.terms))
            return fam.Mixture(tuple(t.weight for t in value.terms), components)
        except GeoanimError as exc:
            raise exc.located(interp.text, _span(interp.text, value.node)) from None
    return value


def _describe(node: ast.AST) -> str:
    names = {ast.Pow: "'**'", ast.Mod: "'%'", ast.FloorDiv: "'//'", ast.Attribute: "attribute access",
             ast.Subscript: "indexing", ast.Lambda: "lambda", ast.Compare: "comparison",
             ast.BoolOp: "boolean operator", ast.Dict: "dict", ast.Set: "set", ast.IfExp: "if-expression",
             ast.JoinedStr: "f-string", ast.Invert: "'~'", ast.Not: "'not'"}
    if isinstance(node, ast.BinOp):
        return names.get(type(node.op), type(node.op).__name__)
    if isinstance(node, ast.UnaryOp):
        return names.get(type(node.op), type(node.op).__name__)
    return names.get(type(node), type(node).__name__.lower())
