"""The insight pages (training curves, confusion matrix, top errors, comparison, Kaggle files) with AppTest.

They run against a tiny model trained here for one epoch on the small MNIST sample, the shipped
default model, small logs (clean and broken) in a temporary models folder, and the 500-image test
sample as "MNIST" so that every evaluation takes moments.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from digitcore.insight.kaggle import to_kaggle_csv

REPO = Path(__file__).resolve().parents[2]
PAGES = REPO / "pages"
CURVES = str(PAGES / "2_Training_curves.py")
CONFUSION = str(PAGES / "3_Confusion_matrix.py")
TOP_ERRORS = str(PAGES / "4_Top_errors.py")
COMPARE = str(PAGES / "5_Compare_models.py")
KAGGLE = str(PAGES / "6_Kaggle_files.py")
TIMEOUT = 240  # the first run imports TensorFlow and loads models on a busy 2-core machine

LOG_HEADER = "epoch,accuracy,learning_rate,loss,val_accuracy,val_loss\n"
RESTARTED_LOG = (LOG_HEADER + "0,0.80,0.001,0.60,0.85,0.50\n1,0.90,0.001,0.30,0.92,0.28\n"
                 + LOG_HEADER + "0,0.82,0.001,0.55,0.86,0.45\n1,0.93,0.0005,0.25,0.95,0.20\n2,0.95,0.00025,0.2")


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory, small_mnist_npz) -> Path:
    """A real run: tf-tutorial-cnn, one epoch on 1,800 images, validated on its last 200 training images."""
    from digitcore.storage.datasets import load_mnist_npz
    from digitcore.training.presets import get_preset
    from digitcore.training.loop import train

    out = tmp_path_factory.mktemp("tiny_run")
    cfg = get_preset("tf-tutorial-cnn").config(name="tiny", epochs=1, validation=0.1)
    result = train(cfg, load_mnist_npz(small_mnist_npz), out)
    assert result.status == "finished" and result.model_path is not None
    return result.model_path


@pytest.fixture()
def seed_folder(tmp_path, seed_digits_dir) -> Path:
    d = tmp_path / "seeds"
    d.mkdir()
    for name in ("1-01.jpg", "4-01.jpg", "7-01.jpg", "8-01.jpg"):
        shutil.copy(seed_digits_dir / name, d / name)
    return d


@pytest.fixture()
def models(tmp_path, monkeypatch, tiny_run, small_mnist_npz, seed_folder, default_model_path) -> Path:
    """A models folder holding the tiny run; MNIST is the small sample, seed digits are 4 pictures."""
    folder = tmp_path / "models"
    folder.mkdir()
    for suffix in (".keras", ".csv", ".json"):
        shutil.copy(tiny_run.with_suffix(suffix), folder / f"tiny{suffix}")
    monkeypatch.setenv("DIGITCORE_MODELS_DIR", str(folder))
    monkeypatch.setenv("DIGITCORE_MNIST", str(small_mnist_npz))
    monkeypatch.setenv("DIGITCORE_SEED_DIGITS", str(seed_folder))
    return folder


def add_run(folder: Path, name: str, log: bytes | str | None, model: Path | None = None) -> None:
    """Another run in the models folder: a model file (a copy, or a stand-in) and the given log."""
    if model is not None:
        shutil.copy(model, folder / f"{name}.keras")
    else:
        (folder / f"{name}.keras").write_bytes(b"stand-in: the curves page never loads models")
    if log is not None:
        path = folder / f"{name}.csv"
        path.write_bytes(log if isinstance(log, bytes) else log.encode())


def run(page: str) -> AppTest:
    at = AppTest.from_file(page, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def html(at: AppTest) -> str:
    return "\n".join(h.proto.body for h in at.get("html"))


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


# ----------------------------------------------------------------------------- training curves


def test_curves_page_shows_the_newest_run_and_overlays_the_default(models):
    at = run(CURVES)
    assert at.multiselect(key="curves_runs").value == ["tiny"]
    assert len(at.get("vega_lite_chart")) == 3  # loss, accuracy, learning rate
    assert not at.error
    best = at.dataframe[0].value
    assert list(best["run"]) == ["tiny"] and best.loc[0, "epochs"] == 1

    at.multiselect(key="curves_runs").set_value(["tiny", "default"]).run()
    no_exception(at)
    best = at.dataframe[0].value
    from digitcore.insight.training_log import read_training_log

    shipped = read_training_log(Path(__file__).resolve().parents[2] / "models" / "default.csv")
    assert list(best["run"]) == ["tiny", "Default model"] and list(best["best epoch"]) == [1, shipped.best_epoch]
    (download,) = at.get("download_button")
    assert download.proto.label.startswith("Download these curves")
    at.toggle(key="curves_logscale").set_value(True).run()
    no_exception(at)


def test_curves_page_explains_every_bad_log(models):
    add_run(models, "restarted", RESTARTED_LOG)
    add_run(models, "novalidation", "epoch,accuracy,loss\n0,0.5,1.2\n1,0.7,0.8\n")
    add_run(models, "garbage", bytes(range(256)) * 8)
    add_run(models, "emptylog", b"")
    add_run(models, "nolog", None)
    add_run(models, "nocolumns", "epoch,foo\n0,1\n")
    at = run(CURVES)
    names = ["restarted", "novalidation", "garbage", "emptylog", "nolog", "nocolumns"]
    at.multiselect(key="curves_runs").set_value(names).run()
    no_exception(at)
    errors = texts(at.error)
    assert "**garbage**" in errors and "binary" in errors
    assert "**emptylog**" in errors and "empty" in errors
    assert "**nolog**" in errors and "no training log" in errors
    assert "**nocolumns**" in errors and "none of the columns" in errors
    warnings = texts(at.warning)
    assert "**restarted**" in warnings and "2 separate trainings" in warnings and "Skipped 1" in warnings
    assert "**novalidation**" in warnings and "No validation columns" in warnings
    best = at.dataframe[0].value
    assert list(best["run"]) == ["restarted", "novalidation"]
    assert list(best["epochs"]) == [2, 2]  # the last training of the restarted log, without its cut-off line
    assert len(at.get("vega_lite_chart")) == 3


def test_curves_page_reads_the_partial_log_of_an_unfinished_run(models):
    # A run whose trainer died mid-way: only its JSON and the hidden log CSVLogger was writing.
    (models / "halfway.json").write_text(json.dumps({"name": "halfway", "status": "running", "preset": "digitnet"}))
    (models / ".halfway.csv.partial").write_text(LOG_HEADER + "0,0.80,0.001,0.60,0.85,0.50\n")
    at = run(CURVES)
    at.multiselect(key="curves_runs").set_value(["halfway"]).run()
    no_exception(at)
    assert list(at.dataframe[0].value["run"]) == ["halfway"] and not at.error


def test_curves_page_uploaded_logs(models):
    at = run(CURVES)
    at.multiselect(key="curves_runs").set_value([]).run()
    assert "Choose a run" in texts(at.info)
    at.file_uploader(key="curves_upload").set_value([("other.csv", RESTARTED_LOG.encode(), "text/csv")]).run()
    no_exception(at)
    assert list(at.dataframe[0].value["run"]) == ["other (uploaded)"]
    at.file_uploader(key="curves_upload").set_value([("notes.csv", b"\x00\x01\x02binary", "text/csv")]).run()
    no_exception(at)
    assert "binary" in texts(at.error)


# ----------------------------------------------------------------------------- confusion matrix


def test_confusion_page_on_test_set_and_validation_split(models, monkeypatch):
    import streamlit as st

    import pages.ui.insight as insight

    st.cache_data.clear()
    calls = []
    real = insight.evaluate_model

    def counting(model, x, y, *args, **kwargs):
        calls.append(len(y))
        return real(model, x, y, *args, **kwargs)

    monkeypatch.setattr(insight, "evaluate_model", counting)
    at = run(CONFUSION)
    assert calls == [500]  # the default model, preselected
    at.selectbox(key="cm_model").set_value(str(models / "tiny.keras")).run()
    no_exception(at)
    assert calls == [500, 500]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Images"] == "500"
    right, wrong = int(metrics["Right"]), int(metrics["Wrong"])
    assert right + wrong == 500 and float(metrics["Accuracy"].rstrip("%")) == pytest.approx(right / 5, abs=0.01)
    assert len(at.get("vega_lite_chart")) == 1
    per_class = at.dataframe[0].value
    assert list(per_class["digit"]) == [str(d) for d in range(10)] and per_class["images"].sum() == 500

    # The most common confusion is preselected, and its images are listed.
    true, pred = at.session_state["cm_true"], at.session_state["cm_pred"]
    assert true != pred
    cards = html(at)
    assert f'dc-true">{true}</span>' in cards and f'dc-said">{pred}</span>' in cards

    # Reruns (normalising, another cell, the diagonal) reuse the cached answers.
    at.toggle(key="cm_norm").set_value(True).run()
    at.selectbox(key="cm_true").set_value(3).run()
    at.selectbox(key="cm_pred").set_value(3).run()
    no_exception(at)
    assert "answered right; the least sure come first" in texts(at.markdown)
    assert calls == [500, 500]

    at.radio(key="cm_set").set_value("val").run()
    no_exception(at)
    assert {m.label: m.value for m in at.metric}["Images"] == "200"
    at.radio(key="cm_set").set_value("test").run()
    assert calls == [500, 500, 200]
    names = [b.proto.label for b in at.get("download_button")]
    assert names == ["Matrix as CSV", "Matrix as PNG"]


def test_confusion_page_default_model_has_no_validation_choice(models):
    at = run(CONFUSION)
    assert at.selectbox(key="cm_model").value.endswith("default.keras")
    assert not at.radio  # it validated on the test set: nothing to choose
    assert "MNIST test set" in texts(at.caption)


def test_clicked_cell_reading():
    from pages.ui.insight import _clicked_cell, _worst_pair

    event = SimpleNamespace(selection={"cell": [{"true": "4", "predicted": "9"}]})
    assert _clicked_cell(event) == (4, 9)
    assert _clicked_cell(SimpleNamespace(selection={})) is None
    assert _clicked_cell(SimpleNamespace(selection={"cell": [{"x": 1}]})) is None
    cm = np.diag([5] * 10)
    cm[2, 7] = 3
    assert _worst_pair(cm) == (2, 7)
    assert _worst_pair(np.diag([5] * 10)) == (0, 0)


def test_missing_mnist_is_explained(models, monkeypatch, tmp_path):
    monkeypatch.setenv("DIGITCORE_MNIST", str(tmp_path / "nowhere.npz"))
    at = run(CONFUSION)
    assert "MNIST file not found" in texts(at.error)
    bad = tmp_path / "bad.npz"
    bad.write_text("not a zip")
    monkeypatch.setenv("DIGITCORE_MNIST", str(bad))
    at = run(TOP_ERRORS)
    assert "MNIST can't be used" in texts(at.error)


# ----------------------------------------------------------------------------- top errors


def test_top_errors_page_slider_and_filters(models):
    at = run(TOP_ERRORS)
    at.selectbox(key="te_model").set_value(str(models / "tiny.keras")).run()
    no_exception(at)
    (summary,) = [m.value for m in at.markdown if "images are wrong" in m.value]
    wrong = int(summary.split("**")[1].replace(",", ""))
    assert wrong > 6  # one epoch on 1,800 images leaves plenty of mistakes
    assert len(at.get("image")) == min(24, wrong)
    at.slider(key="te_count").set_value(6).run()
    no_exception(at)
    assert len(at.get("image")) == 6
    ranks = [int(part.split("</span>")[0]) for part in html(at).split('dc-rank">#')[1:]]
    assert ranks == [1, 2, 3, 4, 5, 6]

    at.slider(key="te_count").set_value(100).run()
    cards = html(at)
    first_true = int(cards.split('dc-big dc-true">')[1].split("<")[0])
    at.multiselect(key="te_true").set_value([first_true]).run()
    no_exception(at)
    cards = html(at)
    shown_true = {int(p.split("<")[0]) for p in cards.split('dc-big dc-true">')[1:]}
    assert shown_true == {first_true}
    at.multiselect(key="te_pred").set_value([first_true]).run()  # a digit is never "wrong" as itself
    assert "No mistakes match these filters" in texts(at.info)
    assert at.get("download_button") == [] or all(
        b.proto.label != "These images as one PNG" for b in at.get("download_button"))


def test_top_errors_validation_split(models):
    at = run(TOP_ERRORS)
    at.selectbox(key="te_model").set_value(str(models / "tiny.keras")).run()
    at.radio(key="te_set").set_value("val").run()
    no_exception(at)
    assert "of 200 images are wrong" in texts(at.markdown)


# ----------------------------------------------------------------------------- compare


def test_compare_page_leaderboard_and_folder_test(models, tmp_path, monkeypatch):
    add_run(models, "broken", None)  # a damaged model file: listed with its problem, never fatal
    gone, empty, many = tmp_path / "nowhere", tmp_path / "empty", tmp_path / "many"
    empty.mkdir()
    many.mkdir()
    seven = next(p for p in Path(os.environ["DIGITCORE_SEED_DIGITS"]).iterdir() if p.name.startswith("7"))
    for i in range(305):
        (many / f"7-{i:03d}{seven.suffix}").write_bytes(seven.read_bytes())
    monkeypatch.setenv("DIGITCORE_PICTURE_FOLDERS", os.pathsep.join(map(str, [gone, empty, many])))
    at = run(COMPARE)
    board = at.dataframe[0].value
    assert list(board["model"])[:2] == ["Default model", "tiny"] and list(board["model"])[-1] == "broken"
    assert board.loc[0, "test accuracy"] > board.loc[1, "test accuracy"]
    assert board.loc[0, "seed accuracy"] == 100.0  # 4 seed digits, all right
    assert board.loc[1, "preset"] == "tf-tutorial-cnn" and board.loc[1, "parameters"] == 121_930
    assert board.loc[0, "latency ms"] > 0 and board.loc[0, "file MB"] > 0.5
    assert "damaged" in board.loc[2, "problem"]
    assert "Best on the MNIST test set: Default model" in texts(at.success)
    assert "default" not in board.columns  # the name says which model is shipped

    # Folder test: the seed folder by default, both models, every picture marked.
    folder_box = at.selectbox(key="cmp_folder")
    assert folder_box.value.endswith("seeds")
    # Visitors choose among the folders the server offers; they cannot type a path.
    # ... shown by name, never as the server's raw path.
    assert folder_box.options == ["Seed digits (the project's hand-drawn examples)", "nowhere", "empty", "many"]
    assert not at.text_input
    acc = at.dataframe[1].value
    assert list(acc["model"]) == ["Default model", "tiny"] and list(acc["labelled"]) == [4, 4]
    assert acc.loc[0, "right"] == 4
    cards = html(at)
    assert cards.count('class="dc-model-line') == 8 and "✓" in cards
    assert len(at.get("image")) == 4

    at.multiselect(key="cmp_models").set_value(["tiny"]).run()
    assert list(at.dataframe[1].value["model"]) == ["tiny"]
    at.selectbox(key="cmp_folder").set_value(str(gone)).run()
    no_exception(at)
    assert "is not a folder" in texts(at.error)
    at.selectbox(key="cmp_folder").set_value(str(empty)).run()
    assert "No image files" in texts(at.warning)
    at.selectbox(key="cmp_folder").set_value(str(many)).run()
    no_exception(at)
    assert "the first 300" in texts(at.caption)
    assert list(at.dataframe[1].value["labelled"]) == [300]


def test_compare_page_without_picture_folders_offers_uploads(models, monkeypatch):
    monkeypatch.setenv("DIGITCORE_SEED_DIGITS", "")
    monkeypatch.delenv("DIGITCORE_PICTURE_FOLDERS", raising=False)
    monkeypatch.setattr("digitcore.storage.paths.REPO_ROOT", Path("/nonexistent-repo"))
    at = run(COMPARE)
    no_exception(at)
    assert "No picture folders" in texts(at.info)


def test_compare_page_uploaded_pictures(models, seed_digits_dir):
    at = run(COMPARE)
    at.radio(key="cmp_source").set_value("upload").run()
    files = [("3-01.jpg", (seed_digits_dir / "3-01.jpg").read_bytes(), "image/jpeg"),
             ("mystery.jpg", (seed_digits_dir / "9-01.jpg").read_bytes(), "image/jpeg"),
             ("broken.png", b"not a picture", "image/png")]
    at.file_uploader(key="cmp_upload").set_value(files).run()
    no_exception(at)
    acc = at.dataframe[1].value
    assert list(acc["labelled"]) == [1, 1] and acc.loc[0, "right"] == 1
    cards = html(at)
    assert "mystery.jpg" in cards and "no label in the name" in cards and "not an image" in cards.lower()


# ----------------------------------------------------------------------------- Kaggle


@pytest.fixture(scope="module")
def kaggle_files(mnist) -> dict[str, bytes]:
    return {"train": to_kaggle_csv(mnist.x_test[:120], mnist.y_test[:120]).encode(),
            "test": to_kaggle_csv(mnist.x_test[120:180]).encode()}


def upload(at: AppTest, key: str, name: str, data: bytes) -> AppTest:
    at.file_uploader(key=key).set_value([(name, data, "text/csv")]).run()
    no_exception(at)
    return at


def test_kaggle_submission(models, kaggle_files, mnist):
    at = run(KAGGLE)
    upload(at, "kg_test", "test.csv", kaggle_files["test"])
    (button,) = [b for b in at.get("download_button") if b.proto.label == "Download submission.csv"]
    assert "**60** answers" in texts(at.markdown)
    assert len(at.get("image")) >= 1
    # The page offers exactly what digitcore computes for these pictures.
    from digitcore.insight.kaggle import read_kaggle_csv, read_submission, submission_csv
    from digitcore.model.predictor import Predictor

    digits = Predictor.load().predict_digits(read_kaggle_csv(kaggle_files["test"]).images).argmax(1)
    text = submission_csv(digits)
    assert (read_submission(text) == mnist.y_test[120:180]).mean() > 0.95
    assert button.proto.url  # served as a file download


def test_kaggle_train_evaluation(models, kaggle_files):
    at = run(KAGGLE)
    upload(at, "kg_train", "train.csv", kaggle_files["train"])
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Images"] == "120" and float(metrics["Accuracy"].rstrip("%")) > 95
    assert len(at.get("vega_lite_chart")) == 1
    at.selectbox(key="kg_model").set_value(str(models / "tiny.keras")).run()
    no_exception(at)
    assert "most confidently wrong" in texts(at.markdown)


BAD_CSVS = {
    "wrong column count": ("a,b,c\n1,2,3\n", "3 columns"),
    "non-numeric": (",".join(f"pixel{i}" for i in range(784)) + "\n" + ",".join(["0"] * 783 + ["seven"]) + "\n",
                    "'seven' is not a number"),
    "out of range": (",".join(f"pixel{i}" for i in range(784)) + "\n" + ",".join(["999"] * 784) + "\n",
                     "999 is not a pixel value"),
    "empty": ("", "empty"),
    "million columns": (",".join(["pixel"] * 1_000_000) + "\n", "first line is over"),
}


@pytest.mark.parametrize("case", list(BAD_CSVS))
def test_kaggle_bad_files_get_a_message(models, case):
    content, words = BAD_CSVS[case]
    at = run(KAGGLE)
    upload(at, "kg_test", "bad.csv", content.encode())
    assert words in texts(at.error)
    assert not [b for b in at.get("download_button") if b.proto.label == "Download submission.csv"]


def test_kaggle_wrong_kind_of_file(models, kaggle_files):
    at = run(KAGGLE)
    upload(at, "kg_test", "train.csv", kaggle_files["train"])
    assert "looks like a train.csv" in texts(at.error)
    upload(at, "kg_train", "test.csv", kaggle_files["test"])
    assert "looks like a test.csv" in texts(at.error)


def test_pages_never_import_streamlit_into_digitcore():
    import subprocess
    import sys

    code = ("import sys, digitcore.insight.training_log, digitcore.insight.kaggle, digitcore.insight.report, digitcore.insight.charts, "
            "digitcore.insight.compare, digitcore.insight.eval_sets, digitcore.commands.evaluate, digitcore.commands.predict; "
            "print('streamlit' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_meta_of_the_tiny_run_is_what_the_pages_expect(tiny_run):
    meta = json.loads(tiny_run.with_suffix(".json").read_text())
    assert meta["config"]["validation"] == 0.1 and meta["preset"] == "tf-tutorial-cnn"
