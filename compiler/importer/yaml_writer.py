"""An imported monitor as YAML that reads like a hand-written file and loads back to the same values."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

import yaml

from compiler.config.scalars import plain_scalar_is_text
from compiler.importer.decompile import Imported

# Order of keys in a written file: the order monitor-format.md presents them in.
_KEY_GROUPS: Final = (
    ("api_version", "kind", "name", "environments", "tags", "deletion_protection"),
    (
        "schedule_cron_expression",
        "data_analysis_start_time",
        "data_analysis_end_time",
        "enabled",
        "enable_cloudwatch_metrics",
    ),
    (
        "endpoint_input",
        "batch_transform_input",
        "ground_truth_input",
        "output_s3_uri",
        "output_kms_key",
    ),
    ("analysis_config", "constraints", "baselining_job_name"),
    (
        "role",
        "instance_type",
        "instance_count",
        "volume_size_in_gb",
        "volume_kms_key",
        "max_runtime_in_seconds",
        "env",
        "network_config",
    ),
)


def order_keys(monitor: Mapping[str, Any]) -> dict[str, Any]:
    ordered = [k for group in _KEY_GROUPS for k in group]
    out = {k: monitor[k] for k in ordered if k in monitor}
    out.update({k: v for k, v in monitor.items() if k not in out})
    return out


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Block sequences indented under their key, as the documentation's examples are.
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # PyYAML quotes by YAML 1.1 rules, which miss a few YAML 1.2 ones (`1e3`, `0o17`).
    if value == "" or not plain_scalar_is_text(value):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="'")
    return dumper.represent_str(value)


def _represent_list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.SequenceNode:
    # Lists of scalars (headers, facet values, subnets) read best on one line.
    flow = all(not isinstance(v, dict | list) for v in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(list, _represent_list)


def escape_variables(value: Any) -> Any:
    """`$` → `$$` in every string value (not keys): file strings are `${var}` templates."""
    if isinstance(value, dict):
        return {k: escape_variables(v) for k, v in value.items()}
    if isinstance(value, list):
        return [escape_variables(v) for v in value]
    if isinstance(value, str):
        return value.replace("$", "$$")
    return value


def _comment_text(value: str) -> str:
    return re.sub(r"[\x00-\x1f\x7f]", "?", value)


def schema_comment(schema_path: str) -> str:
    return f"# yaml-language-server: $schema={schema_path}"


def render_monitor(
    monitor: Mapping[str, Any],
    *,
    schema_path: str,
    environment: str,
    imported: Imported,
    notes: Sequence[str] = (),
) -> str:
    """The file's text: schema comment, provenance comment, keys in the documented order."""
    head = [
        schema_comment(schema_path),
        f"# Imported with `biaswatch import` from environment {_comment_text(environment)}:",
        f"#   schedule        {_comment_text(imported.schedule_arn or imported.name)}",
        f"#   job definition  {_comment_text(imported.definition_name)}",
        f"#   analysis config {_comment_text(imported.config_uri)}",
    ]
    if imported.owner is None:
        head += [
            "# The first apply swaps the job definition for one named by biaswatch, with the",
            "# analysis config at its content-addressed key (definitions are immutable); the",
            "# schedule and its execution history stay. The old definition is not deleted.",
        ]
    for note in notes:
        head.append(f"# Note: {_comment_text(note)}")
    data = escape_variables(order_keys(monitor))
    blocks = []
    for group in _KEY_GROUPS:
        part = {k: data[k] for k in group if k in data}
        if part:
            blocks.append(_dump(part))
    rest = {k: v for k, v in data.items() if not any(k in g for g in _KEY_GROUPS)}
    if rest:
        blocks.append(_dump(rest))
    return "\n".join(head) + "\n" + "\n".join(blocks)


def _dump(data: Mapping[str, Any]) -> str:
    return yaml.dump(
        dict(data),
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=100,
    )
