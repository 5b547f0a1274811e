"""Printing results as aws-cli does: ``json``, ``text`` (tab-separated) and ``table``."""

from __future__ import annotations

import json
from typing import Any

from .._model import Kind, ListShape, Scalar, Structure
from .table import render_table

__all__ = ["render", "skeleton"]


def render(result: Any, fmt: str, *, title: str = "", colour: bool = False) -> str:
    """``result`` in the output format ``fmt`` (``json``, ``text`` or ``table``); a table
    is titled ``title`` (the operation's name) and coloured where ``colour`` says."""
    if fmt == "text":
        lines: list[str] = []
        _text(result, "", lines)
        return "\n".join(lines)
    if fmt == "table":
        return render_table(result, title, colour=colour)
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
