"""Reference docs generated from the published schemas and the diagnostic codes.

    python -m tools.docgen [DOCS_FOLDER]      # writes monitor-file.md and diagnostics.md

`render_monitor_file` and `render_diagnostics` are pure functions of their arguments (the
JSON Schema dicts of tools.schema_export, the CODES table and the examples that
tools.diagnostic_examples gets by running biaswatch); tests/test_docgen.py checks that docs/
holds exactly what they return (`make golden` rewrites it).

Where each monitor key goes in the SageMaker requests comes from the field table
(compiler/desired/fields.py), which compile, import and plan labels read too; a test checks
every path against compiled monitors.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compiler.desired.fields import FIELDS, Request
from tools.diagnostic_examples import Example, build_examples

JD, SCHED, AC = (
    r.value for r in (Request.JOB_DEFINITION, Request.SCHEDULE, Request.ANALYSIS_CONFIG)
)

# Monitor key (dotted; `[]` for list items) → the request paths it becomes, as printed by
# `biaswatch compile`, and what a key does beyond its schema description: both read from
# the one field table (compiler/desired/fields.py).
API_FIELDS: dict[str, tuple[str, ...]] = {r.key: r.documented_paths() for r in FIELDS if r.key}
API_NOTES: dict[str, str] = {r.key: r.note for r in FIELDS if r.key and r.note}

# Schema descriptions that say less than the code does (fix them in compiler/spec.py, then
# drop the entry here).
DESCRIPTION_OVERRIDES: dict[str, str] = {
    # spec.py says <prefix>/<name>/results; compile.default_output_s3_uri adds the environment.
    "output_s3_uri": "Where the results go (API S3Output.S3Uri).",
}

PROJECT_NOTES: dict[str, str] = {
    "monitors": "Folder of monitor files, relative to biaswatch.yaml.",
    "default_environment": "Used when `--env` is not given.",
    "environments": "Environment name → settings.",
    "environments.<name>.region": "AWS region.",
    "environments.<name>.artifact_prefix": "Key prefix inside the artifact bucket.",
    "environments.<name>.vars": "Variables for `${...}` in monitor strings.",
    "environments.<name>.defaults": "Any monitor key; the monitor file wins, `overrides.<env>` wins over both.",
}


@dataclass(frozen=True)
class Row:
    key: str
    type: str
    required: str
    default: str
    description: str
    api: tuple[str, ...]


def _ref_name(node: Mapping[str, Any]) -> str | None:
    ref = node.get("$ref")
    return str(ref).rsplit("/", 1)[-1] if ref else None


def _non_null(node: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    options = node.get("anyOf")
    if options is None:
        return [node]
    return [o for o in options if o.get("type") != "null"]


def _type_name(node: Mapping[str, Any], defs: Mapping[str, Any]) -> str:
    if "const" in node:
        return f"`{json.dumps(node['const'])}`"
    if "enum" in node:
        return " | ".join(f"`{v}`" for v in node["enum"])
    options = _non_null(node)
    if len(options) > 1 or "anyOf" in node:
        names = [_type_name(o, defs) for o in options]
        return " or ".join(dict.fromkeys(names))
    ref = _ref_name(node)
    if ref:
        return "mapping"
    kind = node.get("type")
    if kind == "array":
        items = node.get("items", {})
        return f"list of {_plural(_type_name(items, defs))}"
    if kind == "object":
        extra = node.get("additionalProperties")
        if isinstance(extra, dict) and extra.get("type") == "string":
            return "map of string → string"
        if isinstance(extra, dict) and (extra.get("type") == "object" or _ref_name(extra)):
            return "map of name → mapping"
        return "mapping"
    return {
        "string": "string",
        "integer": "integer",
        "number": "number",
        "boolean": "boolean",
    }.get(str(kind), str(kind))


def _plural(name: str) -> str:
    if " or " in name:
        return "(" + name + ")"
    return {"string": "strings", "integer": "integers", "number": "numbers"}.get(
        name, name + "s" if name == "mapping" else name
    )


def _range(node: Mapping[str, Any]) -> str:
    parts = []
    for option in _non_null(node):
        if "minimum" in option and "maximum" in option:
            parts.append(f"{option['minimum']}–{option['maximum']}")
        elif "minimum" in option:
            parts.append(f"≥ {option['minimum']}")
        if "minItems" in option:
            parts.append(f"at least {option['minItems']} item(s)")
    return ", ".join(parts)


def _target(node: Mapping[str, Any], defs: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The object schema a property leads to (directly, through anyOf, or as list items)."""
    for option in _non_null(node):
        ref = _ref_name(option)
        if ref:
            return defs[ref]
        if option.get("type") == "array":
            items = option.get("items", {})
            if _ref_name(items):
                return defs[str(_ref_name(items))]
        if option.get("type") == "object" and "properties" in option:
            return option
    return None


def _is_list_of_objects(node: Mapping[str, Any]) -> bool:
    return any(o.get("type") == "array" and _ref_name(o.get("items", {})) for o in _non_null(node))


def _default(node: Mapping[str, Any], required: bool) -> str:
    if "default" in node:
        value = node["default"]
        if value is None:
            return "—"
        return f"`{json.dumps(value, ensure_ascii=False)}`"
    if required:
        return "—"
    kind = {o.get("type") for o in _non_null(node)}
    if "object" in kind:
        return "`{}`"
    if "array" in kind:
        return "`[]`"
    return "—"


def _sentence(text: str) -> str:
    return text if text.endswith((".", ")", ":")) else text + "."


def _cell(text: str) -> str:
    """Table cell text: pipes escaped; `<` and `>` outside code spans as entities (else
    GitHub takes `<name>` for an HTML tag and drops it)."""
    parts = text.replace("\n", " ").split("`")
    for i in range(0, len(parts), 2):
        parts[i] = parts[i].replace("<", "&lt;").replace(">", "&gt;")
    return "`".join(parts).replace("|", "\\|")


def _rows(
    schema: Mapping[str, Any],
    defs: Mapping[str, Any],
    prefix: str,
    required: Sequence[str],
    merged_required: Sequence[str],
    notes: Mapping[str, str],
    api: Mapping[str, tuple[str, ...]] | None,
) -> list[tuple[str, list[Row]]]:
    """Sections (title, rows) for one object schema and, after it, for its nested objects."""
    rows: list[Row] = []
    nested: list[tuple[str, list[Row]]] = []
    for key, node in schema.get("properties", {}).items():
        path = f"{prefix}{key}"
        if key in required:
            needed = "yes"
        elif key in merged_required:
            needed = "yes, here or in the environment's defaults"
        else:
            needed = ""
        description = DESCRIPTION_OVERRIDES.get(path, str(node.get("description", "")).strip())
        note = notes.get(path, "")
        text = " ".join(_sentence(t) for t in (description, note) if t)
        limits = _range(node)
        if limits:
            text = f"{text} Range: {limits}." if text else f"Range: {limits}."
        target = _target(node, defs)
        type_name = _type_name(node, defs)
        if target is not None and target is not schema and target.get("properties"):
            child = f"{path}[]" if _is_list_of_objects(node) else path
            anchor = child.replace(".", "").replace("[]", "").replace("<", "").replace(">", "")
            text = f"{text} See [`{child}`](#{anchor}).".strip()
            nested.extend(
                _rows(
                    target,
                    defs,
                    f"{child}.",
                    target.get("required", []),
                    (),
                    notes,
                    api,
                )
            )
        rows.append(
            Row(
                key=path,
                type=type_name,
                required=needed,
                default=_default(node, bool(needed)),
                description=text,
                api=api.get(path, ()) if api is not None else (),
            )
        )
    title = prefix.rstrip(".")
    return [(title, rows), *nested]


def _table(rows: Sequence[Row], with_api: bool) -> list[str]:
    head = "| Key | Type | Required | Default | Description |"
    rule = "|---|---|---|---|---|"
    if with_api:
        head += " API field |"
        rule += "---|"
    lines = [head, rule]
    for r in rows:
        line = (
            f"| `{r.key}` | {_cell(r.type)} | {_cell(r.required) or '—'} | {_cell(r.default)} "
            f"| {_cell(r.description) or '—'} |"
        )
        if with_api:
            line += " " + ("<br>".join(f"`{a}`" for a in r.api) or "— (biaswatch only)") + " |"
        lines.append(line)
    return lines


def _sections(
    sections: Sequence[tuple[str, list[Row]]], top_title: str, with_api: bool
) -> list[str]:
    lines: list[str] = []
    for title, rows in sections:
        if not rows:
            continue
        lines += [f"### {('`' + title + '`') if title else top_title}", ""]
        lines += _table(rows, with_api)
        lines.append("")
    return lines


def render_monitor_file(
    monitor: Mapping[str, Any], project: Mapping[str, Any], merged_required: Sequence[str]
) -> str:
    """docs/monitor-file.md from the two published schemas (and the keys the merged monitor
    must have: MonitorSpec's required list)."""
    defs = monitor.get("$defs", {})
    monitor_sections = _rows(
        monitor, defs, "", monitor.get("required", []), merged_required, API_NOTES, API_FIELDS
    )
    pdefs = project.get("$defs", {})
    env = dict(pdefs["Environment"])
    # `defaults` takes any monitor key (the tables above); list it, do not repeat them.
    env_props = dict(env["properties"])
    env_props["defaults"] = {k: v for k, v in env_props["defaults"].items() if k != "properties"}
    env["properties"] = env_props
    top = _rows(project, pdefs, "", project.get("required", []), (), PROJECT_NOTES, None)
    env_rows = _rows(
        env, pdefs, "environments.<name>.", env.get("required", []), (), PROJECT_NOTES, None
    )
    fixed = [*top, *env_rows]
    lines = [
        "<!-- Generated by `python -m tools.docgen` from schema/*.schema.json; do not edit. -->",
        "<!-- Regenerate with `make golden` (BIASWATCH_UPDATE_GOLDEN=1) and review the diff. -->",
        "# Monitor file reference",
        "",
        "One YAML file per monitor in `monitors/` (the `monitors` folder of `biaswatch.yaml`).",
        "Keys are the SageMaker Python SDK's parameter names (`ModelBiasMonitor(...)`,",
        "`create_monitoring_schedule(...)`, `EndpointInput`, `BatchTransformInput`), and",
        "`analysis_config` holds exactly the keys of Clarify's `analysis_config.json`. Unknown keys",
        "are errors (E201). Editors validate against `schema/monitor.schema.json`:",
        "",
        "```yaml",
        "# yaml-language-server: $schema=../schema/monitor.schema.json",
        "```",
        "",
        "The file schema requires only `api_version`, `kind` and `name`, because environment",
        "`defaults` in `biaswatch.yaml` may supply the rest; `biaswatch validate` checks the merged",
        "result. Strings may use variables (`${env}`, `${region}`, `${account_id}`, `${name}`,",
        "`${project}` and the environment's `vars`; `$$` is a literal `$`): see",
        "[environments.md](environments.md).",
        "",
        "**API field** is where the value goes in the requests `biaswatch compile` prints:",
        f"`{JD}`, `{SCHED}`, and `{AC}` (the Clarify JSON that biaswatch uploads to the",
        "artifact bucket at a content-addressed key). Every service default is sent explicitly.",
        "",
        "## Monitor files",
        "",
        *_sections(monitor_sections, "Top-level keys", True),
        "## The project file (`biaswatch.yaml`)",
        "",
        "Schema: `schema/project.schema.json`.",
        "",
        *_sections(fixed, "Top-level keys", False),
    ]
    return "\n".join(lines).rstrip("\n") + "\n"


# -- diagnostics -------------------------------------------------------------------------

FAMILIES: tuple[tuple[str, str, str], ...] = (
    ("E1", "E1xx — loading files", "The file could not be read as safe, plain YAML data."),
    ("E2", "E2xx — schema", "The data does not fit the published schema."),
    (
        "E3",
        "E3xx — SageMaker's rules",
        "Semantic checks SageMaker would otherwise reject at apply time.",
    ),
    ("E4", "E4xx — AWS, plan and apply", "Raised while reading or changing the live account."),
    ("E5", "E5xx — project and command line", "biaswatch.yaml and selectors on the command line."),
    (
        "E7",
        "E7xx — analysis on data",
        "Preview, baseline and capture data against the analysis config.",
    ),
    ("W6", "W6xx — warnings", "Reported, exit code unchanged."),
)


def render_diagnostics(codes: Mapping[str, str], examples: Mapping[str, Example]) -> str:
    """docs/diagnostics.md: every code of CODES, by family, with its meaning and an example."""
    lines = [
        "<!-- Generated by `python -m tools.docgen` from compiler/diagnostics.py; do not edit. -->",
        "<!-- Regenerate with `make golden` (BIASWATCH_UPDATE_GOLDEN=1) and review the diff. -->",
        "# Diagnostic codes",
        "",
        "Every problem biaswatch reports has a stable code. Codes are never reused or renumbered;",
        "new ones are added at the end of their family and listed in CHANGELOG.md. Diagnostics go",
        "to stderr, one per line, as `path:line:column: severity CODE field: message`, with",
        "optional indented `hint:` lines; all errors of a run are reported, not only the first.",
        "`--diagnostics-format json` prints the same fields as JSON and `--diagnostics-format",
        "github` as workflow annotations. Errors make the command exit 1; warnings do not change",
        "the exit code (see [exit-codes.md](exit-codes.md)).",
        "",
        "Every example is generated by running biaswatch: `biaswatch validate` on a file of",
        "tests/cases/invalid, or a command run on input made for the purpose (a missing file, a",
        "file over the size limit, a project file of its own). Codes no file can show (those",
        "that need an AWS account's answer, and E327, which only a biaswatch bug shows) have the",
        "*shape of the message* instead, typed by hand, with `…` or `<…>` where the text depends",
        "on the situation.",
        "",
    ]
    for prefix, title, blurb in FAMILIES:
        family = [c for c in codes if c.startswith(prefix)]
        if not family:
            continue
        lines += [f"## {title}", "", blurb, "", "| Code | Meaning |", "|---|---|"]
        lines += [f"| [{c}](#{c.lower()}) | {_cell(codes[c])} |" for c in family]
        lines.append("")
        for c in family:
            lines += [f"### {c}", "", f"{codes[c][0].upper()}{codes[c][1:]}.", ""]
            example = examples.get(c)
            if example is not None:
                lines += [_example_title(example), "", "```", example.output, "```", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _example_title(example: Example) -> str:
    if example.case:
        return f"Output of `biaswatch validate` on tests/cases/invalid/{example.case}:"
    if example.scenario is not None:
        command = " ".join(("biaswatch", *example.scenario.argv))
        return f"Output of `{command}` on {example.scenario.about}:"
    return "Shape of the message:"


def render_docs() -> dict[str, str]:
    """File name in docs/ → generated text."""
    from compiler.config.spec import MonitorSpec
    from compiler.diagnostics import CODES
    from tools.schema_export import monitor_schema, project_schema

    merged_required = MonitorSpec.model_json_schema(by_alias=True).get("required", [])
    return {
        "monitor-file.md": render_monitor_file(monitor_schema(), project_schema(), merged_required),
        "diagnostics.md": render_diagnostics(CODES, build_examples(tuple(CODES))),
    }


def main(argv: list[str]) -> int:
    folder = Path(argv[0] if argv else "docs")
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in render_docs().items():
        (folder / name).write_text(text, encoding="utf-8")
        print(f"wrote {folder / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
