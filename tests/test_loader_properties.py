"""Property tests: the loader turns any bytes into a document or diagnostics, never a traceback."""

from __future__ import annotations

import pathlib
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compiler.config.loader import load_text
from compiler.config.scalars import YamlFloat, YamlInt, scalar_text
from compiler.config.source import Document
from compiler.diagnostics import Diagnostic, has_errors

VALID = (pathlib.Path(__file__).parent / "data" / "loader" / "valid_monitor.yaml").read_text()
SPECIAL = "&*!|>{}[]:#-?,'\"%@`\t\n "

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check_result(result: tuple[Document | None, tuple[Diagnostic, ...]]) -> None:
    document, diagnostics = result
    if document is None:
        assert has_errors(diagnostics)
    else:
        assert diagnostics == ()
        assert isinstance(document.data, dict)
    for diagnostic in diagnostics:
        assert diagnostic.span is not None
        assert diagnostic.span.line >= 1
        assert diagnostic.span.column >= 1
        assert diagnostic.code.startswith("E1")
        assert diagnostic.message
        assert diagnostic.message[0].islower() or not diagnostic.message[0].isalpha()
        assert not diagnostic.message.endswith(".")


@FAST
@given(st.binary(max_size=400))
def test_load_text__arbitrary_bytes__never_raises(raw: bytes) -> None:
    check_result(load_text("fuzz.yaml", raw))


@FAST
@given(st.binary(max_size=60))
def test_load_text__valid_monitor_with_random_bytes_inserted__never_raises(junk: bytes) -> None:
    raw = VALID.encode()
    middle = len(raw) // 2
    check_result(load_text("fuzz.yaml", raw[:middle] + junk + raw[middle:]))


_EDIT = st.tuples(
    st.sampled_from(["delete", "insert", "duplicate", "delete_line", "duplicate_line"]),
    st.integers(min_value=0, max_value=len(VALID)),
    st.integers(min_value=1, max_value=8),
    st.text(alphabet=st.sampled_from(SPECIAL) | st.characters(), min_size=1, max_size=4),
)


def mutate(text: str, edit: tuple[str, int, int, str]) -> str:
    kind, at, length, payload = edit
    at = min(at, len(text))
    if kind == "delete":
        return text[:at] + text[at + length :]
    if kind == "insert":
        return text[:at] + payload + text[at:]
    if kind == "duplicate":
        return text[:at] + text[at : at + length] + text[at:]
    lines = text.splitlines(keepends=True)
    if not lines:
        return text
    row = at % len(lines)
    if kind == "delete_line":
        return "".join(lines[:row] + lines[row + 1 :])
    return "".join(lines[: row + 1] + lines[row : row + length] + lines[row + 1 :])


@settings(max_examples=500, deadline=None)
@given(st.lists(_EDIT, min_size=1, max_size=6))
def test_load_text__mutated_valid_monitor__never_raises(edits: list[Any]) -> None:
    text = VALID
    for edit in edits:
        text = mutate(text, edit)
    check_result(load_text("fuzz.yaml", text.encode("utf-8", "surrogatepass")))


# Keys start with a letter so no YAML 1.2 resolution can make them numbers, booleans or null.
_KEYS = st.builds(lambda tail: "k" + tail, st.text(max_size=8))
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
)
_TREES = st.recursive(
    _SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_KEYS, children, max_size=4),
    max_leaves=20,
)


def same(expected: Any, loaded: Any) -> bool:
    """Equal as data; strings that YAML 1.2 reads as numbers compare by their source text."""
    if isinstance(expected, dict):
        return (
            isinstance(loaded, dict)
            and list(expected) == list(loaded)
            and all(same(expected[key], loaded[key]) for key in expected)
        )
    if isinstance(expected, list):
        return (
            isinstance(loaded, list)
            and len(expected) == len(loaded)
            and all(same(a, b) for a, b in zip(expected, loaded, strict=True))
        )
    if isinstance(expected, str):
        # safe_dump quotes what YAML 1.1 would misread; a plain "0o17" or "1e5" is left unquoted
        # and comes back as a YamlInt/YamlFloat whose text is the original string.
        return (
            scalar_text(loaded) == expected
            if isinstance(loaded, YamlInt | YamlFloat)
            else (type(loaded) is str and loaded == expected)
        )
    if isinstance(expected, bool) or expected is None:
        return loaded is expected
    if isinstance(expected, int):
        return isinstance(loaded, YamlInt) and loaded == expected
    return isinstance(loaded, YamlFloat) and loaded == expected


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(_KEYS, _TREES, max_size=6), st.booleans())
def test_load_text__safe_dump_round_trip__same_data(data: dict[str, Any], flow: bool) -> None:
    dumped = yaml.safe_dump(data, default_flow_style=flow, sort_keys=False)
    document, diagnostics = load_text("round.yaml", dumped.encode())
    assert diagnostics == ()
    assert document is not None
    assert same(data, document.data), dumped
