"""benchmarks/number_decline.py end to end on tiny sets, with the session's tiny 11-class model and a 10-class one."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "benchmarks"))

import number_decline  # noqa: E402


def _shares(line: str) -> tuple[float, float]:
    cells = [c.strip() for c in line.strip("|").split("|")]
    return float(cells[2].rstrip("%")), float(cells[3].rstrip("%"))


def test_the_number_threshold_never_declines_more_than_the_single_digit_one(capsys, reject_model_path,
                                                                          ten_output_model_path):
    assert number_decline.main(["--model", str(reject_model_path), "--n", "12", "--photo-n", "2", "--seed", "3"]) == 0
    rows = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("| non_digits") or ln.startswith("| european")]
    assert [ln.split("|")[1].strip() for ln in rows] == ["non_digits_canvas", "non_digits_photo", "european_canvas",
                                                          "european_photo"]
    for ln in rows:
        alone, in_number = _shares(ln)
        assert 0.0 <= in_number <= alone <= 100.0
    assert number_decline.main(["--model", str(ten_output_model_path), "--n", "2", "--photo-n", "1"]) == 0
    assert "never declines" in capsys.readouterr().out
    assert number_decline.main(["--model", "/nonexistent.keras"]) == 2


def test_non_digits_read_as_numbers_are_counted_alone_and_beside_a_digit(capsys, reject_model_path):
    assert number_decline.main(["--model", str(reject_model_path), "--n", "2", "--photo-n", "1",
                                "--numbers", "4"]) == 0
    out = capsys.readouterr().out
    rows = {ln.split("|")[1].strip(): [c.strip() for c in ln.strip("|").split("|")] for ln in out.splitlines()
            if ln.startswith("| alone") or ln.startswith("| beside a digit")}
    assert set(rows) == {"alone", "beside a digit"}
    for cells in rows.values():
        assert cells[1] == "4"
        assert abs(sum(float(c.rstrip("%")) for c in cells[2:]) - 100.0) < 0.2
    assert "two_digits" not in out.split("by category:")[1]
