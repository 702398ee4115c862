"""The exceptions geoanim raises on purpose.

Every one of them is a :class:`GeoanimError`; the command line turns any of them into a one-line
``geoanim: error: ...`` on stderr and exit code 2. Errors about a spec string can carry the text
and the offending span, so the message can show a caret under the bad token.
"""

from __future__ import annotations


class GeoanimError(Exception):
    """Base class: bad input or an unsupported request, never a bug."""

    def __init__(self, message: str, *, text: str | None = None, span: tuple[int, int] | None = None,
                 param: str | None = None):
        super().__init__(message)
        self.message = message
        self.text = text
        self.span = span
        self.param = param

    def located(self, text: str, span: tuple[int, int]) -> GeoanimError:
        """Attach the spec and the offending span (start, end offsets) unless already located."""
        if self.text is None:
            self.text, self.span = text, span
        return self

    def caret(self) -> str:
        """The spec line with carets under the offending span, or '' when there is none."""
        if self.text is None or self.span is None:
            return ""
        start, end = self.span
        line_start = self.text.rfind("\n", 0, start) + 1
        line_end = self.text.find("\n", start)
        line = self.text[line_start: len(self.text) if line_end < 0 else line_end]
        col = start - line_start
        width = max(1, min(end, line_start + len(line)) - start) if end > start else 1
        return f"  {line}\n  {' ' * col}{'^' * width}"

    def __str__(self) -> str:
        block = self.caret()
        return f"{self.message}\n{block}" if block else self.message


class SpecError(GeoanimError):
    """A spec string that cannot be parsed: bad syntax, unknown family or argument."""


class ValidationError(GeoanimError):
    """Parameters that parse but break a family's rules (``std`` must be > 0, ...)."""


class UnsupportedError(GeoanimError):
    """A well-formed request geoanim does not support (a metric for a pair of families, ...)."""


class PresetError(GeoanimError):
    """A preset file that cannot be read or validated."""


class EncodeError(GeoanimError):
    """An animation that cannot be written: unknown format, unwritable path, encoder failure."""
