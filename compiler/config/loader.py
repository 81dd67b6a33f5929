"""Reads monitor YAML into plain data with positions, turning any hostile input into diagnostics."""

from __future__ import annotations

import os
import pathlib
import re
import stat
from dataclasses import dataclass, field
from typing import Any, Final

import yaml
from yaml.reader import Reader

from compiler.config.scalars import (
    YamlFloat,
    YamlInt,
    resolve_plain,
)
from compiler.config.source import Document, FieldPath, SourceMap, format_field_path
from compiler.diagnostics import Diagnostic, SourceSpan, sort_diagnostics

# libyaml's parser when PyYAML was built with it (20x faster, same events and marks; it
# reports plain scalars with style '' rather than None, hence the `not event.style` tests).
_PARSER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_FILE_BYTES: Final = 1_000_000
MAX_DEPTH: Final = 64
MAX_NODES: Final = 100_000

_UTF8_BOM: Final = b"\xef\xbb\xbf"
_TAG_PREFIX: Final = "tag:yaml.org,2002:"
_STANDARD_TAGS: Final = frozenset(
    _TAG_PREFIX + name for name in ("str", "int", "float", "bool", "null", "map", "seq")
)
_PLAIN_DATA_HINT: Final = "remove the tag; biaswatch files are plain data"

# The line breaks YAML (and PyYAML's marks) count; "\r\n" is one break.
_BREAK_RE: Final = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def load_file(
    path: pathlib.Path,
    display_path: str,
    *,
    max_file_bytes: int = MAX_FILE_BYTES,
    max_depth: int = MAX_DEPTH,
    max_nodes: int = MAX_NODES,
) -> tuple[Document | None, tuple[Diagnostic, ...]]:
    """Read one file from disk (never more than max_file_bytes + 1 bytes) and load it."""
    start = SourceSpan(display_path, 1, 1)
    try:
        # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
        # The type is checked on the opened descriptor, so nothing can swap it in between.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as stream:
            info = os.fstat(stream.fileno())
            if not stat.S_ISREG(info.st_mode):
                return None, (_not_regular(start, info.st_mode),)
            if info.st_size > max_file_bytes:
                return None, (_too_big(start, info.st_size, max_file_bytes),)
            # Read one byte past the limit: the file may have grown since stat.
            raw = stream.read(max_file_bytes + 1)
    except ValueError:  # an embedded NUL byte in the path
        return None, (
            Diagnostic("E101", "cannot read file: the path contains a NUL character", start),
        )
    except OSError as error:
        reason = (error.strerror or type(error).__name__).lower()
        if isinstance(error, FileNotFoundError) and os.path.islink(path):
            reason = f"it is a symlink to {os.readlink(path)!r}, which does not exist"
        return None, (
            Diagnostic("E101", f"cannot read file: {reason}", start, hints=_read_hint(error)),
        )
    return load_text(
        display_path, raw, max_file_bytes=max_file_bytes, max_depth=max_depth, max_nodes=max_nodes
    )


def load_text(
    display_path: str,
    raw: bytes,
    *,
    max_file_bytes: int = MAX_FILE_BYTES,
    max_depth: int = MAX_DEPTH,
    max_nodes: int = MAX_NODES,
) -> tuple[Document | None, tuple[Diagnostic, ...]]:
    """Load one YAML document from bytes; the Document is None exactly when there are errors."""
    start = SourceSpan(display_path, 1, 1)
    if len(raw) > max_file_bytes:
        return None, (_too_big(start, len(raw), max_file_bytes),)
    if raw.startswith(_UTF8_BOM):
        raw = raw[len(_UTF8_BOM) :]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return None, (_not_utf8(display_path, raw, error),)
    bad_char = Reader.NON_PRINTABLE.search(text)
    if bad_char is not None:
        line, column = _position(text, bad_char.start())
        return None, (
            Diagnostic(
                "E104",
                f"character {bad_char.group()!r} is not allowed in YAML",
                SourceSpan(display_path, line, column),
                hints=("remove it, or write it as an escape inside a double-quoted string",),
            ),
        )
    builder = _Builder(display_path, max_depth, max_nodes)
    try:
        builder.run(text)
    except RecursionError:
        # Only reachable with a caller-raised max_depth; the default keeps recursion shallow.
        builder.fail("E106", f"nesting is too deep to load (limit {max_depth})", start)
    except MemoryError:
        builder.fail("E107", "the document needs too much memory to load", start)
    return builder.result()


def _not_regular(span: SourceSpan, mode: int) -> Diagnostic:
    if stat.S_ISDIR(mode):
        return Diagnostic(
            "E101",
            "cannot read file: is a directory",
            span,
            hints=("give a monitor file, not a directory",),
        )
    kind = "a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "not a regular file"
    return Diagnostic(
        "E101", f"cannot read file: it is {kind}", span, hints=("give a regular monitor file",)
    )


def _too_big(span: SourceSpan, size: int, limit: int) -> Diagnostic:
    return Diagnostic(
        "E103",
        f"file is {size:,} bytes; the limit is {limit:,} bytes",
        span,
        hints=(
            "a monitor file is a few kilobytes: if this is data or a generated file, move it "
            "out of the monitors folder; if it is a monitor, remove what was pasted into it",
        ),
    )


def _read_hint(error: OSError) -> tuple[str, ...]:
    if isinstance(error, FileNotFoundError):
        return ("check the path",)
    if isinstance(error, IsADirectoryError):
        return ("give a monitor file, not a directory",)
    return ()


def _not_utf8(display_path: str, raw: bytes, error: UnicodeDecodeError) -> Diagnostic:
    # Everything before error.start decoded cleanly, so it can be decoded again to count
    # lines and columns in characters, the way the YAML positions elsewhere are counted.
    before = raw[: error.start].decode("utf-8")
    line, column = _position(before, len(before))
    return Diagnostic(
        "E102",
        f"byte 0x{raw[error.start]:02x} is not valid UTF-8 ({error.reason})",
        SourceSpan(display_path, line, column),
        hints=("save the file as UTF-8",),
    )


def _position(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of text[index], counting breaks as PyYAML's marks do."""
    line, line_start = 1, 0
    for match in _BREAK_RE.finditer(text, 0, index):
        if match.group() == "\r" and text[match.end() : match.end() + 1] == "\n":
            break  # index points at the "\n" of a "\r\n" pair: still the same line
        line, line_start = line + 1, match.end()
    return line, index - line_start + 1


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_TAG_PREFIX) :] if tag.startswith(_TAG_PREFIX) else tag


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a sequence"
    return "a mapping"


def _copy(value: Any) -> Any:
    """A fresh copy of an alias's lists and dicts; scalars are immutable and shared."""
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


class _Stop(Exception):
    """Raised inside the builder after a diagnostic that makes reading further pointless."""


# Sentinels for the key state of a mapping frame.
_NO_KEY: Final = object()  # the next node is a key
_BAD_KEY: Final = object()  # the key was refused: drop the value that follows
_OPEN: Final = object()  # an anchor whose collection has not ended yet


@dataclass(frozen=True)
class _Anchor:
    """What an alias expands to, and how much it costs, measured when its anchor closed."""

    value: Any
    height: int  # collection levels inside the value (0 for a scalar)
    nodes: int  # nodes inside the value, its own aliases already expanded
    first_entry: int  # span entries of the value's descendants: entries[first_entry:end_entry]
    end_entry: int
    path_len: int  # length of the path the entries were recorded under


@dataclass
class _Frame:
    """An open mapping or sequence; mutable because it is filled event by event."""

    container: dict[str, Any] | list[Any]
    path: FieldPath | None  # None inside a mapping key or a refused entry: no spans recorded
    span: SourceSpan
    anchor: str | None
    nodes_before: int
    first_entry: int
    height: int = 1
    key: Any = _NO_KEY
    key_lines: dict[str, int] = field(default_factory=dict)


class _Builder:
    """Builds plain data straight from PyYAML parser events.

    Working from events rather than composed nodes avoids PyYAML's recursive composer (only
    alias copies recurse, at most max_depth deep), and limits are checked before an alias is
    expanded or a level is opened, so an alias bomb or 500-deep nesting costs no more than
    reading the bytes.
    """

    def __init__(self, display_path: str, max_depth: int, max_nodes: int) -> None:
        self.path = display_path
        self.max_depth = max_depth
        self.max_nodes = max_nodes
        self._lines: list[str] = []
        self.diagnostics: list[Diagnostic] = []
        self.stack: list[_Frame] = []
        self.anchors: dict[str, _Anchor | object] = {}
        # (is_key, path, span) in document order; an anchor's descendants are a contiguous
        # slice, which is how an alias copies their positions without searching.
        self.entries: list[tuple[bool, FieldPath, SourceSpan]] = []
        self.nodes = 0
        self.documents = 0
        self.root: Any = None
        self.root_span = SourceSpan(display_path, 1, 1)

    # -- results ---------------------------------------------------------------------------

    def result(self) -> tuple[Document | None, tuple[Diagnostic, ...]]:
        if not self.diagnostics:
            self._check_root()
        if self.diagnostics:
            return None, sort_diagnostics(self.diagnostics)
        key_spans = {path: span for is_key, path, span in self.entries if is_key}
        value_spans = {path: span for is_key, path, span in self.entries if not is_key}
        value_spans[()] = self.root_span
        source = SourceMap(self.path, key_spans, value_spans)
        return Document(self.path, self.root, source), ()

    def _check_root(self) -> None:
        hint = "write the monitor's keys at the top level, starting with 'api_version: ...'"
        if self.documents == 0:
            self.fail("E113", "file is empty", self.root_span, hints=(hint,))
        elif self.root is None:
            self.fail("E113", "document has no content (it is null)", self.root_span, (hint,))
        elif not isinstance(self.root, dict):
            message = f"document is {_kind(self.root)}, not a mapping"
            self.fail("E110", message, self.root_span, hints=(hint,))

    def fail(
        self,
        code: str,
        message: str,
        span: SourceSpan,
        hints: tuple[str, ...] = (),
        path: FieldPath | None = None,
    ) -> None:
        field_text = format_field_path(path) if path else ""
        self.diagnostics.append(Diagnostic(code, message, span, field_text, hints=hints))

    def _indenting_tab(self, line: int) -> SourceSpan | None:
        """Where a tab sits in the indentation of a 1-based line, if one does."""
        text = self._lines[line - 1] if 0 < line <= len(self._lines) else ""
        indent = text[: len(text) - len(text.lstrip(" \t"))]
        return SourceSpan(self.path, line, indent.index("\t") + 1) if "\t" in indent else None

    def span(self, mark: Any) -> SourceSpan:
        """PyYAML marks are 0-based; diagnostics are 1-based."""
        if mark is None:
            return SourceSpan(self.path, 1, 1)
        return SourceSpan(self.path, mark.line + 1, mark.column + 1)

    # -- reading -----------------------------------------------------------------------------

    def run(self, text: str) -> None:
        self._lines = text.splitlines()
        try:
            for event in yaml.parse(text, Loader=_PARSER):
                self._on_event(event)
        except _Stop:
            pass
        except yaml.MarkedYAMLError as error:
            self._syntax_error(error)
        except yaml.YAMLError as error:
            # Not expected for decoded, printable text; kept so no YAML error can escape.
            problem = str(error).strip().rstrip(".") or type(error).__name__
            message = f"unreadable YAML: {problem[:1].lower()}{problem[1:]}"
            self.fail("E104", message, SourceSpan(self.path, 1, 1))

    def _syntax_error(self, error: yaml.MarkedYAMLError) -> None:
        mark = error.problem_mark or error.context_mark
        span = self.span(mark)
        tab = self._indenting_tab(span.line)
        if tab is not None:
            # PyYAML's words for it ("found character that cannot start any token") do not
            # say that the invisible character is the problem.
            hint = "replace the tab with spaces (YAML indentation is spaces only)"
            self.fail("E104", "tabs are not allowed; indent with spaces", tab, (hint,))
            return
        problem = (error.problem or "invalid YAML").strip().rstrip(".")
        message = problem[:1].lower() + problem[1:]
        if error.context and error.context_mark is not None and error.context_mark is not mark:
            context = error.context.strip().rstrip(".")
            where = self.span(error.context_mark)
            message += f" ({context} at line {where.line}, column {where.column})"
        self.fail("E104", message, span)

    def _on_event(self, event: yaml.Event) -> None:
        if isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                hint = "keep one monitor per file and remove the second '---'"
                self.fail(
                    "E111",
                    "file has more than one YAML document",
                    self.span(event.start_mark),
                    (hint,),
                )
                raise _Stop
        elif isinstance(event, yaml.ScalarEvent):
            self._on_scalar(event)
        elif isinstance(event, yaml.AliasEvent):
            self._on_alias(event)
        elif isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            self._on_start(event)
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            self._on_end()

    def _child_path(self) -> FieldPath | None:
        """The field path of the node about to be read; None if it is a key or is being dropped."""
        if not self.stack:
            return ()
        frame = self.stack[-1]
        if frame.path is None:
            return None
        if isinstance(frame.container, list):
            return (*frame.path, len(frame.container))
        if frame.key is _NO_KEY or frame.key is _BAD_KEY:
            return None
        return (*frame.path, frame.key)

    def _count(self, nodes: int, span: SourceSpan, path: FieldPath | None) -> None:
        self.nodes += nodes
        if self.nodes > self.max_nodes:
            message = f"document has more than {self.max_nodes:,} values (each alias counts as a full copy)"
            hint = "write the values out instead of repeating aliases, or split the file"
            self.fail("E107", message, span, (hint,), path)
            raise _Stop

    def _check_tag(self, tag: str | None, span: SourceSpan, path: FieldPath | None) -> bool:
        if tag is None or tag in _STANDARD_TAGS:
            return True
        self.fail(
            "E109", f"tag {_short_tag(tag)!r} is not allowed", span, (_PLAIN_DATA_HINT,), path
        )
        return False

    def _on_scalar(self, event: yaml.ScalarEvent) -> None:
        span = self.span(event.start_mark)
        path = self._child_path()
        self._count(1, span, path)
        value = event.value
        if self._check_tag(event.tag, span, path):
            value = self._scalar_value(event, span, path)
        if path is not None:
            self.entries.append((False, path, span))
        if event.anchor is not None:
            self.anchors[event.anchor] = _Anchor(value, 0, 1, 0, 0, 0)
        plain = event.value if event.tag is None and not event.style else None
        self._attach(value, span, plain)

    def _scalar_value(
        self, event: yaml.ScalarEvent, span: SourceSpan, path: FieldPath | None
    ) -> Any:
        text: str = event.value
        if event.tag is None:
            # Quoted and block scalars are always strings; only plain ones are resolved.
            return resolve_plain(text) if not event.style else text
        name = event.tag[len(_TAG_PREFIX) :]
        if name == "str":
            return text
        if name in ("int", "float", "bool", "null"):
            value = resolve_plain(text)
            fits = {
                "int": isinstance(value, YamlInt),
                "float": isinstance(value, YamlInt | YamlFloat),
                "bool": isinstance(value, bool),
                "null": value is None,
            }[name]
            if fits:
                return YamlFloat(float(value), text) if name == "float" else value
            article = {
                "int": "an integer",
                "float": "a number",
                "bool": "a boolean",
                "null": "null",
            }
            message = f"value {text!r} is not {article[name]}, but it is tagged '!!{name}'"
            hint = "remove the tag, or write a value that fits it"
        else:
            message = f"tag '!!{name}' cannot be used on a scalar"
            hint = "remove the tag"
        self.fail("E109", message, span, (hint,), path)
        return text

    def _on_alias(self, event: yaml.AliasEvent) -> None:
        span = self.span(event.start_mark)
        path = self._child_path()
        name = event.anchor or ""
        anchor = self.anchors.get(name)
        if anchor is None:
            hint = f"define '&{name}' on an earlier value, or write the value out"
            self.fail("E104", f"alias '*{name}' has no anchor before it", span, (hint,), path)
            raise _Stop
        if not isinstance(anchor, _Anchor):
            message = f"alias '*{name}' refers to the value it is inside, which would never end"
            hint = "write the value out instead of using the alias"
            self.fail("E108", message, span, (hint,), path)
            raise _Stop
        # Both limits are checked against the expanded size before anything is copied.
        self._count(anchor.nodes, span, path)
        if len(self.stack) + anchor.height > self.max_depth:
            self._too_deep(span, path)
        if self.stack and anchor.height:
            self.stack[-1].height = max(self.stack[-1].height, anchor.height + 1)
        if path is not None:
            self.entries.append((False, path, span))
            # Positions inside the expansion point at the anchored original.
            for index in range(anchor.first_entry, anchor.end_entry):
                is_key, inner, inner_span = self.entries[index]
                self.entries.append((is_key, path + inner[anchor.path_len :], inner_span))
        self._attach(_copy(anchor.value), span, None)

    def _too_deep(self, span: SourceSpan, path: FieldPath | None) -> None:
        hint = "flatten the structure"
        self.fail("E106", f"nesting is deeper than {self.max_depth} levels", span, (hint,), path)
        raise _Stop

    def _on_start(self, event: yaml.MappingStartEvent | yaml.SequenceStartEvent) -> None:
        span = self.span(event.start_mark)
        path = self._child_path()
        if len(self.stack) >= self.max_depth:
            self._too_deep(span, path)
        nodes_before = self.nodes
        self._count(1, span, path)
        is_mapping = isinstance(event, yaml.MappingStartEvent)
        if self._check_tag(event.tag, span, path) and event.tag is not None:
            wanted = _TAG_PREFIX + ("map" if is_mapping else "seq")
            if event.tag != wanted:
                kind = "mapping" if is_mapping else "sequence"
                message = f"tag {_short_tag(event.tag)!r} cannot be used on a {kind}"
                self.fail("E109", message, span, ("remove the tag",), path)
        if path is not None:
            self.entries.append((False, path, span))
        container: dict[str, Any] | list[Any] = {} if is_mapping else []
        if event.anchor is not None:
            self.anchors[event.anchor] = _OPEN
        frame = _Frame(container, path, span, event.anchor, nodes_before, len(self.entries))
        self.stack.append(frame)

    def _on_end(self) -> None:
        frame = self.stack.pop()
        if frame.anchor is not None:
            self.anchors[frame.anchor] = _Anchor(
                value=frame.container,
                height=frame.height,
                nodes=self.nodes - frame.nodes_before,
                first_entry=frame.first_entry,
                end_entry=len(self.entries),
                path_len=len(frame.path) if frame.path is not None else 0,
            )
        if self.stack:
            parent = self.stack[-1]
            parent.height = max(parent.height, frame.height + 1)
        self._attach(frame.container, frame.span, None)

    def _attach(self, value: Any, span: SourceSpan, plain: str | None) -> None:
        """Place a finished node in its parent: as the root, a sequence item, a key or a value."""
        if not self.stack:
            self.root, self.root_span = value, span
            return
        frame = self.stack[-1]
        if isinstance(frame.container, list):
            frame.container.append(value)
        elif frame.key is _NO_KEY:
            frame.key = self._accept_key(frame, value, span, plain)
        else:
            if frame.key is not _BAD_KEY:
                frame.container[frame.key] = value
            frame.key = _NO_KEY

    def _accept_key(self, frame: _Frame, key: Any, span: SourceSpan, plain: str | None) -> Any:
        """The key to store the next value under, or _BAD_KEY after reporting why not."""
        if plain == "<<":
            message = "merge keys ('<<') are not supported"
            hint = "write the keys out in this mapping"
            self.fail("E109", message, span, (hint,), frame.path)
            return _BAD_KEY
        if not isinstance(key, str):
            shown = f" {plain!r}" if plain else ""
            message = f"mapping key{shown} is {_kind(key)}, not a string"
            if plain is not None:
                hint = f'quote the key if it is meant as text: "{plain}":'
            else:
                hint = "use a plain text key"
            self.fail("E112", message, span, (hint,), frame.path)
            return _BAD_KEY
        first_line = frame.key_lines.get(key)
        if first_line is not None:
            entry = (*frame.path, key) if frame.path is not None else None
            message = f"duplicate key {key!r} (first defined on line {first_line})"
            hint = "remove one of the two entries"
            self.fail("E105", message, span, (hint,), entry)
            return _BAD_KEY
        frame.key_lines[key] = span.line
        if frame.path is not None:
            self.entries.append((True, (*frame.path, key), span))
        return key
