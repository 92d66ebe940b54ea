"""Wording and chart data of the training page (digitcore.insight.training_view), without Streamlit."""

from __future__ import annotations

from digitcore.insight import training_view as tv
from digitcore.training.jobs import JobState
from digitcore.insight.training_view import format_duration


def state(**kw) -> JobState:
    base = dict(job_id="j", name="run1", preset="digitnet", owner="", config={"batch_size": 100}, out_dir="/tmp")
    return JobState(**{**base, **kw})


def test_history_frame_is_long_form_with_both_splits():
    frame = tv.history_frame([
        {"epoch": 1, "loss": 0.5, "accuracy": 0.8, "val_loss": 0.4, "val_accuracy": 0.85, "learning_rate": 1e-3},
        {"epoch": 2, "loss": 0.3, "accuracy": 0.9, "val_loss": 0.35, "val_accuracy": 0.88, "learning_rate": 5e-4},
    ])
    assert list(frame.columns) == ["epoch", "metric", "split", "value"]
    assert len(frame) == 10
    val = frame[(frame.metric == "accuracy") & (frame.split == "validation")]
    assert list(val.value) == [0.85, 0.88]
    assert set(frame[frame.metric == "learning_rate"].split) == {"training"}


def test_chart_spec_fixes_the_x_axis_to_the_planned_epochs():
    spec = tv.curve_chart_spec("loss", "Loss", ".3f", epochs=15)
    assert spec["encoding"]["x"]["scale"]["domain"] == [1, 15]
    assert spec["transform"] == [{"filter": {"field": "metric", "equal": "loss"}}]
    assert spec["encoding"]["color"]["scale"]["range"] == list(tv.SPLIT_COLOURS.values())


def test_progress_wording():
    s = state(status="running", epochs=10, epoch=3, steps=50, batch=20, eta_s=75.0, images_per_s=500.0,
              batch_logs={"loss": 0.1234, "accuracy": 0.961}, started_at=0.0)
    text = tv.batch_progress_text(s)
    assert text == "Epoch 3 of 10 · batch 20 of 50 · 1:15 left in this epoch · loss 0.1234 · accuracy 96.1%"
    assert s.overall_fraction == (2 + 20 / 50) / 10
    assert "24% of 10 epochs" in tv.overall_progress_text(s) and "500 images/s" in tv.overall_progress_text(s)
    assert tv.batch_progress_text(state(phase="Loading the training data…")) == "Loading the training data…"


def test_end_of_run_headlines():
    done = state(status="finished", meta={"test_accuracy": 0.9912}, started_at=0.0, ended_at=65.0)
    kind, text = tv.status_headline(done)
    assert kind == "success" and "99.12%" in text and "1:05" in text
    best = state(status="stopped", meta={"test_accuracy": 0.9, "saved_from": {
        "weights": "best checkpoint", "monitor": "val_accuracy", "value": 0.95}}, history=[{"epoch": 1}])
    kind, text = tv.status_headline(best)
    assert kind == "warning" and "stopped after 1 finished epoch" in text and "validation accuracy 95.00%" in text
    kind, text = tv.status_headline(state(status="failed", error="Out of *memory*"))
    assert kind == "error" and "\\*memory\\*" in text


def test_small_formats():
    assert [tv.format_lr(v) for v in (1e-3, 5e-4, 1e-5, 0.1)] == ["0.001", "0.0005", "1e-05", "0.1"]
    assert [format_duration(v) for v in (0, 75, 3700, None)] == ["0:00", "1:15", "1:01:40", "?"]
