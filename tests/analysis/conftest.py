"""Generated data for the analysis tests."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

CONFIG = {
    "headers": ["age", "income", "gender", "approved"],
    "label": "approved",
    "label_values_or_threshold": [1],
    "facet": [{"name_or_index": "gender", "value_or_threshold": ["female"]}],
}


def generate(n: int = 3000, seed: int = 7) -> pd.DataFrame:
    """Rows with a known bias: men get higher scores."""
    rng = np.random.default_rng(seed)
    gender = rng.choice(["male", "female"], n, p=[0.55, 0.45])
    age = rng.integers(18, 90, n)
    income = rng.normal(50_000, 10_000, n).round()
    approved = rng.integers(0, 2, n)
    score = np.clip(rng.random(n) * 0.9 + (gender == "male") * 0.15, 0, 1).round(4)
    return pd.DataFrame(
        {"age": age, "income": income, "gender": gender, "approved": approved, "prediction": score}
    )


@pytest.fixture
def frame() -> pd.DataFrame:
    return generate()


@pytest.fixture
def config() -> dict:
    return copy.deepcopy(CONFIG)
