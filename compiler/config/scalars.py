"""YAML 1.2 core-schema scalars: which plain scalars are not text, and ints/floats that keep their source."""

from __future__ import annotations

import re
from typing import Any, Final

# YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution). PyYAML resolves
# YAML 1.1, which turns NO/on into booleans, 0755 into 493 and dates into date objects.
_NULL_RE: Final = re.compile(r"null|Null|NULL|~|")
_TRUE_RE: Final = re.compile(r"true|True|TRUE")
_FALSE_RE: Final = re.compile(r"false|False|FALSE")
_DEC_RE: Final = re.compile(r"[-+]?[0-9]+")
_OCT_RE: Final = re.compile(r"0o[0-7]+")
_HEX_RE: Final = re.compile(r"0x[0-9a-fA-F]+")
_FLOAT_RE: Final = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_INF_RE: Final = re.compile(r"[-+]?\.(inf|Inf|INF)")
_NAN_RE: Final = re.compile(r"\.(nan|NaN|NAN)")
_NOT_TEXT: Final = (
    _NULL_RE,
    _TRUE_RE,
    _FALSE_RE,
    _DEC_RE,
    _OCT_RE,
    _HEX_RE,
    _FLOAT_RE,
    _INF_RE,
    _NAN_RE,
)


def plain_scalar_is_text(text: str) -> bool:
    """Whether `text`, written unquoted, loads back as a string under the YAML 1.2 core schema."""
    return not any(r.fullmatch(text) for r in _NOT_TEXT)


class YamlInt(int):
    """An int written as a plain scalar; .raw keeps the exact source text, e.g. "0755"."""

    raw: str

    def __new__(cls, value: int, raw: str) -> YamlInt:
        obj = super().__new__(cls, value)
        obj.raw = raw
        return obj

    def __reduce__(self) -> tuple[type[YamlInt], tuple[int, str]]:
        return (type(self), (int(self), self.raw))


class YamlFloat(float):
    """A float written as a plain scalar; .raw keeps the exact source text, e.g. "1.10"."""

    raw: str

    def __new__(cls, value: float, raw: str) -> YamlFloat:
        obj = super().__new__(cls, value)
        obj.raw = raw
        return obj

    def __reduce__(self) -> tuple[type[YamlFloat], tuple[float, str]]:
        return (type(self), (float(self), self.raw))


def scalar_text(value: Any) -> Any:
    """The text a string-typed field should get for a value YAML read as a number or boolean.

    YamlInt/YamlFloat give their exact source text ("0755", "1.10", "1e3"). Booleans cannot
    carry their source text (bool cannot be subclassed), so True gives "true" and False gives
    "false" whichever of true/True/TRUE was written; only those six spellings are booleans in
    YAML 1.2, so "yes", "on", "NO" already arrive as strings. Anything else is returned as is.
    """
    if isinstance(value, YamlInt | YamlFloat):
        return value.raw
    if value is True:
        return "true"
    if value is False:
        return "false"
    return value


def resolve_plain(text: str) -> Any:
    """A plain scalar's value under the YAML 1.2 core schema; anything unmatched stays text."""
    if _NULL_RE.fullmatch(text):
        return None
    if _TRUE_RE.fullmatch(text):
        return True
    if _FALSE_RE.fullmatch(text):
        return False
    try:
        if _DEC_RE.fullmatch(text):
            return YamlInt(int(text, 10), text)
    except ValueError:
        # More digits than Python converts (sys.get_int_max_str_digits): keep the text, so a
        # string field gets it exactly and a number field reports a wrong type.
        return text
    if _OCT_RE.fullmatch(text):
        return YamlInt(int(text[2:], 8), text)
    if _HEX_RE.fullmatch(text):
        return YamlInt(int(text[2:], 16), text)
    if _FLOAT_RE.fullmatch(text):
        return YamlFloat(float(text), text)
    if _INF_RE.fullmatch(text):
        return YamlFloat(float("-inf") if text.startswith("-") else float("inf"), text)
    if _NAN_RE.fullmatch(text):
        return YamlFloat(float("nan"), text)
    return text
