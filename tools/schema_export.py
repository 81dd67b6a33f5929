"""The published JSON Schemas in schema/, generated from the pydantic models.

Editors validate a monitor file as written, before environment defaults are merged in,
so the file schema requires only the keys no default can supply; everything else the
models require is checked by `biaswatch validate` after merging.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

from compiler.config.spec import MonitorSpec, ProjectConfig

SCHEMA_BASE = "https://biaswatch.dev/schema/"
FILE_REQUIRED = ["api_version", "kind", "name"]


def monitor_schema() -> dict[str, Any]:
    schema = MonitorSpec.model_json_schema(by_alias=True)
    schema["required"] = [k for k in FILE_REQUIRED if k in schema["properties"]]
    schema["properties"]["overrides"]["additionalProperties"] = {
        "type": "object",
        "description": "Monitor keys for this environment, merged over the file's.",
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_BASE + "monitor.schema.json",
        **schema,
        "title": "biaswatch monitor file (ModelBiasMonitor)",
    }


def project_schema() -> dict[str, Any]:
    schema = ProjectConfig.model_json_schema(by_alias=True)
    defaults = copy.deepcopy(monitor_schema())
    env = schema["$defs"]["Environment"]
    env["properties"]["defaults"] = {
        "description": "Monitor keys merged under every monitor of this environment.",
        "type": "object",
        "properties": defaults["properties"],
        "additionalProperties": False,
    }
    schema["$defs"].update(
        {k: v for k, v in defaults.get("$defs", {}).items() if k not in schema["$defs"]}
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_BASE + "project.schema.json",
        **schema,
        "title": "biaswatch project file (biaswatch.yaml)",
    }


def render_schemas() -> dict[str, str]:
    """File name → text of every published schema."""
    return {
        "monitor.schema.json": json.dumps(monitor_schema(), indent=2, ensure_ascii=False) + "\n",
        "project.schema.json": json.dumps(project_schema(), indent=2, ensure_ascii=False) + "\n",
    }


def main(argv: list[str]) -> int:
    folder = Path(argv[0] if argv else "schema")
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in render_schemas().items():
        (folder / name).write_text(text, encoding="utf-8")
        print(f"wrote {folder / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
