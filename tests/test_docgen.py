"""Generated docs: docs/monitor-file.md and docs/diagnostics.md equal what tools.docgen
renders (BIASWATCH_UPDATE_GOLDEN=1, i.e. `make golden`, rewrites them), every diagnostic
code is documented, every example marked as output is what `biaswatch` prints, and
API_FIELDS matches compile."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from compiler.config.loader import MAX_FILE_BYTES
from compiler.config.spec import MonitorSpec
from compiler.desired.compile import compile_monitor
from compiler.desired.resources import Target
from compiler.diagnostics import CODES
from tests.golden import assert_file_matches
from tests.support import run
from tools import docgen
from tools.diagnostic_examples import (
    SCENARIOS,
    SHAPES,
    Example,
    blocks,
    build_examples,
    case_expectations,
    write_scenario,
)
from tools.schema_export import monitor_schema

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
CASES = REPO / "tests" / "cases"


@pytest.mark.parametrize("name", sorted(docgen.render_docs()))
def test_generated_doc__matches_docgen(name: str) -> None:
    assert_file_matches(DOCS / name, docgen.render_docs()[name], "generated doc")


def _examples() -> dict[str, Example]:
    return build_examples(tuple(CODES))


def test_diagnostics_doc__has_every_code() -> None:
    text = (DOCS / "diagnostics.md").read_text(encoding="utf-8")
    for code, meaning in CODES.items():
        assert f"\n### {code}\n" in text, code
        assert meaning[1:] in text, code
    assert set(SCENARIOS) | set(SHAPES) <= set(CODES)
    assert set(_examples()) == set(CODES), "give every code an example"


def test_file_level_codes__every_one__has_a_real_example() -> None:
    # E327 is the net behind the rules: only a compiled request the rules let through (a
    # biaswatch bug) shows it, so no file can, by design.
    file_level = [c for c in CODES if c.startswith(("E1", "E2", "E3")) and c != "E327"]
    missing = [c for c in file_level if not _examples()[c].real]
    assert not missing, (
        f"add a case file to tests/cases/invalid (or a scenario in tools/diagnostic_examples.py) for {missing}"
    )


def test_shapes__only_codes_no_file_can_show() -> None:
    from_files = set(SCENARIOS) | set(case_expectations(CASES / "invalid"))
    assert not set(SHAPES) & from_files, "drop the typed shape: the real output is used"
    # E507 needs 20,001 files and E508 a file system that refuses a write: shapes too.
    allowed = ("E327", "E504", "E507", "E508", "W612")
    # Analysis codes: only those that need captured data in S3 (E715-E717, W621, W622, W625)
    # or a biaswatch/smclarify failure (E712, E713); the rest run `biaswatch preview`.
    analysis = ("E712", "E713", "E715", "E716", "E717", "W621", "W622", "W625")
    assert all(c.startswith(("E4", "W60")) or c in allowed or c in analysis for c in SHAPES), SHAPES
    assert {c for c in CODES if c.startswith(("E70", "E71", "W62"))} - set(analysis) <= set(
        SCENARIOS
    ), "an analysis code a sample file can show needs a preview scenario"


def test_every_code_with_a_case_file__quotes_a_case_file() -> None:
    for code, cases in case_expectations(CASES / "invalid").items():
        assert _examples()[code].case in cases, code


def _case_codes() -> list[str]:
    return sorted(c for c, e in _examples().items() if e.case)


@pytest.mark.parametrize("code", _case_codes(), ids=lambda c: c)
def test_example_from_a_case_file__is_what_validate_prints(
    code: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    example = _examples()[code]
    case = CASES / "invalid" / example.case
    files = [case]
    if case.name.startswith("dup-name-"):
        files = sorted((CASES / "invalid").glob("dup-name-*.yaml"))
    monkeypatch.chdir(CASES)
    exit_code, _, err = run(["validate", *(f"invalid/{f.name}" for f in files)], capsys)
    assert exit_code == 1
    assert example.output in blocks(err)
    assert re.search(rf"^# expect: {code} ", case.read_text(encoding="utf-8"), re.MULTILINE)


@pytest.mark.parametrize("code", sorted(SCENARIOS), ids=lambda c: c)
def test_example_from_a_scenario__is_what_biaswatch_prints(
    code: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    example = _examples()[code]
    assert example.scenario is SCENARIOS[code]
    write_scenario(example.scenario, tmp_path)
    monkeypatch.chdir(tmp_path)
    exit_code, _, err = run(list(example.scenario.argv), capsys)
    assert exit_code == (0 if code.startswith("W") else 1)
    assert example.output in blocks(err)


def test_size_limit_example__states_the_loaders_limit() -> None:
    # The hand-typed table once said 1,048,576 while the loader enforced 1,000,000.
    assert f"the limit is {MAX_FILE_BYTES:,} bytes" in _examples()["E103"].output
    assert "1,048,576" not in (DOCS / "diagnostics.md").read_text(encoding="utf-8")


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
