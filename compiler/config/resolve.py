"""Turn a loaded monitor document into a MonitorSpec for one environment.

Steps: refuse keys the SDK rejects for bias monitors, merge the environment's defaults
under the file and its `overrides.<env>` over it, substitute `${...}` variables, then
validate with the pydantic models. Every diagnostic points at the file (and line) the
offending value came from, which may be biaswatch.yaml for a default.
"""

from __future__ import annotations

import difflib
import functools
import re
import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from pydantic import BaseModel, ValidationError

from compiler.config.source import Document, FieldPath, SourceMap, format_field_path
from compiler.config.spec import Environment, MonitorSpec, ProjectConfig
from compiler.diagnostics import Diagnostic, SourceSpan

Locator = Callable[[FieldPath], SourceSpan]

# Keys AWS's "Schedule Bias Drift Monitoring Jobs" page shows that ModelBiasMonitor and the
# API do not accept (reference §2.11): say why and what to write instead.
REJECTED_KEYS: Mapping[str, tuple[str, str]] = {
    "post_analytics_processor_script": (
        "ModelBiasMonitor does not accept post_analytics_processor_script (the AWS page's "
        "example raises TypeError in the SDK); the Clarify container has no script hook",
        "remove it; post-process the results in output_s3_uri instead",
    ),
    "record_preprocessor_script": (
        "ModelBiasMonitor does not accept record_preprocessor_script; only DefaultModelMonitor has it",
        "remove it; use features_attribute / inference_attribute to locate data in the capture",
    ),
    "statistics": (
        "bias monitors have no baseline statistics: ModelBiasBaselineConfig has no "
        "StatisticsResource and baseline_statistics() of a Clarify job raises NotImplementedError",
        "remove it; give the baseline as constraints (the baselining job's analysis.json) "
        "or baselining_job_name",
    ),
    "monitor_schedule_name": (
        "the schedule's name is the monitor's name",
        "write name: <schedule name> instead",
    ),
}

# Unknown keys listed one by one per file; beyond this one summary diagnostic counts the rest.
MAX_UNKNOWN_KEYS = 20

_VAR = re.compile(r"\$\$|\$\{([^}]*)\}")
VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Origin:
    """Where a merged value came from: a source map and the path inside that file."""

    source: SourceMap
    path: FieldPath


class Provenance:
    """Maps merged field paths to their origin; unknown paths fall back to an ancestor."""

    def __init__(self, origins: Mapping[FieldPath, Origin], fallback: SourceMap) -> None:
        self._origins = dict(origins)
        self._fallback = fallback

    def span(self, field: FieldPath, *, key: bool = False) -> SourceSpan:
        for cut in range(len(field), -1, -1):
            origin = self._origins.get(field[:cut])
            if origin is not None:
                return origin.source.span_for(origin.path + field[cut:], key=key)
        return self._fallback.span_for(field, key=key)


def merge_layers(
    layers: list[tuple[Any, SourceMap, FieldPath]],
) -> tuple[Any, dict[FieldPath, Origin]]:
    """Deep-merge mappings, later layers winning; lists and scalars are replaced whole."""
    merged: Any = None
    origins: dict[FieldPath, Origin] = {}

    def put(base: Any, value: Any, source: SourceMap, src_path: FieldPath, dst: FieldPath) -> Any:
        if isinstance(base, dict) and isinstance(value, dict):
            out = dict(base)
            origins.setdefault(dst, Origin(source, src_path))
            for k, v in value.items():
                out[k] = put(base.get(k), v, source, (*src_path, k), (*dst, k))
            return out
        if isinstance(base, dict):
            _drop_below(origins, dst, base)
        origins[dst] = Origin(source, src_path)
        return value

    for data, source, path in layers:
        merged = put(merged, data, source, path, ())
    return merged, origins


def _drop_below(
    origins: dict[FieldPath, Origin], prefix: FieldPath, replaced: dict[Any, Any]
) -> None:
    """Forget the origins inside a mapping that a later layer replaced with a non-mapping.

    Origins are only recorded along the mapping's own keys, so walking it costs its size;
    scanning every recorded origin instead made each replaced value cost the whole file.
    """
    for key, value in replaced.items():
        path = (*prefix, key)
        origins.pop(path, None)
        if isinstance(value, dict):
            _drop_below(origins, path, value)


def substitute(
    value: Any, variables: Mapping[str, str], field: FieldPath = ()
) -> tuple[Any, list[tuple[FieldPath, str]]]:
    """Replace ${name} in every string; `$$` is a literal `$`. Returns unknown names by field."""
    unknown: list[tuple[FieldPath, str]] = []

    def walk(v: Any, at: FieldPath) -> Any:
        if isinstance(v, dict):
            return {k: walk(x, (*at, k)) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x, (*at, i)) for i, x in enumerate(v)]
        if isinstance(v, str) and "$" in v:

            def repl(m: re.Match[str]) -> str:
                if m.group(0) == "$$":
                    return "$"
                name = m.group(1)
                if name in variables:
                    return variables[name]
                unknown.append((at, name))
                return m.group(0)

            return _VAR.sub(repl, v)
        return v

    return walk(value, field), unknown


def iter_validation_errors(
    exc: ValidationError, data: Any
) -> Iterator[tuple[str, FieldPath, str, bool]]:
    """pydantic errors → (code, data path, message, locate at key?) with union noise folded."""
    seen: dict[FieldPath, list[tuple[str, str, bool]]] = {}
    for err in exc.errors(include_url=False):
        path, at_key = _data_path(err["loc"], data, err["type"])
        code, message = _schema_message(err, path)
        seen.setdefault(path, []).append((code, message, at_key))
    not_finite = [
        p for p, items in seen.items() if any(m.endswith(_NOT_FINITE) for _, m, _ in items)
    ]
    for path, items in seen.items():
        if any(p[: len(path)] == path and p != path for p in not_finite):
            # `[.nan]` also fails a union's other branch ("expected a number, got a list").
            items = [i for i in items if i[0] != "E203"]
            if not items:
                continue
        finite = [i for i in items if i[1].endswith(_NOT_FINITE)]
        if finite:
            # Every union branch failed, but the one that matters is the number's value.
            items = finite
        types = [m for c, m, _ in items if c == "E203"]
        if len(types) > 1:
            expected = sorted({m.removeprefix("expected ").split(",")[0] for m in types})
            yield "E203", path, f"expected {' or '.join(expected)}", False
            items = [i for i in items if i[0] != "E203"]
        for code, message, at_key in dict.fromkeys(items):
            yield code, path, message, at_key


def _data_path(loc: tuple[int | str, ...], data: Any, kind: str) -> tuple[FieldPath, bool]:
    """Keep only the loc parts that exist in the data (drop union-branch tags)."""
    path: list[str | int] = []
    node = data
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(node, dict) and isinstance(part, str) and part in node:
            path.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            path.append(part)
            node = node[part]
        elif isinstance(node, dict) and last and kind in ("missing", "extra_forbidden"):
            path.append(part)
    return tuple(path), kind == "extra_forbidden"


_NOT_FINITE = "numbers must be finite (no .nan, .inf or -.inf)"

_TYPE_NAMES = {
    "string_type": "a string",
    "int_type": "an integer",
    "float_type": "a number",
    "bool_type": "true or false",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "list_type": "a list",
    "none_required": "nothing",
    "int_from_float": "an integer",
}


def _schema_message(err: Any, path: FieldPath) -> tuple[str, str]:
    kind: str = err["type"]
    value = err.get("input")
    if kind == "finite_number":
        shown = getattr(value, "raw", None) or repr(value)
        return "E205", f"{shown} is not allowed: {_NOT_FINITE}"
    if kind == "extra_forbidden":
        return "E201", "unknown key"
    if kind == "missing":
        return "E202", "required key is missing"
    if kind in _TYPE_NAMES:
        return "E203", f"expected {_TYPE_NAMES[kind]}, got {_describe(value)}"
    if kind in ("literal_error", "enum"):
        expected = err.get("ctx", {}).get("expected", "")
        return "E204", f"{_short(value)} is not allowed; expected {expected}"
    if kind.startswith(("greater_than", "less_than", "too_short", "too_long")):
        msg = str(err["msg"]).lower()
        return "E205", f"{_short(value)} is out of range: {msg}"
    if kind == "value_error":
        return "E204", str(err["msg"]).removeprefix("Value error, ")
    return "E203", str(err["msg"]).lower()


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    if isinstance(value, int | float):
        return f"number {value!r}"
    return f"string {_short(value)}"


def _short(value: Any) -> str:
    text = repr(value) if not isinstance(value, dict | list) else type(value).__name__
    return text if len(text) <= 60 else text[:57] + "..."


def validate_model(
    model: type[BaseModel], data: Any, locate: Callable[[FieldPath, bool], SourceSpan]
) -> tuple[Any, list[Diagnostic]]:
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        diags = []
        unknown = 0
        first_unlisted: FieldPath = ()
        for code, path, message, at_key in iter_validation_errors(exc, data):
            if code == "E201":
                unknown += 1
                if unknown == MAX_UNKNOWN_KEYS + 1:
                    first_unlisted = path
                if unknown > MAX_UNKNOWN_KEYS:
                    continue
            diags.append(
                Diagnostic(
                    code,
                    message,
                    locate(path, at_key),
                    format_field_path(path),
                    hints=_schema_hints(path, code, data),
                )
            )
        if unknown > MAX_UNKNOWN_KEYS:
            # One summary instead of one line (and one "did you mean" search) per key: a file
            # with thousands of stray keys is one mistake, not thousands.
            diags.append(
                Diagnostic(
                    "E201",
                    f"{unknown - MAX_UNKNOWN_KEYS:,} more unknown keys from here on are not "
                    f"listed ({unknown:,} in all)",
                    locate(first_unlisted, True),
                    format_field_path(first_unlisted),
                    hints=("remove the keys biaswatch does not know; see docs/monitor-file.md",),
                )
            )
        return None, diags


def _schema_hints(path: FieldPath, code: str, data: Any = None) -> tuple[str, ...]:
    if path[-1:] == ("dataset_format",) and code == "E202":
        return (
            "the AWS page's batch example leaves it out, but the API and the SDK require it",
            "write e.g. dataset_format: {csv: {header: true}} (or json: {line: true}, parquet: {})",
        )
    if path == ("analysis_config", "facet") and code == "E203":
        facet = data.get("analysis_config", {}).get("facet") if isinstance(data, dict) else None
        column = (
            facet if isinstance(facet, str | int) and not isinstance(facet, bool) else "<column>"
        )
        return (
            "facet is a list of mappings: write facet: "
            f"[{{name_or_index: {column}, value_or_threshold: [...]}}]",
        )
    if path[-1:] == ("role",) and code == "E202":
        return ("set role in the monitor file or in the environment's defaults in biaswatch.yaml",)
    if code == "E201" and path and isinstance(path[-1], str):
        close = difflib.get_close_matches(path[-1], _known_keys(), n=1, cutoff=0.75)
        if close:
            return (f"did you mean {close[0]!r}?",)
    return ()


@functools.cache
def _known_keys() -> tuple[str, ...]:
    """Every key any biaswatch model accepts, for "did you mean" hints."""
    keys: set[str] = set()
    todo: list[type[BaseModel]] = [MonitorSpec, ProjectConfig]
    while todo:
        model = todo.pop()
        for name, info in model.model_fields.items():
            keys.add(info.alias or name)
            for arg in typing.get_args(info.annotation) or (info.annotation,):
                for inner in (*typing.get_args(arg), arg):
                    if (
                        isinstance(inner, type)
                        and issubclass(inner, BaseModel)
                        and inner not in todo
                    ):
                        todo.append(inner)
    return tuple(sorted(keys))


def _name_monitor(diag: Diagnostic, doc: Document, merged: Any) -> Diagnostic:
    """A top-level key missing from a monitor: say which monitor, at its `name:` line."""
    if diag.code != "E202" or "." in diag.field or "[" in diag.field:
        return diag
    name = merged.get("name") if isinstance(merged, dict) else None
    if not isinstance(name, str) or "name" not in doc.data:
        return diag
    where = f"add {diag.field}: to {doc.path}, or to the environment's defaults in biaswatch.yaml"
    return replace(
        diag,
        message=f"required key is missing from monitor {name!r}",
        span=doc.source.span_for(("name",), key=True),
        hints=diag.hints or (where,),
    )


def resolve_monitor(
    doc: Document,
    env_name: str,
    env: Environment,
    env_source: SourceMap,
    env_path: FieldPath,
    variables: Mapping[str, str],
) -> tuple[MonitorSpec | None, Provenance, list[Diagnostic]]:
    """Merge, substitute and validate one monitor document for one environment."""
    diags: list[Diagnostic] = []
    data = dict(doc.data)
    for key, (why, hint) in REJECTED_KEYS.items():
        if key in data:
            diags.append(
                Diagnostic("E206", why, doc.source.span_for((key,), key=True), key, hints=(hint,))
            )
            del data[key]
    overrides = data.get("overrides")
    layers: list[tuple[Any, SourceMap, FieldPath]] = []
    if env.defaults:
        layers.append((dict(env.defaults), env_source, (*env_path, "defaults")))
    layers.append((data, doc.source, ()))
    if isinstance(overrides, dict) and isinstance(overrides.get(env_name), dict):
        layers.append((overrides[env_name], doc.source, ("overrides", env_name)))
    merged, origins = merge_layers(layers)
    provenance = Provenance(origins, doc.source)
    name = merged.get("name")
    all_vars = dict(variables)
    if isinstance(name, str):
        # ${name} is the name as resolved (`loan-${env}` → `loan-prod`), not as written.
        all_vars["name"] = substitute(name, variables)[0]
    # Other environments' overrides may use variables this one lacks: leave them alone.
    raw_overrides = merged.pop("overrides", None)
    merged, unknown = substitute(merged, all_vars)
    if raw_overrides is not None:
        merged["overrides"] = raw_overrides
    for field, var in unknown:
        hint = f"known variables: {', '.join(sorted(all_vars))}"
        if var == "account_id":
            hint = f"environment {env_name!r} has no account_id; set it in biaswatch.yaml"
        diags.append(
            Diagnostic(
                "E321",
                f"unknown variable '${{{var}}}' in environment {env_name!r}",
                provenance.span(field),
                format_field_path(field),
                hints=(hint,),
            )
        )
    spec, schema_diags = validate_model(MonitorSpec, merged, lambda p, k: provenance.span(p, key=k))
    diags.extend(_name_monitor(d, doc, merged) for d in schema_diags)
    if diags:
        return None, provenance, diags
    return spec, provenance, diags
