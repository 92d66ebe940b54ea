"""digitcore.insight.training_log: CSVLogger files, clean and messy, into per-epoch tables (no TensorFlow needed)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from digitcore.insight.charts import curves_chart_spec
from digitcore.insight.training_log import (
    MAX_LOG_BYTES,
    TrainingLogError,
    best_epochs_frame,
    curves_frame,
    parse_training_log,
    read_training_log,
)

HEADER = "epoch,accuracy,learning_rate,loss,val_accuracy,val_loss\n"


def rows(losses: list[float], start: int = 0) -> str:
    """CSVLogger lines whose val_loss follows ``losses`` (accuracy rises as loss falls)."""
    out = []
    for i, v in enumerate(losses, start):
        out.append(f"{i},{1 - v / 2:.4f},0.001,{v + 0.05:.4f},{1 - v / 3:.4f},{v:.4f}\n")
    return "".join(out)


def test_the_shipped_default_log():
    import json

    models = Path(__file__).resolve().parents[2] / "models"
    log = read_training_log(models / "default.csv")
    meta = json.loads((models / "default.json").read_text())
    # The shipped model's fine-tuning stages, logged one after another (README: the shipped model).
    assert log.epochs == meta["epochs_total"] == 15 and log.sessions == 1 and log.notes == []
    assert list(log.frame["epoch"]) == list(range(1, 16))  # counted from 1 for people
    assert log.has_validation and log.best_by == "val_loss"
    assert log.best_epoch == 1 + int(np.argmin(log.frame["val_loss"].to_numpy()))
    assert log.best_epoch == meta["best_epoch"] == 5


def test_clean_log_columns_and_best_epoch():
    log = parse_training_log((HEADER + rows([0.5, 0.3, 0.2, 0.25])).encode(), "run.csv")
    assert list(log.frame.columns) == ["epoch", "loss", "accuracy", "val_loss", "val_accuracy", "learning_rate"]
    assert log.best_epoch == 3 and log.best_row()["val_loss"] == pytest.approx(0.2)
    assert log.notes == []


def test_restarted_log_keeps_the_last_training():
    text = HEADER + rows([0.9, 0.8, 0.7]) + HEADER + rows([0.6, 0.4])
    log = parse_training_log(text.encode(), "restarted.csv")
    assert log.sessions == 2 and log.epochs == 2
    assert list(log.frame["val_loss"]) == [0.6, 0.4]
    assert any("2 separate trainings" in n for n in log.notes)


def test_epoch_restart_without_a_repeated_header():
    log = parse_training_log((HEADER + rows([0.9, 0.8]) + rows([0.5, 0.4, 0.3])).encode(), "x.csv")
    assert log.sessions == 2 and log.epochs == 3 and log.best_epoch == 3


def test_resumed_training_is_joined():
    text = HEADER + rows([0.9, 0.8]) + HEADER + rows([0.7, 0.6], start=2)
    log = parse_training_log(text.encode(), "resumed.csv")
    assert log.sessions == 1 and log.epochs == 4
    assert list(log.frame["epoch"]) == [1, 2, 3, 4]
    assert any("resumed" in n for n in log.notes)


def test_old_keras_names_and_missing_validation():
    text = "epoch,acc,loss,lr\n0,0.5,1.0,0.01\n1,0.7,0.6,0.005\n"
    log = parse_training_log(text.encode(), "old.csv")
    assert {"accuracy", "learning_rate"} <= set(log.frame.columns)
    assert not log.has_validation and log.best_by == "loss" and log.best_epoch == 2
    assert any("No validation columns" in n for n in log.notes)


def test_missing_epoch_column_and_cut_off_last_line():
    text = "loss,val_loss\n0.9,0.8\n0.5,0.45\n0.4,0."  # the last line was half written
    log = parse_training_log(text.encode(), "x.csv")
    assert list(log.frame["epoch"]) == [1, 2, 3]  # "0." still parses as a number
    text = "loss,val_loss,accuracy\n0.9,0.8,0.5\n0.5,0.4"
    log = parse_training_log(text.encode(), "x.csv")
    assert log.epochs == 1 and any("Skipped 1" in n for n in log.notes)


def test_diverged_training_is_explained():
    log = parse_training_log((HEADER + "0,0.1,0.001,2.3,0.1,2.3\n1,0.1,0.001,nan,0.1,nan\n").encode(), "x.csv")
    assert log.best_epoch == 1
    assert any("diverged" in n for n in log.notes)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("épochs".encode("latin-1"), "not readable text"),
        (HEADER.encode(), "no epochs yet"),
        (b"epoch,foo,bar\n0,1,2\n", "none of the columns"),
        (b"0,0.5,0.3\n1,0.6,0.2\n", "no header"),
        (b"epoch,epoch\n0,1\n", "repeated"),
        (b"epoch,0.5,loss\n", "mixes words and numbers"),
    ],
)
def test_unusable_logs_raise_a_clear_message(data, words):
    with pytest.raises(TrainingLogError) as err:
        parse_training_log(data, "bad.csv")
    assert words in str(err.value)


def test_file_problems(tmp_path):
    with pytest.raises(TrainingLogError, match="missing"):
        read_training_log(tmp_path / "nope.csv")
    with pytest.raises(TrainingLogError, match="folder"):
        read_training_log(tmp_path)
    big = tmp_path / "big.csv"
    big.write_bytes(b"0" * (MAX_LOG_BYTES + 1))
    with pytest.raises(TrainingLogError, match="too big"):
        read_training_log(big)


def test_curves_and_best_tables_for_charts():
    a = parse_training_log((HEADER + rows([0.5, 0.3, 0.4])).encode(), "a.csv")
    b = parse_training_log("epoch,loss,accuracy\n0,1.0,0.5\n1,0.8,0.6\n".encode(), "b.csv")
    frame = curves_frame({"a": a, "b": b})
    assert set(frame["metric"]) == {"loss", "accuracy", "learning rate"}
    assert set(frame.loc[frame["run"] == "b", "split"]) == {"training"}
    best = frame[frame["best"]]
    assert set(best.loc[best["run"] == "a", "epoch"]) == {2}
    assert not frame.loc[frame["run"] == "b", "has_validation"].any()
    table = best_epochs_frame({"a": a, "b": b})
    assert list(table["best epoch"]) == [2, 2] and table.loc[1, "chosen by"] == "lowest training loss"
    assert math.isnan(table.loc[1, "val loss"])

    spec = curves_chart_spec("accuracy", by_run=True, runs=["a", "b"], epochs=3)
    assert spec["layer"][0]["encoding"]["color"]["scale"]["domain"] == ["a", "b"]
    assert spec["layer"][0]["encoding"]["y"]["axis"]["format"] == ".0%"
    assert any("tooltip" in layer["encoding"] for layer in spec["layer"])
    lr = curves_chart_spec("learning rate", by_run=False, log_scale=True)
    assert lr["layer"][0]["encoding"]["y"]["scale"] == {"type": "log"}
