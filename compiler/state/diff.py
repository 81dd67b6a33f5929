"""Field-level differences (deepdiff) reported in the user's vocabulary where possible."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from compiler.config.source import FieldPath, format_field_path
from compiler.desired.fields import Request, label_for

MISSING = None  # what a field added or removed shows on its absent side


@dataclass(frozen=True)
class FieldChange:
    """One changed field: `path` in monitor-file terms where it maps back, else API terms."""

    resource: (
        str  # schedule | job_definition | analysis_config | tags | job_definition_tags | state
    )
    path: str
    before: Any
    after: Any


# A diff's paths are relative to the request (job definition) or to MonitoringScheduleConfig.
_REQUESTS = {
    "job_definition": (Request.JOB_DEFINITION, ()),
    "schedule": (Request.SCHEDULE, ("MonitoringScheduleConfig",)),
}


def user_path(api: FieldPath, resource: str = "job_definition") -> str:
    """An API path of a diff in the monitor file's words where the field table maps it back."""
    request, root = _REQUESTS.get(resource, (Request.JOB_DEFINITION, ()))
    return label_for(request, (*root, *api)) or format_field_path(api)


def diff_values(
    resource: str, before: Any, after: Any, *, translate: bool = True, prefix: FieldPath = ()
) -> list[FieldChange]:
    """Leaf-level changes from before to after, paths translated for display."""
    if before == after:
        return []
    if not before and isinstance(after, Mapping):
        before = {}
    if not isinstance(before, Mapping | list) or not isinstance(after, Mapping | list):
        return [FieldChange(resource, _render(prefix, translate, resource), before, after)]
    # Imported here: deepdiff imports pandas when it is installed, and commands that never
    # diff (validate, compile) must stay light.
    from deepdiff import DeepDiff

    # threshold_to_diff_deeper=0: always descend, even into dicts that share few keys.
    tree = DeepDiff(
        before, after, view="tree", ignore_order=False, verbose_level=2, threshold_to_diff_deeper=0
    )
    changes: dict[str, FieldChange] = {}
    for kind, levels in tree.items():
        for level in levels:
            path = tuple(level.path(output_format="list"))
            t1 = None if kind.endswith("_added") else level.t1
            t2 = None if kind.endswith("_removed") else level.t2
            # A list of scalars (headers, facet values, subnets) reads best whole: [1] → [2].
            while (
                path
                and isinstance(path[-1], int)
                and (_scalar_list(_get(before, path[:-1])) or _scalar_list(_get(after, path[:-1])))
            ):
                path = path[:-1]
                t1, t2 = _get(before, path), _get(after, path)
            # A whole structure added or removed is shown leaf by leaf, like everything else.
            for leaf, b, a in _leaves(path, t1, t2):
                rendered = _render((*prefix, *leaf), translate, resource)
                if rendered == "enable_cloudwatch_metrics":  # the switch, not its env value
                    b, a = _metrics_switch(b), _metrics_switch(a)
                changes[rendered] = FieldChange(resource, rendered, b, a)
    return sorted(changes.values(), key=lambda c: c.path)


def _metrics_switch(value: Any) -> Any:
    return (
        {"Enabled": True, "Disabled": False}.get(value, value) if isinstance(value, str) else value
    )


def _leaves(path: FieldPath, before: Any, after: Any) -> list[tuple[FieldPath, Any, Any]]:
    side = after if before is None else before if after is None else None
    if side is None or not isinstance(side, Mapping | list) or _scalar_list(side) or not side:
        return [(path, before, after)]
    items = side.items() if isinstance(side, Mapping) else enumerate(side)
    out: list[tuple[FieldPath, Any, Any]] = []
    for key, value in items:
        sub = (*path, key)
        out += _leaves(sub, None, value) if before is None else _leaves(sub, value, None)
    return out


def _get(value: Any, path: FieldPath) -> Any:
    for part in path:
        if isinstance(value, list) and isinstance(part, int):
            value = value[part] if 0 <= part < len(value) else None
        elif isinstance(value, Mapping):
            value = value.get(part)
        else:
            return None
    return value


def _scalar_list(value: Any) -> bool:
    return isinstance(value, list) and all(not isinstance(v, Mapping | list) for v in value)


def _render(path: FieldPath, translate: bool, resource: str) -> str:
    if resource == "analysis_config":
        return format_field_path(("analysis_config", *path))
    if resource in ("tags", "job_definition_tags"):
        return (
            format_field_path(("tags", *path))
            if resource == "tags"
            else format_field_path(("job_definition_tags", *path))
        )
    return user_path(path, resource) if translate else format_field_path(path)
