"""Print the GitHub Actions matrix of biaswatch environments, read from biaswatch.yaml.

    python .github/scripts/biaswatch_matrix.py --purpose plan|apply|drift [--project-file F]

Prints one line of JSON, `{"include": [{"environment", "region", "project", "aws"}, ...]}`,
in the order biaswatch.yaml lists the environments:

- `plan` keeps every environment except those with an `endpoint_url` (a served emulator
  or another endpoint that CI cannot reach); an `emulator` environment gets `aws: false`
  (the embedded emulator runs in-process: no credentials, no AWS).
- `apply` and `drift` keep only real AWS environments (neither `emulator` nor
  `endpoint_url`): the embedded emulator starts empty in every CI run, so applying to it
  or auditing it there means nothing.

BIASWATCH_ENVIRONMENTS (space- or comma-separated names, e.g. a repository variable)
narrows the list further. Needs only PyYAML.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import yaml


def matrix(project: dict[str, Any], purpose: str, only: list[str] | None = None) -> dict[str, Any]:
    include = []
    for name, env in (project.get("environments") or {}).items():
        env = env or {}
        if env.get("endpoint_url"):
            continue
        emulated = env.get("emulator") is not None
        if emulated and purpose != "plan":
            continue
        if only and name not in only:
            continue
        include.append(
            {
                "environment": str(name),
                "region": str(env.get("region", "")),
                "project": str(project.get("project", "")),
                "aws": not emulated,
            }
        )
    return {"include": include}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--purpose", choices=["plan", "apply", "drift"], required=True)
    parser.add_argument("--project-file", default="biaswatch.yaml")
    args = parser.parse_args(argv)
    project = yaml.safe_load(Path(args.project_file).read_text(encoding="utf-8")) or {}
    only = [n for n in re.split(r"[\s,]+", os.environ.get("BIASWATCH_ENVIRONMENTS", "")) if n]
    print(json.dumps(matrix(project, args.purpose, only or None), separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
