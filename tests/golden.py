"""Golden-file comparison; `make golden` (BIASWATCH_UPDATE_GOLDEN=1) rewrites them."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent / "golden"


def assert_file_matches(path: Path, actual: str, what: str = "golden file") -> None:
    """`path` holds exactly `actual`; with BIASWATCH_UPDATE_GOLDEN=1 it is rewritten instead."""
    if os.environ.get("BIASWATCH_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"{what} {path} missing; run `make golden` and review the diff"
    expected = path.read_text(encoding="utf-8")
    if expected != actual:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                str(path),
                "actual",
            )
        )
        raise AssertionError(
            f"{what} {path} is out of date (run `make golden` if intended):\n{diff}"
        )


def assert_golden(relative: str, actual: str) -> None:
    assert_file_matches(GOLDEN / relative, actual)
