"""`preview` and `baseline`: a monitor's own analysis config run on a sample or on captured data.

pandas, scikit-learn and smclarify are imported inside the commands, never at module load:
`biaswatch validate` and the other commands must stay light.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from compiler.cli.common import (
    EXIT_CHANGES,
    FORMAT,
    Options,
    Stop,
    build_or_fail,
    emit_diagnostics,
    fail,
    open_workspace,
)
from compiler.config.source import FieldPath, SourceMap
from compiler.config.workspace import Workspace
from compiler.desired.pipeline import EnvironmentBuild, Monitor
from compiler.diagnostics import Diagnostic, SourceSpan, has_errors

if TYPE_CHECKING:
    from compiler.analysis.preview import PreviewResult

DEFAULT_PREDICTION_COLUMN = "prediction"  # compiler.analysis.config's, without importing pandas


def _monitor(opts: Options, build: EnvironmentBuild, name: str) -> Monitor:
    for monitor in build.monitors:
        if monitor.spec.name == name:
            return monitor
    fail(
        opts,
        [
            Diagnostic(
                "E503",
                f"no monitor named {name!r} in environment {build.name!r}",
                SourceSpan(str(opts.project_file)),
                hints=(
                    "monitors here: "
                    + (", ".join(sorted(m.spec.name for m in build.monitors)) or "none"),
                ),
            )
        ],
    )


def _model_input(monitor: Monitor) -> Any:
    """The monitor's endpoint_input or batch_transform_input (threshold and attributes)."""
    return monitor.spec.endpoint_input or monitor.spec.batch_transform_input


def _threshold(monitor: Monitor) -> float | None:
    model_input = _model_input(monitor)
    value = getattr(model_input, "probability_threshold_attribute", None)
    return float(value) if value is not None else None


def _load_baseline(
    opts: Options, path: Path | None, root: Path
) -> tuple[dict[str, Any] | None, list[Diagnostic]]:
    """The baseline document at `path` (analysis.json), or E714 when it is not JSON."""
    if path is None:
        return None, []
    shown = str(path)
    from compiler.analysis.baseline import read_baseline

    try:
        document = json.loads((root / path).read_text("utf-8"))
    except OSError as exc:
        problem = f"cannot be read: {exc.strerror or exc}"
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problem = f"is not JSON: {exc}"
    else:
        _, bad = read_baseline(document, shown)
        if not bad:
            return document, []
        return None, [
            dataclasses.replace(d, span=SourceSpan(shown), field="--baseline") for d in bad
        ]
    return None, [
        Diagnostic("E714", f"baseline {shown!r} {problem}", SourceSpan(shown), field="--baseline")
    ]


_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _field_path(field: str, monitor: Monitor) -> FieldPath:
    """A diagnostic's field as a path in the monitor file (the threshold sits in the input)."""
    if field == "probability_threshold_attribute":
        section = "endpoint_input" if monitor.spec.endpoint_input else "batch_transform_input"
        return (section, field)
    return tuple(int(i) if i else name for name, i in _PART.findall(field))


def _locate(
    diagnostics: Iterable[Diagnostic], monitor: Monitor, data: str, source: SourceMap | None
) -> list[Diagnostic]:
    """Diagnostics about the data point at the sample file; those about the config at the
    field of the monitor file they name."""
    out = []
    for d in diagnostics:
        if d.span is None:
            if d.field.startswith(("analysis_config", "probability_threshold")):
                path = _field_path(d.field, monitor)
                span = (
                    source.span_for(path)
                    if source is not None
                    else SourceSpan(monitor.desired.source_path)
                )
            else:
                span = SourceSpan(data)
            d = dataclasses.replace(d, span=span)
        out.append(d)
    return out


def _source(ws: Workspace, monitor: Monitor) -> SourceMap | None:
    for document in ws.documents:
        if document.path == monitor.desired.source_path:
            return document.source
    return None


def _show(result: PreviewResult, name: str, fmt: str) -> None:
    from compiler.render.analysis import (
        render_preview_json,
        render_preview_markdown,
        render_preview_text,
    )

    renderer = {
        "json": render_preview_json,
        "markdown": render_preview_markdown,
        "text": render_preview_text,
    }[fmt]
    click.echo(renderer(result, name), nl=False)


def _finish(
    opts: Options,
    result: PreviewResult,
    monitor: Monitor,
    data: str,
    fmt: str,
    source: SourceMap | None,
) -> None:
    diagnostics = _locate(result.diagnostics, monitor, data, source)
    if not result.ok or has_errors(diagnostics):
        fail(opts, diagnostics)
    emit_diagnostics(opts, diagnostics)
    _show(result, monitor.spec.name, fmt)
    if result.violations:
        raise Stop(EXIT_CHANGES)


def _sample(opts: Options, monitor: Monitor, data: Path, root: Path, prediction_column: str) -> Any:
    from compiler.analysis.config import read_analysis_config
    from compiler.analysis.sample import load_sample

    spec, _ = read_analysis_config(monitor.desired.analysis_config, _threshold(monitor))
    wanted = None
    # Without headers Clarify uses every column of the dataset: keep them all.
    if spec is not None and spec.headers is not None:
        # The headers too: FT's nearest neighbours are found on the feature columns.
        wanted = {spec.label, prediction_column, *(f.name for f in spec.facets)}
        wanted.update(spec.headers)
        if spec.group_variable:
            wanted.add(spec.group_variable)
    path = data if data.is_absolute() else Path.cwd() / data
    sample, problems = load_sample(path, wanted, display=str(data))
    if sample is None:
        fail(opts, list(problems))
    return sample


@click.command()
@click.argument("name")
@click.option(
    "--data",
    type=click.Path(path_type=Path),
    default=None,
    help="Sample file: CSV with a header row, or JSON Lines.",
)
@click.option(
    "--prediction-column",
    default=DEFAULT_PREDICTION_COLUMN,
    show_default=True,
    help="The column holding the model's output (a score under probability_threshold_attribute).",
)
@click.option(
    "--from-capture", is_flag=True, help="Read the endpoint's captured data and ground truth."
)
@click.option("--start", default=None, help="With --from-capture: window start, ISO-8601 UTC.")
@click.option("--end", default=None, help="With --from-capture: window end, ISO-8601 UTC.")
@click.option(
    "--baseline",
    "baseline_path",
    type=click.Path(path_type=Path),
    default=None,
    help="A baseline analysis.json to compare with (exit 2 on violations); default: the "
    "monitor's own baseline file when its constraints name one in the repository.",
)
@click.option("--env", "env", default=None, help="Environment whose monitor config to use.")
@click.option("--format", "fmt", type=FORMAT, default="text", show_default=True)
@click.pass_obj
def preview(
    opts: Options,
    name: str,
    data: Path | None,
    prediction_column: str,
    from_capture: bool,
    start: str | None,
    end: str | None,
    baseline_path: Path | None,
    env: str | None,
    fmt: str,
) -> None:
    """Bias metrics of monitor NAME's analysis config on a sample file or on captured data.

    Exit 0 computed, 1 the data or config does not fit (pre-flight), 2 violations of the
    baseline (indicative: a local point estimate).
    """
    if (data is None) == (not from_capture):
        raise click.UsageError("give either --data FILE or --from-capture")
    if (start or end) and not from_capture:
        raise click.UsageError("--start and --end go with --from-capture")
    ws, project = open_workspace(opts)
    build = build_or_fail(opts, ws, project, env)
    monitor = _monitor(opts, build, name)
    baseline, problems = _load_baseline(opts, baseline_path, Path.cwd())
    if problems:
        fail(opts, problems)
    if baseline_path is None and monitor.desired.baseline_body is not None:
        # the monitor's own baseline file from git (validated when the monitor compiled)
        baseline = json.loads(monitor.desired.baseline_body)

    from compiler.analysis.preview import build_preview

    if from_capture:
        result, where = _from_capture(opts, ws.root, build, monitor, start, end, baseline)
        _finish(opts, result, monitor, where, fmt, _source(ws, monitor))
        return
    assert data is not None
    sample = _sample(opts, monitor, data, ws.root, prediction_column)
    result = build_preview(
        monitor.desired.analysis_config,
        sample.frame,
        prediction_column,
        baseline,
        probability_threshold=_threshold(monitor),
        columns=sample.columns,
    )
    _finish(opts, result, monitor, str(data), fmt, _source(ws, monitor))


def _check_capture_monitor(opts: Options, monitor: Monitor) -> None:
    """--from-capture needs an endpoint monitor with ground truth (E717 otherwise)."""
    spec, source = monitor.spec, monitor.desired.source_path
    if spec.endpoint_input is None:
        fail(
            opts,
            [
                Diagnostic(
                    "E717",
                    f"monitor {spec.name!r} reads a batch transform job's data; --from-capture "
                    "reads an endpoint's capture only",
                    SourceSpan(source),
                    field="batch_transform_input",
                    hints=("download the job's captured data and run preview --data",),
                )
            ],
        )
    if not spec.ground_truth_input:
        fail(
            opts, [Diagnostic("E717", "the monitor has no ground_truth_input", SourceSpan(source))]
        )


def _capture_window(inp: Any, start: str | None, end: str | None) -> tuple[datetime, datetime]:
    """--start/--end as UTC times; by default the monitor's own offsets relative to now."""
    from compiler.aws import capture as s3capture

    try:
        if start or end:
            window_start = s3capture.parse_time(start) if start else None
            window_end = s3capture.parse_time(end) if end else datetime.now(UTC)
        else:
            window_start, window_end = s3capture.default_window(
                datetime.now(UTC), inp.start_time_offset, inp.end_time_offset
            )
    except ValueError as exc:
        raise click.UsageError(f"--start/--end: {exc}; use e.g. 2026-12-02T03:00:00Z") from None
    if window_start is None:
        raise click.UsageError("--end needs --start")
    if window_start >= window_end:
        raise click.UsageError("--start must be earlier than --end")
    return window_start, window_end


def _from_capture(
    opts: Options,
    root: Path,
    build: EnvironmentBuild,
    monitor: Monitor,
    start: str | None,
    end: str | None,
    baseline: dict[str, Any] | None,
) -> tuple[PreviewResult, str]:
    from compiler.analysis.capture import ModelOutput, merge_capture
    from compiler.analysis.config import read_analysis_config
    from compiler.analysis.preview import PreviewResult, build_preview
    from compiler.aws import capture as s3capture
    from compiler.aws.client import AwsError
    from compiler.aws.connect import connect

    spec = monitor.spec
    source = monitor.desired.source_path
    _check_capture_monitor(opts, monitor)
    inp = spec.endpoint_input
    assert inp is not None and spec.ground_truth_input
    window_start, window_end = _capture_window(inp, start, end)

    analysis_spec, problems = read_analysis_config(
        monitor.desired.analysis_config, _threshold(monitor)
    )
    if analysis_spec is None:
        fail(opts, _locate(problems, monitor, source, None))
    model = ModelOutput(
        features_attribute=inp.features_attribute,
        inference_attribute=inp.inference_attribute,
        probability_attribute=inp.probability_attribute,
        probability_threshold=_threshold(monitor),
    )
    try:
        with connect(build.name, build.environment, root) as conn:
            where = s3capture.capture_source(conn.clients, inp.endpoint_name)
            captured = s3capture.capture_files(conn.clients, where, window_start, window_end)
            truth = s3capture.keys_in_window(
                conn.clients, spec.ground_truth_input, window_start, window_end
            )
            window = f"{window_start:%Y-%m-%dT%H:%M:%SZ} to {window_end:%Y-%m-%dT%H:%M:%SZ}"
            if not captured:
                fail(
                    opts,
                    [
                        Diagnostic(
                            "E717",
                            f"no captured data under {where.prefix}/ from {window}",
                            SourceSpan(source),
                            field="endpoint_input.endpoint_name",
                            hints=("widen the window with --start/--end",),
                        )
                    ],
                )
            click.echo(
                f"Reading {len(captured)} capture and {len(truth)} ground truth file(s), {window}",
                err=True,
            )
            merged = merge_capture(
                s3capture.read_lines(conn.clients, captured),
                s3capture.read_lines(conn.clients, truth),
                analysis_spec,
                model,
            )
    except AwsError as exc:
        fail(opts, [exc.diagnostic])
    click.echo(merged.summary, err=True)
    counts = {"captured": merged.captured, "matched": merged.matched}
    if has_errors(merged.diagnostics):
        return PreviewResult(None, (), merged.diagnostics, counts), where.prefix
    result = build_preview(
        monitor.desired.analysis_config,
        list(merged.rows),
        DEFAULT_PREDICTION_COLUMN,
        baseline,
        probability_threshold=_threshold(monitor),
        extra_counts=counts,
    )
    return (
        PreviewResult(
            result.metrics,
            result.violations,
            (*merged.diagnostics, *result.diagnostics),
            result.counts,
            result.compared_to_baseline,
        ),
        where.prefix,
    )


@click.command()
@click.argument("name")
@click.option(
    "--data",
    type=click.Path(path_type=Path),
    required=True,
    help="Sample file: CSV with a header row, or JSON Lines.",
)
@click.option("--prediction-column", default=DEFAULT_PREDICTION_COLUMN, show_default=True)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    help="Where to write the baseline (Clarify's analysis.json shape).",
)
@click.option("--env", "env", default=None, help="Environment whose monitor config to use.")
@click.pass_obj
def baseline(
    opts: Options,
    name: str,
    data: Path,
    prediction_column: str,
    out: Path,
    env: str | None,
) -> None:
    """Write a baseline constraints file (analysis.json) from monitor NAME's metrics on a sample."""
    ws, project = open_workspace(opts)
    build = build_or_fail(opts, ws, project, env)
    monitor = _monitor(opts, build, name)

    from compiler.analysis.baseline import build_baseline
    from compiler.analysis.preview import build_preview

    sample = _sample(opts, monitor, data, ws.root, prediction_column)
    result = build_preview(
        monitor.desired.analysis_config,
        sample.frame,
        prediction_column,
        probability_threshold=_threshold(monitor),
        columns=sample.columns,
    )
    diagnostics = _locate(result.diagnostics, monitor, str(data), _source(ws, monitor))
    if not result.ok or result.metrics is None:
        fail(opts, diagnostics)
    emit_diagnostics(opts, diagnostics)
    document = json.dumps(build_baseline(result.metrics), indent=2, allow_nan=False) + "\n"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(document, encoding="utf-8")
    except OSError as exc:
        fail(
            opts,
            [
                Diagnostic(
                    "E508",
                    f"cannot write {str(out)!r}: {exc.strerror or exc}",
                    SourceSpan(str(out)),
                )
            ],
        )
    click.echo(
        f"Wrote baseline of {name} ({result.counts.get('rows', 0):,} rows) to {out}", err=True
    )
