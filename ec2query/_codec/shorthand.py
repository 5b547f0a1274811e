"""aws-cli's shorthand syntax (``Key=value,List=[a,b],Nested={K=v}``), both ways.

The grammar is aws-cli v1's (``awscli/shorthand.py``), restated here so that a
value parses to exactly what aws-cli would send::

    parameter  = keyval *("," keyval)              ; duplicate keys are an error
    keyval     = key ["@"] "=" [values]            ; "@=" reads file:// values
    key        = *(ALPHA / DIGIT / "-" / "_" / "." / "#" / "/" / ":")
    values     = explicit-list / hash-literal / csv-value
    csv-value  = first-value *("," second-value)   ; "a=b,c" -> {"a": ["b", "c"]}
    explicit-list = "[" [items *("," items)] "]"
    hash-literal  = "{" [key "=" items *("," key "=" items)] "}"
    items      = explicit-list / hash-literal / first-value

A value is unquoted (trailing blanks dropped, ``\\,`` is a comma), or single
or double quoted (``\\'`` / ``\\"`` and ``\\\\`` are the escapes). Parsing
is purely syntactic; :func:`coerce` then applies the model the way aws-cli's
back-compat visitor does (integers, booleans, a scalar where a list is
expected becomes a one-element list). :func:`encode` writes the inverse.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Mapping
from typing import Any

from .. import _limits as limits
from .._errors import EC2Error, UsageError
from .._model import ListShape, Structure

__all__ = ["IntegerOutOfRange", "ShorthandError", "coerce", "encode", "integer", "parse"]

# Character classes of unquoted values (aws-cli's _START_WORD, _FIRST_FOLLOW_CHARS,
# _SECOND_FOLLOW_CHARS). A value may start with anything printable except
# quotes, ",", "=", "[" and "{"; inside a first value "=", "[" and "{" are
# allowed but "]" and "}" end it; a later csv item may hold "]" and "}" but not "=".
_START = r"!#-&(-+\--<>-Z\\-z|-\uffff"
_FIRST_FOLLOW = r"\s!#-&(-+\--\\^-|~-\uffff"
_SECOND_FOLLOW = r"\s!#-&(-+\--<>-\uffff"
_FIRST_VALUE = re.compile(rf"(?:\\,|[{_START}])(?:\\,|[{_FIRST_FOLLOW}])*")
_SECOND_VALUE = re.compile(rf"(?:\\,|[{_START}])(?:\\,|[{_SECOND_FOLLOW}])*")
_QUOTED = {"'": re.compile(r"'(?:\\'|[^'])*'"), '"': re.compile(r'"(?:\\"|[^"])*"')}
_KEY = re.compile(r"[A-Za-z0-9\-_.#/:]*")
_BLANKS = re.compile(f"[{re.escape(string.whitespace)}]*")


class ShorthandError(UsageError):
    """A shorthand value that does not parse; ``position`` is the 0-based offset."""

    def __init__(self, text: str, position: int, problem: str) -> None:
        self.text = text
        self.position = position
        self.problem = problem
        super().__init__(f"{problem} at position {position}:\n{_pointer(text, position)}")


def _pointer(text: str, position: int) -> str:
    """The line of ``text`` holding ``position`` and a caret under it."""
    start = text.rfind("\n", 0, position) + 1
    end = text.find("\n", position)
    line = text[start:] if end < 0 else text[start:end]
    return f"{line}\n{' ' * (position - start)}^"


class _Backtrack(Exception):  # not an error until it leaves parse()
    """A syntax error, recoverable inside a csv list by backing up to a comma.

    It carries only the position and the problem: a csv list may raise one per item,
    so formatting the :class:`ShorthandError` (which quotes the line) waits until it
    leaves :func:`parse`, keeping the parser linear in the length of the text.
    """

    def __init__(self, position: int, problem: str) -> None:
        self.position = position
        self.problem = problem


def parse(text: str, *, read_file: Callable[[str], Any] | None = None) -> dict[str, Any]:
    """Parse one shorthand value into nested dicts, lists and strings."""
    try:
        return _Parser(text, read_file).parameter()
    except _Backtrack as exc:
        raise ShorthandError(text, exc.position, exc.problem) from None


class _Parser:
    """A recursive-descent parser over one string, mirroring aws-cli's."""

    def __init__(self, text: str, read_file: Callable[[str], Any] | None) -> None:
        self.text = text
        self.pos = 0
        self.read_file = read_file
        self.from_file = False
        self.depth = 0
        self.values = 0

    # -- helpers
    def _current(self) -> str | None:
        return self.text[self.pos] if self.pos < len(self.text) else None

    def _eof(self) -> bool:
        return self.pos >= len(self.text)

    def _blanks(self) -> None:
        self.pos = _BLANKS.match(self.text, self.pos).end()  # type: ignore[union-attr]

    def _expect(self, char: str, *, blanks: bool = False) -> None:
        if blanks:
            self._blanks()
        if self._eof():
            raise _Backtrack(self.pos, f"expected '{char}' but the value ended")
        if self.text[self.pos] != char:
            found = self.text[self.pos]
            raise _Backtrack(self.pos, f"expected '{char}' but found '{found}'")
        self.pos += 1
        if blanks:
            self._blanks()

    def _nest(self, delta: int) -> None:
        """Enter (+1) or leave (-1) a list or hash; refuse nesting past the limit."""
        self.depth += delta
        if self.depth > limits.MAX_SHORTHAND_DEPTH:
            raise ShorthandError(
                self.text, self.pos - 1, f"nesting deeper than {limits.MAX_SHORTHAND_DEPTH} levels"
            )

    def _count(self) -> None:
        """One more key or item; refuse more than one request can carry (``MAX_PARAMS``)."""
        self.values += 1
        if self.values > limits.MAX_PARAMS:
            raise ShorthandError(
                self.text, self.pos,
                f"more than {limits.MAX_PARAMS} keys and values, more than one request carries",
            )

    def _regex(self, pattern: re.Pattern[str], what: str) -> str:
        match = pattern.match(self.text, self.pos)
        if match is None:
            raise _Backtrack(self.pos, f"expected {what}")
        self.pos = match.end()
        return match.group()

    def _resolved(self, value: str) -> Any:
        if self.from_file and self.read_file is not None:
            return self.read_file(value)
        return value

    # -- grammar
    def parameter(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        key, value = self._keyval()
        result[key] = value
        last = self.pos
        while not self._eof():
            self._expect(",", blanks=True)
            key, value = self._keyval()
            if key in result:
                raise ShorthandError(
                    self.text,
                    last + 1,
                    f'second instance of key "{key}" (often a "," where a space '
                    "should separate two items)",
                )
            result[key] = value
            last = self.pos
        return result

    def _key(self) -> str:
        key = _KEY.match(self.text, self.pos).group()  # type: ignore[union-attr]
        self.pos += len(key)
        return key

    def _key_and_equals(self) -> str:
        self._count()
        key = self._key()
        self.from_file = False
        self._blanks()
        if self._current() == "@":
            self.pos += 1
            self._blanks()
            self.from_file = True
        self._expect("=", blanks=True)
        return key

    def _keyval(self) -> tuple[str, Any]:
        key = self._key_and_equals()
        return key, self._values()

    def _values(self) -> Any:
        current = self._current()
        if current is None:
            return ""
        if current == "[":
            return self._list()
        if current == "{":
            return self._hash()
        return self._csv()

    def _csv(self) -> Any:
        first = self._first_value()
        self._blanks()
        if self._current() != ",":
            return first
        self._expect(",", blanks=True)
        items = [first]
        while True:
            try:
                item = self._second_value()
                self._blanks()
                if self._eof():
                    self._count()
                    items.append(item)
                    break
                self._expect(",", blanks=True)
                self._count()
                items.append(item)
            except _Backtrack:
                if self._eof():
                    raise
                while self.pos >= 0 and self.text[self.pos] != ",":
                    self.pos -= 1
                break
        return first if len(items) == 1 else items

    def _list(self) -> list[Any]:
        self._expect("[", blanks=True)
        self._nest(1)
        items: list[Any] = []
        while self._current() != "]":
            items.append(self._item())
            self._blanks()
            if self._current() != "]":
                self._expect(",")
                self._blanks()
        self._expect("]")
        self._nest(-1)
        return items

    def _hash(self) -> dict[str, Any]:
        self._expect("{", blanks=True)
        self._nest(1)
        result: dict[str, Any] = {}
        while self._current() != "}":
            key = self._key_and_equals()
            value = self._item()
            self._blanks()
            if self._current() != "}":
                self._expect(",")
                self._blanks()
            result[key] = value
        self._expect("}")
        self._nest(-1)
        return result

    def _item(self) -> Any:
        self._count()
        current = self._current()
        if current == "[":
            return self._list()
        if current == "{":
            return self._hash()
        return self._first_value()

    def _quoted(self) -> str | None:
        quote = self._current()
        pattern = _QUOTED.get(quote or "")
        if pattern is None or quote is None:
            return None
        raw = self._regex(pattern, f"a closing {quote}")[1:-1]
        return raw.replace("\\" + quote, quote).replace("\\\\", "\\")

    def _first_value(self) -> Any:
        quoted = self._quoted()
        if quoted is not None:
            return self._resolved(quoted)
        match = _FIRST_VALUE.match(self.text, self.pos)
        if match is None:
            return ""
        self.pos = match.end()
        return self._resolved(match.group().replace("\\,", ",").rstrip())

    def _second_value(self) -> Any:
        quoted = self._quoted()
        if quoted is not None:
            return self._resolved(quoted)
        raw = self._regex(_SECOND_VALUE, "a value")
        return self._resolved(raw.replace("\\,", ",").rstrip())


# --------------------------------------------------------------------------- model


class IntegerOutOfRange(EC2Error):
    """An integer literal too long for ``int()`` (Python's digit limit): out of every EC2
    integer's range, so refused by value. Not a ValueError, so that argparse's and
    json's handlers of bad literals let it through to the caller, which names the option.
    """


#: What ``int()`` reads as an integer (Unicode digits, ``_`` between digits, blanks around).
_INT_LITERAL = re.compile(r"\s*[+-]?\d+(?:_\d+)*\s*")


def integer(text: str) -> int:
    """``int(text)``, as aws-cli reads an integer; a literal too long for ``int()`` raises
    :class:`IntegerOutOfRange` (EC2's ``InvalidParameterValue``) instead of ValueError."""
    try:
        return int(text)
    except ValueError:
        if isinstance(text, str) and _INT_LITERAL.fullmatch(text):
            digits = sum(c.isdigit() for c in text)
            raise IntegerOutOfRange(
                "InvalidParameterValue",
                f"Value ({text.strip()[:20]}..., an integer of {digits} digits) is invalid. "
                "Expected: 'Integer' (EC2's integers are 32-bit).",
            ) from None
        raise


def coerce(value: Any, shape: Any, path: str = "") -> Any:
    """Apply the model to a parsed value as aws-cli does; ``UsageError`` where it cannot."""
    if isinstance(shape, Structure):
        if isinstance(value, dict):
            for member in shape.members:
                if member.name in value:
                    value[member.name] = coerce(
                        value[member.name], member.shape, f"{path}.{member.name}".lstrip(".")
                    )
        return value
    if isinstance(shape, ListShape):
        if value is None:
            return value
        if not isinstance(value, list):
            return [value]  # aws-cli wraps a lone value without converting it
        return [coerce(item, shape.member, f"{path}[{i}]") for i, item in enumerate(value)]
    if value is None:
        return value
    if shape.kind == "integer":
        try:
            return integer(value)
        except IntegerOutOfRange as exc:
            raise UsageError(f"{path or 'the value'}: {exc.message}", code=exc.code) from None
        except (TypeError, ValueError):
            raise UsageError(
                f"{path or 'the value'} must be an integer, not {_show(value)}"
            ) from None
    if shape.kind == "boolean":
        if not isinstance(value, str):
            raise UsageError(f"{path or 'the value'} must be true or false, not {_show(value)}")
        if value.lower() == "true":
            return True
        if value.lower() == "false":
            return False
    return value


def _show(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a structure"
    return repr(value)[:64]


# --------------------------------------------------------------------------- encode

_PLAIN = re.compile(r"[A-Za-z0-9_./:@+*-]+\Z")


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if _PLAIN.match(text):
        return text
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _nested(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{k}={_nested(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_nested(v) for v in value) + "]"
    return _scalar(value)


def encode(value: Mapping[str, Any], shape: Structure) -> str | None:
    """One structure as shorthand, or ``None`` where shorthand cannot say it exactly."""
    if not value:
        return None
    text = ",".join(f"{key}={_nested(item)}" for key, item in value.items())
    try:
        again = coerce(parse(text), shape)
    except UsageError:
        return None
    return text if again == value and _same_types(again, value) else None


def _same_types(a: Any, b: Any) -> bool:
    if type(a) is not type(b) and not (isinstance(a, dict) and isinstance(b, Mapping)):
        return False
    if isinstance(a, dict):
        return all(_same_types(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return all(_same_types(x, y) for x, y in zip(a, b, strict=True))
    return True
