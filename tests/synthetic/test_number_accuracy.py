"""benchmarks/number_accuracy.py end to end on a few numbers: with the canvas's strokes and from pictures alone."""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "benchmarks"))

import number_accuracy  # noqa: E402


def test_canvas_numbers_are_read_with_their_strokes_unless_told_not_to(capsys, default_model_path):
    # Seed 1's first 33 numbers hold the overlapping "86" (#32) that only its strokes tell apart.
    args = ["--model", str(default_model_path), "--n", "33", "--seed", "1", "--kinds", "canvas", "--latency", "2", "--json"]
    assert number_accuracy.main(args) == 0
    (with_strokes,) = json.loads(capsys.readouterr().out)["sets"]
    assert number_accuracy.main(args + ["--no-strokes"]) == 0
    report = json.loads(capsys.readouterr().out)
    (alone,) = report["sets"]
    assert with_strokes["strokes"] is True and alone["strokes"] is False
    assert with_strokes["accuracy"] > alone["accuracy"]
    assert any(m.startswith("86 -> ") for m in alone["misses"])
    assert not any(m.startswith("86 -> ") for m in with_strokes["misses"])
    assert report["latency_4_digits"]["strokes"] is False and report["latency_4_digits"]["n"] == 2
    assert number_accuracy.main(["--model", "/nonexistent.keras", "--n", "1"]) == 2
