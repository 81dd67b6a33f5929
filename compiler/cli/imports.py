"""`biaswatch import`: write monitor files from existing ModelBias schedules and adopt them."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from compiler.aws import client as aws
from compiler.aws import objects
from compiler.aws.alarms import describe_alarms
from compiler.aws.client import AwsError
from compiler.aws.connect import connect
from compiler.cli.common import Options, environment_name, fail
from compiler.config.workspace import Workspace, display_path, load_workspace
from compiler.desired.pipeline import Monitor, Project, build_project, target_for
from compiler.desired.resources import OWNER_TAG, Target
from compiler.diagnostics import Diagnostic, SourceSpan, has_errors
from compiler.importer.alarms import with_live_alarms
from compiler.importer.decompile import Imported, definition_name_of, import_schedule
from compiler.importer.predict import choose_monitor, expected_change, predict_plan, reprefix
from compiler.importer.yaml_writer import render_monitor
from compiler.render.text import render_plan_text
from compiler.state.plan import Action
from compiler.state.projection import RawMonitor

SCHEMA_FILE = Path("schema") / "monitor.schema.json"


@dataclass(frozen=True)
class _Planned:
    """One import, decided but not yet written."""

    imported: Imported
    live: RawMonitor
    path: Path
    display: str
    text: str
    monitor: Monitor


def _project(opts: Options) -> tuple[Workspace, Project]:
    # Other monitor files' problems are not this command's business (and an empty monitors
    # folder is where imports start), so only the project file must be valid.
    ws = load_workspace(opts.project_file)
    if ws.project_document is None:
        fail(opts, [d for d in ws.diagnostics if d.code != "E502"])
    project, diags = build_project(ws.project_document)
    if project is None or has_errors(diags):
        fail(opts, diags)
    return ws, project


def _read(clients: aws.Clients, name: str) -> RawMonitor:
    schedule = aws.describe_schedule(clients, name)
    if schedule is None:
        return RawMonitor(name, None, {}, None, {}, None)
    schedule_tags = aws.list_tags(clients, schedule["MonitoringScheduleArn"])
    definition_name = definition_name_of(schedule)
    definition = (
        aws.describe_job_definition(clients, definition_name)
        if definition_name
        and schedule.get("MonitoringScheduleConfig", {}).get("MonitoringType") == "ModelBias"
        else None
    )
    definition_tags = aws.list_tags(clients, definition["JobDefinitionArn"]) if definition else {}
    uri = (definition or {}).get("ModelBiasAppSpecification", {}).get("ConfigUri")
    body = (
        objects.read_object(clients, uri)
        if isinstance(uri, str) and uri.startswith("s3://")
        else None
    )
    return RawMonitor(name, schedule, schedule_tags, definition, definition_tags, body)


def _schema_path(out_dir: Path, root: Path) -> str:
    return Path(os.path.relpath((root / SCHEMA_FILE).resolve(), out_dir.resolve())).as_posix()


def _defined_in(ws: Workspace, name: str) -> str | None:
    for doc in ws.documents:
        if doc.data.get("name") == name:
            return doc.path
    return None


@click.command("import")
@click.argument("names", nargs=-1, required=True)
@click.option("--env", "env", default=None, help="Environment to import from.")
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to write the files (default: the project's monitors folder).",
)
@click.option("--force", is_flag=True, help="Overwrite existing monitor files.")
@click.option(
    "--with-alarms",
    is_flag=True,
    help="Also bring the CloudWatch alarms on each schedule's bias metrics into its file.",
)
@click.pass_obj
def import_cmd(
    opts: Options,
    names: tuple[str, ...],
    env: str | None,
    out_dir: Path | None,
    force: bool,
    with_alarms: bool,
) -> None:
    """Write monitor files from existing ModelBias schedules and adopt them.

    Works for schedules made by the SageMaker Python SDK, the console, CloudFormation or
    biaswatch. Each file compiles to the live requests in every field a monitor file can
    set. The schedule gets the biaswatch:project tag (adoption: without it, plan refuses
    to touch a schedule); nothing else changes until you run plan and apply.

    For schedules biaswatch did not create, the next plan is a definition swap: job
    definitions are immutable, biaswatch names them by a hash of their content and keeps
    the analysis config at a content-addressed key, so a new definition (same content, new
    ConfigUri) replaces the old one. The schedule and its history stay; the old definition
    is kept, as biaswatch deletes only definitions it owns. Commit the written files before
    anyone runs `apply --allow-destroy`: an adopted schedule without a file is an orphan.

    Refuses, writing nothing, when a schedule is missing (E403) or not ModelBias (E421), its
    analysis config cannot be read (E422) or has keys other than the six a monitoring
    config takes (E423), it belongs to another project (E425), the file would not validate
    (E424), or the file exists (E504; --force overwrites).
    """
    ws, project = _project(opts)
    env_name = environment_name(opts, project, env)
    environment = project.config.environments[env_name]
    target = target_for(project, env_name)
    folder = out_dir if out_dir is not None else ws.root / project.config.monitors
    multi_env = len(project.config.environments) > 1
    planned: list[_Planned] = []
    problems: list[Diagnostic] = []
    try:
        with connect(env_name, environment, ws.root) as conn:
            lives = conn.clients.map(lambda n: _read(conn.clients, n), list(dict.fromkeys(names)))
            described = describe_alarms(conn.clients, "") if with_alarms else []
            for live in lives:
                path = folder / f"{live.name}.yaml"
                shown = display_path(path, ws.root)
                found, refusals = import_schedule(live, target.region, target.project)
                if found is None:
                    problems += refusals
                    continue
                if with_alarms:
                    found = with_live_alarms(found, described)
                problems += _file_conflicts(ws, live.name, path, shown, force)
                item, diags = _plan_file(
                    project, env_name, target, found, live, path, shown, folder, ws.root, multi_env
                )
                problems += diags
                if item is not None:
                    planned.append(item)
            if problems:
                fail(opts, problems)
            folder.mkdir(parents=True, exist_ok=True)
            for item in planned:
                item.path.write_text(item.text, encoding="utf-8")
            for item in planned:
                if item.imported.owner is None:
                    arn = item.imported.schedule_arn
                    aws.sagemaker_call(
                        conn.clients,
                        "AddTags",
                        arn,
                        item.display,
                        ResourceArn=arn,
                        Tags=[{"Key": OWNER_TAG, "Value": target.project}],
                    )
    except AwsError as exc:
        written = [p.display for p in planned if p.path.exists()]
        diagnostic = exc.diagnostic
        if written:
            diagnostic = dataclasses.replace(
                diagnostic,
                hints=(
                    *diagnostic.hints,
                    f"already written: {', '.join(written)}; run the import again with --force",
                ),
            )
        fail(opts, [diagnostic])
    for item in planned:
        _report(item, project, env_name, target.account_id, target.region, folder, ws.root)


def _file_conflicts(
    ws: Workspace, name: str, path: Path, shown: str, force: bool
) -> list[Diagnostic]:
    out = []
    if path.exists() and not force:
        out.append(
            Diagnostic(
                "E504",
                f"{shown} already exists; not overwritten",
                SourceSpan(shown),
                hints=("pass --force to overwrite it, or --out-dir to write elsewhere",),
            )
        )
    other = _defined_in(ws, name)
    if other is not None and Path(ws.root / other).resolve() != path.resolve():
        out.append(
            Diagnostic(
                "E319",
                f"monitor {name!r} is already defined in {other}",
                SourceSpan(other),
                "name",
                hints=("edit that file instead, or remove it and import again",),
            )
        )
    return out


def _plan_file(
    project: Project,
    env_name: str,
    target: Target,
    found: Imported,
    live: RawMonitor,
    path: Path,
    shown: str,
    folder: Path,
    root: Path,
    multi_env: bool,
) -> tuple[_Planned | None, list[Diagnostic]]:
    explicit: dict[str, Any] = dict(found.monitor)
    if multi_env:
        # The schedule exists in one account: without this the file would create copies of
        # it (with this account's buckets and role) in every other environment.
        explicit["environments"] = [env_name]
    schema = _schema_path(folder, root)

    def render(monitor: Mapping[str, Any]) -> str:
        return render_monitor(
            monitor, schema_path=schema, environment=env_name, imported=found, notes=found.notes
        )

    chosen, monitor, diags = choose_monitor(project, env_name, target, explicit, render, shown)
    if monitor is None:
        return None, [
            Diagnostic(
                "E424",
                f"schedule {found.name!r} maps to a monitor file biaswatch would not accept",
                SourceSpan(shown),
                hints=("the problems below name the keys; nothing was written",),
            ),
            *reprefix(diags, shown),
        ]
    return _Planned(found, live, path, shown, render(chosen), monitor), []


def _report(
    item: _Planned,
    project: Project,
    env_name: str,
    account_id: str | None,
    region: str,
    folder: Path,
    root: Path,
) -> None:
    found = item.imported
    adopted = found.owner is None
    click.echo(f"Imported {found.name} → {item.display}")
    if adopted:
        click.echo(f"  adopted: tagged the schedule {OWNER_TAG}={project.config.project}")
    for note in found.notes:
        click.echo(f"  note: {note}")
    predicted = predict_plan(
        project.config.project,
        env_name,
        account_id,
        region,
        item.monitor,
        item.live,
        adopted=adopted,
    )
    change = predicted.changes[0] if predicted.changes else None
    if change is None or change.is_noop:
        click.echo("  the next plan shows no changes for it")
    else:
        ownership, other = expected_change(change)
        if change.action is Action.SWAP:
            click.echo(
                "  the next plan swaps its job definition: same content, analysis config moved to"
                f" {item.monitor.desired.analysis_config_s3_uri}; the schedule and its history stay"
            )
            if found.definition_name and not _owned(item, project):
                click.echo(
                    f"  {found.definition_name} is kept after the swap (biaswatch deletes only"
                    " definitions it owns); delete it by hand when you no longer need it"
                )
        if ownership:
            click.echo(f"  ownership tags the next plan adds: {', '.join(ownership)}")
        for line in other:
            click.echo(f"  also changes (no monitor key reproduces the live value): {line}")
    inside = _inside(item.path, root / project.config.monitors)
    if not inside:
        click.echo(
            f"  warning: {item.display} is outside {project.config.monitors}/, where plan looks;"
            " move it there before the next plan",
            err=True,
        )
    click.echo("  the next plan, predicted from what was read:")
    for line in render_plan_text(predicted, color=False).splitlines():
        click.echo(f"    {line}" if line else "")


def _owned(item: _Planned, project: Project) -> bool:
    return item.live.job_definition_tags.get(OWNER_TAG) == project.config.project


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False
