"""A loaded YAML document with the source position of every key and value, by field path."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from compiler.diagnostics import SourceSpan

FieldPath = tuple[str | int, ...]


def format_field_path(field: FieldPath) -> str:
    """The dotted form used in diagnostics: ("facet", 0, "name") -> "facet[0].name"."""
    text = ""
    for part in field:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


@dataclass(frozen=True)
class SourceMap:
    """Where each field of a document was written; maps are read-only once built."""

    path: str
    key_spans: Mapping[FieldPath, SourceSpan]
    value_spans: Mapping[FieldPath, SourceSpan]

    def __post_init__(self) -> None:
        # Copy then wrap, so neither the builder nor any caller can change positions later.
        object.__setattr__(self, "key_spans", MappingProxyType(dict(self.key_spans)))
        object.__setattr__(self, "value_spans", MappingProxyType(dict(self.value_spans)))

    def span_for(self, field: FieldPath, *, key: bool = False) -> SourceSpan:
        """Exact span if known (key span when key=True and the field is a mapping entry, else
        value span); otherwise the span of the nearest known ancestor; otherwise
        SourceSpan(path, 1, 1). Never raises."""
        try:
            field = tuple(field)
            if key and field in self.key_spans:
                return self.key_spans[field]
            for end in range(len(field), -1, -1):
                span = self.value_spans.get(field[:end])
                if span is not None:
                    return span
        except TypeError:
            # An unhashable part (a caller bug) must still yield a usable location.
            pass
        return SourceSpan(self.path, 1, 1)


def is_repo_file(value: str) -> bool:
    """Whether a `constraints:` value names a file in the repository (not a URI), relative
    to the monitor file's folder."""
    return "://" not in value and "${" not in value


@dataclass(frozen=True)
class Document:
    """One YAML file as plain Python data (dict, list, str, int, float, bool, None)."""

    path: str
    data: Any
    source: SourceMap
    # Files the document names (a `constraints:` baseline file), by the value as written:
    # their bytes, or why they could not be read. Read by the workspace (config/workspace),
    # so everything after loading stays pure.
    attachments: Mapping[str, bytes | str] = field(default_factory=dict)
