"""Valid and invalid example files: compiled goldens, declared diagnostics, strict API checks."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from compiler.config.loader import load_file
from compiler.config.workspace import display_path, load_workspace
from compiler.desired import servicemodel as awsmodel
from compiler.desired.pipeline import EnvironmentBuild, build_environment, build_project
from compiler.diagnostics import sort_diagnostics
from compiler.render.diagnostics import render_text
from tests.golden import assert_golden

REPO = Path(__file__).resolve().parent.parent
CASES = REPO / "tests" / "cases"
EXPECT = re.compile(r"^# expect: (E\d{3}|W\d{3}) (\d+):(\d+)$", re.MULTILINE)


def _build(project_file: Path, folder: Path, env: str) -> EnvironmentBuild:
    ws = load_workspace(project_file, [folder])
    doc, diags = load_file(project_file, display_path(project_file, project_file.parent))
    assert doc is not None and not diags
    project, project_diags = build_project(doc)
    assert project is not None and not project_diags
    build = build_environment(project, ws.documents, env)
    return EnvironmentBuild(
        build.name,
        build.environment,
        build.target,
        build.monitors,
        sort_diagnostics((*ws.diagnostics, *build.diagnostics)),
    )


def _repo_builds() -> list[EnvironmentBuild]:
    ws = load_workspace(REPO / "biaswatch.yaml")
    assert ws.project_document is not None
    project, _ = build_project(ws.project_document)
    assert project is not None
    return [build_environment(project, ws.documents, env) for env in project.config.environments]


def _all_compiled() -> list[tuple[str, str, dict]]:
    out = []
    for build in _repo_builds():
        for m in build.monitors:
            out.append(
                (f"examples/{build.name}/{m.spec.name}", m.spec.name, m.desired.compiled_view())
            )
    for env in ("local", "prod"):
        build = _build(CASES / "biaswatch.yaml", CASES / "valid", env)
        for m in build.monitors:
            out.append((f"cases/{env}/{m.spec.name}", m.spec.name, m.desired.compiled_view()))
    return out


def test_examples__every_environment__valid_and_compiled() -> None:
    builds = _repo_builds()
    assert [b.name for b in builds] == ["local", "prod"]
    for build in builds:
        assert build.diagnostics == ()
        assert {m.spec.name for m in build.monitors} >= {"credit-risk-bias", "churn-batch-bias"}


def test_valid_cases__every_environment__no_diagnostics() -> None:
    for env in ("local", "prod"):
        build = _build(CASES / "biaswatch.yaml", CASES / "valid", env)
        assert build.diagnostics == (), render_text(build.diagnostics)
        assert build.monitors


@pytest.mark.parametrize(
    "label,name,view", _all_compiled(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_compile__example__matches_golden(label: str, name: str, view: dict) -> None:
    assert_golden(f"compile/{label}.json", json.dumps(view, indent=2, ensure_ascii=False) + "\n")


@pytest.mark.parametrize(
    "label,name,view", _all_compiled(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_compile__example__passes_strict_service_model_check(
    label: str, name: str, view: dict
) -> None:
    assert (
        awsmodel.check_request("CreateModelBiasJobDefinition", view["CreateModelBiasJobDefinition"])
        == ()
    )
    assert (
        awsmodel.check_request("CreateMonitoringSchedule", view["CreateMonitoringSchedule"]) == ()
    )
    schedule = view["CreateMonitoringSchedule"]["MonitoringScheduleConfig"]
    assert (
        schedule["MonitoringJobDefinitionName"]
        == view["CreateModelBiasJobDefinition"]["JobDefinitionName"]
    )
    assert len(schedule["MonitoringJobDefinitionName"]) <= 63
    assert (
        view["AnalysisConfigS3Uri"]
        == view["CreateModelBiasJobDefinition"]["ModelBiasAppSpecification"]["ConfigUri"]
    )


def _invalid_build() -> EnvironmentBuild:
    return _build(CASES / "biaswatch.yaml", CASES / "invalid", "local")


def _invalid_files() -> list[Path]:
    return sorted((CASES / "invalid").glob("*.yaml"))


@pytest.mark.parametrize("path", _invalid_files(), ids=lambda p: p.stem)
def test_invalid_case__validated__produces_exactly_declared_diagnostics(path: Path) -> None:
    expected = sorted(
        (code, int(line), int(col)) for code, line, col in EXPECT.findall(path.read_text())
    )
    build = _invalid_build()
    rel = display_path(path, CASES)
    mine = [d for d in build.diagnostics if d.span and d.span.path == rel]
    actual = sorted((d.code, d.span.line, d.span.column) for d in mine if d.span)
    assert actual == expected, render_text(mine)


def test_invalid_cases__rendered__match_golden() -> None:
    assert_golden("diagnostics/invalid-cases.txt", render_text(_invalid_build().diagnostics))


def test_invalid_cases__every_case__declares_something_or_pairs() -> None:
    for path in _invalid_files():
        declared = EXPECT.findall(path.read_text())
        assert declared or path.stem.endswith("-a"), f"{path.name} declares no diagnostics"


def test_compile__twice__identical() -> None:
    first = [m.desired for b in _repo_builds() for m in b.monitors]
    second = [m.desired for b in _repo_builds() for m in b.monitors]
    assert first == second


def test_job_definition_name__any_change__new_name() -> None:
    build = _build(CASES / "biaswatch.yaml", CASES / "valid", "local")
    names = {m.desired.job_definition_name for m in build.monitors}
    assert len(names) == len(build.monitors)
    long = next(m for m in build.monitors if m.spec.name.startswith("a-very-long"))
    assert len(long.desired.job_definition_name) <= 63
    assert re.fullmatch(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}", long.desired.job_definition_name)
