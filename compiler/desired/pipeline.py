"""From loaded documents to per-environment desired state (pure: no disk, no AWS)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from compiler.config.resolve import resolve_monitor, substitute, validate_model
from compiler.config.source import Document, format_field_path, is_repo_file
from compiler.config.spec import Environment, MonitorSpec, ProjectConfig
from compiler.desired.alarm_rules import check_alarms, check_compiled_alarms
from compiler.desired.baselines import baseline_file
from compiler.desired.compile import compile_monitor
from compiler.desired.resources import Desired, Target
from compiler.desired.rules import check_compiled, check_monitor, check_unique_names
from compiler.diagnostics import Diagnostic, sort_diagnostics

# moto's (and so the embedded emulator's) account, used where a local environment names none.
EMULATOR_ACCOUNT_ID = "123456789012"


@dataclass(frozen=True)
class Project:
    config: ProjectConfig
    document: Document


@dataclass(frozen=True)
class Monitor:
    spec: MonitorSpec
    desired: Desired


@dataclass(frozen=True)
class EnvironmentBuild:
    name: str
    environment: Environment
    target: Target
    monitors: tuple[Monitor, ...]
    diagnostics: tuple[Diagnostic, ...]


def build_project(doc: Document) -> tuple[Project | None, list[Diagnostic]]:
    config, diags = validate_model(
        ProjectConfig, doc.data, lambda p, k: doc.source.span_for(p, key=k)
    )
    if config is None:
        return None, diags
    project_diags: list[Diagnostic] = []
    if config.default_environment not in config.environments:
        project_diags.append(
            Diagnostic(
                "E322",
                f"default_environment {config.default_environment!r} is not declared",
                doc.source.span_for(("default_environment",)),
                "default_environment",
                hints=(f"declared: {', '.join(config.environments)}",),
            )
        )
    for name, env in config.environments.items():
        if env.endpoint_url and env.emulator:
            project_diags.append(
                Diagnostic(
                    "E501",
                    "set either endpoint_url or emulator, not both",
                    doc.source.span_for(("environments", name)),
                    f"environments.{name}",
                )
            )
    return Project(config, doc), project_diags


def account_id(env: Environment) -> str | None:
    if env.account_id:
        return env.account_id
    return EMULATOR_ACCOUNT_ID if env.emulator is not None else None


def target_for(project: Project, env_name: str) -> Target:
    env = project.config.environments[env_name]
    return Target(
        project=project.config.project,
        environment=env_name,
        region=env.region,
        account_id=account_id(env),
        artifact_bucket=env.artifact_bucket,
        artifact_prefix=env.artifact_prefix,
    )


def _declared_environments(
    doc: Document, project: Project
) -> tuple[list[str] | None, list[Diagnostic]]:
    """The raw `environments` and `overrides` keys, checked against the project before merging."""
    diags = []
    known = project.config.environments
    envs = doc.data.get("environments")
    selected: list[str] | None = None
    if isinstance(envs, list):
        selected = [e for e in envs if isinstance(e, str)]
        for i, e in enumerate(envs):
            if isinstance(e, str) and e not in known:
                diags.append(
                    Diagnostic(
                        "E322",
                        f"unknown environment {e!r}",
                        doc.source.span_for(("environments", i)),
                        f"environments[{i}]",
                        hints=(f"declared in biaswatch.yaml: {', '.join(known)}",),
                    )
                )
    overrides = doc.data.get("overrides")
    if isinstance(overrides, dict):
        for key, value in overrides.items():
            if key not in known:
                diags.append(
                    Diagnostic(
                        "E322",
                        f"unknown environment {key!r}",
                        doc.source.span_for(("overrides", key), key=True),
                        f"overrides.{key}",
                        hints=(f"declared in biaswatch.yaml: {', '.join(known)}",),
                    )
                )
            if isinstance(value, dict):
                for fixed in ("name", "api_version", "kind", "overrides", "environments"):
                    if fixed in value:
                        path = ("overrides", key, fixed)
                        diags.append(
                            Diagnostic(
                                "E204",
                                f"{fixed} cannot be overridden per environment",
                                doc.source.span_for(path, key=True),
                                format_field_path(path),
                            )
                        )
    return selected, diags


BUILTIN_VARIABLES = ("env", "region", "project", "account_id", "name")


def _variables(
    project: Project, env_name: str, account: str | None
) -> tuple[dict[str, str], list[Diagnostic]]:
    """Built-in variables, then the environment's `vars` — which may use the built-ins
    (`data-${env}`) but not each other, and may not shadow them."""
    env = project.config.environments[env_name]
    builtins = {"env": env_name, "region": env.region, "project": project.config.project}
    if account:
        builtins["account_id"] = account
    variables = dict(builtins)
    diags: list[Diagnostic] = []
    source = project.document.source
    for key, value in env.vars.items():
        at = ("environments", env_name, "vars", key)
        if key in BUILTIN_VARIABLES:
            diags.append(
                Diagnostic(
                    "E321",
                    f"vars may not redefine the built-in variable {key!r}",
                    source.span_for(at, key=True),
                    format_field_path(at),
                    hints=("pick another name for it",),
                )
            )
            continue
        expanded, unknown = substitute(value, builtins)
        for _, name in unknown:
            diags.append(
                Diagnostic(
                    "E321",
                    f"unknown variable '${{{name}}}' in vars of environment {env_name!r}",
                    source.span_for(at),
                    format_field_path(at),
                    hints=(f"vars may use {', '.join(sorted(builtins))}",),
                )
            )
        variables[key] = expanded
    return variables, diags


def merge_environment_diagnostics(
    per_environment: Sequence[tuple[str, Sequence[Diagnostic]]],
) -> tuple[Diagnostic, ...]:
    """One line per problem across environments, naming the environments it occurs in.

    A monitor file is resolved once per environment, so a mistake in it would otherwise be
    reported once per environment. A problem every environment has is a mistake in the file
    and is shown as is; one only some environments have names them.
    """
    seen: dict[Diagnostic, list[str]] = {}
    for env_name, diagnostics in per_environment:
        for diag in diagnostics:
            names = seen.setdefault(diag, [])
            if env_name not in names:
                names.append(env_name)
    every = len(per_environment)
    return sort_diagnostics(
        diag
        if len(names) == every or all(f"environment {n!r}" in diag.message for n in names)
        else replace(diag, message=f"{diag.message} (in {_environments(names)})")
        for diag, names in seen.items()
    )


def _environments(names: Sequence[str]) -> str:
    if len(names) == 1:
        return f"environment {names[0]}"
    return f"environments {', '.join(names)}"


def build_environment(
    project: Project, documents: Sequence[Document], env_name: str
) -> EnvironmentBuild:
    """Resolve, check and compile every monitor document that exists in one environment."""
    env = project.config.environments[env_name]
    target = target_for(project, env_name)
    variables, diags = _variables(project, env_name, target.account_id)
    monitors: list[Monitor] = []
    names = []
    for doc in documents:
        selected, env_diags = _declared_environments(doc, project)
        diags.extend(env_diags)
        if selected is not None and env_name not in selected:
            continue
        spec, provenance, resolve_diags = resolve_monitor(
            doc, env_name, env, project.document.source, ("environments", env_name), variables
        )
        diags.extend(resolve_diags)
        if spec is None:
            continue
        rule_diags = check_monitor(spec, provenance.span, env.region)
        rule_diags += check_alarms(spec, provenance.span, env.region, target.project)
        baseline = None
        if spec.constraints and is_repo_file(spec.constraints):
            baseline, baseline_diags = baseline_file(
                spec.constraints,
                doc.attachments.get(spec.constraints),
                provenance.span(("constraints",)),
            )
            rule_diags += list(baseline_diags)
        diags.extend(rule_diags)
        names.append((spec.name, doc.path, provenance.span(("name",))))
        if any(d.is_error for d in rule_diags):
            continue
        desired = compile_monitor(spec, target, doc.path, baseline)
        if desired.endpoint_name:
            endpoint_span = provenance.span(("endpoint_input", "endpoint_name"))
            desired = replace(desired, endpoint_span=endpoint_span)
        compiled_diags = check_compiled(desired, provenance.span)
        compiled_diags += check_compiled_alarms(desired, provenance.span)
        diags.extend(compiled_diags)
        if not compiled_diags:
            monitors.append(Monitor(spec, desired))
    diags.extend(check_unique_names(names, env_name))
    return EnvironmentBuild(env_name, env, target, tuple(monitors), sort_diagnostics(diags))
