"""`biaswatch preview` and `biaswatch baseline` through the CLI on sample files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.support import run

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "credit-risk-sample.csv"
MONITOR = Path("monitors") / "credit-risk.yaml"


def _sample(folder: Path, frame: pd.DataFrame, name: str = "sample.csv") -> str:
    path = folder / name
    if name.endswith(".jsonl"):
        path.write_text(frame.to_json(orient="records", lines=True))
    else:
        frame.to_csv(path, index=False)
    return name


def _example() -> pd.DataFrame:
    return pd.read_csv(EXAMPLE)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new))


def test_preview__example_csv__prints_the_table_and_exits_0(
    in_tmp_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["preview", "credit-risk-bias", "--data", str(EXAMPLE)], capsys)
    assert code == 0, err
    assert "Bias preview of credit-risk-bias: 400 rows" in out
    assert "predicted positive" in out
    for metric in ("DPPL", "DI", "AD", "RD", "FT"):
        assert f"gender  female       {metric}" in out
    assert "n/a" not in out and "W620" not in err  # FT has the feature columns


def test_preview__json_lines_sample_and_json_format__carries_analysis_json_shape(
    in_tmp_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = _sample(in_tmp_project, _example(), "sample.jsonl")
    code, out, err = run(
        ["preview", "credit-risk-bias", "--data", name, "--format", "json"], capsys
    )
    assert code == 0, err
    document = json.loads(out)
    post = document["post_training_bias_metrics"]
    assert post["label"] == "approved"
    assert post["label_value_or_threshold"] == "1"
    [entry] = post["facets"]["gender"]
    assert entry["value_or_threshold"] == "female"
    names = {m["name"] for m in entry["metrics"]}
    assert {"DPPL", "DI", "DCA", "DCR", "RD", "SD", "DAR", "DRR", "AD", "TE", "FT"} <= names
    assert all(set(m) >= {"name", "description", "value"} for m in entry["metrics"])
    # The same sample as CSV gives the same numbers.
    code, csv_out, _ = run(
        ["preview", "credit-risk-bias", "--data", str(EXAMPLE), "--format", "json"], capsys
    )
    assert json.loads(csv_out)["post_training_bias_metrics"] == post


def test_preview__markdown_format__is_a_table_for_a_pr_comment(
    in_tmp_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        ["preview", "credit-risk-bias", "--data", str(EXAMPLE), "--format", "markdown"], capsys
    )
    assert code == 0, err
    assert out.startswith("### Bias preview: `credit-risk-bias`")
    assert "| `gender` | `female` | DPPL |" in out


def test_preview__threshold_boundary__a_score_equal_to_it_is_negative(
    in_tmp_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = _example()
    frame["prediction"] = 0.8  # the monitor's probability_threshold_attribute
    name = _sample(in_tmp_project, frame)
    code, _, err = run(["preview", "credit-risk-bias", "--data", name], capsys)
    assert code == 1
    assert "E709" in err and "a score equal to the threshold counts as negative" in err


def _drop(column: str):  # type: ignore[no-untyped-def]
    return lambda f: f.drop(columns=[column])


def _set(column: str, value: object):  # type: ignore[no-untyped-def]
    def change(f: pd.DataFrame) -> pd.DataFrame:
        f[column] = value
        return f

    return change


PREFLIGHT = {
    "E704": _drop("gender"),
    "E705": _drop("approved"),
    "E706": _drop("prediction"),
    "E708": _set("gender", "male"),
    "E709": _set("prediction", 0.1),
    "E710": lambda f: f.assign(approved=f["approved"].map({0: "no", 1: "yes"})),
    "E711": _set("prediction", "yes"),
}


@pytest.mark.parametrize("code", sorted(PREFLIGHT))
def test_preview__data_not_fitting_the_config__exits_1_with_its_code(
    code: str, in_tmp_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = _sample(in_tmp_project, PREFLIGHT[code](_example()))
    exit_code, out, err = run(["preview", "credit-risk-bias", "--data", name], capsys)
    assert exit_code == 1, err
    assert f" {code} " in err, err
    assert "Traceback" not in err and out == ""
    # Located: at the sample file, or at the monitor file for the config's own fields.
    assert err.startswith((f"{name}:", f"{MONITOR}:")), err


def test_preview__group_variable_missing__exits_1_with_e707(
    in_tmp_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monitor = in_tmp_project / MONITOR
    _edit(monitor, "gender, approved]", "gender, approved, region]")
    _edit(monitor, "  label: approved\n", "  label: approved\n  group_variable: region\n")
    code, _, err = run(["preview", "credit-risk-bias", "--data", str(EXAMPLE)], capsys)
    assert code == 1
    assert "E707" in err and "'region'" in err


@pytest.mark.parametrize(
    ("code", "content", "name"),
    [
        ("E701", None, "missing.csv"),
        ("E702", b"", "empty.csv"),
        ("E702", b"age,income,gender,approved,prediction\n", "header-only.csv"),
        ("E703", b'{"age": 3}\nnot json\n', "broken.jsonl"),
    ],
)
def test_preview__unreadable_sample__exits_1_with_its_code(
    code: str,
    content: bytes | None,
    name: str,
    in_tmp_project: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if content is not None:
        (in_tmp_project / name).write_bytes(content)
    exit_code, _, err = run(["preview", "credit-risk-bias", "--data", name], capsys)
    assert exit_code == 1
    assert err.startswith(f"{name}:") and f" {code} " in err, err


def test_preview__unknown_monitor__exits_1_naming_the_monitors(
    in_tmp_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["preview", "nope", "--data", str(EXAMPLE)], capsys)
    assert code == 1
    assert "E503" in err and "credit-risk-bias" in err


def test_preview__neither_data_nor_capture__is_a_usage_error(
    in_tmp_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["preview", "credit-risk-bias"], capsys)
    assert code == 64
    assert "--data" in err


def test_baseline__then_preview__no_violations_on_the_same_data_and_exit_2_on_more_bias(
    in_tmp_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        ["baseline", "credit-risk-bias", "--data", str(EXAMPLE), "--out", "baselines/cr.json"],
        capsys,
    )
    assert code == 0, err
    document = json.loads((in_tmp_project / "baselines" / "cr.json").read_text())
    assert document["post_training_bias_metrics"]["facets"]["gender"][0]["metrics"]

    code, out, err = run(
        ["preview", "credit-risk-bias", "--data", str(EXAMPLE), "--baseline", "baselines/cr.json"],
        capsys,
    )
    assert code == 0, err
    assert "No violations of the baseline (indicative" in out

    worse = _example()
    women = worse["gender"] == "female"
    worse.loc[women, "prediction"] = worse.loc[women, "prediction"] / 2  # fewer positives for women
    name = _sample(in_tmp_project, worse)
    code, out, err = run(
        [
            "preview",
            "credit-risk-bias",
            "--data",
            name,
            "--baseline",
            "baselines/cr.json",
            "--format",
            "json",
        ],
        capsys,
    )
    assert code == 2, err
    violations = json.loads(out)["constraint_violations"]["violations"]
    dppl = [v for v in violations if v["metric_name"] == "DPPL"]
    assert dppl and dppl[0]["facet"] == "gender" and dppl[0]["facet_value"] == "female"
    assert dppl[0]["constraint_check_type"] == "bias_drift_check"


def test_preview__baseline_not_json__exits_1_with_e714(
    in_tmp_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (in_tmp_project / "b.json").write_text("{not json")
    code, _, err = run(
        ["preview", "credit-risk-bias", "--data", str(EXAMPLE), "--baseline", "b.json"], capsys
    )
    assert code == 1
    assert "E714" in err


def test_cli_import__validate_path__loads_neither_pandas_nor_moto() -> None:
    probe = "import sys, compiler.cli.main; print('pandas' in sys.modules or 'moto' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert result.stdout.strip() == "False"
