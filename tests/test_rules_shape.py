"""The validator's one shape walk against a reference walk kept here, on corrupted requests.

The validator walks a request once and formats a member's name only for a
fault (each caller on the way back up adds its own Query name). The
reference below is the plain walk that builds every name as it goes (the
validator's walk before it became one): on any request, valid or corrupted,
both must find the same unknown members, the same wrongly typed values and the
same text XML cannot carry (by XML 1.0's ``Char`` production, written out
here), in the same order, named alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from ec2query._model import OPERATIONS, operation
from ec2query._rules import Context, _ListOf, _request_spec, _shape

from .strategies import request_params

OPERATION_NAMES = sorted(OPERATIONS)
_TYPE_NAMES = {str: "String", int: "Integer", bool: "Boolean"}


def _xml_char(c: str) -> bool:
    """XML 1.0's Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]."""
    n = ord(c)
    return (n in (0x9, 0xA, 0xD) or 0x20 <= n <= 0xD7FF or 0xE000 <= n <= 0xFFFD
            or 0x10000 <= n <= 0x10FFFF)


def reference_walk(
    value: Any, spec: Any, prefix: str, query: str, unknown: list[Any], wrong: list[Any],
    not_xml: list[Any],
) -> None:
    """Every fault of ``value`` against the compiled ``spec``, naming each as it descends."""
    if type(spec) is type:
        if type(value) is str and spec is str:
            bad = next((c for c in value if not _xml_char(c)), None)
            if bad is not None:
                not_xml.append({"name": prefix + query, "char": f"U+{ord(bad):04X}"})
        elif type(value) is not spec:
            shown = value if spec is not str and type(value) in (int, str) else type(value).__name__
            wrong.append(
                {"name": prefix + query, "value": str(shown)[:64], "expected": _TYPE_NAMES[spec]}
            )
    elif type(spec) is dict:
        if not isinstance(value, Mapping):
            wrong.append({"name": prefix + query or "params", "value": type(value).__name__,
                          "expected": "Structure"})  # fmt: skip
            return
        inner = prefix + query + "." if query else ""
        for key, item in value.items():
            entry = spec.get(key)
            if entry is None:
                unknown.append({"name": key})
            else:
                reference_walk(item, entry[1], inner, entry[0], unknown, wrong, not_xml)
    else:
        assert isinstance(spec, _ListOf)
        if not isinstance(value, (list, tuple)):
            wrong.append(
                {"name": prefix + query, "value": type(value).__name__, "expected": "List"}
            )
            return
        for index, item in enumerate(value, 1):
            reference_walk(item, spec[0], prefix + query + ".", str(index), unknown, wrong,
                           not_xml)

#: What a corruption puts in place of a value: other types, and containers of the wrong kind.
REPLACEMENTS = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.text(max_size=3), st.floats(0, 1),
    st.sampled_from(["a\x00", "\x1f", "ok\ufffe", "\uffff", "\ud800", "tab\tok"]),
    st.just(b"x"), st.just([]), st.just({}), st.just(()),
)  # fmt: skip


@st.composite
def corrupted(draw: st.DrawFn, value: Any) -> Any:
    """``value`` with at most one corruption per container (and a container may be swapped)."""
    if isinstance(value, dict):
        out = {key: draw(corrupted(item)) for key, item in value.items()}
        choice = draw(st.integers(0, 5))
        if choice == 1:
            out[draw(st.sampled_from(["Bogus", "ipProtocol", "Tags"]))] = draw(REPLACEMENTS)
        elif choice == 2 and out:
            out[draw(st.sampled_from(sorted(out)))] = draw(REPLACEMENTS)
        elif choice == 3:
            return MappingProxyType(out)
        return out
    if isinstance(value, list):
        out = [draw(corrupted(item)) for item in value]
        choice = draw(st.integers(0, 4))
        if choice == 1:
            return tuple(out)
        if choice == 2 and out:
            out[draw(st.integers(0, len(out) - 1))] = draw(REPLACEMENTS)
        return out
    return value


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, Any]:
    name = draw(st.sampled_from(OPERATION_NAMES))
    version = draw(st.sampled_from(operation(name).versions))
    params = draw(request_params(name, version))
    return name, draw(corrupted(params))


@given(requests())
@example(("AuthorizeSecurityGroupIngress", {"FromPort": True}))  # a bool is not an Integer
@example(("DescribeSecurityGroups", {"GroupIds": ["sg-1", 1]}))
@example(("CreateSecurityGroup", {"TagSpecifications": [{"Tags": [{"Key": "k", "Bogus": ""}]}]}))
@example(("DescribeSecurityGroups", ["not", "a", "dict"]))
@example(("DescribeSecurityGroups", {"GroupNames": ["ok", "a\x00b"], "DryRun": True}))
@example(("CreateSecurityGroup", {"GroupName": {"x": "\x01"}, "Description": "\ufffe"}))
@example(("AuthorizeSecurityGroupIngress", {"IpPermissions": ({"Bogus": 1, "FromPort": "x"},)}))
@settings(max_examples=300)
def test_the_walk_finds_what_the_reference_finds(request: tuple[str, Any]) -> None:
    name, params = request
    unknown: list[Any] = []
    wrong: list[Any] = []
    not_xml: list[Any] = []
    reference_walk(params, _request_spec(name), "", "", unknown, wrong, not_xml)
    assert _shape(Context(name, None, params)) == (unknown, wrong, not_xml)
