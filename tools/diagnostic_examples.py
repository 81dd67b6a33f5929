"""The examples of docs/diagnostics.md, produced by running biaswatch itself.

Each code's example comes from the first of these that has one:

1. a case file: tests/cases/invalid/*.yaml, validated in every environment of
   tests/cases/biaswatch.yaml; the example is the first diagnostic of the code in a file
   whose `# expect:` lines name it;
2. a scenario (SCENARIOS): input that cannot sit in git as a case file (a missing file, bytes
   that are not UTF-8, a file over the size limit, a project file of its own, ...), written
   into a temporary project and validated there, or run through the CLI;
3. a shape (SHAPES): typed text for the codes that need an AWS account's answer or a bug in
   biaswatch to appear. The doc calls these the shape of the message, never output.

tests/test_docgen.py replays every real example through `biaswatch` and requires one for
every file-level code (E1xx, E2xx, E3xx).
"""

from __future__ import annotations

import contextlib
import functools
import io
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from compiler.config.loader import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES
from compiler.config.workspace import load_workspace
from compiler.desired.pipeline import build_environment, build_project
from compiler.diagnostics import Diagnostic, sort_diagnostics
from compiler.render.diagnostics import render_text

REPO = Path(__file__).resolve().parent.parent
CASES = REPO / "tests" / "cases"
EXPECT = re.compile(r"^# expect: ([EW]\d{3}) \d+:\d+$", re.MULTILINE)


@dataclass(frozen=True)
class Scenario:
    """A throw-away project: its files (path → bytes) and the biaswatch command run in it."""

    about: str  # what the input is, as the doc says it
    files: Mapping[str, bytes] = field(default_factory=dict)
    argv: tuple[str, ...] = ("validate",)
    project: bytes | None = None  # biaswatch.yaml; PROJECT when None, absent when b""


@dataclass(frozen=True)
class Example:
    """One diagnostic as biaswatch prints it (real), or the shape of its message (typed)."""

    output: str
    case: str = ""  # the tests/cases/invalid file it comes from
    scenario: Scenario | None = None

    @property
    def real(self) -> bool:
        return bool(self.case) or self.scenario is not None


PROJECT = b"""\
project: demo
default_environment: dev
environments:
  dev:
    region: us-east-1
    account_id: "123456789012"
    artifact_bucket: demo-biaswatch
    defaults:
      role: arn:aws:iam::123456789012:role/ModelMonitorRole
"""


def _monitor(name: str, extra: str = "") -> bytes:
    return (
        "api_version: biaswatch/v1\n"
        "kind: ModelBiasMonitor\n"
        f"name: {name}\n"
        "schedule_cron_expression: daily\n"
        "endpoint_input: {endpoint_name: credit-risk-prod}\n"
        "ground_truth_input: s3://acme-ml/ground-truth/credit-risk\n"
        "analysis_config: {facet: [{name_or_index: age}]}\n" + extra
    ).encode()


def _alias_bomb() -> bytes:
    """Ten aliases of ten aliases of ...: few bytes, more values than MAX_NODES."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    level = 0
    while 10 ** (level + 1) <= MAX_NODES:
        level += 1
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 10) + "]")
    return ("\n".join(lines) + "\n").encode()


def _many_roles(count: int) -> dict[str, bytes]:
    role = "arn:aws:iam::123456789012:role/service-role/team-{:02d}-sagemaker-bias-monitoring"
    return {
        f"monitors/m{i:02d}.yaml": _monitor(f"m{i:02d}", f"role: {role.format(i)}\n")
        for i in range(count)
    }


ANALYSED = """\
api_version: biaswatch/v1
kind: ModelBiasMonitor
name: credit-risk-bias
schedule_cron_expression: daily
endpoint_input: {endpoint_name: credit-risk-prod, probability_threshold_attribute: 0.8}
ground_truth_input: s3://acme-ml/ground-truth/credit-risk
analysis_config:
  label: approved
  label_values_or_threshold: [1]
  facet: [{name_or_index: gender, value_or_threshold: [female]}]
"""
SAMPLE_COLUMNS = ("age", "income", "gender", "approved", "prediction")


def _analysed(headers: str | None = "[age, income, gender, approved]", extra: str = "") -> bytes:
    """The credit-risk monitor (scores above 0.8 are positive predictions)."""
    config = f"  headers: {headers}\n" if headers else ""
    text = ANALYSED.replace("analysis_config:\n", "analysis_config:\n" + config) + extra
    return text.encode()


def _row(i: int) -> dict[str, object]:
    """A deterministic row: 40% women, men score 0.1 higher."""
    gender = "female" if i % 5 < 2 else "male"
    return {
        "age": 20 + i % 50,
        "income": 20_000 + (i * 37 % 60) * 1_000,
        "gender": gender,
        "approved": int(i % 3 == 0 or i % 7 == 0),
        "prediction": round((i * 13 % 90) / 100 + (0.1 if gender == "male" else 0.0), 2),
    }


def _csv(rows: int = 200, drop: tuple[str, ...] | str = (), **fixed: object) -> bytes:
    """A sample CSV of `rows` generated rows, `drop` left out, `fixed` columns set to a value."""
    columns = [c for c in SAMPLE_COLUMNS if c not in ((drop,) if isinstance(drop, str) else drop)]
    lines = [",".join(columns)]
    for i in range(rows):
        row = {**_row(i), **fixed}
        lines.append(",".join(str(row[c]) for c in columns))
    return ("\n".join(lines) + "\n").encode()


def _preview(
    about: str,
    sample: bytes,
    monitor: bytes | None = None,
    *args: str,
    name: str = "samples/credit.csv",
    baseline: bytes | None = None,
) -> Scenario:
    """`biaswatch preview credit-risk-bias --data <name>` on `sample` (b"<none>": no file)."""
    files = {"monitors/credit-risk.yaml": monitor or _analysed()}
    if sample != b"<none>":
        files[name] = sample
    if baseline is not None:
        files["baselines/old.json"] = baseline
    return Scenario(about, files, ("preview", "credit-risk-bias", "--data", name, *args))


SCENARIOS: dict[str, Scenario] = {
    "E101": Scenario("a path that does not exist", argv=("validate", "monitors/nope.yaml")),
    "E102": Scenario(
        "a file saved as Latin-1",
        {"monitors/latin1.yaml": _monitor("caf\u00e9-bias").decode().encode("latin-1")},
    ),
    "E103": Scenario(
        f"a file of {MAX_FILE_BYTES + 1:,} bytes",
        {"monitors/huge.yaml": _monitor("huge").ljust(MAX_FILE_BYTES + 1, b"#")},
    ),
    "E104": Scenario(
        "a flow sequence that is never closed",
        {"monitors/syntax.yaml": _monitor("syntax", "tags: [a, b\n")},
    ),
    "E106": Scenario(
        f"lists nested {MAX_DEPTH + 1} deep",
        {"monitors/deep.yaml": b"a: " + b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1) + b"\n"},
    ),
    "E107": Scenario("an alias bomb", {"monitors/bomb.yaml": _alias_bomb()}),
    "E108": Scenario("an alias inside its own anchor", {"monitors/rec.yaml": b"a: &x [1, *x]\n"}),
    "E110": Scenario("a list", {"monitors/list.yaml": b"- api_version: biaswatch/v1\n"}),
    "E111": Scenario(
        "two documents", {"monitors/two.yaml": _monitor("one") + b"---\n" + _monitor("two")}
    ),
    "E112": Scenario("an integer key", {"monitors/key.yaml": _monitor("key", "1: one\n")}),
    "E701": _preview("a sample path that does not exist", b"<none>"),
    "E702": _preview("an empty sample file", b""),
    "E703": _preview(
        "a JSON Lines sample with a line that is not JSON",
        b'{"age": 30, "gender": "female"}\n{"age": 41,\n',
        name="samples/credit.jsonl",
    ),
    "E704": _preview("a sample without the facet column", _csv(drop="gender")),
    "E705": _preview("a sample without the label column", _csv(drop="approved")),
    "E706": _preview("a sample without the prediction column", _csv(drop="prediction")),
    "E707": _preview(
        "a monitor with group_variable: region and a sample without it",
        _csv(),
        _analysed("[age, income, gender, approved, region]", "  group_variable: region\n"),
    ),
    "E708": _preview("a sample where every applicant is a man", _csv(gender="male")),
    "E709": _preview("a sample where no score is above the 0.8 threshold", _csv(prediction=0.5)),
    "E710": _preview(
        "label values written as text, the config asks for [1]",
        _csv().replace(b",1,", b",yes,").replace(b",0,", b",no,"),
    ),
    "E711": _preview(
        "a prediction column of labels under a probability threshold", _csv(prediction="yes")
    ),
    "E714": _preview(
        "a --baseline file that is JSON but not an analysis.json",
        _csv(),
        None,
        "--baseline",
        "baselines/old.json",
        baseline=b'{"version": "1.0"}\n',
    ),
    "W620": _preview(
        "a monitor without headers and a sample with no feature column (FT has nothing to compare)",
        _csv(drop=("age", "income")),
        _analysed(None),
    ),
    "W623": _preview("a sample where no application was approved", _csv(approved=0)),
    "W624": _preview(
        "a monitor with no facet value and one gender in the sample",
        _csv(gender="female"),
        _analysed().replace(b", value_or_threshold: [female]", b""),
    ),
    "W626": _preview("a sample of 20,001 rows", _csv(rows=20_001)),
    "E113": Scenario("an empty file", {"monitors/empty.yaml": b""}),
    "E320": Scenario(
        "a project whose environment's region has no Clarify image",
        {"monitors/credit-risk.yaml": _monitor("credit-risk-bias")},
        project=PROJECT.replace(b"us-east-1", b"xx-mars-1"),
    ),
    "E501": Scenario("a folder without biaswatch.yaml", project=b""),
    "E502": Scenario("a project whose monitors folder is empty"),
    "E503": Scenario(
        "a project without that monitor",
        {"monitors/credit-risk.yaml": _monitor("credit-risk-bias")},
        argv=("compile", "nothing-here"),
    ),
    "E505": Scenario(
        "an environment without account_id",
        {"monitors/credit-risk.yaml": _monitor("credit-risk-bias")},
        argv=("iam-policy",),
        project=PROJECT.replace(b'    account_id: "123456789012"\n', b""),
    ),
    "E506": Scenario(
        "a project whose monitors folder is the file system's root",
        {"monitors/credit-risk.yaml": _monitor("credit-risk-bias")},
        project=PROJECT.replace(
            b"default_environment: dev\n", b"default_environment: dev\nmonitors: /\n"
        ),
    ),
    "W610": Scenario(
        "an alarm whose SNS topic is in another region",
        {
            "monitors/credit-risk.yaml": _monitor(
                "credit-risk-bias",
                "alarms:\n  - metric: DPPL\n    threshold: 0.1\n"
                "    actions: [arn:aws:sns:eu-west-1:123456789012:bias-alerts]\n",
            )
        },
    ),
    "W611": Scenario(
        "an alarm on a one-off (NOW) schedule",
        {
            "monitors/credit-risk.yaml": _monitor(
                "credit-risk-bias",
                "alarms:\n  - metric: DPPL\n    threshold: 0.1\n"
                "    actions: [arn:aws:sns:us-east-1:123456789012:bias-alerts]\n",
            ).replace(
                b"schedule_cron_expression: daily",
                b"schedule_cron_expression: NOW\n"
                b"data_analysis_start_time: -PT5H\ndata_analysis_end_time: -PT1H",
            ),
        },
    ),
    "W607": Scenario(
        "40 monitors, each with its own execution role",
        _many_roles(40),
        argv=("iam-policy", "--mode", "apply"),
    ),
}

# Codes no file alone can show: each needs an AWS account's answer, a saved plan or lock,
# or (E327) a compiled request the rules let through, which is a biaswatch bug.
SHAPES: dict[str, str] = {
    "E327": "monitors/m.yaml:3:7: error E327 name: CreateModelBiasJobDefinition.<member>: <the service model's constraint>\n"
    "    (a compiled request that botocore's SageMaker model rejects: a biaswatch bug or a rule not yet checked earlier)",
    "E401": "error E401 DescribeMonitoringSchedule credit-risk-bias: access denied …\n"
    "    hint: check the credentials and the IAM policy (`biaswatch iam-policy` prints what is needed)",
    "E402": "error E402 ListMonitoringSchedules: throttled after all retries …",
    "E403": "error E403 no lock at s3://acme-biaswatch-prod/biaswatch/prod/… (force-unlock)",
    "E404": "error E404 CreateMonitoringSchedule credit-risk-bias: resource in use …",
    "E405": "error E405 UpdateMonitoringSchedule credit-risk-bias: ValidationException: Monitoring schedule in status Pending …",
    "E406": "error E406 DescribeMonitoringSchedule credit-risk-bias: cannot reach the endpoint: …",
    "E407": "error E407 <operation> <resource>: <any other AWS error>",
    "E408": "error E408 ListMonitoringSchedules: no AWS credentials found\n"
    "    hint: configure credentials (environment, profile or OIDC role) for this environment",
    "E409": "error E409 credentials are for account 111111111111, but environment 'prod' is account 210987654321\n"
    "    hint: switch credentials (profile or role) or pick the right --env",
    "E410": "error E410 plan file is for environment 'prod', not 'local'",
    "E411": "error E411 stale plan: live state of 'credit-risk-bias' changed since the plan was made\n"
    "    hint: plan again and review the new plan",
    "E412": "error E412 plan file plan.json was altered after it was written (digest mismatch)\n"
    "    hint: plan again; never edit a saved plan",
    "E413": "error E413 environment 'prod' is locked by <holder, host, pid, CI run, operation, time, lease>\n"
    "    hint: wait for it or raise --lock-timeout (a lock whose lease lapsed is taken over after "
    "at most 300 s); if that run is dead and you cannot wait: biaswatch force-unlock <id>",
    "E414": "monitors/credit-risk.yaml:8:7: error E414 name: schedule 'credit-risk-bias' already exists and belongs to <owner>\n"
    "    hint: adopt it with `biaswatch import credit-risk-bias --env <environment>` or rename this monitor",
    "E415": "error E415 schedule 'loan-approval-prod-bias' is not in git but has deletion protection",
    "E416": "error E416 schedule 'credit-risk-bias' failed: <FailureReason, verbatim>\n"
    "    hint: fix the cause, then apply again (a Failed schedule is re-sent)",
    "E417": "error E417 schedule 'credit-risk-bias' still Pending after 600 s\n"
    "    hint: apply again later; nothing was left half-done",
    "E418": "error E418 schedule 'credit-risk-bias' exists but is not ours or differs\n"
    "    hint: run `biaswatch plan` to see it; `biaswatch import credit-risk-bias` adopts a foreign one",
    "E419": "error E419 apply incomplete: 1 of 3 monitors not done\n"
    "    hint: what succeeded stays applied\n"
    "    hint: fix the cause each error above names, then apply again (a throttling or 5xx "
    "error needs no fix: apply again)",
    "E420": "error E420 cannot start the local emulator with state .biaswatch/local-state.json: …\n"
    "    hint: delete the state file .biaswatch/local-state.json to start from an empty account",
    "E421": "error E421 schedule 'churn-quality': is a ModelQuality schedule, not ModelBias\n"
    "    hint: biaswatch manages model bias monitors only",
    "E422": "error E422 schedule 'credit-risk-bias': cannot read the analysis config at s3://…/analysis_config.json\n"
    "    hint: it must exist and be readable with these credentials (s3:GetObject, and kms:Decrypt when it is encrypted)",
    "E423": "error E423 schedule 'credit-risk-bias': the analysis config at s3://… has keys a monitoring analysis "
    "config does not take: 'methods'",
    "E424": "error E424 schedule 'credit-risk-bias' maps to a monitor file biaswatch would not accept\n"
    "    hint: the problems below name the keys; nothing was written",
    "E425": "error E425 schedule 'credit-risk-bias': belongs to biaswatch project 'other', not 'acme-credit-models'\n"
    "    hint: remove it from project 'other' first (or change its biaswatch:project tag by hand)",
    "E426": "error E426 bucket 'acme-biaswatch-prod' exists but is not owned by account 210987654321 "
    "(or these credentials may not reach it)\n"
    "    hint: bucket names are global: pick another artifact_bucket in biaswatch.yaml\n"
    "    hint: if it is yours, check that the credentials are for the account that owns it",
    "E427": "error E427 lost the environment lock <id>: another run took the lock over; no further step was started\n"
    "    hint: apply again when the other run is done; what finished stays applied",
    "E428": "error E428 BIASWATCH_LOCK_LEASE_SECONDS='900' is not a lease length in seconds between 0 and 300\n"
    "    hint: unset it to use the default of 120 s",
    "E504": "error E504 monitors/credit-risk-bias.yaml already exists; not overwritten\n"
    "    hint: pass --force to overwrite it, or --out-dir to write elsewhere",
    "E507": "monitors:1:1: error E507 more than 20,000 monitor files in 'monitors'; none were read\n"
    "    hint: point monitors: at the folder of this project's monitor files",
    "E508": "plan.json:1:1: error E508 cannot write 'plan.json': permission denied",
    # Analysis codes that only captured data in S3 (or a biaswatch bug) can show; the rest
    # come from `biaswatch preview` scenarios on generated sample files.
    "E712": "error E712 analysis_config: analysis config cannot be analysed: label is required",
    "E713": "error E713 analysis_config.facet[0]: Clarify could not analyse facet 'gender': <smclarify's reason>",
    "E715": "error E715 <capture file>: captured record is not JSON: <reason>",
    "E716": "error E716 <capture file>: ground truth '<id>' has 2 labels for 1 captured rows",
    "E717": "monitors/credit-risk.yaml:1:1: error E717 endpoint_input.endpoint_name: no captured data under s3://<bucket>/capture/credit-risk-prod/ from <start> to <end>\n"
    "    hint: widen the window with --start/--end",
    "W621": "warning W621 120 of 1200 captured records have no ground truth (left out of the analysis)",
    "W622": "warning W622 15 ground truth records match no captured record in the window",
    "W625": "warning W625 <capture file>: captured inferenceId 'abc' seen before; this record is ignored",
    "W612": "monitors/credit-risk.yaml:1:1: warning W612 alarms: alarm "
    "'biaswatch/acme-credit-models/credit-risk-bias/hand-made' belongs to no biaswatch "
    "project; biaswatch leaves it alone\n"
    "    hint: delete or rename it by hand if this monitor should own that name",
    "W601": "monitors/credit-risk.yaml:14:18: warning W601 endpoint_input.endpoint_name: endpoint 'credit-risk-prod' does not exist in this account and region; SageMaker will refuse the schedule\n"
    "    hint: create the endpoint with data capture (Input and Output) first, or fix endpoint_name\n"
    "    hint: against the emulator: list the endpoint under `emulator.endpoints` of the environment in biaswatch.yaml",
    "W602": "monitors/credit-risk.yaml:14:18: warning W602 endpoint_input.endpoint_name: endpoint 'credit-risk-prod' does not capture both input and output\n"
    "    hint: enable DataCaptureConfig with CaptureMode Input and Output",
    "W603": "warning W603 schedule 'credit-risk-bias' is Pending; apply will wait for it to settle",
    "W604": "warning W604 schedule 'credit-risk-bias' is Failed: <FailureReason>",
    "W605": "(reserved: today an analysis config object that was altered, deleted or is unreadable is\n"
    " reported by `biaswatch drift` as the finding 'analysis config object altered', and\n"
    " `biaswatch plan` plans to restore it)",
    "W606": "warning W606 schedule 'old-bias' is managed by this project but has no monitor file",
}


def blocks(text: str) -> list[str]:
    """Printed diagnostics, one string each: the header line and its indented hint lines."""
    out: list[str] = []
    for line in text.splitlines():
        if line.startswith(" ") and out:
            out[-1] += "\n" + line
        else:
            out.append(line)
    return out


def first_of(code: str, printed: str, path_prefix: str = "") -> str | None:
    """The first printed diagnostic of `code` (in a file whose path starts with path_prefix)."""
    header = re.compile(rf"^(\S+:\d+:\d+: )?(error|warning) {code}\b")
    for block in blocks(printed):
        if header.match(block) and block.startswith(path_prefix):
            return block
    return None


def validate_text(project_file: Path, paths: Sequence[Path] | None) -> str:
    """What `biaswatch validate` reports, from the library: load, then every environment."""
    ws = load_workspace(project_file, paths)
    found: list[Diagnostic] = list(ws.diagnostics)
    if ws.project_document is not None:
        project, project_diags = build_project(ws.project_document)
        found.extend(project_diags)
        if project is not None:
            for env in project.config.environments:
                found.extend(build_environment(project, ws.documents, env).diagnostics)
    return render_text(sort_diagnostics(found))


def write_scenario(scenario: Scenario, folder: Path) -> None:
    project = PROJECT if scenario.project is None else scenario.project
    files = {"biaswatch.yaml": project, **scenario.files} if project else dict(scenario.files)
    (folder / "monitors").mkdir()
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)


def run_scenario(scenario: Scenario) -> str:
    """Diagnostics printed for the scenario: validate through the library, other commands
    through the CLI's entry point (stderr), run inside a temporary project folder."""
    with tempfile.TemporaryDirectory() as tmp, contextlib.chdir(tmp):
        write_scenario(scenario, Path(tmp))
        command, *args = scenario.argv
        if command == "validate":
            return validate_text(Path("biaswatch.yaml"), [Path(a) for a in args] or None)
        from compiler.cli.main import main

        stderr = io.StringIO()
        with (
            contextlib.redirect_stderr(stderr),
            contextlib.redirect_stdout(io.StringIO()),
            contextlib.suppress(SystemExit),  # main() always exits; the code is not shown
        ):
            main(list(scenario.argv))
        return stderr.getvalue()


def case_expectations(folder: Path) -> dict[str, list[str]]:
    """Code → the case files (sorted) whose `# expect:` lines name it."""
    out: dict[str, list[str]] = {}
    for case in sorted(folder.glob("*.yaml")):
        for code in dict.fromkeys(EXPECT.findall(case.read_text(encoding="utf-8"))):
            out.setdefault(code, []).append(case.name)
    return out


@functools.cache
def build_examples(codes: tuple[str, ...]) -> dict[str, Example]:
    """Code → its example, for each code that has one (real where the code can show it)."""
    folder = CASES / "invalid"
    printed = validate_text(CASES / "biaswatch.yaml", [folder])
    expected = case_expectations(folder)
    out: dict[str, Example] = {}
    for code in codes:
        for case in expected.get(code, []):
            block = first_of(code, printed, f"invalid/{case}:")
            if block is not None:
                out[code] = Example(block, case=case)
                break
        else:
            if code in SCENARIOS:
                block = first_of(code, run_scenario(SCENARIOS[code]))
                if block is None:
                    raise RuntimeError(f"{code}: its scenario no longer produces it")
                out[code] = Example(block, scenario=SCENARIOS[code])
            elif code in SHAPES:
                out[code] = Example(SHAPES[code])
    return out
