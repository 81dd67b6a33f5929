"""Load a local data sample (CSV with a header row, or JSON Lines) into a DataFrame (reads disk)."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from compiler.diagnostics import Diagnostic, SourceSpan

# Rows parsed per chunk: the peak is the kept columns of the whole file plus one chunk, never
# the file's full width of text.
CHUNK_ROWS = 200_000
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")


@dataclass(frozen=True)
class Sample:
    """The rows of a sample file, only the requested columns kept."""

    frame: pd.DataFrame
    # Every column the file has, in file order (pre-flight names the ones that are missing).
    columns: tuple[str, ...]
    path: str

    @property
    def rows(self) -> int:
        return len(self.frame)


def _error(code: str, message: str, path: str, line: int = 1) -> tuple[None, tuple[Diagnostic]]:
    return None, (Diagnostic(code, message, span=SourceSpan(path, line, 1)),)


def _is_jsonl(path: Path) -> bool:
    if path.suffix.lower() in JSONL_SUFFIXES:
        return True
    with path.open("rb") as f:
        head = f.read(4096).lstrip()
    return head.startswith(b"{")


def load_sample(
    path: Path, columns: Collection[str] | None = None, *, display: str | None = None
) -> tuple[Sample | None, tuple[Diagnostic, ...]]:
    """The sample at `path` keeping `columns` (all when None), or E701/E702/E703.

    CSV is read in chunks of CHUNK_ROWS; JSON Lines line by line, so memory holds the kept
    columns only. `display` is the path shown in diagnostics (relative to the project).
    """
    shown = display or str(path)
    try:
        if not path.is_file():
            return _error("E701", f"sample file {shown!r} does not exist or is not a file", shown)
        if path.stat().st_size == 0:
            return _error("E702", f"sample file {shown!r} is empty", shown)
        if _is_jsonl(path):
            return _load_jsonl(path, columns, shown)
        return _load_csv(path, columns, shown)
    except UnicodeDecodeError:
        return _error("E701", f"sample file {shown!r} is not valid UTF-8", shown)
    except OSError as exc:
        return _error("E701", f"sample file {shown!r} cannot be read: {exc.strerror or exc}", shown)


def _load_csv(
    path: Path, columns: Collection[str] | None, shown: str
) -> tuple[Sample | None, tuple[Diagnostic, ...]]:
    try:
        header = pd.read_csv(path, nrows=0, encoding="utf-8")
    except pd.errors.EmptyDataError:
        return _error("E702", f"sample file {shown!r} has no header row", shown)
    except pd.errors.ParserError as exc:
        return _error("E703", f"sample file {shown!r} is not CSV: {_first_line(exc)}", shown)
    names = tuple(str(c) for c in header.columns)
    keep = [c for c in names if columns is None or c in columns]
    chunks: list[pd.DataFrame] = []
    try:
        # Every column is parsed (usecols would hide rows with extra fields) and the unused
        # ones dropped chunk by chunk.
        with pd.read_csv(
            path, chunksize=CHUNK_ROWS, encoding="utf-8", skipinitialspace=True
        ) as reader:
            chunks.extend(chunk[keep] for chunk in reader)
    except pd.errors.ParserError as exc:
        return _error("E703", f"sample file {shown!r}: {_first_line(exc)}", shown)
    frame = pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame(columns=keep)
    if frame.empty:
        return _error("E702", f"sample file {shown!r} has a header but no data rows", shown)
    return Sample(frame=frame, columns=names, path=shown), ()


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _load_jsonl(
    path: Path, columns: Collection[str] | None, shown: str
) -> tuple[Sample | None, tuple[Diagnostic, ...]]:
    seen: dict[str, None] = {}
    data: dict[str, list[Any]] = {}
    rows = 0
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                return _error("E703", f"line {number} is not JSON: {exc.msg}", shown, number)
            if not isinstance(record, dict):
                return _error(
                    "E703",
                    f"line {number} is a JSON {type(record).__name__}, not an object",
                    shown,
                    number,
                )
            for key, value in record.items():
                if key not in seen:
                    seen[key] = None
                if columns is not None and key not in columns:
                    continue
                if key not in data:
                    # A column first seen late is missing (None) in the rows before it.
                    data[key] = [None] * rows
                data[key].append(value)
            rows += 1
            for values in data.values():
                if len(values) < rows:
                    values.append(None)
    if rows == 0:
        return _error("E702", f"sample file {shown!r} has no JSON records", shown)
    frame = pd.DataFrame({k: data[k] for k in seen if k in data})
    return Sample(frame=frame, columns=tuple(seen), path=shown), ()
