"""``python -m digitcore predict|evaluate``: output formats, bad inputs, exit statuses, real accuracy.

Most cases call ``digitcore.cli.main`` in-process (TensorFlow is imported once); a few run the real
``python -m digitcore`` in a subprocess end to end. They use the shipped default model and the real
MNIST file and seed digits (see conftest.py: missing data fails in CI instead of skipping).
"""

from __future__ import annotations

import io
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from digitcore.cli import main
from digitcore.insight.evaluation import label_from_filename
from digitcore.storage.paths import REPO_ROOT

FIELDS = {"path", "digit", "confidence", "probabilities", "error", "message"}


# mnist_path, seed_digits_dir, small_mnist_npz and default_model_path come from conftest.py
# (they fail rather than skip in CI when the data or the model is missing).


@pytest.fixture(scope="session")
def model_path(request) -> Path:
    # DIGITCORE_TEST_MODEL lets a developer try another model; CI uses the shipped default.
    override = os.environ.get("DIGITCORE_TEST_MODEL")
    return Path(override) if override else request.getfixturevalue("default_model_path")


@pytest.fixture(scope="session")
def seed_dir(seed_digits_dir) -> Path:
    return seed_digits_dir


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    """``python -m digitcore ARGV`` in-process: (exit status, stdout, stderr)."""
    capsys.readouterr()
    try:
        rc = main([str(a) for a in argv])
    except SystemExit as exc:  # argparse usage errors
        rc = exc.code
    out, err = capsys.readouterr()
    return rc, out, err


def run_subprocess(*argv: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    return subprocess.run([sys.executable, "-m", "digitcore", *map(str, argv)], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def json_lines(text: str) -> list[dict]:
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    for r in rows:
        assert FIELDS <= set(r), r
    return rows


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def huge_png_header(width: int = 8000, height: int = 6000) -> bytes:
    """A PNG that declares width x height pixels but holds almost no data: refused before decoding."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr)
            + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + _png_chunk(b"IEND", b""))


@pytest.fixture()
def mixed_folder(tmp_path: Path, seed_dir: Path) -> Path:
    """Good seed digits mixed with every kind of bad file, plus files a folder scan must skip."""
    d = tmp_path / "mixed"
    d.mkdir()
    for name in ("3-01.jpg", "4-01.jpg", "0-01.jpg"):
        shutil.copy(seed_dir / name, d / name)
    (d / "empty.png").write_bytes(b"")
    (d / "text.png").write_text("hello, this is not a picture\n")
    (d / "random.jpg").write_bytes(random.Random(1).randbytes(3000))
    jpg = (seed_dir / "3-01.jpg").read_bytes()
    (d / "truncated.jpg").write_bytes(jpg[: len(jpg) // 2])
    buf = io.BytesIO()
    Image.open(seed_dir / "5-01.jpg").resize((300, 300)).save(buf, "PNG")
    (d / "truncated.png").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    (d / "huge.png").write_bytes(huge_png_header())
    Image.new("L", (100, 100), 255).save(d / "white.png")
    Image.new("RGB", (100, 100), (0, 0, 0)).save(d / "black.png")
    Image.new("L", (1, 1), 0).save(d / "tiny.png")
    first = Image.open(seed_dir / "7-01.jpg").convert("RGB")
    second = Image.open(seed_dir / "2-01.jpg").convert("RGB")
    first.save(d / "animated.gif", save_all=True, append_images=[second], duration=100, loop=0)
    (d / "notes.txt").write_text("not an image extension: skipped in folders")
    shutil.copy(seed_dir / "1-01.jpg", d / ".hidden.jpg")
    (d / "sub").mkdir()
    shutil.copy(seed_dir / "9-01.jpg", d / "sub" / "9-01.jpg")
    return d


# ----------------------------------------------------------------------------- predict


def test_predict_json_on_a_mixed_folder(capsys, model_path, mixed_folder, tmp_path):
    missing = tmp_path / "nope.png"
    rc, out, err = run_cli(capsys, "predict", "--model", model_path, "--json", mixed_folder, missing)
    rows = json_lines(out)
    by_name = {Path(r["path"]).name: r for r in rows}
    expected_names = sorted(p.name for p in mixed_folder.iterdir()
                            if p.is_file() and not p.name.startswith(".") and p.suffix != ".txt")
    assert [Path(r["path"]).name for r in rows] == expected_names + ["nope.png"]  # sorted, then the next PATH
    assert rc == 1
    assert "could not be used" in err and "Traceback" not in out + err

    for name in ("3-01.jpg", "4-01.jpg", "0-01.jpg"):
        r = by_name[name]
        assert r["error"] is None and r["message"] is None
        assert r["digit"] == label_from_filename(name)
        assert isinstance(r["confidence"], float) and 0.0 <= r["confidence"] <= 1.0
        assert len(r["probabilities"]) == 10 and abs(sum(r["probabilities"]) - 1.0) < 1e-3
        # probabilities are over the digits; confidence is the calibrated probability among all the
        # model's outputs, so with a "not a digit" output it can be a little below the digit's bar.
        assert r["confidence"] <= max(r["probabilities"]) + 1e-6
        assert r["probabilities"].index(max(r["probabilities"])) == r["digit"] == r["best_guess"]

    assert by_name["animated.gif"]["digit"] == 7  # the first frame is used

    errors = {
        "empty.png": "empty",
        "text.png": "text",
        "random.jpg": "not an image",
        "truncated.jpg": "truncated",
        "truncated.png": "truncated",
        "huge.png": "too large",
        "nope.png": "not found",
    }
    for name, words in errors.items():
        r = by_name[name]
        assert r["digit"] is None and r["confidence"] is None and r["probabilities"] is None, r
        assert words in r["error"].lower(), r
    assert "megapixels" in by_name["huge.png"]["error"]

    for name in ("white.png", "black.png", "tiny.png"):  # no ink: a result, not an error
        r = by_name[name]
        assert r["error"] is None and r["digit"] is None and r["probabilities"] is None, r
        assert "no ink" in r["message"].lower()


def test_predict_plain_text_lines(capsys, model_path, seed_dir, tmp_path):
    white = tmp_path / "white.png"
    Image.new("L", (64, 64), 255).save(white)
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"")
    rc, out, err = run_cli(capsys, "predict", "--model", model_path, seed_dir / "4-01.jpg", white, bad)
    lines = out.splitlines()
    assert len(lines) == 3 and rc == 1
    assert lines[0].startswith(f"{seed_dir / '4-01.jpg'}: 4 (") and lines[0].endswith("%)")
    assert lines[1].startswith(f"{white}: no digit (No ink found")
    assert lines[2] == f"{bad}: error: The file is empty (0 bytes)."


def test_predict_all_good_exits_zero(capsys, model_path, seed_dir):
    rc, out, err = run_cli(capsys, "predict", "--model", model_path, "--json",
                           seed_dir / "1-01.jpg", seed_dir / "8-01.jpg")
    assert rc == 0
    assert [r["digit"] for r in json_lines(out)] == [1, 8]
    assert "could not be used" not in err


def test_predict_empty_folder_is_an_error(capsys, model_path, tmp_path):
    rc, out, _ = run_cli(capsys, "predict", "--model", model_path, "--json", tmp_path)
    (row,) = json_lines(out)
    assert rc == 1 and "no image files" in row["error"].lower()


def test_predict_needs_a_path(capsys):
    rc, _, err = run_cli(capsys, "predict")
    assert rc == 2 and "PATH" in err


@pytest.fixture()
def damaged_models(tmp_path: Path, model_path: Path) -> list[Path]:
    real = model_path.read_bytes()
    cut = tmp_path / "truncated.keras"
    cut.write_bytes(real[: len(real) // 2])
    noise = tmp_path / "noise.keras"
    noise.write_bytes(random.Random(2).randbytes(5000))
    empty = tmp_path / "empty.keras"
    empty.write_bytes(b"")
    wrong_suffix = tmp_path / "model.h5"
    wrong_suffix.write_bytes(real)
    return [cut, noise, empty, wrong_suffix, tmp_path / "missing.keras"]


def test_damaged_model_exits_2_with_a_message(capsys, damaged_models, seed_dir, mnist_path):
    for bad in damaged_models:
        rc, out, err = run_cli(capsys, "predict", "--model", bad, seed_dir / "1-01.jpg")
        assert rc == 2, bad
        assert out == "" and err.startswith("error: ") and bad.name in err and "Traceback" not in err
        rc, out, err = run_cli(capsys, "evaluate", "--model", bad, "--data", mnist_path)
        assert rc == 2 and err.startswith("error: ") and "Traceback" not in err


def test_damaged_model_subprocess(damaged_models, seed_dir):
    proc = run_subprocess("predict", "--model", damaged_models[0], seed_dir / "1-01.jpg")
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "truncated.keras is damaged" in proc.stderr and "Traceback" not in proc.stderr


def test_seed_digits_all_right_through_the_cli(model_path, seed_dir):
    """The 20 hand-drawn seed digits, end to end: `python -m digitcore predict --json FOLDER`."""
    proc = run_subprocess("predict", "--model", model_path, "--json", seed_dir)
    assert proc.returncode == 0, proc.stderr
    rows = json_lines(proc.stdout)
    assert len(rows) == 20
    wrong = [(Path(r["path"]).name, r["digit"]) for r in rows if r["digit"] != label_from_filename(r["path"])]
    assert wrong == []


# ----------------------------------------------------------------------------- evaluate


def test_evaluate_json_on_a_small_set_subprocess(model_path, small_mnist_npz):
    proc = run_subprocess("evaluate", "--model", model_path, "--data", small_mnist_npz, "--json")
    assert proc.returncode == 0, proc.stderr
    (line,) = proc.stdout.splitlines()
    res = json.loads(line)
    assert {"model", "data", "accuracy", "loss", "n"} <= set(res)
    assert res["n"] == 500 and res["correct"] + res["errors"] == 500
    assert res["accuracy"] == res["correct"] / 500
    assert res["model"] == str(model_path) and res["data"] == str(small_mnist_npz)
    assert res["accuracy"] >= 0.98 and 0.0 < res["loss"] < 0.2


def test_evaluate_text_output_and_env_default(capsys, monkeypatch, model_path, small_mnist_npz):
    monkeypatch.setenv("DIGITCORE_MNIST", str(small_mnist_npz))
    rc, out, err = run_cli(capsys, "evaluate", "--model", model_path)
    assert rc == 0, err
    assert "accuracy:" in out and "loss:" in out and "500 images" in out and str(small_mnist_npz) in out


def test_evaluate_bad_data_exits_2(capsys, tmp_path, model_path):
    text = tmp_path / "notes.npz"
    text.write_text("not a zip")
    partial = tmp_path / "partial.npz"
    np.savez(partial, x_test=np.zeros((3, 28, 28), np.uint8), y_test=np.zeros(3, np.uint8))
    shapes = tmp_path / "shapes.npz"
    np.savez(shapes, x_train=np.zeros((2, 28, 28), np.uint8), y_train=np.zeros(2, np.uint8),
             x_test=np.zeros((3, 32, 32), np.uint8), y_test=np.zeros(3, np.uint8))
    cases = {tmp_path / "missing.npz": "not found", text: "could not read", partial: "missing x_train",
             shapes: "shape"}
    for path, words in cases.items():
        rc, out, err = run_cli(capsys, "evaluate", "--model", model_path, "--data", path)
        assert rc == 2, path
        assert out == "" and err.startswith("error: ") and words in err.lower(), err


def test_evaluate_default_model_on_the_full_test_set(capsys, model_path, mnist_path):
    """The shipped model's promise: at least 99.6% on the 10,000 MNIST test images."""
    rc, out, err = run_cli(capsys, "evaluate", "--model", model_path, "--data", mnist_path, "--json")
    assert rc == 0, err
    res = json.loads(out)
    assert res["n"] == 10000
    assert res["accuracy"] >= 0.996, res
