"""``--output table`` laid out as aws-cli lays it out.

The result becomes a list of sections, each a title, an indent level, column headers and
rows. A structure's scalar members (sorted by key) are one row under their names as headers,
or a two-cell row when there is one; a list of structures is one table with a row per item;
a nested list or structure is a section of its own, one level in, titled by its key. All
sections share the width of the widest, columns growing in proportion to their content; a
table wider than the terminal turns each one-row section into name/value rows. Colour, where
asked for, marks values and the indent bars, as aws-cli's does.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from .._errors import UsageError

__all__ = ["render_table"]

_VALUE = ("\x1b[1m\x1b[34m", "\x1b[0m")  # bright blue, as aws-cli colours a value
_BAR = ("\x1b[2m\x1b[33m", "\x1b[0m")  # dim yellow, its indent bars
_PADDING = 4  # two spaces either side of a cell's text


def _width(text: str) -> int:
    """Columns ``text`` takes on a terminal: wide and ambiguous East Asian characters two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WFA" else 1 for char in text)


def _scalar(value: Any) -> bool:
    return not isinstance(value, (dict, list))


@dataclass
class _Section:
    title: str
    indent: int
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    widths: list[int] = field(default_factory=list)  # the widest text of each column
    count: int | None = None  # the number of columns, fixed by the first headers or row

    def _measure(self, cells: list[str]) -> None:
        sizes = [_width(cell) for cell in cells]
        self.widths = [max(pair) for pair in zip(self.widths, sizes, strict=False)] + (
            self.widths[len(sizes):] or sizes[len(self.widths):])

    def add_headers(self, headers: list[str]) -> None:
        self._measure(headers)
        self.count = len(headers) if self.count is None else self.count
        self.headers = headers

    def add_row(self, row: list[Any]) -> None:
        cells = [str(value) for value in row]
        if self.count is None:
            self.count = len(cells)
        if len(cells) != self.count:  # aws-cli's refusal of a ragged table, in its words
            raise UsageError(f"Row should have {self.count} elements, instead it has "
                             f"{len(cells)}")
        self.rows.append(cells)
        self._measure(cells)

    def total(self) -> int:
        """The width this section needs, its borders and the bars of its indent included."""
        cells = sum(width + _PADDING for width in self.widths)
        return max(_width(self.title), cells) + 2 + 2 * self.indent

    def columns(self, width: int) -> list[int]:
        """Column widths, scaled in proportion to their content to fill ``width``."""
        wanted = [w + _PADDING for w in self.widths]
        if not wanted:
            return wanted
        scale = width / float(sum(wanted))
        scaled = [round(scale * w) for w in wanted]
        over = sum(scaled) - width
        while over:
            order = range(len(scaled)) if over > 0 else reversed(range(len(scaled)))
            for index in order:
                step = 1 if over > 0 else -1
                scaled[index] -= step
                over -= step
                if not over:
                    break
        return scaled


class _Builder:
    """Walks a result into sections the way aws-cli's table formatter does."""

    def __init__(self) -> None:
        self.sections: list[_Section] = []

    def build(self, title: str | None, value: Any, indent: int = 0) -> bool:
        if not value:
            return False
        if title is not None:
            self.sections.append(_Section(title, indent))
        section = self.sections[-1]
        if isinstance(value, list):
            if isinstance(value[0], dict):
                self._list_of_structures(value, indent, title)
            else:
                for item in value:
                    if _scalar(item):
                        section.add_row([item])
                    elif all(_scalar(element) for element in item):
                        section.add_row(list(item))
                    else:
                        self.build(None, item)
        elif isinstance(value, dict):
            self._structure(value, indent)
        return True

    def _structure(self, value: dict[str, Any], indent: int) -> None:
        headers, nested = _split(value)
        if len(headers) == 1:
            self.sections[-1].add_row([headers[0], value[headers[0]]])
        elif headers:
            self.sections[-1].add_headers(headers)
            self.sections[-1].add_row([value[key] for key in headers])
        for key in nested:
            self.build(key, value[key], indent + 1)

    def _list_of_structures(self, items: list[Any], indent: int, title: str | None) -> None:
        headers_set: set[str] = set()
        nested_set: set[str] = set()
        for item in items:
            item_headers, item_nested = _split(item)
            headers_set.update(item_headers)
            nested_set.update(item_nested)
        headers, nested = sorted(headers_set), sorted(nested_set)
        self.sections[-1].add_headers(headers)
        for number, item in enumerate(items):
            if number and nested:
                self.sections.append(_Section(title or "", indent))
                self.sections[-1].add_headers(headers)
            self.sections[-1].add_row([item.get(key, "") for key in headers])
            for key in nested:
                if key in item:
                    self.build(key, item[key], indent + 1)


def _split(value: dict[str, Any]) -> tuple[list[str], list[str]]:
    """A structure's keys: those of scalar values, then the others, each sorted."""
    return (sorted(k for k, v in value.items() if _scalar(v)),
            sorted(k for k, v in value.items() if not _scalar(v)))


def _vertical(section: _Section) -> _Section:
    """A one-row section with headers as name/value rows."""
    if len(section.rows) != 1 or not section.headers:
        return section
    turned = _Section(section.title, section.indent)
    for header, cell in zip(section.headers, section.rows[0], strict=True):
        turned.add_row([header, cell])
    return turned


def _centre(text: str, width: int, left: str) -> str:
    start = width // 2 - _width(text) // 2 - 1
    return f"{left}{' ' * start}{text}{' ' * (width - 1 - len(left) - start - _width(text))}|"


def _left(text: str, width: int, left: str, colour: bool) -> str:
    size = _width(text)
    padding = 2 if width - (size + 2 + len(left) + 1) >= 0 else 0
    shown = f"{_VALUE[0]}{text}{_VALUE[1]}" if colour else text
    return f"{left}{' ' * padding}{shown}{' ' * (width - len(left) - padding - size - 1)}|"


def _rule(widths: list[int]) -> str:
    return "+" + "+".join("-" * (w - (2 if i == 0 else 1)) for i, w in enumerate(widths)) + "+"


def _lines(section: _Section, width: int, colour: bool) -> list[str]:
    width -= 2 * section.indent
    out: list[str] = []
    if section.title:
        out.append(_centre(section.title, width, "|"))
        if not section.headers and not section.rows:
            out.append("+" + "-" * (width - 2) + "+")
    columns = section.columns(width)
    if section.headers:
        out.append(_rule(columns))
        cells = zip(columns, section.headers, strict=False)
        out.append("".join(_centre(header, w, "" if i else "|")
                           for i, (w, header) in enumerate(cells)))
    if section.rows and columns:
        out.append(_rule(columns))
        for row in section.rows:
            out.append("".join(_left(cell, w, "" if i else "|", colour)
                               for i, (w, cell) in enumerate(zip(columns, row, strict=False))))
        out.append(_rule(columns))
    bar = f"{_BAR[0]}|{_BAR[1]}" if colour else "|"
    return [f"{bar * section.indent}{line}{bar * section.indent}" for line in out]


def terminal_width(default: int = 80) -> int:
    """The width of the terminal standard output is, else ``default`` (a pipe, a file)."""
    try:
        return os.get_terminal_size(1).columns
    except OSError:
        return default


def render_table(result: Any, title: str, *, colour: bool = False,
                 width: int | None = None) -> str:
    """``result`` as aws-cli's table titled ``title``; empty for an empty result.

    ``width`` is the terminal's (:func:`terminal_width` when None)."""
    builder = _Builder()
    if not builder.build(title, result):
        return ""
    sections = builder.sections
    widest = max(section.total() for section in sections)
    if widest > (terminal_width() if width is None else width):
        sections = [_vertical(section) for section in sections]
        widest = max(section.total() for section in sections)
    lines = ["-" * widest]
    for section in sections:
        lines += _lines(section, widest, colour)
    return "\n".join(lines)
