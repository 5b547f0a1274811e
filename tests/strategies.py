"""Hypothesis strategies that generate canonical params from the model itself."""

from __future__ import annotations

from hypothesis import strategies as st

from ec2query._model import ListShape, Scalar, Structure, operation

#: Text as EC2 could carry it: any Unicode scalar value except surrogates.
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
INTS = st.integers(min_value=-(2**31), max_value=2**31 - 1)


def value_of(shape, depth: int = 0) -> st.SearchStrategy:
    """Values of ``shape`` whose Query form is not empty (so they round-trip)."""
    if isinstance(shape, Scalar):
        return {"string": TEXT, "integer": INTS, "boolean": st.booleans()}[shape.kind]
    if isinstance(shape, ListShape):
        return st.lists(value_of(shape.member, depth + 1), min_size=1, max_size=3 if depth else 4)
    return params_of(shape, depth + 1, min_members=1)


def params_of(shape: Structure, depth: int = 0, min_members: int = 0) -> st.SearchStrategy:
    """Dicts with a random subset of ``shape``'s members, in a random order."""
    members = {m.name: value_of(m.shape, depth) for m in shape.members}

    @st.composite
    def build(draw):
        names = draw(
            st.lists(
                st.sampled_from(sorted(members)),
                unique=True,
                min_size=min_members,
                max_size=len(members),
            )
        )
        return {name: draw(members[name]) for name in names}

    return build()


def request_params(operation_name: str, version: str = "2016-11-15") -> st.SearchStrategy:
    """Params for ``operation_name`` drawn from its input structure."""
    return params_of(operation(operation_name).input(version))
