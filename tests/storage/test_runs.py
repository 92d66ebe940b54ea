"""Run names are safe file names, and a run whose training died is never shown as finished."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from digitcore.storage.runs import (
    RunBusyError,
    RunNameError,
    check_run_name,
    effective_status,
    free_run_name,
    run_files,
    run_is_live,
    run_lock,
    suggest_run_name,
)


@pytest.mark.parametrize("name", ["a", "run1", "my-run_2", "Kaggle-CNN", "7", "x" * 64, "  padded  "])
def test_good_names_are_accepted(name):
    assert check_run_name(name) == name.strip()


@pytest.mark.parametrize(
    "name, message",
    [
        ("", "Give the run a name"),
        ("   ", "Give the run a name"),
        ("x" * 65, "at most 64"),
        ("../../etc/passwd", "only use letters"),
        ("..", "only use letters"),
        ("a/b", "only use letters"),
        ("a\\b", "only use letters"),
        (".hidden", "only use letters"),
        ("run.keras", "only use letters"),
        ("with space", "only use letters"),
        ("nul\x00byte", "only use letters"),
        ("café", "only use letters"),
        ("-rf", "start with a letter or a digit"),
        ("_x", "start with a letter or a digit"),
        ("default", "read-only"),
        ("DEFAULT", "read-only"),
        ("CON", "reserved device name"),
        ("prn", "reserved device name"),
        ("Aux", "reserved device name"),
        ("nul", "reserved device name"),
        ("COM1", "reserved device name"),
        ("com9", "reserved device name"),
        ("LPT1", "reserved device name"),
        ("lpt9", "reserved device name"),
    ],
)
def test_unsafe_names_are_refused_with_a_reason(name, message):
    with pytest.raises(RunNameError, match=message):
        check_run_name(name)


def test_not_a_string_is_refused():
    with pytest.raises(RunNameError):
        check_run_name(None)


def test_com0_and_longer_device_like_names_are_fine():
    assert check_run_name("COM10") == "COM10" and check_run_name("console") == "console"


@pytest.mark.parametrize("text, expected", [("My run #1", "My-run-1"), ("../../etc/passwd", "etc-passwd"),
                                            ("", "run"), ("default", "default-run"), ("con", "con-run"),
                                            ("été", "t")])
def test_suggested_names_are_valid(text, expected):
    assert suggest_run_name(text) == expected
    check_run_name(suggest_run_name(text))


def test_free_run_name_skips_taken_names(tmp_path):
    assert free_run_name("kaggle-cnn", tmp_path) == "kaggle-cnn"
    (tmp_path / "kaggle-cnn.json").write_text("{}")
    (tmp_path / "kaggle-cnn-2.keras").write_bytes(b"x")
    assert free_run_name("kaggle-cnn", tmp_path) == "kaggle-cnn-3"


def test_run_files_cannot_escape_the_folder(tmp_path):
    files = run_files(tmp_path, "ok")
    assert files.model == tmp_path / "ok.keras" and files.lock.name == ".ok.lock"
    with pytest.raises(RunNameError):
        run_files(tmp_path, "../outside")


def test_lock_marks_a_run_live_and_refuses_a_second_trainer(tmp_path):
    files = run_files(tmp_path, "busy")
    assert not run_is_live(files)
    with run_lock(files):
        assert run_is_live(files)
        with pytest.raises(RunBusyError):
            with run_lock(files, wait_s=0.1):
                pass
    assert not run_is_live(files)
    assert not files.lock.exists(), "the lock file is removed afterwards"


def _running_meta(folder, name):
    meta = {"name": name, "status": "running", "test_accuracy": None}
    (folder / f"{name}.json").write_text(json.dumps(meta))
    return meta


def test_running_run_without_a_live_trainer_is_interrupted(tmp_path):
    meta = _running_meta(tmp_path, "crashed")
    shown = effective_status(meta, tmp_path, "crashed")
    assert shown["status"] == "failed" and shown["interrupted"] and "Interrupted" in shown["error"]
    assert json.loads((tmp_path / "crashed.json").read_text())["status"] == "running", "the file is not changed"


def test_running_run_with_a_live_trainer_stays_running(tmp_path):
    meta = _running_meta(tmp_path, "alive")
    with run_lock(run_files(tmp_path, "alive")):
        assert effective_status(meta, tmp_path, "alive")["status"] == "running"


def test_killed_process_leaves_an_interrupted_run(tmp_path, default_model_path, monkeypatch):
    """A process that dies while holding the lock (server killed mid-training) leaves a stale lock file."""
    from digitcore.storage.model_store import list_models

    _running_meta(tmp_path, "killed")
    script = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(os.getcwd())!r})
        from digitcore.storage.runs import run_files, run_lock
        with run_lock(run_files({str(tmp_path)!r}, "killed")):
            os._exit(0)  # like SIGKILL: no clean-up runs
    """)
    subprocess.run([sys.executable, "-c", script], check=True, cwd=os.getcwd())
    assert (tmp_path / ".killed.lock").exists()
    monkeypatch.setenv("DIGITCORE_MODELS_DIR", str(tmp_path))
    entry = {e.name: e for e in list_models()}["killed"]
    assert entry.meta["status"] == "failed" and entry.meta["interrupted"]
    assert "interrupted" in entry.problem


def test_listing_shows_runs_in_progress_and_skips_stray_json(tmp_path, default_model_path, monkeypatch):
    from digitcore.insight import presentation as pres
    from digitcore.storage.model_store import list_models

    monkeypatch.setenv("DIGITCORE_MODELS_DIR", str(tmp_path))
    _running_meta(tmp_path, "training-now")
    (tmp_path / "notes.json").write_text('{"just": "a file"}')
    with run_lock(run_files(tmp_path, "training-now")):
        entries = {e.name: e for e in list_models()}
        assert "notes" not in entries
        now = entries["training-now"]
        assert now.meta["status"] == "running" and "still training" in now.problem
        assert pres.model_label(now) == "training-now (still training)"
    entries = {e.name: e for e in list_models()}
    assert pres.model_label(entries["training-now"]) == "training-now (failed)"
