"""Training with the class's drawings (``train --class-data``, issue 14): fixed held-out split, before/after.

The "class" here is real non-MNIST handwriting: USPS digits put through the app's own preprocessing
(as a student's drawing would be) and stored in a real class store.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from digitcore.cli import main
from digitcore.imaging.preprocess import preprocess
from digitcore.storage.class_store import ClassStore, ClassStoreError, NewDrawing
from digitcore.training.class_data import HOLDOUT_SHARE, MIN_DRAWINGS, is_held_out, load_class_data

SHARED = Path(__file__).resolve().parents[3] / "shared" / "datasets"


@pytest.fixture(scope="module")
def usps_drawings() -> tuple[np.ndarray, np.ndarray]:
    """300 USPS training digits as 28x28 model inputs (through the app's preprocessing) and their labels."""
    path = Path(os.environ.get("DIGITCORE_USPS", SHARED / "usps" / "usps.npz"))
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"USPS not found at {path}")
        pytest.skip(f"USPS not found at {path}")
    with np.load(path) as d:
        x, y = d["x_train"][:400], d["y_train"][:400]
    xs, ys = [], []
    for img, label in zip(x, y):
        # Scaled up with a margin and dark on light, like a photo of a digit on paper.
        photo = 255 - np.kron(np.pad(img, 6), np.ones((4, 4), np.uint8))
        digit = preprocess(photo, keep_steps=False).digit28
        if digit is not None and len(xs) < 300:
            xs.append((digit * 255).round().astype(np.uint8))
            ys.append(int(label))
    assert len(xs) == 300
    return np.stack(xs), np.array(ys, dtype=np.int64)


def test_the_held_out_part_is_fixed_by_row_id():
    ids = range(1, 4001)
    held = [i for i in ids if is_held_out(i)]
    assert abs(len(held) / 4000 - HOLDOUT_SHARE) < 0.03
    assert held == [i for i in ids if is_held_out(i)]  # the same every time, whatever else is stored


def test_too_few_drawings_is_a_clear_error(tmp_path):
    url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    ClassStore(url).add_many([NewDrawing(np.zeros((28, 28), np.uint8), 1, "import")] * (MIN_DRAWINGS - 1))
    with pytest.raises(ClassStoreError, match=f"at least {MIN_DRAWINGS}"):
        load_class_data(url)


def test_split_keeps_old_rows_where_they_were(tmp_path, usps_drawings):
    x, y = usps_drawings
    url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    store = ClassStore(url)
    store.import_arrays(x[:100], y[:100])
    first = load_class_data(url)
    store.import_arrays(x[100:], y[100:])
    second = load_class_data(url)
    assert set(first.held_ids) <= set(second.held_ids)
    assert len(second.y_held) + len(second.y_train) == 300


def test_a_fine_tune_run_on_stored_drawings_reports_before_and_after(tmp_path, usps_drawings, small_mnist_npz,
                                                                    capsys, predictor):
    x, y = usps_drawings
    url = f"sqlite:///{tmp_path / 'class.sqlite'}"
    ClassStore(url).import_arrays(x, y)
    out = tmp_path / "runs"
    rc = main(["train", "--preset", "custom", "--conv-blocks", "1", "--filters", "8", "--dense-units", "0",
               "--epochs", "1", "--subset", "400", "--no-augment", "--name", "with-class", "--out", str(out),
               "--data", str(small_mnist_npz), "--class-data", url])
    printed = capsys.readouterr().out
    assert rc == 0, printed
    meta = json.loads((out / "with-class.json").read_text())
    cd = meta["class_data"]
    data = load_class_data(url)
    assert cd["held_out_drawings"] == len(data.y_held) and cd["train_drawings"] == len(data.y_train)
    assert cd["train_drawings"] + cd["held_out_drawings"] == 300
    # Before: the shipped default model on exactly the held-out drawings, computed independently here.
    expected_before = float((predictor.predict_digits(data.x_held).argmax(1) == data.y_held).mean())
    assert cd["before"] == {"model": "default", "accuracy": pytest.approx(expected_before)}
    assert 0.0 <= cd["after"]["accuracy"] <= 1.0
    # The class's training drawings really were trained on: they are part of the training images.
    assert meta["data"]["train_images"] == 360 + cd["train_drawings"] * cd["repeat"]
    assert "accuracy before (default)" in printed and "after" in printed


def test_train_refuses_an_unusable_class_store(tmp_path, small_mnist_npz, capsys):
    bad = tmp_path / "class.sqlite"
    bad.write_bytes(b"not a database" * 100)
    rc = main(["train", "--preset", "custom", "--epochs", "1", "--subset", "200", "--out", str(tmp_path / "r"),
               "--data", str(small_mnist_npz), "--class-data", f"sqlite:///{bad}"])
    assert rc == 2 and "damaged" in capsys.readouterr().err
    assert not (tmp_path / "r").exists() or not any((tmp_path / "r").iterdir())
