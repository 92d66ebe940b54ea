"""``python -m digitcore explain``: the three pictures, the JSON line, bad input and no MNIST."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest

from cli_helpers import run_cli
from digitcore.storage.paths import REPO_ROOT

FIELDS = {"path", "digit", "neighbours", "files", "message"}


@pytest.fixture()
def small_data(small_mnist_npz, tmp_path, monkeypatch):
    """A small MNIST (2,000 training digits: a quick index) and a private cache folder."""
    monkeypatch.setenv("DIGITCORE_MNIST", str(small_mnist_npz))
    monkeypatch.setenv("DIGITCORE_DATA_DIR", str(tmp_path / "data"))
    return small_mnist_npz


def test_explain_writes_the_pictures_and_a_json_line(capsys, small_data, seed_digits_dir, tmp_path):
    image = seed_digits_dir / "7-01.jpg"
    out_dir = tmp_path / "out"
    rc, out, err = run_cli(capsys, "explain", "--json", image, "--out", out_dir)
    assert rc == 0, err
    line = json.loads(out.strip())
    assert set(line) == FIELDS and line["path"] == str(image) and line["digit"] == 7
    assert len(line["neighbours"]) == 8
    with np.load(small_data) as f:
        y_train = f["y_train"]
    for nb in line["neighbours"]:
        assert set(nb) == {"index", "label", "similarity"} and nb["label"] == y_train[nb["index"]]
    assert sorted(line["files"]) == sorted(str(out_dir / n) for n in ("saliency.png", "layers.png", "neighbours.png"))
    for f in line["files"]:
        img = cv2.imread(f)
        assert img is not None and img.shape[0] > 50 and img.shape[1] > 50
    assert "look-alike index" in err  # built once, with progress
    assert list((tmp_path / "data" / "cache" / "neighbours").glob("*.npz"))
    # Plain text, second time: the index exists, nothing is rebuilt.
    rc, out, err = run_cli(capsys, "explain", image, "--out", out_dir)
    assert rc == 0 and out.startswith(f"{image}: 7 (") and "wrote" in out and "index" not in err


def test_explain_without_mnist_still_writes_the_pictures(capsys, tmp_path, monkeypatch, seed_digits_dir):
    monkeypatch.setenv("DIGITCORE_MNIST", str(tmp_path / "nowhere.npz"))
    monkeypatch.setenv("DIGITCORE_DATA_DIR", str(tmp_path / "data"))
    rc, out, _ = run_cli(capsys, "explain", "--json", seed_digits_dir / "3-01.jpg", "--out", tmp_path / "o")
    line = json.loads(out)
    assert rc == 0 and line["neighbours"] == [] and "MNIST" in line["message"] and len(line["files"]) == 3


def test_explain_bad_inputs(capsys, small_data, tmp_path):
    rc, _, err = run_cli(capsys, "explain", tmp_path / "missing.png", "--out", tmp_path / "o")
    assert rc == 1 and "not found" in err
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not a picture")
    rc, out, err = run_cli(capsys, "explain", junk, "--out", tmp_path / "o")
    assert rc == 1 and err.startswith("error:") and "Traceback" not in err and not (tmp_path / "o").exists()
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((100, 100), 255, np.uint8))
    rc, out, _ = run_cli(capsys, "explain", "--json", blank, "--out", tmp_path / "o")
    line = json.loads(out)
    assert rc == 0 and line["digit"] is None and line["files"] == [] and line["message"]
    bad_model = tmp_path / "bad.keras"
    bad_model.write_bytes(b"garbage")
    rc, _, err = run_cli(capsys, "explain", "--model", bad_model, blank, "--out", tmp_path / "o")
    assert rc == 2 and "bad.keras" in err
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    rc, _, err = run_cli(capsys, "explain", blank, "--out", a_file)
    assert rc == 1 and "not a folder" in err


def test_explain_in_a_real_process(small_data, seed_digits_dir, tmp_path):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    proc = subprocess.run([sys.executable, "-m", "digitcore", "explain", "--json", str(seed_digits_dir / "2-01.jpg"),
                           "--out", str(tmp_path / "o")], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr
    line = json.loads(proc.stdout.strip().splitlines()[-1])
    assert line["digit"] == 2 and all(os.path.isfile(f) for f in line["files"])
