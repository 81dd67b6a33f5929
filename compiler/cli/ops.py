"""Operator commands: `iam-policy` (the least-privilege policy, no network) and `bootstrap`.

Registered on the root group by compiler.cli.main.
"""

from __future__ import annotations

import json

import click

from compiler.aws.bootstrap import SKIPPED, Step, bootstrap_bucket
from compiler.aws.client import AwsError
from compiler.cli import common
from compiler.desired.iam import (
    MANAGED_POLICY_MAX_CHARS,
    MODES,
    build_policy,
    policy_account,
    policy_size,
)
from compiler.diagnostics import Diagnostic, Severity, SourceSpan


@click.command(name="iam-policy")
@click.option("--env", "env", default=None, help="Environment whose monitors the policy covers.")
@click.option(
    "--mode",
    type=click.Choice(MODES),
    default="plan",
    show_default=True,
    help="plan: read-only; drift: plan + violation reports; apply: plan + changes.",
)
@click.option(
    "--allow-destroy",
    is_flag=True,
    help="apply: also delete owned schedules and definitions whose files are gone (by tag).",
)
@click.option(
    "--kms-key",
    default=None,
    help="The artifact bucket's KMS key, if `bootstrap --kms-key` made it SSE-KMS.",
)
@click.pass_obj
def iam_policy_cmd(
    opts: common.Options, env: str | None, mode: str, allow_destroy: bool, kms_key: str | None
) -> None:
    """Print the least-privilege IAM policy (JSON) for the monitors in git; no network."""
    ws, project = common.open_workspace(opts)
    build = common.build_or_fail(opts, ws, project, env)
    if policy_account(build) is None:
        common.fail(
            opts,
            [
                Diagnostic(
                    "E505",
                    f"environment {build.name!r} has no account_id; the policy's ARNs need one",
                    project.document.source.span_for(("environments", build.name)),
                    f"environments.{build.name}.account_id",
                    hints=(f"set environments.{build.name}.account_id in biaswatch.yaml",),
                )
            ],
        )
    policy = build_policy(
        build,
        project.config.project,
        mode,
        allow_destroy=allow_destroy,
        artifact_kms_key=kms_key,
    )
    size = policy_size(policy)
    if size > MANAGED_POLICY_MAX_CHARS:
        common.emit_diagnostics(
            opts,
            [
                Diagnostic(
                    "W607",
                    f"the policy has {size} characters; a managed policy holds at most {MANAGED_POLICY_MAX_CHARS}",
                    SourceSpan(str(opts.project_file)),
                    severity=Severity.WARNING,
                    hints=(
                        "the policy grows with distinct execution roles, output locations, KMS keys and tag keys, not with monitors: let monitors share them",
                        "or attach it as an inline role policy (10,240 characters for all of a role's inline policies)",
                    ),
                )
            ],
        )
    click.echo(json.dumps(policy, indent=2, ensure_ascii=False))


def _print_step(step: Step) -> None:
    detail = f": {step.detail}" if step.detail else ""
    click.echo(f"  {step.what}: {step.status}{detail}")


@click.command(name="bootstrap")
@click.option("--env", "env", default=None, help="Environment whose artifact bucket to set up.")
@click.option(
    "--kms-key",
    default=None,
    help="Encrypt with this KMS key (SSE-KMS with a bucket key); default SSE-S3.",
)
@click.pass_obj
def bootstrap_cmd(opts: common.Options, env: str | None, kms_key: str | None) -> None:
    """Create the artifact bucket: encrypted, versioned, public access blocked, TLS only. Idempotent."""
    with common.open_session(opts, env, check_account_id=True) as session:
        bucket = session.build.environment.artifact_bucket
        account = session.account or ""
        click.echo(f"Bootstrapping s3://{bucket} for environment {session.build.name!r}:")
        try:
            steps = bootstrap_bucket(
                session.conn.clients, bucket, account, kms_key, on_step=_print_step
            )
        except AwsError as exc:
            common.fail(opts, [exc.diagnostic])
    changed = [s for s in steps if s.changed]
    skipped = sum(1 for s in steps if s.status == SKIPPED)
    also = f" ({skipped} skipped)" if skipped else ""
    if changed:
        click.echo(f"Bootstrap: {len(changed)} of {len(steps)} settings changed{also}.")
    else:
        click.echo(f"Bootstrap: nothing to change; the bucket is already set up{also}.")
