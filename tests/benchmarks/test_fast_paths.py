"""The encoders' fast paths give exactly what the standard library's quoting gives."""

from __future__ import annotations

from urllib.parse import quote, quote_plus

from hypothesis import example, given
from hypothesis import strategies as st

from ec2query import _limits as limits
from ec2query._percent import encode_form, encode_pairs, form_encode, percent_encode

TEXT = st.text(st.characters(codec="utf-8") | st.sampled_from("%+ /&=~-_.é日"), max_size=24)


@given(TEXT)
@example("205.192.0.0/16")
@example("%2F + %20")
@example("a+b c%")
@example("")
def test_percent_encode_is_quote_with_unreserved_safe(text: str) -> None:
    assert percent_encode(text) == quote(text, safe="-_.~")


@given(TEXT)
@example(" + ")
@example("%20")
def test_form_encode_is_quote_plus_with_unreserved_safe(text: str) -> None:
    assert form_encode(text) == quote_plus(text, safe="-_.~")


@given(st.lists(st.tuples(TEXT, TEXT), max_size=6))
def test_pair_encoders_join_the_encoded_sides(pairs: list[tuple[str, str]]) -> None:
    assert encode_pairs(pairs) == "&".join(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in pairs)
    assert encode_form(pairs) == "&".join(
        f"{quote_plus(k, safe='-_.~')}={quote_plus(v, safe='-_.~')}" for k, v in pairs)


def test_render_text_fast_path_agrees_with_the_checks():
    """A printable string without & < > is returned as is only where the general checks agree."""
    from ec2query._codec import _xml_render

    for code in range(0x110000):
        char = chr(code)
        if char.isprintable() and char not in "&<>":
            assert limits.NOT_XML.search(char) is None, hex(code)
            assert _xml_render._NEEDS_ESCAPE.search(char) is None, hex(code)
