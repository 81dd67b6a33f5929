"""Diagnostics and CLI edges a new user trips on (issue 9 §6), through the CLI."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from compiler.cli.common import EXIT_ERROR, EXIT_OK, EXIT_USAGE
from tests.support import run, write_project_file

TWO_ENVIRONMENTS = """\
project: demo
default_environment: local
environments:
  local:
    emulator: {}
    region: us-east-1
    artifact_bucket: b-local
    defaults:
      role: arn:aws:iam::123456789012:role/R
  prod:
    region: eu-west-1
    account_id: "210987654321"
    artifact_bucket: b-prod
    defaults:
      role: arn:aws:iam::210987654321:role/R
"""

HEAD = "api_version: biaswatch/v1\nkind: ModelBiasMonitor\nname: churn\n"


@pytest.fixture
def two_envs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "biaswatch.yaml").write_text(TWO_ENVIRONMENTS)
    (tmp_path / "monitors").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if not line.startswith("    hint:")]


def test_validate__required_key_missing__at_monitor_file_once_naming_monitor(
    two_envs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (two_envs / "monitors" / "m.yaml").write_text(
        HEAD + "endpoint_input: {endpoint_name: ep}\nschedule_cron_expression: daily\n"
    )
    code, _, err = run(["validate", "--diagnostics-format", "github"], capsys)
    assert code == EXIT_ERROR
    assert _lines(err) == [
        "::error file=monitors/m.yaml,line=3,col=1,title=E202 analysis_config::"
        "required key is missing from monitor 'churn'%0A"
        "hint: add analysis_config: to monitors/m.yaml, or to the environment's defaults in biaswatch.yaml",
        "::error file=monitors/m.yaml,line=3,col=1,title=E202 ground_truth_input::"
        "required key is missing from monitor 'churn'%0A"
        "hint: add ground_truth_input: to monitors/m.yaml, or to the environment's defaults in biaswatch.yaml",
    ]
    assert "biaswatch.yaml" not in err.replace("monitors/m.yaml", "").replace(
        "defaults in biaswatch.yaml", ""
    )


def test_validate__problem_in_some_environments__one_line_naming_them(
    two_envs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (two_envs / "monitors" / "m.yaml").write_text(
        HEAD + "endpoint_input: {endpoint_name: ep}\nground_truth_input: s3://b/gt\n"
        "analysis_config: {facet: [{name_or_index: a}]}\n"
        "overrides:\n  local: {schedule_cron_expression: daily}\n"
    )
    code, _, err = run(["validate"], capsys)
    assert code == EXIT_ERROR
    assert _lines(err) == [
        "monitors/m.yaml:3:1: error E202 schedule_cron_expression: required key is missing "
        "from monitor 'churn' (in environment prod)"
    ]


def test_validate__bad_value_in_every_environment__reported_once(
    two_envs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (two_envs / "monitors" / "m.yaml").write_text(
        HEAD + "schedule_cron_expression: cron(0/5 * * * ? *)\n"
        "endpoint_input: {endpoint_name: ep}\nground_truth_input: s3://b/gt\n"
        "analysis_config: {facet: [{name_or_index: a}]}\n"
    )
    code, _, err = run(["validate"], capsys)
    assert code == EXIT_ERROR
    assert _lines(err) == [
        "monitors/m.yaml:4:27: error E304 schedule_cron_expression: "
        "'cron(0/5 * * * ? *)' is not a schedule SageMaker accepts"
    ]


def test_validate__inside_monitors_folder__project_file_hint_no_e502(
    two_envs: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(two_envs / "monitors")
    code, _, err = run(["validate"], capsys)
    assert code == EXIT_ERROR
    assert "E502" not in err
    assert "error E501" in err
    assert "biaswatch.yaml is in the parent folder: run biaswatch from there" in err


VALID = (
    "schedule_cron_expression: daily\nendpoint_input: {endpoint_name: ep}\n"
    "ground_truth_input: s3://b/gt\nanalysis_config: {facet: [{name_or_index: a}]}\n"
)


def test_compile__unknown_name__suggests_close_names(
    two_envs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (two_envs / "monitors" / "m.yaml").write_text(HEAD + VALID)
    code, out, err = run(["compile", "chrun"], capsys)
    assert code == EXIT_ERROR
    assert out == ""
    assert "error E503 no monitor named 'chrun' in environment 'local'" in err
    assert "hint: did you mean 'churn'?" in err


def test_cli__global_and_command_env_differ__usage_error(
    two_envs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (two_envs / "monitors" / "m.yaml").write_text(HEAD + VALID)
    code, out, err = run(["--env", "prod", "compile", "--env", "local"], capsys)
    assert code == EXIT_USAGE
    assert out == ""
    assert "--env is given twice with different values: 'prod' before the command" in err
    code, out, _ = run(["--env", "prod", "compile", "--env", "prod"], capsys)
    assert code == EXIT_OK
    assert "eu-west-1" in out


def test_apply__no_tty_no_auto_approve__refused_before_reading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Nothing listens on this port: reading live state would fail with E406, not a usage error.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    write_project_file(tmp_path, f"http://127.0.0.1:{port}")
    (tmp_path / "monitors").mkdir()
    (tmp_path / "monitors" / "m.yaml").write_text(HEAD + VALID)
    monkeypatch.chdir(tmp_path)
    code, out, err = run(["apply"], capsys)
    assert code == EXIT_USAGE
    assert out == ""
    assert "apply needs confirmation: run it in a terminal, pass --auto-approve" in err
    assert "E406" not in err


def test_plan__corrupt_emulator_state_file__e420_delete_the_state_file(
    two_envs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (two_envs / "monitors" / "m.yaml").write_text(HEAD + VALID)
    (two_envs / ".biaswatch").mkdir()
    (two_envs / ".biaswatch" / "local-state.json").write_text("{garbage")
    code, out, err = run(["plan"], capsys)
    assert code == EXIT_ERROR
    assert out == ""
    assert "internal error" not in err
    assert (
        "error E420 cannot start the local emulator with state .biaswatch/local-state.json" in err
    )
    assert "hint: delete the state file .biaswatch/local-state.json" in err


def test_validate__tab_in_indentation__says_indent_with_spaces(
    two_envs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (two_envs / "monitors" / "m.yaml").write_text(
        HEAD + "schedule_cron_expression: daily\nendpoint_input:\n\tendpoint_name: ep\n"
    )
    code, _, err = run(["validate"], capsys)
    assert code == EXIT_ERROR
    assert err.splitlines()[0] == (
        "monitors/m.yaml:6:1: error E104 tabs are not allowed; indent with spaces"
    )


def test_validate__facet_as_a_string__hint_shows_the_list_form(
    two_envs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (two_envs / "monitors" / "m.yaml").write_text(
        HEAD + VALID.replace("{facet: [{name_or_index: a}]}", "{facet: gender}")
    )
    code, _, err = run(["validate"], capsys)
    assert code == EXIT_ERROR
    assert "error E203 analysis_config.facet: expected a list, got string 'gender'" in err
    assert (
        "hint: facet is a list of mappings: write facet: "
        "[{name_or_index: gender, value_or_threshold: [...]}]"
    ) in err


def test_validate__huge_file__e103_hint_is_possible(
    two_envs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (two_envs / "monitors" / "m.yaml").write_text(HEAD + "#" * 1_000_001 + "\n")
    code, _, err = run(["validate"], capsys)
    assert code == EXIT_ERROR
    assert "error E103" in err
    assert "split the monitor" not in err
    assert "move it out of the monitors folder" in err


@pytest.mark.parametrize(
    "argv,option",
    [
        (["force-unlock", "--help"], "--env"),
        (["emulator", "serve", "--help"], "--latency-ms"),
        (["emulator", "serve", "--help"], "--fault-rate"),
        (["emulator", "serve", "--help"], "--pending-seconds"),
    ],
)
def test_cli__option_help__every_option_explained(
    argv: list[str], option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(argv, capsys)
    assert code == EXIT_OK
    line = next(line for line in out.splitlines() if line.strip().startswith(option))
    described = line.split(option, 1)[1].split(maxsplit=1)
    assert len(described) == 2 and len(described[1]) > 10, line


def test_emulator_serve__pending_seconds_default__same_as_environment_key(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from compiler.config.spec import EmulatorSettings

    code, out, _ = run(["emulator", "serve", "--help"], capsys)
    assert code == EXIT_OK
    assert f"[default: {EmulatorSettings().pending_seconds};" in " ".join(out.split())


def test_cli__no_arguments__help_ends_with_next_steps_and_docs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # No command is a usage error (64, help on stderr), as before; the help now says what next.
    code, _, err = run([], capsys)
    assert code == EXIT_USAGE
    tail = [line.strip() for line in err.rstrip().splitlines()[-6:]]
    assert tail[0] == "Next steps:"
    assert tail[1].split()[:2] == ["biaswatch", "validate"]
    assert tail[-1].startswith("Docs: docs/getting-started.md")


def test_validate__old_format_spelling__still_works_with_deprecation_note(
    two_envs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (two_envs / "monitors" / "m.yaml").write_text(HEAD + "schedule_cron_expression: x\n")
    code, _, err = run(["validate", "--format", "json"], capsys)
    assert code == EXIT_ERROR
    body, note = err.rsplit("\n", 2)[0], err.splitlines()[-1]
    assert '"code": "E202"' in body
    assert note.startswith(
        "note: `validate --format` is deprecated; write `validate --diagnostics-format`"
    )
    code, _, err = run(["validate", "--diagnostics-format", "json"], capsys)
    assert code == EXIT_ERROR
    assert "deprecated" not in err
