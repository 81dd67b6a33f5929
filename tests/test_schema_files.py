"""The published JSON Schemas equal the ones generated from the models; files validate."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from compiler.config.loader import load_file
from tests.golden import assert_file_matches
from tools.schema_export import render_schemas

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", sorted(render_schemas()))
def test_schema_file__generated_from_models__unchanged(name: str) -> None:
    assert_file_matches(REPO / "schema" / name, render_schemas()[name], "published schema")


def _validator(name: str) -> jsonschema.protocols.Validator:
    schema = json.loads((REPO / "schema" / name).read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


@pytest.mark.parametrize("path", sorted((REPO / "monitors").glob("*.yaml")), ids=lambda p: p.name)
def test_monitor_schema__example_file__validates(path: Path) -> None:
    doc, diags = load_file(path, path.name)
    assert doc is not None and not diags
    errors = list(_validator("monitor.schema.json").iter_errors(doc.data))
    assert errors == []


def test_monitor_schema__every_file__names_its_schema_for_editors() -> None:
    for path in sorted((REPO / "monitors").glob("*.yaml")):
        first = path.read_text().splitlines()[0]
        assert first == "# yaml-language-server: $schema=../schema/monitor.schema.json", path.name


def test_project_schema__repo_project_file__validates() -> None:
    doc, diags = load_file(REPO / "biaswatch.yaml", "biaswatch.yaml")
    assert doc is not None and not diags
    assert list(_validator("project.schema.json").iter_errors(doc.data)) == []


def test_monitor_schema__unknown_key__rejected() -> None:
    errors = list(
        _validator("monitor.schema.json").iter_errors(
            {"api_version": "biaswatch/v1", "kind": "ModelBiasMonitor", "name": "x", "bogus": 1}
        )
    )
    assert any("bogus" in e.message for e in errors)
