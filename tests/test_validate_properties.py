"""Property tests: whatever a monitor file holds, validation yields diagnostics, never exceptions."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compiler.config.loader import load_file, load_text
from compiler.desired.pipeline import build_environment, build_project
from compiler.diagnostics import has_errors

REPO = Path(__file__).resolve().parent.parent
_project_doc, _ = load_file(REPO / "biaswatch.yaml", "biaswatch.yaml")
assert _project_doc is not None
PROJECT, _ = build_project(_project_doc)
assert PROJECT is not None
EXAMPLES = [yaml.safe_load(p.read_text()) for p in sorted((REPO / "monitors").glob("*.yaml"))]
KEYS = sorted(
    {k for e in EXAMPLES for k in e} | {"statistics", "network_config", "env", "overrides", "bogus"}
)

junk = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=False)
    | st.text(max_size=80)
    | st.sampled_from(
        [
            "NOW",
            "hourly",
            "-PT1H",
            "s3://b/k",
            "${env}",
            "${nope}",
            "cron(0 * ? * * *)",
            "ml.m5.xlarge",
        ]
    ),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    node = doc
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return doc


def _check(data: Any) -> None:
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True).encode()
    doc, diags = load_text("monitors/m.yaml", text)
    if doc is None:
        assert has_errors(diags)
        return
    for env in PROJECT.config.environments:
        build = build_environment(PROJECT, [doc], env)
        for d in build.diagnostics:
            assert d.span is not None and d.span.line >= 1 and d.span.column >= 1
            assert d.code and d.message
        assert build.monitors or has_errors(build.diagnostics) or _not_in_env(doc.data, env)


def _not_in_env(data: Any, env: str) -> bool:
    envs = data.get("environments") if isinstance(data, dict) else None
    return isinstance(envs, list) and env not in envs


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(EXAMPLES) - 1), st.data())
def test_validate__mutated_example__only_diagnostics(index: int, data: st.DataObject) -> None:
    doc = copy.deepcopy(EXAMPLES[index])
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(doc)))
        doc = _set(doc, path, data.draw(junk))
    _check(doc)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from(KEYS), junk, max_size=12))
def test_validate__random_document__only_diagnostics(data: dict[str, Any]) -> None:
    _check({"api_version": "biaswatch/v1", "kind": "ModelBiasMonitor", **data})
