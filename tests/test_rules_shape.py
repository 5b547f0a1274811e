"""The shape check's fast path (``_conforms``) against the walk that names every fault.

``_conforms`` answers "would ``_walk`` find nothing?" without building a
member name; the validator trusts it to skip the walk, so on any request,
valid or corrupted, the two must agree.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from ec2query._model import OPERATIONS
from ec2query._rules import _conforms, _request_spec, _walk

from .strategies import request_params

OPERATION_NAMES = sorted(OPERATIONS)

#: What a corruption puts in place of a value: other types, and containers of the wrong kind.
REPLACEMENTS = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.text(max_size=3), st.floats(0, 1),
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
    version = draw(st.sampled_from(["2016-11-15", "2011-12-15"]))
    params = draw(request_params(name, version))
    return name, draw(corrupted(params))


def plain(value: Any) -> bool:
    """Only dicts and lists as containers (what the fast path vouches for)."""
    if isinstance(value, (dict, list)):
        items = value.values() if isinstance(value, dict) else value
        return type(value) in (dict, list) and all(plain(item) for item in items)
    return not isinstance(value, (tuple, MappingProxyType))


@given(requests())
@example(("AuthorizeSecurityGroupIngress", {"FromPort": True}))  # a bool is not an Integer
@example(("DescribeSecurityGroups", {"GroupIds": ["sg-1", 1]}))
@example(("CreateSecurityGroup", {"TagSpecifications": [{"Tags": [{"Key": "k", "Bogus": ""}]}]}))
@settings(max_examples=300)
def test_the_fast_shape_check_agrees_with_the_walk(request: tuple[str, Any]) -> None:
    """Never a pass for a faulty request; always a pass for a clean one of dicts and lists."""
    name, params = request
    spec = _request_spec(name)
    unknown: list[Any] = []
    wrong: list[Any] = []
    _walk(params, spec, "", "", unknown, wrong)
    clean = not unknown and not wrong
    if _conforms(params, spec):
        assert clean
    elif plain(params):
        assert not clean, "a clean request of dicts and lists is walked a second time"
