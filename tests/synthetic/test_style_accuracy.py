"""benchmarks/style_accuracy.py end to end on tiny sets: the table, the JSON, the cache, and that
declines show up for a model that can decline (the session's tiny 11-class model) and not otherwise."""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "benchmarks"))

import style_accuracy  # noqa: E402

SMALL = ["--n", "20", "--photo-n", "2", "--mnist-n", "100", "--seed", "3"]


def test_the_benchmark_reports_accuracy_declines_and_calibration(capsys, tmp_path, mnist_path,
                                                                  reject_model_path, ten_output_model_path):
    cache = tmp_path / "sets.npz"
    args = [*SMALL, "--mnist", str(mnist_path), "--cache", str(cache), "--json",
            "--model", str(reject_model_path), "--model", str(ten_output_model_path)]
    assert style_accuracy.main(args) == 0
    first = json.loads(capsys.readouterr().out)
    assert cache.is_file()
    rejecting, plain = first["results"]
    for name in ("mnist_test", "usps_test", "european_canvas", "european_scan", "non_digits_canvas"):
        assert name in rejecting["sets"]
    assert rejecting["sets"]["non_digits_canvas"]["declined"] > 0.3
    assert rejecting["sets"]["mnist_test"]["declined"] < 0.2
    assert set(rejecting["sets"]["non_digits_canvas"]["per_category_declined"]) >= {"letter", "shape", "dot", "line"}
    assert all(r["declined"] == 0.0 for r in plain["sets"].values())
    for r in (rejecting, plain):
        assert 0.0 <= r["ece_raw"] <= 1.0 and 0.0 <= r["ece_fitted"] <= 1.0 and r["fitted_temperature"] > 0
        assert 0.0 <= r["sets"]["usps_test"]["accuracy"] <= r["sets"]["usps_test"]["best_guess_accuracy"]

    assert style_accuracy.main(args) == 0  # from the cache: the same figures
    again = json.loads(capsys.readouterr().out)
    assert again["results"] == first["results"] and again["prepare_seconds"] < first["prepare_seconds"]

    assert style_accuracy.main([*SMALL, "--mnist", str(mnist_path), "--cache", str(cache),
                                "--model", str(reject_model_path)]) == 0
    text = capsys.readouterr().out
    assert "| set | n | accuracy | best guess | declined |" in text and "| non_digits_canvas |" in text
    assert "ECE (15 bins" in text
