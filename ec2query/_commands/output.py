"""Printing results as aws-cli does: ``json``, ``text`` (tab-separated) and ``table``."""

from __future__ import annotations

import json
from typing import Any

from .._model import Kind, ListShape, Scalar, Structure

__all__ = ["render", "skeleton"]


def render(result: Any, fmt: str) -> str:
    """``result`` in the output format ``fmt`` (``json``, ``text`` or ``table``)."""
    if fmt == "text":
        lines: list[str] = []
        _text(result, "", lines)
        return "\n".join(lines)
    if fmt == "table":
        return "\n".join(_table(result, ""))
    return json.dumps(result, indent=4, ensure_ascii=False)


def _scalar(value: Any) -> str:
    return "None" if value is None else str(value)


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, (dict, list))


def _text(value: Any, identifier: str, lines: list[str]) -> None:
    """aws-cli's text format: a structure's scalars on one line, sorted by key, then its
    lists and structures, each line led by the upper-cased name it hangs under."""
    head = [identifier.upper()] if identifier else []
    if isinstance(value, dict):
        scalars = [_scalar(v) for _, v in sorted(value.items()) if _is_scalar(v)]
        if scalars:
            lines.append("\t".join(head + scalars))
        for key, item in sorted(value.items()):
            if not _is_scalar(item):
                _text(item, key, lines)
    elif isinstance(value, list):
        if all(_is_scalar(item) for item in value):
            if value:
                lines.append("\t".join(head + [_scalar(item) for item in value]))
        else:
            for item in value:
                _text(item, identifier, lines)
    else:
        lines.append("\t".join([*head, _scalar(value)]))


def _table(value: Any, title: str) -> list[str]:
    """A plain table per structure: its scalars as rows, nested values as sub-tables."""
    out: list[str] = []
    if isinstance(value, list):
        for item in value:
            out += _table(item, title)
        return out
    if not isinstance(value, dict):
        return [f"| {_scalar(value)} |"]
    rows = [(k, _scalar(v)) for k, v in value.items() if _is_scalar(v)]
    if rows or title:
        width = max([len(k) for k, _ in rows] + [0])
        vwidth = max([len(v) for _, v in rows] + [len(title) - width, 0])
        rule = "+" + "-" * (width + vwidth + 5) + "+"
        out.append(rule)
        if title:
            out.append(f"| {title.center(width + vwidth + 3)} |")
            out.append(rule)
        for key, text in rows:
            out.append(f"| {key.ljust(width)} | {text.ljust(vwidth)} |")
        out.append(rule)
    for key, item in value.items():
        if not _is_scalar(item):
            out += _table(item, key)
    return out


def skeleton(shape: Structure) -> dict[str, Any]:
    """A sample of an output structure, as ``--generate-cli-skeleton output`` prints it."""
    return {member.name: _sample(member.shape) for member in shape.members}


def _sample(shape: Any) -> Any:
    if isinstance(shape, Structure):
        return skeleton(shape)
    if isinstance(shape, ListShape):
        return [_sample(shape.member)]
    if not isinstance(shape, Scalar):  # pragma: no cover - the model has no other shape
        raise TypeError(shape)
    return {Kind.STRING: "string", Kind.INTEGER: 0, Kind.BOOLEAN: True}[shape.kind]
