"""``python -m digitcore class add|stats|export|import|clear`` (issue 14): round trip on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cli_helpers import run_cli
from digitcore.insight.evaluation import label_from_filename
from digitcore.storage.class_store import ClassStore
from digitcore.storage.paths import REPO_ROOT


def test_round_trip_add_stats_export_clear_import(capsys, store_url, seed_digits_dir, tmp_path, predictor):
    pictures = sorted(seed_digits_dir.glob("*.jpg"))
    by_label: dict[int, list[Path]] = {}
    for p in pictures:
        by_label.setdefault(label_from_filename(p), []).append(p)
    for label, paths in by_label.items():
        rc, out, err = run_cli(capsys, "class", "add", "--db", store_url, "--label", label, *paths)
        assert rc == 0, err
        assert f"added {len(paths)} drawing(s) of a {label}" in out

    rc, out, err = run_cli(capsys, "class", "stats", "--db", store_url, "--json")
    assert rc == 0, err
    stats = json.loads(out)
    assert set(stats) == {"total", "per_digit", "accuracy", "model"}
    assert stats["total"] == len(pictures) and stats["model"] == "default"
    assert stats["per_digit"] == {str(d): len(by_label.get(d, [])) for d in range(10)}
    # The accuracy is the model's own on the stored 28x28 inputs, computed independently here.
    _, x, y = ClassStore(store_url).arrays()
    expected = float((predictor.predict_digits(x).argmax(1) == y).mean())
    assert stats["accuracy"] == pytest.approx(expected)

    out_npz = tmp_path / "class.npz"
    rc, out, err = run_cli(capsys, "class", "export", "--db", store_url, out_npz)
    assert rc == 0 and f"exported {len(pictures)}" in out, err
    with np.load(out_npz, allow_pickle=False) as npz:
        assert npz["x"].shape == (len(pictures), 28, 28) and npz["x"].dtype == np.uint8
        assert npz["y"].shape == (len(pictures),)
        exported_x = npz["x"].copy()

    rc, out, err = run_cli(capsys, "class", "clear", "--db", store_url)
    assert rc == 2 and "--yes" in err
    assert ClassStore(store_url).count() == len(pictures)
    rc, out, err = run_cli(capsys, "class", "clear", "--db", store_url, "--yes")
    assert rc == 0 and f"deleted {len(pictures)}" in out
    assert ClassStore(store_url).count() == 0

    rc, out, err = run_cli(capsys, "class", "import", "--db", store_url, out_npz)
    assert rc == 0 and f"imported {len(pictures)}" in out, err
    rc, out, _ = run_cli(capsys, "class", "stats", "--db", store_url, "--json")
    again = json.loads(out)
    assert again["total"] == stats["total"] and again["per_digit"] == stats["per_digit"]
    assert again["accuracy"] == pytest.approx(stats["accuracy"])
    _, x2, _ = ClassStore(store_url).arrays()
    assert np.array_equal(x2, exported_x)


def test_bad_input_gives_a_message_and_stores_nothing(capsys, tmp_path, seed_digits_dir):
    url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    good = sorted(seed_digits_dir.glob("3-*.jpg"))[0]
    text = tmp_path / "notes.png"
    text.write_text("not a picture")
    cases = [
        (["add", "--label", "12", good], "0 to 9"),
        (["add", "--label", "x", good], "0 to 9"),
        (["add", "--label", "3", good, text], "notes.png"),  # the good one is not stored either
        (["add", "--label", "3", tmp_path / "missing.png"], "missing.png"),
    ]
    for argv, words in cases:
        rc, out, err = run_cli(capsys, "class", argv[0], "--db", url, *argv[1:])
        assert rc == 2 and words in err and "Traceback" not in err, (argv, err)
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, x=np.array([object()], dtype=object), y=np.array([1]))
    wrong = tmp_path / "wrong.npz"
    np.savez(wrong, x=np.zeros((4, 20, 20), np.uint8), y=np.zeros(4, np.uint8))
    for path, words in [(pickled, "pickled"), (wrong, "(N, 28, 28)")]:
        rc, out, err = run_cli(capsys, "class", "import", "--db", url, path)
        assert rc == 2 and words in err and "Nothing was imported" in err
    rc, out, err = run_cli(capsys, "class", "export", "--db", url, tmp_path / "out.csv")
    assert rc == 2 and ".npz" in err
    rc, out, err = run_cli(capsys, "class", "stats", "--db", url, "--model", tmp_path / "nope.keras", "--json")
    assert rc == 2 and "Traceback" not in err
    assert ClassStore(url).count() == 0


def test_unreachable_database_is_a_clear_error(capsys, tmp_path):
    rc, out, err = run_cli(capsys, "class", "export", "--db", "postgresql+psycopg://x@127.0.0.1:9/none",
                           tmp_path / "o.npz")
    assert rc == 2 and "can't be reached" in err
    assert not (tmp_path / "o.npz").exists()


def test_the_real_command_uses_the_data_folder_by_default(tmp_path, seed_digits_dir):
    env = {k: v for k, v in __import__("os").environ.items() if k != "DIGITCORE_DB_URL"}
    env.update(DIGITCORE_DATA_DIR=str(tmp_path / "data"), TF_CPP_MIN_LOG_LEVEL="2")
    picture = sorted(seed_digits_dir.glob("7-*.jpg"))[0]
    done = subprocess.run([sys.executable, "-m", "digitcore", "class", "add", "--label", "7", str(picture)],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert ClassStore(f"sqlite:///{tmp_path / 'data' / 'class.sqlite'}").per_digit()[7] == 1
