"""digitcore.insight.kaggle: Kaggle Digit Recognizer CSVs in and out, and every way such a file can be wrong."""

from __future__ import annotations

import time
import tracemalloc

import numpy as np
import pytest

from digitcore.insight.kaggle import (
    MAX_ROWS,
    KaggleError,
    read_kaggle_csv,
    read_submission,
    submission_csv,
    to_kaggle_csv,
)

PIXELS = ",".join(f"pixel{i}" for i in range(784))
ZEROS = ",".join(["0"] * 784)


def images(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n)


def test_train_csv_round_trip():
    x, y = images(50)
    text = to_kaggle_csv(x, y)
    assert text.startswith("label,pixel0,pixel1,") and text.count("\n") == 51
    data = read_kaggle_csv(text.encode(), "train.csv")
    assert data.kind == "train" and len(data) == 50
    np.testing.assert_array_equal(data.images, x)
    np.testing.assert_array_equal(data.labels, y)
    assert data.images.dtype == np.uint8 and data.images.shape == (50, 28, 28)
    assert len(data.sha256) == 64


def test_test_csv_to_submission_round_trip(tmp_path):
    x, _ = images(30, seed=1)
    path = tmp_path / "test.csv"
    path.write_text(to_kaggle_csv(x))
    data = read_kaggle_csv(path, expect="test")
    assert data.kind == "test" and data.labels is None and data.name == "test.csv"
    np.testing.assert_array_equal(data.images, x)
    answers = np.arange(30) % 10
    sub = submission_csv(answers)
    lines = sub.splitlines()
    assert lines[0] == "ImageId,Label" and lines[1] == "1,0" and lines[-1] == "30,9" and len(lines) == 31
    np.testing.assert_array_equal(read_submission(sub), answers)


def test_crlf_bom_and_trailing_blank_lines_are_fine():
    text = "\ufeff" + PIXELS + "\r\n" + ZEROS + "\r\n" + ZEROS + "\r\n\r\n"
    assert len(read_kaggle_csv(text.encode("utf-8"), "t.csv")) == 2


def test_expected_kind_is_checked():
    x, y = images(2)
    with pytest.raises(KaggleError, match="looks like a train.csv"):
        read_kaggle_csv(to_kaggle_csv(x, y).encode(), "train.csv", expect="test")
    with pytest.raises(KaggleError, match="looks like a test.csv"):
        read_kaggle_csv(to_kaggle_csv(x).encode(), "test.csv", expect="train")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "empty"),
        ("\n\n  \n", "empty"),
        (PIXELS + "\n", "no images"),
        ("a,b,c\n1,2,3\n", "3 columns"),
        (ZEROS + "\n" + ZEROS + "\n", "no header row"),
        (PIXELS + "\n" + ZEROS + "\n" + ",".join(["0"] * 700) + "\n", "line 3: 700 values"),
        (PIXELS + "\n" + ",".join(["0"] * 785) + "\n", "line 2: 785 values"),
        (PIXELS + "\n" + ",".join(["0"] * 783 + ["x"]) + "\n", "'x' is not a number"),
        (PIXELS + "\n" + ",".join(["0"] * 783 + ["256"]) + "\n", "256 is not a pixel value"),
        (PIXELS + "\n" + ",".join(["-1"] + ["0"] * 783) + "\n", "-1 is not a pixel value"),
        (PIXELS + "\n" + ",".join(["0.5"] + ["0"] * 783) + "\n", "0.5 is not a pixel value"),
        (PIXELS + "\n" + ",".join([""] + ["0"] * 783) + "\n", "value is missing"),
        ("label," + PIXELS + "\n12," + ZEROS + "\n", "label 12 is not a digit"),
        ("name," + PIXELS + "\n1," + ZEROS + "\n", "not 'label'"),
        ("label," + ",".join(f"pixel{i}" for i in range(783)) + "\n", "only 783 pixel columns"),
    ],
)
def test_malformed_csvs_get_a_clear_message(text, words):
    with pytest.raises(KaggleError) as err:
        read_kaggle_csv(text.encode(), "bad.csv")
    assert words in str(err.value)


def test_binary_and_non_utf8_files():
    with pytest.raises(KaggleError, match="not a CSV text file"):
        read_kaggle_csv(bytes(range(256)) * 4, "x.csv")
    with pytest.raises(KaggleError, match="not a CSV text file"):
        read_kaggle_csv("pixel0,\xe9\n".encode("latin-1"), "x.csv")


def test_missing_file(tmp_path):
    with pytest.raises(KaggleError, match="not found"):
        read_kaggle_csv(tmp_path / "nope.csv")
    with pytest.raises(KaggleError, match="folder"):
        read_kaggle_csv(tmp_path)


def _refused_quickly(data: bytes, words: str) -> None:
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        with pytest.raises(KaggleError) as err:
            read_kaggle_csv(data, "huge.csv")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert words in str(err.value)
    assert peak < 16 * 2**20, f"peak {peak / 2**20:.1f} MB"  # nothing like the file's size
    assert time.perf_counter() - t0 < 10  # generous: a busy CI machine, the point is "not minutes"


def test_a_million_columns_is_refused_with_bounded_memory():
    header = ",".join(f"pixel{i}" for i in range(1_000_000))
    _refused_quickly((header + "\n" + ",".join(["0"] * 1_000_000) + "\n").encode(), "first line is over")


def test_a_million_values_in_one_row_is_refused_with_bounded_memory():
    _refused_quickly((PIXELS + "\n" + ZEROS + "\n" + ",".join(["0"] * 1_000_000) + "\n").encode(),
                     "line 3: 1,000,000 values")


def test_too_many_rows(monkeypatch):
    import digitcore.insight.kaggle as kaggle

    monkeypatch.setattr(kaggle, "MAX_ROWS", 3)
    with pytest.raises(KaggleError, match="more than 3 images"):
        read_kaggle_csv((PIXELS + "\n" + (ZEROS + "\n") * 4).encode(), "x.csv")
    assert MAX_ROWS >= 42_000  # Kaggle's own train.csv must fit


def test_submission_checks():
    with pytest.raises(ValueError):
        submission_csv([1, 10])
    assert submission_csv([]) == "ImageId,Label\n"
    with pytest.raises(KaggleError):
        read_submission("Id,Label\n1,2\n")
    with pytest.raises(KaggleError):
        read_submission("ImageId,Label\n2,3\n")
