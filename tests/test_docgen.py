"""Generated docs: docs/monitor-file.md and docs/diagnostics.md equal what tools.docgen
renders (BIASWATCH_UPDATE_GOLDEN=1, i.e. `make golden`, rewrites them), every diagnostic
code is documented, the quoted examples are real output, and API_FIELDS matches compile."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from compiler.config.loader import load_file
from compiler.config.spec import MonitorSpec
from compiler.config.workspace import display_path, load_workspace
from compiler.desired.compile import compile_monitor
from compiler.desired.pipeline import build_environment, build_project
from compiler.desired.resources import Target
from compiler.diagnostics import CODES, sort_diagnostics
from compiler.render.diagnostics import render_text
from tests.golden import assert_file_matches
from tools import docgen
from tools.schema_export import monitor_schema

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
CASES = REPO / "tests" / "cases"


@pytest.mark.parametrize("name", sorted(docgen.render_docs()))
def test_generated_doc__matches_docgen(name: str) -> None:
    assert_file_matches(DOCS / name, docgen.render_docs()[name], "generated doc")


def test_diagnostics_doc__has_every_code() -> None:
    text = (DOCS / "diagnostics.md").read_text(encoding="utf-8")
    for code, meaning in CODES.items():
        assert f"\n### {code}\n" in text, code
        assert meaning[1:] in text, code
    assert set(docgen.EXAMPLES) <= set(CODES)


def test_semantic_codes__have_an_example() -> None:
    # Every code should have one (add it to EXAMPLES in compiler/docgen.py with the code);
    # for the E3xx rules it is required.
    missing = [c for c in CODES if c.startswith("E3") and c not in docgen.EXAMPLES]
    assert not missing, f"add examples to compiler/docgen.py EXAMPLES: {missing}"


def _validate(files: list[Path]) -> str:
    project_file = CASES / "biaswatch.yaml"
    ws = load_workspace(project_file, files)
    doc, diags = load_file(project_file, display_path(project_file, project_file.parent))
    assert doc is not None and not diags
    project, _ = build_project(doc)
    assert project is not None
    found = list(ws.diagnostics)
    for env in project.config.environments:
        found.extend(build_environment(project, ws.documents, env).diagnostics)
    return render_text(sort_diagnostics(found))


@pytest.mark.parametrize(
    "code", sorted(c for c, e in docgen.EXAMPLES.items() if e.case), ids=lambda c: c
)
def test_example_from_a_case_file__is_what_validate_prints(code: str) -> None:
    example = docgen.EXAMPLES[code]
    case = CASES / "invalid" / example.case
    files = [case]
    if case.name.startswith("dup-name-"):
        files = sorted((CASES / "invalid").glob("dup-name-*.yaml"))
    assert example.output + "\n" in _validate(files)
    assert re.search(rf"^# expect: {code} ", case.read_text(encoding="utf-8"), re.MULTILINE)


def test_every_semantic_code_with_a_case_file__quotes_it() -> None:
    expected = {}
    for case in (CASES / "invalid").glob("*.yaml"):
        for code in re.findall(r"^# expect: (E3\d\d) ", case.read_text(encoding="utf-8"), re.M):
            expected.setdefault(code, case.name)
    for code in expected:
        assert docgen.EXAMPLES[code].case, f"{code}: quote tests/cases/invalid/{expected[code]}"


def _schema_paths(node: dict[str, Any], defs: dict[str, Any], prefix: str) -> list[str]:
    out = []
    for key, prop in node.get("properties", {}).items():
        path = prefix + key
        out.append(path)
        options = [o for o in prop.get("anyOf", [prop]) if o.get("type") != "null"]
        for option in options:
            ref = option.get("$ref") or option.get("items", {}).get("$ref")
            if ref:
                child = path + ("[]" if option.get("type") == "array" else "")
                out += _schema_paths(defs[ref.rsplit("/", 1)[-1]], defs, child + ".")
    return out


def test_api_fields__cover_exactly_the_schema_keys() -> None:
    schema = monitor_schema()
    paths = _schema_paths(schema, schema["$defs"], "")
    assert sorted(paths) == sorted(docgen.API_FIELDS)
    assert set(docgen.API_NOTES) <= set(docgen.API_FIELDS)


def _spec(**changes: Any) -> MonitorSpec:
    data: dict[str, Any] = {
        "api_version": "biaswatch/v1",
        "kind": "ModelBiasMonitor",
        "name": "every-key",
        "tags": {"team": "t"},
        "schedule_cron_expression": "NOW",
        "data_analysis_start_time": "-PT5H",
        "data_analysis_end_time": "-PT1H",
        "endpoint_input": {
            "endpoint_name": "ep",
            "start_time_offset": "-PT2H",
            "end_time_offset": "-PT1H",
            "features_attribute": "features",
            "inference_attribute": "0",
            "probability_attribute": "1",
            "probability_threshold_attribute": 0.5,
            "exclude_features_attribute": "a,b",
        },
        "ground_truth_input": "s3://b/gt",
        "output_s3_uri": "s3://b/out",
        "output_kms_key": "alias/out",
        "analysis_config": {
            "version": "1.0",
            "headers": ["a", "y", "g"],
            "label": "y",
            "label_values_or_threshold": [1],
            "facet": [{"name_or_index": "a", "value_or_threshold": [1]}],
            "group_variable": "g",
        },
        "constraints": "s3://b/constraints.json",
        "role": "arn:aws:iam::123456789012:role/R",
        "volume_kms_key": "alias/vol",
        "env": {"A": "b"},
        "network_config": {
            "enable_network_isolation": True,
            "security_group_ids": ["sg-1"],
            "subnets": ["subnet-1"],
        },
        "alarms": [
            {
                "metric": "DPPL",
                "threshold": 0.1,
                "actions": ["arn:aws:sns:us-east-1:123456789012:t"],
            }
        ],
    }
    data.update(changes)
    return MonitorSpec.model_validate(data)


def _resolve(view: Any, path: str) -> Any:
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if part.startswith("["):
            index = int(part[1:-1])
            if not isinstance(view, list) or index >= len(view):
                return None
            view = view[index]
        elif isinstance(view, dict) and part in view:
            view = view[part]
        else:
            return None
    return view


def test_api_fields__exist_in_compiled_requests() -> None:
    target = Target("p", "dev", "us-east-1", "123456789012", "artifacts", "biaswatch")
    batch = {
        "data_captured_destination_s3_uri": "s3://b/capture",
        "features_attribute": "features",
        "inference_attribute": "0",
        "probability_attribute": "1",
        "probability_threshold_attribute": 0.5,
        "exclude_features_attribute": "a",
        "start_time_offset": "-PT2H",
        "end_time_offset": "-PT1H",
    }
    specs = [_spec(), _spec(baselining_job_name="job", constraints=None)]
    for fmt in ({"csv": {"header": True}}, {"json": {"line": True}}, {"parquet": {}}):
        specs.append(
            _spec(endpoint_input=None, batch_transform_input={**batch, "dataset_format": fmt})
        )
    views = [compile_monitor(s, target, "monitors/x.yaml").compiled_view() for s in specs]
    for key, api_paths in docgen.API_FIELDS.items():
        for api in api_paths:
            assert any(_resolve(v, api) is not None for v in views), f"{key}: {api}"
