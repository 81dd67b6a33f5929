"""Reference docs generated from the published schemas and the diagnostic codes.

    python -m tools.docgen [DOCS_FOLDER]      # writes monitor-file.md and diagnostics.md

`render_monitor_file` and `render_diagnostics` are pure functions of their arguments (the
JSON Schema dicts of tools.schema_export, the CODES table); tests/test_docgen.py
checks that docs/ holds exactly what they return (`make golden` rewrites it).

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
    ("W6", "W6xx — warnings", "Reported, exit code unchanged."),
)


@dataclass(frozen=True)
class Example:
    """One diagnostic as biaswatch prints it; `case` names the tests/cases file it comes from."""

    output: str
    case: str = ""


EXAMPLES: dict[str, Example] = {
    "E101": Example("monitors/nope.yaml:1:1: error E101 no such file or directory"),
    "E102": Example(
        "monitors/bin.yaml:1:1: error E102 byte 0xff is not valid UTF-8 (invalid start byte)\n"
        "    hint: save the file as UTF-8"
    ),
    "E103": Example(
        "monitors/huge.yaml:1:1: error E103 file is 2,000,000 bytes; the limit is 1,048,576 bytes\n"
        "    hint: split the monitor into smaller files"
    ),
    "E104": Example(
        "monitors/syn.yaml:2:1: error E104 expected ',' or ']', but got '<stream end>' "
        "(while parsing a flow sequence at line 1, column 4)"
    ),
    "E105": Example(
        "invalid/duplicate-key.yaml:5:1: error E105 name: duplicate key 'name' (first defined on line 4)\n"
        "    hint: remove one of the two entries",
        "duplicate-key.yaml",
    ),
    "E106": Example(
        "monitors/deep.yaml:1:67: error E106 a[0][0]…[0]: nesting is deeper than 64 levels\n"
        "    hint: flatten the structure"
    ),
    "E107": Example(
        "monitors/bomb.yaml:5:38: error E107 a4[7]: document has more than 100,000 values "
        "(each alias counts as a full copy)\n"
        "    hint: write the values out instead of repeating aliases, or split the file"
    ),
    "E108": Example(
        "monitors/rec.yaml:1:8: error E108 a[0]: alias '*x' refers to the value it is inside, "
        "which would never end\n"
        "    hint: write the value out instead of using the alias"
    ),
    "E109": Example(
        "invalid/python-tag.yaml:4:7: error E109 name: tag '!!python/object/apply:os.system' is not allowed\n"
        "    hint: remove the tag; biaswatch files are plain data",
        "python-tag.yaml",
    ),
    "E110": Example(
        "monitors/list.yaml:1:1: error E110 document is a sequence, not a mapping\n"
        "    hint: write the monitor's keys at the top level, starting with 'api_version: ...'"
    ),
    "E111": Example(
        "monitors/two.yaml:2:1: error E111 file has more than one YAML document\n"
        "    hint: keep one monitor per file and remove the second '---'"
    ),
    "E112": Example(
        "monitors/key.yaml:1:2: error E112 mapping key '1' is an integer, not a string\n"
        '    hint: quote the key if it is meant as text: "1":'
    ),
    "E113": Example(
        "monitors/empty.yaml:1:1: error E113 file is empty\n"
        "    hint: write the monitor's keys at the top level, starting with 'api_version: ...'"
    ),
    "E201": Example(
        "invalid/schema-types.yaml:13:1: error E201 unknown_key: unknown key", "schema-types.yaml"
    ),
    "E202": Example(
        "invalid/aws-page-keys.yaml:9:3: error E202 batch_transform_input.dataset_format: required key is missing\n"
        "    hint: the AWS page's batch example leaves it out, but the API and the SDK require it\n"
        "    hint: write e.g. dataset_format: {csv: {header: true}} (or json: {line: true}, parquet: {})",
        "aws-page-keys.yaml",
    ),
    "E203": Example(
        "invalid/schema-types.yaml:11:17: error E203 instance_count: expected an integer, got string '2'",
        "schema-types.yaml",
    ),
    "E204": Example(
        "invalid/schema-types.yaml:9:52: error E204 endpoint_input.s3_input_mode: 'FastFile' is not allowed; expected 'File' or 'Pipe'",
        "schema-types.yaml",
    ),
    "E205": Example(
        "monitors/r.yaml:9:17: error E205 instance_count: 0 is out of range: input should be greater than or equal to 1"
    ),
    "E206": Example(
        "invalid/aws-page-keys.yaml:12:1: error E206 statistics: bias monitors have no baseline statistics: "
        "ModelBiasBaselineConfig has no StatisticsResource and baseline_statistics() of a Clarify job raises NotImplementedError\n"
        "    hint: remove it; give the baseline as constraints (the baselining job's analysis.json) or baselining_job_name",
        "aws-page-keys.yaml",
    ),
    "E301": Example(
        "invalid/names.yaml:5:7: error E301 name: schedule name 'bad_name' is not valid: at most 63 characters, "
        "matching [a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}\n"
        "    hint: use 1-63 letters, digits and single hyphens, starting and ending with a letter or digit",
        "names.yaml",
    ),
    "E302": Example(
        "invalid/bad-offset.yaml:9:22: error E302 endpoint_input.start_time_offset: '-PT1X' is not a negative "
        "ISO-8601 duration of at most 15 characters\n"
        "    hint: write e.g. -PT1H (hours), -PT30M (minutes) or -P1D (days)",
        "bad-offset.yaml",
    ),
    "E303": Example(
        "invalid/start-after-end.yaml:8:22: error E303 endpoint_input.start_time_offset: start_time_offset '-PT1H' "
        "must come before end_time_offset '-PT2H'\n"
        "    hint: the start offset must reach further back, e.g. start -PT2H, end -PT1H",
        "start-after-end.yaml",
    ),
    "E304": Example(
        "invalid/bad-cron.yaml:5:27: error E304 schedule_cron_expression: 'cron(0/5 * * * ? *)' is not a schedule SageMaker accepts\n"
        "    hint: write hourly, daily, cron(0 H ? * * *) with H 0-23, cron(0 H/N ? * * *) with N 1-24, or NOW",
        "bad-cron.yaml",
    ),
    "E305": Example(
        "invalid/now-without-window.yaml:5:27: error E305 schedule_cron_expression: a NOW schedule needs data_analysis_end_time\n"
        "    hint: e.g. data_analysis_start_time: -PT5H and data_analysis_end_time: -PT1H",
        "now-without-window.yaml",
    ),
    "E306": Example(
        "invalid/window-too-long.yaml:6:27: error E306 data_analysis_start_time: the analysis window from '-P2D' "
        "to '-PT1H' is longer than 24 hours",
        "window-too-long.yaml",
    ),
    "E307": Example(
        "invalid/hourly-runtime.yaml:9:25: error E307 max_runtime_in_seconds: hourly bias schedules allow at most 1800 s, got 3600\n"
        "    hint: the merge job and the analysis share the hour; lower max_runtime_in_seconds or run less often",
        "hourly-runtime.yaml",
    ),
    "E308": Example(
        "invalid/instance-type.yaml:9:16: error E308 instance_type: 'ml.m5.huge' is not a processing instance type\n"
        "    hint: instance types of that family: ml.m5.large, ml.m5.xlarge, ml.m5.2xlarge, ml.m5.4xlarge",
        "instance-type.yaml",
    ),
    "E309": Example(
        "invalid/uris.yaml:10:21: error E309 ground_truth_input: 'gs://b/gt' is not an s3://bucket/prefix URI\n"
        "    hint: write s3://bucket/prefix",
        "uris.yaml",
    ),
    "E310": Example(
        "invalid/uris.yaml:13:17: error E310 volume_kms_key: KMS key id 'bad key!' is not valid: at most 2048 "
        "characters, matching [a-zA-Z0-9:/_-]*",
        "uris.yaml",
    ),
    "E311": Example(
        "invalid/uris.yaml:12:7: error E311 role: role ARN 'arn:aws:iam::12:user/x' is not valid: at most 2048 "
        "characters, matching arn:aws[a-z\\-]*:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+\n"
        "    hint: write arn:aws:iam::<account>:role/<name>",
        "uris.yaml",
    ),
    "E312": Example(
        "invalid/network.yaml:11:3: error E312 network_config: security_group_ids and subnets go together (VpcConfig needs both)",
        "network.yaml",
    ),
    "E313": Example(
        "monitors/env.yaml:9:6: error E313 env: env has 50 entries; at most 49 fit beside publish_cloudwatch_metrics"
    ),
    "E314": Example(
        "invalid/env-and-tags.yaml:12:35: error E314 env.publish_cloudwatch_metrics: publish_cloudwatch_metrics is set by enable_cloudwatch_metrics\n"
        "    hint: write enable_cloudwatch_metrics: true or false instead",
        "env-and-tags.yaml",
    ),
    "E315": Example(
        "monitors/base.yaml:13:7: error E315 tags: 50 tags plus biaswatch's 2 own tags exceed the limit of 50"
    ),
    "E316": Example(
        "invalid/env-and-tags.yaml:13:37: error E316 tags.biaswatch:project: tag key 'biaswatch:project' uses biaswatch's own prefix\n"
        "    hint: biaswatch sets these tags itself",
        "env-and-tags.yaml",
    ),
    "E317": Example(
        "invalid/headers.yaml:11:10: error E317 analysis_config.label: 'c' is not one of the headers\n"
        "    hint: headers: a, b",
        "headers.yaml",
    ),
    "E318": Example(
        "invalid/destination.yaml:8:16: error E318 endpoint_input.destination: destination 'opt/ml/processing/input' "
        "is not an absolute container path\n"
        "    hint: write '/opt/ml/processing/input'",
        "destination.yaml",
    ),
    "E319": Example(
        "invalid/dup-name-b.yaml:4:7: error E319 name: schedule name 'same-name' is also used by invalid/dup-name-a.yaml:3 in environment 'local'\n"
        "    hint: give each monitor file its own name",
        "dup-name-b.yaml",
    ),
    "E320": Example(
        "monitors/far.yaml:3:7: error E320 name: region 'xx-mars-1' has no SageMaker Clarify image\n"
        "    hint: choose a region from the SageMaker Python SDK's clarify image table"
    ),
    "E321": Example(
        "invalid/unknown-var.yaml:7:21: error E321 ground_truth_input: unknown variable '${nope}' in environment 'local'\n"
        "    hint: known variables: account_id, bucket, env, name, project, region",
        "unknown-var.yaml",
    ),
    "E322": Example(
        "invalid/unknown-env.yaml:10:3: error E322 overrides.qa: unknown environment 'qa'\n"
        "    hint: declared in biaswatch.yaml: local, prod",
        "unknown-env.yaml",
    ),
    "E323": Example(
        "invalid/both-inputs.yaml:7:24: error E323 batch_transform_input: exactly one of endpoint_input and "
        "batch_transform_input is required; both are set\n"
        "    hint: monitor a real-time endpoint with endpoint_input or a batch transform job with batch_transform_input",
        "both-inputs.yaml",
    ),
    "E324": Example(
        "monitors/base.yaml:12:22: error E324 baselining_job_name: constraints and baselining_job_name are exclusive\n"
        "    hint: keep constraints (an S3 analysis.json) or the baselining job, not both"
    ),
    "E325": Example(
        "monitors/base.yaml:6:27: error E325 data_analysis_start_time: data_analysis_start_time '-PT1H' must come "
        "before data_analysis_end_time '-PT2H'"
    ),
    "E326": Example(
        "invalid/threshold.yaml:8:36: error E326 endpoint_input.probability_threshold_attribute: probability threshold 1.8 is outside [0, 1]",
        "threshold.yaml",
    ),
    "E327": Example(
        "monitors/m.yaml:3:7: error E327 name: CreateModelBiasJobDefinition.<member>: <the service model's constraint>\n"
        "    (a compiled request that botocore's SageMaker model rejects: a biaswatch bug or a rule not yet checked earlier)"
    ),
    "E333": Example(
        "invalid/alarm-metric.yaml:15:14: error E333 alarms[0].metric: unknown bias metric 'DPLL'\n    hint: did you mean 'DPPL'?\n    hint: known post-training metrics: AD, CDDPL, DAR, DCA, DCR, DI, DPPL, DRR, FT, GE, RD, SD, TE",
        "alarm-metric.yaml",
    ),
    "E334": Example(
        "invalid/alarm-metrics-off.yaml:13:28: error E334 enable_cloudwatch_metrics: alarms need the bias metrics in CloudWatch, but enable_cloudwatch_metrics is false\n    hint: set enable_cloudwatch_metrics: true, or remove the alarms",
        "alarm-metrics-off.yaml",
    ),
    "E335": Example(
        "invalid/alarm-facet.yaml:14:25: error E335 alarms[0].facet: facet 'age' is not in analysis_config.facet\n    hint: facets: 'gender'",
        "alarm-facet.yaml",
    ),
    "E336": Example(
        "invalid/alarm-action.yaml:17:15: error E336 alarms[0].actions[0]: alarm action 'my-topic' is not an ARN\n    hint: write the topic's ARN, e.g. arn:aws:sns:<region>:<account>:<topic>",
        "alarm-action.yaml",
    ),
    "E337": Example(
        "invalid/alarm-action.yaml:19:11: error E337 alarms[1].name: alarm name 'biaswatch/cases/alarm-action/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' has 269 characters; CloudWatch allows 255\n    hint: shorten the alarm's name (or the schedule's)",
        "alarm-action.yaml",
    ),
    "E338": Example(
        "invalid/alarm-collide.yaml:15:14: error E338 alarms[1].metric: alarm name 'dppl' is also used by alarm 0\n    hint: give each alarm its own `name:`",
        "alarm-collide.yaml",
    ),
    "E339": Example(
        "invalid/alarm-evaluation.yaml:16:79: error E339 alarms[0].threshold: GreaterThanThreshold 0.8 would fire at the metric's neutral value 1\n    hint: the neutral value 1 must be on the OK side of the threshold",
        "alarm-evaluation.yaml",
    ),
    "E401": Example(
        "error E401 DescribeMonitoringSchedule credit-risk-bias: access denied …\n"
        "    hint: check the credentials and the IAM policy (`biaswatch iam-policy` prints what is needed)"
    ),
    "E402": Example("error E402 ListMonitoringSchedules: throttled after all retries …"),
    "E403": Example(
        "error E403 no lock at s3://acme-biaswatch-prod/biaswatch/prod/… (force-unlock)"
    ),
    "E404": Example("error E404 CreateMonitoringSchedule credit-risk-bias: resource in use …"),
    "E405": Example(
        "error E405 UpdateMonitoringSchedule credit-risk-bias: ValidationException: Monitoring schedule in status Pending …"
    ),
    "E406": Example(
        "error E406 DescribeMonitoringSchedule credit-risk-bias: cannot reach the endpoint: …"
    ),
    "E407": Example("error E407 <operation> <resource>: <any other AWS error>"),
    "E408": Example(
        "error E408 ListMonitoringSchedules: no AWS credentials found\n"
        "    hint: configure credentials (environment, profile or OIDC role) for this environment"
    ),
    "E409": Example(
        "error E409 credentials are for account 111111111111, but environment 'prod' is account 210987654321\n"
        "    hint: switch credentials (profile or role) or pick the right --env"
    ),
    "E410": Example("error E410 plan file is for environment 'prod', not 'local'"),
    "E411": Example(
        "error E411 stale plan: live state of 'credit-risk-bias' changed since the plan was made\n"
        "    hint: plan again and review the new plan"
    ),
    "E412": Example(
        "error E412 plan file plan.json was altered after it was written (digest mismatch)\n"
        "    hint: plan again; never edit a saved plan"
    ),
    "E413": Example(
        "error E413 environment 'prod' is locked by <holder, operation, time>\n"
        "    hint: wait for it, raise --lock-timeout, or if that run is dead: biaswatch force-unlock <id>"
    ),
    "E414": Example(
        "monitors/credit-risk.yaml:8:7: error E414 name: schedule 'credit-risk-bias' already exists and belongs to <owner>\n"
        "    hint: adopt it with `biaswatch import credit-risk-bias` or rename this monitor"
    ),
    "E415": Example(
        "error E415 schedule 'loan-approval-prod-bias' is not in git but has deletion protection"
    ),
    "E416": Example(
        "error E416 schedule 'credit-risk-bias' failed: <FailureReason, verbatim>\n"
        "    hint: fix the cause, then apply again (a Failed schedule is re-sent)"
    ),
    "E417": Example(
        "error E417 schedule 'credit-risk-bias' still Pending after 600 s\n"
        "    hint: apply again later; nothing was left half-done"
    ),
    "E418": Example(
        "error E418 schedule 'credit-risk-bias' exists but is not ours or differs\n"
        "    hint: run `biaswatch plan` to see it; `biaswatch import credit-risk-bias` adopts a foreign one"
    ),
    "E419": Example(
        "error E419 apply incomplete; run apply again to converge\n    hint: what succeeded stays applied"
    ),
    "E420": Example(
        "error E420 cannot start the local emulator with state .biaswatch/local-state.json: …\n"
        "    hint: delete .biaswatch/local-state.json to start from an empty account"
    ),
    "E421": Example(
        "error E421 schedule 'churn-quality': is a ModelQuality schedule, not ModelBias\n"
        "    hint: biaswatch manages model bias monitors only"
    ),
    "E422": Example(
        "error E422 schedule 'credit-risk-bias': cannot read the analysis config at s3://…/analysis_config.json\n"
        "    hint: it must exist and be readable with these credentials (s3:GetObject, and kms:Decrypt when it is encrypted)"
    ),
    "E423": Example(
        "error E423 schedule 'credit-risk-bias': the analysis config at s3://… has keys a monitoring analysis "
        "config does not take: 'methods'"
    ),
    "E424": Example(
        "error E424 schedule 'credit-risk-bias' maps to a monitor file biaswatch would not accept\n"
        "    hint: the problems below name the keys; nothing was written"
    ),
    "E425": Example(
        "error E425 schedule 'credit-risk-bias': belongs to biaswatch project 'other', not 'acme-credit-models'\n"
        "    hint: remove it from project 'other' first (or change its biaswatch:project tag by hand)"
    ),
    "E426": Example(
        "error E426 bucket 'acme-biaswatch-prod' exists but is not owned by account 210987654321 "
        "(or these credentials may not reach it)\n"
        "    hint: bucket names are global: pick another artifact_bucket in biaswatch.yaml\n"
        "    hint: if it is yours, check that the credentials are for the account that owns it"
    ),
    "E501": Example(
        "nope.yaml:1:1: error E501 project file 'nope.yaml' not found\n"
        "    hint: run biaswatch from the repository root or pass --project-file"
    ),
    "E502": Example("monitors:1:1: error E502 no monitor files in 'monitors'"),
    "E503": Example(
        "biaswatch.yaml:1:1: error E503 no monitor named 'nothing-here' in environment 'local'"
    ),
    "E504": Example(
        "error E504 monitors/credit-risk-bias.yaml already exists; not overwritten\n"
        "    hint: pass --force to overwrite it, or --out-dir to write elsewhere"
    ),
    "E505": Example(
        "biaswatch.yaml:20:3: error E505 environments.prod.account_id: environment 'prod' has no account_id; "
        "the policy's ARNs need one\n"
        "    hint: set environments.prod.account_id in biaswatch.yaml"
    ),
    "W601": Example(
        "monitors/credit-risk.yaml:14:18: warning W601 endpoint_input.endpoint_name: endpoint 'credit-risk-prod' does not exist in this account\n"
        "    hint: create the endpoint with data capture first"
    ),
    "W602": Example(
        "monitors/credit-risk.yaml:14:18: warning W602 endpoint_input.endpoint_name: endpoint 'credit-risk-prod' does not capture both input and output\n"
        "    hint: enable DataCaptureConfig with CaptureMode Input and Output"
    ),
    "W603": Example(
        "warning W603 schedule 'credit-risk-bias' is Pending; apply will wait for it to settle"
    ),
    "W604": Example("warning W604 schedule 'credit-risk-bias' is Failed: <FailureReason>"),
    "W605": Example(
        "(reserved: today an analysis config object that was altered, deleted or is unreadable is\n"
        " reported by `biaswatch drift` as the finding 'analysis config object altered', and\n"
        " `biaswatch plan` plans to restore it)"
    ),
    "W606": Example(
        "warning W606 schedule 'old-bias' is managed by this project but has no monitor file"
    ),
    "W610": Example(
        "monitors/m.yaml:14:16: warning W610 alarms[0].actions[0]: alarm action "
        "'arn:aws:sns:eu-west-1:123456789012:t' is in region 'eu-west-1'; the alarm is in 'us-east-1'\n"
        "    hint: CloudWatch alarm actions normally live in the alarm's region"
    ),
    "W611": Example(
        "monitors/m.yaml:12:1: warning W611 alarms: a one-off (NOW) schedule publishes its metrics "
        "once; its alarms evaluate one run"
    ),
    "W612": Example(
        "monitors/credit-risk.yaml:1:1: warning W612 alarms: alarm "
        "'biaswatch/acme-credit-models/credit-risk-bias/hand-made' belongs to no biaswatch "
        "project; biaswatch leaves it alone\n"
        "    hint: delete or rename it by hand if this monitor should own that name"
    ),
    "W607": Example(
        "biaswatch.yaml:1:1: warning W607 the policy has 7000 characters; a managed policy holds at most 6144\n"
        "    hint: the policy grows with distinct execution roles, output locations, KMS keys and tag keys, "
        "not with monitors: let monitors share them\n"
        "    hint: or attach it as an inline role policy (10,240 characters for all of a role's inline policies)"
    ),
}


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
        "Examples marked *from tests/cases/invalid* are verbatim output of `biaswatch validate`",
        "on those files (a test keeps them so); the others show the message's shape, with",
        "`…` or `<…>` where the text depends on the situation.",
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
                source = f" (from tests/cases/invalid/{example.case})" if example.case else ""
                lines += [f"Example{source}:", "", "```", example.output, "```", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def render_docs() -> dict[str, str]:
    """File name in docs/ → generated text."""
    from compiler.config.spec import MonitorSpec
    from compiler.diagnostics import CODES
    from tools.schema_export import monitor_schema, project_schema

    merged_required = MonitorSpec.model_json_schema(by_alias=True).get("required", [])
    return {
        "monitor-file.md": render_monitor_file(monitor_schema(), project_schema(), merged_required),
        "diagnostics.md": render_diagnostics(CODES, EXAMPLES),
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
