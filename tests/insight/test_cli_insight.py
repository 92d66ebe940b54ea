"""The CLI's insight features: ``predict`` with several ``--model`` options, ``evaluate --report`` and
``evaluate --data train.csv``. Uses the shipped default model (and a copy of it as a second model)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from cli_helpers import run_cli
from digitcore.insight.kaggle import to_kaggle_csv
from digitcore.insight.report import REPORT_FILES

FIELDS = {"path", "digit", "confidence", "probabilities", "error", "message", "reason", "best_guess"}  # issue 10: every line


@pytest.fixture(scope="module")
def second_model(tmp_path_factory, default_model_path) -> Path:
    path = tmp_path_factory.mktemp("models") / "copy.keras"
    shutil.copy(default_model_path, path)
    return path


@pytest.fixture()
def folder(tmp_path, seed_digits_dir) -> Path:
    d = tmp_path / "pictures"
    d.mkdir()
    for name in ("3-01.jpg", "7-01.jpg"):
        shutil.copy(seed_digits_dir / name, d / name)
    shutil.copy(seed_digits_dir / "4-01.jpg", d / "photo.jpg")  # no label in the name
    (d / "broken.png").write_bytes(b"")
    return d


def test_predict_with_two_models_json(capsys, default_model_path, second_model, folder):
    rc, out, err = run_cli(capsys, "predict", "--json", "--model", default_model_path, "--model", second_model,
                           folder)
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 8  # 4 files x 2 models, file by file
    assert [Path(r["path"]).name for r in rows] == ["3-01.jpg"] * 2 + ["7-01.jpg"] * 2 + ["broken.png"] * 2 + [
        "photo.jpg"] * 2
    assert [r["model"] for r in rows] == [str(default_model_path), str(second_model)] * 4
    for r in rows:
        assert FIELDS | {"model", "label"} == set(r)
    by = {(Path(r["path"]).name, r["model"]): r for r in rows}
    assert by[("3-01.jpg", str(second_model))]["digit"] == 3 and by[("3-01.jpg", str(second_model))]["label"] == 3
    assert by[("photo.jpg", str(default_model_path))]["label"] is None
    assert by[("photo.jpg", str(default_model_path))]["digit"] == 4
    assert "empty" in by[("broken.png", str(second_model))]["error"]
    assert rc == 1 and "1 of 4 file(s) could not be used" in err


def test_predict_with_two_models_plain_text_and_summary(capsys, default_model_path, second_model, folder):
    rc, out, _ = run_cli(capsys, "predict", "--model", default_model_path, "--model", second_model,
                         folder / "3-01.jpg", folder / "7-01.jpg")
    lines = out.splitlines()
    assert rc == 0
    assert lines[0].startswith(f"{folder / '3-01.jpg'} [{default_model_path}]: 3 (")
    assert lines[1].startswith(f"{folder / '3-01.jpg'} [{second_model}]: 3 (")
    assert lines[-2:] == [f"{default_model_path}: 2/2 right (100.0%) on files named after their digit",
                          f"{second_model}: 2/2 right (100.0%) on files named after their digit"]


def test_single_model_output_is_unchanged(capsys, default_model_path, folder):
    rc, out, _ = run_cli(capsys, "predict", "--json", "--model", default_model_path, folder / "7-01.jpg")
    (row,) = [json.loads(line) for line in out.splitlines()]
    assert set(row) == FIELDS and row["digit"] == 7 and rc == 0
    # The same model twice is one model.
    rc, out, _ = run_cli(capsys, "predict", "--model", default_model_path, "--model", default_model_path,
                         folder / "7-01.jpg")
    assert out.splitlines()[0].startswith(f"{folder / '7-01.jpg'}: 7 (") and len(out.splitlines()) == 1


def test_predict_with_a_broken_second_model(capsys, default_model_path, tmp_path, folder):
    bad = tmp_path / "bad.keras"
    bad.write_bytes(b"nope")
    rc, out, err = run_cli(capsys, "predict", "--model", default_model_path, "--model", bad, folder)
    assert rc == 2 and out == "" and "bad.keras" in err and "Traceback" not in err


def test_evaluate_report(capsys, default_model_path, small_mnist_npz, tmp_path):
    report = tmp_path / "report"
    rc, out, err = run_cli(capsys, "evaluate", "--model", default_model_path, "--data", small_mnist_npz,
                           "--report", report, "--json", "--top", "12")
    assert rc == 0, err
    res = json.loads(out)
    assert {"model", "data", "data_sha256", "accuracy", "loss", "n", "correct", "errors", "seconds"} <= set(res)
    assert res["report"] == str(report) and res["n"] == 500
    assert sorted(p.name for p in report.iterdir()) == sorted(REPORT_FILES)
    metrics = json.loads((report / "metrics.json").read_text())
    assert metrics["accuracy"] == res["accuracy"] and metrics["dataset"] == "MNIST test set"
    cm = np.array(metrics["confusion_matrix"])
    assert cm.shape == (10, 10) and cm.sum() == 500 and np.trace(cm) == res["correct"]
    assert len(metrics["per_class"]) == 10 and len(metrics["top_errors"]) == min(12, res["errors"])
    csv_rows = (report / "confusion_matrix.csv").read_text().splitlines()
    assert len(csv_rows) == 11 and sum(int(v) for line in csv_rows[1:] for v in line.split(",")[1:]) == 500
    for png in ("confusion_matrix.png", "top_errors.png"):
        assert cv2.imread(str(report / png)) is not None


def test_evaluate_text_mentions_report_and_kaggle_csv(capsys, default_model_path, mnist, tmp_path):
    csv = tmp_path / "train.csv"
    csv.write_text(to_kaggle_csv(mnist.x_test[:200], mnist.y_test[:200]))
    rc, out, err = run_cli(capsys, "evaluate", "--model", default_model_path, "--data", csv, "--report",
                           tmp_path / "r")
    assert rc == 0, err
    assert "Kaggle train.csv, 200 images" in out and "report:" in out
    assert float(out.split("accuracy:")[1].split("%")[0]) > 97


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("", "empty"),
        ("a,b\n1,2\n", "2 columns"),
        (",".join(f"pixel{i}" for i in range(784)) + "\n" + ",".join(["0"] * 784) + "\n", "no label column"),
    ],
)
def test_evaluate_bad_csv_exits_2(capsys, default_model_path, tmp_path, content, words):
    csv = tmp_path / "train.csv"
    csv.write_text(content)
    rc, out, err = run_cli(capsys, "evaluate", "--model", default_model_path, "--data", csv)
    assert rc == 2 and out == "" and err.startswith("error: ") and words in err


def test_evaluate_report_into_a_file_exits_2(capsys, default_model_path, small_mnist_npz, tmp_path):
    blocker = tmp_path / "taken"
    blocker.write_text("a file, not a folder")
    rc, _, err = run_cli(capsys, "evaluate", "--model", default_model_path, "--data", small_mnist_npz,
                         "--report", blocker)
    assert rc == 2 and "cannot write the report" in err
