"""write_outputs: users.csv through the fast float formatting is the plain to_csv file."""

from __future__ import annotations

import numpy as np
import pandas as pd

from influence.report.write import _csv_ready


def test_fast_csv_is_byte_identical_to_plain_to_csv(tmp_path):
    rng = np.random.default_rng(3)
    values = np.concatenate(
        [
            rng.random(300),
            rng.random(50) * 1e-7,
            rng.standard_normal(50) * 1e17,
            [0.0, -0.0, 1e16, 1e15, 1e-5, 1e-4, 3.0, 2.0**53, np.inf, -np.inf, np.nan, 5e-324],
        ]
    )
    table = pd.DataFrame(
        {
            "user_id": pd.array([f"u{i}" for i in range(len(values))], dtype="string"),
            "score": values,
            "count": np.arange(len(values), dtype=np.int64),
            "segment": pd.Categorical(["a", "b"] * (len(values) // 2)),
            "half": np.where(np.arange(len(values)) % 2, np.nan, values),
        }
    )
    plain, fast = tmp_path / "plain.csv", tmp_path / "fast.csv"
    table.to_csv(plain, index=False, lineterminator="\n")
    _csv_ready(table).to_csv(fast, index=False, lineterminator="\n")
    assert fast.read_bytes() == plain.read_bytes()
    assert table["score"].dtype == np.float64  # the input is not modified
