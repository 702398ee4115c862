"""How the command line reads its arguments and reports misuse (imported by :mod:`geoanim.cli` only).

* Help is click's plain text: no rich boxes, no markup (a help text saying "A:B" shows A:B, not an
  emoji), no type tags such as ``<bool>``: options show a value name (``--metric METRIC``).
* Usage errors (an unknown option, a missing argument, a bad number) come out like every other
  error: ``geoanim: error: ...`` on stderr, exit code 2, then at most one line saying where help is.
  Two common slips get a fix instead: a spec starting with '-' (put ``--`` before the specs), and
  a spec the shell split at its spaces (quote each spec).
* ``--metric fisher,wasserstein`` is two metrics: :func:`split_metrics`.

Nothing here imports numpy or matplotlib: ``geoanim --help`` stays instant.
"""

from __future__ import annotations

import importlib
import shlex
import sys
from collections.abc import Sequence
from typing import Any, get_args

import typer
from typer.core import TyperArgument, TyperGroup, TyperOption

from .errors import ValidationError


def _click_module() -> Any:
    """The click typer runs on: vendored as ``typer._click`` by recent typer, the click package before."""
    try:
        return importlib.import_module("typer._click")
    except ImportError:  # pragma: no cover - typer before it vendored click
        return importlib.import_module("click")


click: Any = _click_module()

# the value an option takes, as its help shows it; an option not named here shows its type: N, NUMBER or TEXT
METAVARS = {"metric": "METRIC", "output": "FILE", "size": "WxH", "set_": "KEY=VALUE", "t": "T", "out_dir": "DIR",
            "var": "NAME=A:B", "shift": "A:B", "jobs": "N"}
ARGUMENT_NAMES = {"targets": "PRESET"}
BRACKETS = {"(": ")", "[": "]", "{": "}"}


class _Argument(TyperArgument):
    """An argument whose help row is its name alone (P, Q, PRESET...), without a type tag."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None


class _Option(TyperOption):
    """An option whose help row shows the value it takes (METRIC, FILE, N), never ``<list[str]>``."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return self.metavar


def _plain(param: Any) -> None:
    if isinstance(param, TyperArgument):
        param.metavar = param.metavar or ARGUMENT_NAMES.get(param.name or "", (param.name or "").upper())
        param.__class__ = _Argument
    elif isinstance(param, TyperOption) and not (param.is_flag or param.count):
        param.metavar = param.metavar or METAVARS.get(param.name or "") or _value_name(param)
        param.__class__ = _Option


def _value_name(param: Any) -> str:
    """N for a whole number, NUMBER for a float, TEXT otherwise (typer's annotation, or click's type)."""
    desc = getattr(param, "type_descriptor", None)
    if desc is not None:
        kinds = {desc.annotation, *get_args(desc.annotation)}
        return "N" if int in kinds else "NUMBER" if float in kinds else "TEXT"
    return {"integer": "N", "float": "NUMBER"}.get(getattr(getattr(param, "type", None), "name", ""), "TEXT")


class Group(TyperGroup):
    """The app's command group: plain help without type tags, and usage errors in the house style."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for command in [self, *self.commands.values()]:
            for param in command.params:
                _plain(param)

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, windows_expand_args: bool = True, **extra: Any) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        if not standalone_mode:  # the caller handles click's exceptions itself
            return super().main(argv, prog_name, complete_var, False, windows_expand_args, **extra)
        try:
            code = super().main(argv, prog_name, complete_var, False, windows_expand_args, **extra)
        except click.exceptions.UsageError as exc:
            if type(exc).__name__ == "NoArgsIsHelpError":  # `geoanim` alone: the help, as click shows it
                exc.show()
            else:
                typer.echo(usage_error(exc, argv), err=True)
            sys.exit(exc.exit_code)
        except click.exceptions.ClickException as exc:
            typer.echo(f"geoanim: error: {_sentence(exc.format_message())}", err=True)
            sys.exit(exc.exit_code)
        except typer.Abort:
            typer.echo("geoanim: aborted", err=True)
            sys.exit(1)
        # not standalone, click returns an Exit's code (help, --version, a command's typer.Exit) or None
        sys.exit(code if isinstance(code, int) else 0)


def _sentence(message: str) -> str:
    """click's "No such option: -x." -> "no such option: -x" (geoanim's errors start lower case)."""
    message = message.strip().rstrip(".")
    return message[:1].lower() + message[1:] if message[1:2].islower() else message


def usage_error(exc: Any, argv: list[str]) -> str:
    """A click usage error as ``geoanim: error: ...``, with the fix where the slip is a common one."""
    ctx = exc.ctx
    command = ctx.command_path if ctx is not None else "geoanim"
    words = _command_words(ctx, argv)
    fix = ""
    if ctx is not None and words is not None:
        fix = _dash_spec_fix(exc, command, ctx.command, words) or _quote_fix(exc, command, ctx.command, words)
    if fix:
        return f"geoanim: error: {fix}"
    return f"geoanim: error: {_sentence(exc.format_message())}\n  try '{command} --help'"


def _command_words(ctx: Any, argv: list[str]) -> list[str] | None:
    """The words given to the failing command: argv after its name (None when that cannot be told)."""
    if ctx is None or ctx.parent is None:
        return None
    name = ctx.info_name
    return argv[argv.index(name) + 1:] if name in argv else None


def _split(command: Any, words: list[str]) -> tuple[list[str], list[str]]:
    """(options with their values, positional words) of a command's words."""
    takes_value, known = set(), set()
    for p in command.params:
        if isinstance(p, TyperOption):
            names = [*p.opts, *p.secondary_opts]
            known.update(names)
            if not (p.is_flag or p.count):
                takes_value.update(names)
    options: list[str] = []
    positional: list[str] = []
    it = iter(words)
    for w in it:
        if w == "--":
            positional.extend(it)
        elif w in takes_value:
            options.extend([w, next(it, "")])
        elif w in known or (w.startswith("--") and w.split("=", 1)[0] in takes_value):
            options.append(w)
        else:
            positional.append(w)
    return options, positional


def _looks_like_spec(word: str) -> bool:
    return any(c in word for c in "([*") and not word.startswith("--")


def quoted(word: str) -> str:
    """A word as a shell line would need it: double quotes for a spec (as the docs write them)."""
    if word and not any(c in word for c in "\"$`\\!"):
        return word if shlex.quote(word) == word else f'"{word}"'
    return shlex.quote(word)


def _dash_spec_fix(exc: Any, command: str, cmd: Any, words: list[str]) -> str:
    """A spec starting with '-' was read as an option: say to put -- before the specs.

    No valid spec starts with '-' (the grammar allows a sign only before a number, and a mixture's
    weights must be > 0), but one written so, such as "-normal(0, 1)", should reach the spec parser
    and get its own error with a caret, not "no such option: -n"."""
    if type(exc).__name__ != "NoSuchOption":
        return ""
    dashed = [w for w in words if w.startswith("-") and w != "--" and _looks_like_spec(w)]
    if not dashed:
        return ""
    options, positional = _split(cmd, words)
    line = " ".join([command, *options, "--", *(quoted(w) for w in positional)])
    return (f"{dashed[0]!r} starts with '-', so it is read as an option: put -- before the specs, "
            f"as in: {line}")


def _quote_fix(exc: Any, command: str, cmd: Any, words: list[str]) -> str:
    """Specs the shell split at their spaces ("normal(0," "1)"): show each spec quoted."""
    if "unexpected extra argument" not in exc.format_message().lower():
        return ""
    options, positional = _split(cmd, words)
    if not any(c in w for w in positional for c in "(),[]"):
        return ""
    specs = rejoin(positional)
    line = " ".join([command, *(f'"{s}"' for s in specs), *options])
    return (f"{_sentence(exc.format_message())}: a spec the shell split at its spaces? "
            f"Quote each spec, as in: {line}")


def rejoin(words: list[str]) -> list[str]:
    """Words the shell split back into specs: a word continues the spec while brackets are open or
    next to a mixture's + or *."""
    specs: list[str] = []
    depth = 0
    for w in words:
        glued = specs and (depth > 0 or w[:1] in "+*" or specs[-1][-1:] in "+*")
        if glued:
            specs[-1] += " " + w
        else:
            specs.append(w)
        depth = max(0, depth + sum(w.count(c) for c in BRACKETS) - sum(w.count(c) for c in BRACKETS.values()))
    return specs


def split_metrics(values: list[str] | None, option: str = "--metric") -> list[str] | None:
    """Repeated and comma-separated metrics -> one list: ``-m fisher,w2 -m "wfr(kappa=2)"``.

    A comma inside brackets belongs to its metric (``alpha(0.5)``, ``wfr(kappa=2)``); an empty name
    (``fisher,``) is an error."""
    if not values:
        return values
    names: list[str] = []
    for value in values:
        parts = _top_level_split(value)
        if any(not p.strip() for p in parts):
            raise ValidationError(f"{option}: an empty metric name in {value!r}; separate metrics with one comma, "
                                  "as in fisher,wasserstein")
        names.extend(p.strip() for p in parts)
    return names


def _top_level_split(text: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, c in enumerate(text):
        if c in BRACKETS:
            depth += 1
        elif c in BRACKETS.values():
            depth = max(0, depth - 1)
        elif c == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def one_metric(value: str, command: str) -> str:
    """``geoanim path`` follows one geodesic: a comma-separated list is a one-line error."""
    if len(_top_level_split(value)) > 1:
        raise ValidationError(f"{command}: --metric takes one metric (got {value!r}); to compare several, "
                              f"try: geoanim distance P Q --metric {value}")
    return value
