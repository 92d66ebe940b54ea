"""The numbers and pictures behind the insight pages, on hand-built predictions (no TensorFlow needed):
report files, heatmap table, evaluation sets, folder tests and the leaderboard."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from digitcore.insight.charts import CELL_SELECTION, confusion_frame, confusion_heatmap_spec
from digitcore.insight.compare import (
    Prepared,
    accuracy_frame,
    answer_images,
    answers_frame,
    best_row,
    latency_ms,
    leaderboard_frame,
    list_image_files,
    prepare_image,
)
from digitcore.storage.datasets import Mnist
from digitcore.insight.eval_sets import kaggle_set, load_eval_set, mnist_test_set, run_validation_set
from digitcore.insight.evaluation import result_from_probabilities
from digitcore.insight.kaggle import to_kaggle_csv
from digitcore.insight.report import (
    REPORT_FILES,
    cell_colours,
    confusion_csv,
    confusion_matrix_image,
    error_grid_image,
    metrics_dict,
    write_report,
)


def hand_result():
    """6 images: 3 right, 3 wrong with known margins (0.9, 0.5, 0.2)."""
    y = np.array([1, 2, 3, 4, 5, 7])
    p = np.full((6, 10), 0.0, np.float32)
    p[0, 1] = 1.0
    p[1, 2] = 1.0
    p[2, 3] = 1.0
    p[3, [9, 4]] = [0.95, 0.05]  # 4 read as 9, margin 0.9
    p[4, [3, 5]] = [0.75, 0.25]  # 5 read as 3, margin 0.5
    p[5, [1, 7, 2]] = [0.5, 0.3, 0.2]  # 7 read as 1, margin 0.2
    return result_from_probabilities(y, p)


def fake_mnist(n_train: int = 100, n_test: int = 20, sha: str = "abc") -> Mnist:
    rng = np.random.default_rng(0)
    return Mnist(rng.integers(0, 255, (n_train, 28, 28), dtype=np.uint8), np.arange(n_train) % 10,
                 rng.integers(0, 255, (n_test, 28, 28), dtype=np.uint8), np.arange(n_test) % 10, "/x/mnist.npz", sha)


# ----------------------------------------------------------------------------- report


def test_metrics_dict_from_hand_built_predictions():
    m = metrics_dict(hand_result())
    assert m["n"] == 6 and m["correct"] == 3 and m["accuracy"] == 0.5
    assert [(e["true"], e["predicted"]) for e in m["top_errors"]] == [(4, 9), (5, 3), (7, 1)]
    assert m["top_errors"][0]["margin"] == pytest.approx(0.9)
    assert m["confusion_matrix"][4][9] == 1 and m["confusion_matrix"][1][1] == 1
    per = {c["digit"]: c for c in m["per_class"]}
    assert per[1]["precision"] == 0.5 and per[1]["recall"] == 1.0  # "1" said twice, right once
    assert per[9]["precision"] == 0.0 and per[9]["support"] == 0
    json.dumps(m)  # JSON-ready


def test_confusion_csv_layout():
    text = confusion_csv(hand_result().confusion_matrix())
    lines = text.splitlines()
    assert lines[0] == "true\\predicted,0,1,2,3,4,5,6,7,8,9" and len(lines) == 11
    assert lines[5].split(",") == ["4", "0", "0", "0", "0", "0", "0", "0", "0", "0", "1"]


def test_cell_colours_diagonal_green_mistakes_red():
    cm = np.diag([50] * 10)
    cm[4, 9] = 5
    cm[7, 1] = 1
    colours = cell_colours(cm).astype(int)
    assert colours[3, 3, 1] > colours[3, 3, 0]  # green
    assert colours[4, 9, 0] > colours[4, 9, 1]  # red
    assert colours[4, 9].sum() < colours[7, 1].sum()  # the bigger mistake is darker
    assert (colours[0, 5] > 240).all()  # empty: near white


def test_report_pictures():
    res = hand_result()
    cm_img = confusion_matrix_image(res.confusion_matrix(), title="demo")
    assert cm_img.dtype == np.uint8 and cm_img.ndim == 3 and cm_img.shape[2] == 3
    images = np.zeros((6, 28, 28), np.uint8)
    grid = error_grid_image(images, res.top_errors(), res.probabilities, columns=2, title="errors")
    assert grid.shape[1] > grid.shape[0] / 3
    empty = error_grid_image(images, [], res.probabilities)
    assert empty.shape[0] > 0


def test_write_report_files(tmp_path):
    res = hand_result()
    paths = write_report(tmp_path / "rep", res, np.zeros((6, 28, 28), np.uint8), {"model": "m.keras"}, top_k=2)
    assert set(paths) == set(REPORT_FILES)
    assert sorted(p.name for p in (tmp_path / "rep").iterdir()) == sorted(REPORT_FILES)  # no temp files left
    metrics = json.loads(paths["metrics.json"].read_text())
    assert metrics["model"] == "m.keras" and len(metrics["top_errors"]) == 2
    for name in ("confusion_matrix.png", "top_errors.png"):
        img = cv2.imread(str(paths[name]))
        assert img is not None and img.shape[0] > 100
    assert paths["top_errors.csv"].read_text().splitlines()[1].startswith("1,3,4,9,")
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError):
        write_report(tmp_path / "file", res, np.zeros((6, 28, 28), np.uint8))


# ----------------------------------------------------------------------------- heatmap


def test_confusion_frame_and_spec():
    cm = hand_result().confusion_matrix()
    frame = confusion_frame(cm)
    assert len(frame) == 100
    cell = frame[(frame["true"] == "4") & (frame["predicted"] == "9")].iloc[0]
    assert cell["count"] == 1 and cell["kind"] == "wrong" and cell["share"] == 1.0 and cell["text"] == "1"
    diag = frame[frame["true"] == frame["predicted"]]
    assert set(diag["kind"]) == {"right"}
    empty = frame[(frame["true"] == "0") & (frame["predicted"] == "5")].iloc[0]
    assert empty["kind"] == "none" and empty["text"] == ""
    shares = confusion_frame(cm, normalise=True)
    assert shares.loc[(shares["true"] == "7") & (shares["predicted"] == "1"), "text"].iloc[0] == "100%"
    spec = confusion_heatmap_spec()
    assert spec["layer"][0]["params"][0]["name"] == CELL_SELECTION
    assert spec["layer"][0]["params"][0]["select"]["fields"] == ["true", "predicted"]


# ----------------------------------------------------------------------------- evaluation sets


def test_mnist_test_set_and_validation_split_match_training():
    data = fake_mnist()
    test = mnist_test_set(data)
    assert len(test) == 20 and test.key == "abc:test" and test.sha256 == "abc"
    assert run_validation_set({"config": {"validation": "test"}}, data) is None
    assert run_validation_set({}, data) is None
    meta = {"config": {"validation": 0.1, "subset": 50}, "data": {"sha256": "abc"}}
    val = run_validation_set(meta, data)
    assert len(val) == 5 and not val.warning
    np.testing.assert_array_equal(val.x, data.x_train[45:50])  # the last 10% of the first 50
    other = run_validation_set({**meta, "data": {"sha256": "zzz"}}, data)
    assert "different MNIST file" in other.warning


def test_validation_split_is_the_one_training_holds_out():
    pytest.importorskip("keras")
    from digitcore.training.config import TrainConfig
    from digitcore.training.loop import _split

    data = fake_mnist(n_train=333)
    cfg = TrainConfig(validation=0.15, subset=200)
    _, _, x_val, y_val = _split(cfg, data)
    val = run_validation_set({"config": cfg.to_dict()}, data)
    np.testing.assert_array_equal(val.x, x_val)
    np.testing.assert_array_equal(val.y, y_val)


def test_load_eval_set_reads_kaggle_csv_and_npz(tmp_path):
    from digitcore.storage.datasets import DataError

    x = np.zeros((4, 28, 28), np.uint8)
    csv = tmp_path / "train.csv"
    csv.write_text(to_kaggle_csv(x, np.array([1, 2, 3, 4])))
    s = load_eval_set(csv)
    assert s.name == "Kaggle train.csv" and list(s.y) == [1, 2, 3, 4] and s.source == str(csv)
    bad = tmp_path / "test.csv"
    bad.write_text(to_kaggle_csv(x))
    with pytest.raises(DataError, match="no label column"):
        load_eval_set(bad)
    npz = tmp_path / "m.npz"
    np.savez(npz, x_train=x, y_train=np.zeros(4), x_test=x[:2], y_test=np.array([3, 4]))
    s = load_eval_set(npz)
    assert s.name == "MNIST test set" and list(s.y) == [3, 4]
    assert kaggle_set(x, np.zeros(4), "t.csv", "f00").key == "f00:kaggle"


# ----------------------------------------------------------------------------- folder test and leaderboard


class FixedPredictor:
    """Answers ``digit`` for every picture; counts its calls."""

    def __init__(self, digit: int) -> None:
        self.digit = digit
        self.calls = 0

    def predict_digits(self, x):
        self.calls += 1
        p = np.full((len(x), 10), 0.02, np.float32)
        p[:, self.digit] = 0.82
        return p


def test_folder_answers_and_accuracy(tmp_path, seed_digits_dir):
    import shutil

    for name in ("7-01.jpg", "1-01.jpg", "7-02.jpg"):
        shutil.copy(seed_digits_dir / name, tmp_path / name)
    (tmp_path / "photo.png").write_bytes((seed_digits_dir / "4-01.jpg").read_bytes())  # no label in the name
    (tmp_path / "broken.jpg").write_bytes(b"not a picture")
    (tmp_path / "notes.txt").write_text("skipped")
    (tmp_path / ".hidden.jpg").write_bytes(b"")
    files = list_image_files(tmp_path)
    assert [f.name for f in files] == ["1-01.jpg", "7-01.jpg", "7-02.jpg", "broken.jpg", "photo.png"]
    items = [prepare_image(f, f.name, keep_image=True) for f in files]
    assert [it.label for it in items] == [1, 7, 7, None, None]
    assert items[3].error and not items[3].usable and items[0].usable and items[0].image is not None
    sevens, ones = FixedPredictor(7), FixedPredictor(1)
    a7, a1 = answer_images(sevens, "sevens", items), answer_images(ones, "ones", items)
    assert sevens.calls == 1  # one model call for all pictures
    assert a7.digits == [7, 7, 7, None, 7] and a7.correct(items) == (2, 3)
    assert a1.accuracy(items) == pytest.approx(1 / 3)
    acc = accuracy_frame(items, [a7, a1])
    assert list(acc["right"]) == [2, 1] and list(acc["labelled"]) == [3, 3] and list(acc["no answer"]) == [1, 1]
    table = answers_frame(items, [a7, a1])
    assert list(table.columns) == ["file", "label", "sevens", "sevens confidence", "sevens right",
                                   "sevens not a digit", "ones", "ones confidence", "ones right", "ones not a digit"]
    assert table["sevens right"].tolist()[:3] == [False, True, True]
    assert table["sevens right"].isna().tolist()[3:] == [True, True]

    # A model that can say "not a digit": a declined picture has no digit, keeps its best guess and
    # counts as wrong when it has a label.
    from digitcore.model.rejection import OutputHead

    class Decliner(FixedPredictor):
        def predict_scores(self, x28):
            raw = np.full((len(x28), 11), 0.01, np.float32)
            raw[:, 4], raw[:, 10] = 0.3, 0.61  # "not a digit" wins; 4 the best guess
            raw[0, 10], raw[0, 1] = 0.01, 0.9  # the first usable picture (a 1) is answered
            return OutputHead(11, 10).scores(raw)

    ad = answer_images(Decliner(0), "decliner", items)
    assert ad.digits == [1, None, None, None, None] and ad.declined == [False, True, True, False, True]
    assert ad.best_guesses == [1, 4, 4, None, 4] and ad.correct(items) == (1, 3)
    acc = accuracy_frame(items, [ad])
    assert list(acc["not a digit"]) == [3] and list(acc["no answer"]) == [1]
    assert answers_frame(items, [ad])["decliner not a digit"].tolist() == [False, True, True, False, True]


def test_no_ink_picture_is_not_an_error():
    item = prepare_image(np.full((60, 60), 255, np.uint8), "3-blank.png")
    assert item.label == 3 and item.error is None and item.message and not item.usable
    assert isinstance(item, Prepared)


def test_latency_is_a_positive_median():
    p = FixedPredictor(3)
    assert latency_ms(p, repeats=5) >= 0.0 and p.calls == 6  # one warm-up call


def test_leaderboard_sorting_and_best():
    rows = [
        {"model": "slow", "test accuracy": 0.99, "latency ms": 9.0, "parameters": 10},
        {"model": "broken", "problem": "damaged"},
        {"model": "fast", "test accuracy": 0.99, "latency ms": 1.0, "parameters": 20, "default": True},
        {"model": "weak", "test accuracy": 0.90, "latency ms": 0.5},
    ]
    frame = leaderboard_frame(rows)
    assert list(frame["model"]) == ["fast", "slow", "weak", "broken"]
    assert best_row(frame) == 0 and frame.loc[0, "default"]
    assert frame.loc[3, "problem"] == "damaged" and frame.loc[0, "problem"] == ""
    assert best_row(leaderboard_frame([{"model": "x"}])) is None
