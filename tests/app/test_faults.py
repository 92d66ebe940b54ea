"""Faults (issue 5): a server killed mid-training, damaged runs, the shipped models kept read-only, and a
disk that is full or read-only while a run is saved.

* Killed server: a real ``streamlit run app.py`` trains through the Train page in Chromium, is SIGKILLed
  after its first epoch, and is started again on the same models folder.
* Damaged runs: garbage and truncated ``.keras`` files, a broken JSON, broken and empty logs, a models
  folder that does not exist, no default model: every page runs in AppTest, names what is broken, and
  the home page still answers; ``predict --model`` on a damaged file exits 2 with a sentence.
* Full or read-only disk: REAL faults where this machine allows them (``unshare -rm`` plus a small tmpfs
  in a private mount namespace: ENOSPC and EROFS from the kernel, for the CLI in a subprocess). Where
  mounting is not allowed (some CI runners), or with ``DIGITCORE_FAULTS=inject``, the same checks run
  against :class:`FaultyDisk`, which raises the same OSErrors from Python's file functions. The job
  manager's path (the Train page's) is always tested with :class:`FaultyDisk`, in process.
"""

from __future__ import annotations

import builtins
import errno
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import browser_helpers as bh
from test_app import SEVEN, answers, canvas_drawing, encode, fake_canvas, paper_digit

from digitcore.insight import presentation as pres
from digitcore.cli import main
from digitcore.storage.datasets import load_mnist_npz
from digitcore.training.jobs import MANAGER
from digitcore.storage.model_store import list_models
from digitcore.training.presets import get_preset
from digitcore.storage.runs import RunNameError, run_files

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "models"
REFERENCE_RUN = "u123-cnn-v2"  # the second shipped run: a finished run to copy into temporary folders
PAGE_FILES = [REPO / "app.py", *sorted((REPO / "pages").glob("*.py"))]
TRAIN_PAGE = REPO / "pages" / "1_Train_a_network.py"
CURVES_PAGE = REPO / "pages" / "2_Training_curves.py"
TIMEOUT = 240  # AppTest: the first run imports TensorFlow and loads models on a busy 2-core machine
TIMEOUT_MS = 240_000
WAIT_S = 600
#: A custom network of ~8,000 parameters: two epochs on 270 images take a second, its .keras ~75 KB.
TINY_ARCH = {"conv_blocks": 1, "filters": 4, "dense_units": 0}
TINY_CLI = ["--preset", "custom", "--conv-blocks", "1", "--filters", "4", "--dense-units", "0",
            "--epochs", "2", "--subset", "300"]


# ----------------------------------------------------------------------------- helpers


def sha256s(paths: Iterable[Path]) -> dict[str, str]:
    """File name -> SHA-256 of its bytes."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def run_paths(folder: Path, name: str) -> list[Path]:
    """A run's three files."""
    return [folder / f"{name}{ext}" for ext in (".keras", ".csv", ".json")]


def copy_run(src: Path, name: str, dst: Path, as_name: str | None = None) -> None:
    """Copy run ``name``'s files from ``src`` into ``dst`` (renamed to ``as_name``)."""
    for path in run_paths(src, name):
        shutil.copy2(path, dst / f"{as_name or name}{path.suffix}")


def tiny_config(name: str, epochs: int = 2):
    """The tiny custom network as a TrainConfig."""
    return get_preset("custom").config(name=name, epochs=epochs, subset=300, architecture=dict(TINY_ARCH))


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``check`` until it is true; fail saying ``what`` did not happen."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.5)


def logged_epochs(csv_path: Path) -> int:
    """Data rows in a CSVLogger file (0 when missing)."""
    try:
        return max(0, len(csv_path.read_text().strip().splitlines()) - 1)
    except OSError:
        return 0


def run_every_page() -> dict[str, AppTest]:
    """Run app.py and each page once in AppTest; none may end in an exception."""
    done = {}
    for path in PAGE_FILES:
        at = AppTest.from_file(str(path), default_timeout=TIMEOUT).run()
        assert not at.exception, (path.name, [e.message for e in at.exception])
        done[path.name] = at
    return done


def shown_text(at: AppTest) -> str:
    """Every message, caption and markdown on a page, Markdown escapes removed."""
    parts = [*at.markdown, *at.caption, *at.info, *at.warning, *at.error, *at.success]
    return "\n".join(p.value for p in parts).replace("\\", "")


@pytest.fixture(scope="module")
def small(small_mnist_npz):
    """The 2,000-image MNIST slice, loaded."""
    return load_mnist_npz(small_mnist_npz)


@pytest.fixture
def idle_manager():
    """The process-wide job manager (the Train page's and the CLI's), idle before and after the test."""
    assert not MANAGER.is_busy()
    yield MANAGER
    MANAGER.stop()
    MANAGER.wait(WAIT_S)
    MANAGER.forget_finished()  # its failure would otherwise be shown on the Train page of later tests


@pytest.fixture(scope="module")
def earlier_run(tmp_path_factory, small) -> Path:
    """A folder holding one small finished run, ``earlier`` (small enough for a tiny tmpfs)."""
    from digitcore.training.loop import train

    folder = tmp_path_factory.mktemp("earlier")
    result = train(tiny_config("earlier"), small, folder)
    assert result.status == "finished"
    return folder


# ----------------------------------------------------------------------------- 1. server killed mid-training


def test_server_killed_mid_training_leaves_earlier_runs_intact_and_the_run_failed(
        browser_ok, tmp_path, small_mnist_npz, small, monkeypatch, idle_manager):
    from playwright.sync_api import expect  # retries until the page shows it (widgets fill in after a rerun)

    runs = tmp_path / "models"
    runs.mkdir()
    copy_run(SHIPPED, REFERENCE_RUN, runs)
    earlier = sha256s(run_paths(runs, REFERENCE_RUN))
    env = {"DIGITCORE_MODELS_DIR": str(runs), "DIGITCORE_MNIST": str(small_mnist_npz)}
    partial_log = runs / ".digitnet.csv.partial"  # where CSVLogger writes while the run trains

    with bh.streamlit_server(env=env, timeout=180) as srv, bh.chromium_page((1400, 1000)) as page:
        try:
            bh.open_train_page(page, srv.url, TIMEOUT_MS)
            expect(page.get_by_role("textbox", name="Run name", exact=True)).to_have_value("digitnet")
            page.get_by_role("button", name="Start training").click()
            page.get_by_text("Epochs done").first.wait_for(timeout=TIMEOUT_MS)
            # Really training: an epoch has finished and been logged, the next one is under way.
            wait_until(lambda: logged_epochs(partial_log) >= 1, WAIT_S, "the first epoch in the log")
            assert json.loads((runs / "digitnet.json").read_text())["status"] == "running"
        except Exception as exc:
            raise AssertionError(f"training did not start ({exc}); server log:\n{srv.log_tail()}") from exc
        bh.kill_server(srv)

    assert sha256s(run_paths(runs, REFERENCE_RUN)) == earlier, "the earlier run is byte for byte intact"
    names = sorted(os.listdir(runs))
    assert [n for n in names if not n.startswith(".")] == ["digitnet.json", *sorted(earlier)]
    assert not [n for n in names if ".tmp" in n], "no half-written temporary file"
    assert json.loads((runs / "digitnet.json").read_text())["status"] == "running", "nobody could update it"

    monkeypatch.setenv("DIGITCORE_MODELS_DIR", str(runs))
    entries = {e.name: e for e in list_models()}
    killed = entries["digitnet"]
    assert killed.meta["status"] == "failed" and killed.meta["interrupted"] and "interrupted" in killed.problem
    assert pres.model_label(killed) == "digitnet (failed)"
    assert not entries[REFERENCE_RUN].problem

    with bh.streamlit_server(env=env, timeout=180) as srv, bh.chromium_page((1400, 1000)) as page:
        try:
            bh.open_app(page, srv.url)
            sidebar = page.locator("[data-testid=stSidebar]")
            sidebar.get_by_text("interrupted").first.wait_for(timeout=TIMEOUT_MS)
            note = sidebar.inner_text()
            assert "digitnet" in note and "interrupted" in note
            sidebar.get_by_role("combobox").first.click()
            page.get_by_role("option", name="digitnet (failed)").wait_for(timeout=TIMEOUT_MS)
            options = page.get_by_role("option").all_inner_texts()
            assert "digitnet (failed)" in options and REFERENCE_RUN in options, options
            page.get_by_role("option", name="digitnet (failed)").click()
            sidebar.get_by_text("This model can't be used").wait_for(timeout=TIMEOUT_MS)
            # The new server has no phantom training: the form is back, with the next free name.
            bh.open_train_page(page, srv.url, TIMEOUT_MS)
            expect(page.get_by_role("textbox", name="Run name", exact=True)).to_have_value("digitnet-2",
                                                                                        timeout=60_000)
            assert page.get_by_text("A training is running").count() == 0
        except Exception as exc:
            raise AssertionError(f"after the restart ({exc}); server log:\n{srv.log_tail()}") from exc

    # The curves page shows the epochs that finished before the kill, not a run "still training".
    curves = AppTest.from_file(str(CURVES_PAGE), default_timeout=TIMEOUT).run()
    assert not curves.exception and curves.multiselect(key="curves_runs").value == ["digitnet"]
    assert curves.get("vega_lite_chart") and "still training" not in shown_text(curves)

    # The name can be trained again: the stale lock and log of the killed server are no obstacle.
    idle_manager.start(tiny_config("digitnet", epochs=1), data=small, out_dir=runs, overwrite=True)
    assert idle_manager.wait(WAIT_S).status == "finished"
    assert {e.name: e for e in list_models()}["digitnet"].problem == ""
    assert not [n for n in os.listdir(runs) if n.startswith(".")]
    assert sha256s(run_paths(runs, REFERENCE_RUN)) == earlier


# ----------------------------------------------------------------------------- 2. damaged runs

#: Damaged runs the model list must flag, and words from the reason it gives.
BROKEN = {
    "garbage": "garbage.keras is damaged",  # random bytes
    "truncated": "truncated.keras is damaged",  # a copy cut off half-way; its JSON says "finished"
    "badjson": "badjson.json is unreadable",  # the model is fine, its record is cut off
}
#: Runs whose model works but whose training log does not, and words from the curves page's message.
BAD_LOGS = {"badcsv": "not a training log", "emptycsv": "empty"}


@pytest.fixture
def damaged_models(tmp_path, monkeypatch, small_mnist_npz, default_model_path) -> Path:
    """A models folder with a good run, the BROKEN runs and the BAD_LOGS runs."""
    folder = tmp_path / "models"
    folder.mkdir()
    model = (SHIPPED / f"{REFERENCE_RUN}.keras").read_bytes()
    meta = json.loads((SHIPPED / f"{REFERENCE_RUN}.json").read_text())
    log = (SHIPPED / f"{REFERENCE_RUN}.csv").read_bytes()

    def write(name: str, keras: bytes = model, csv: bytes = log, record: bytes | None = None) -> None:
        (folder / f"{name}.keras").write_bytes(keras)
        (folder / f"{name}.csv").write_bytes(csv)
        (folder / f"{name}.json").write_bytes(record or json.dumps({**meta, "name": name}).encode())

    write("good")
    (folder / "garbage.keras").write_bytes(os.urandom(5000))  # no log, no record: just a file
    write("truncated", keras=model[: len(model) // 2])
    write("badjson", record=b'{"name": "badjson", "status": "fini')
    write("badcsv", csv=bytes(range(256)) * 8)
    write("emptycsv", csv=b"")
    monkeypatch.setenv("DIGITCORE_MODELS_DIR", str(folder))
    monkeypatch.setenv("DIGITCORE_MNIST", str(small_mnist_npz))
    return folder


def test_damaged_runs_are_named_and_everything_else_works(damaged_models, monkeypatch):
    entries = {e.name: e for e in list_models()}
    for name, words in BROKEN.items():
        assert words in entries[name].problem, name
        assert pres.model_label(entries[name]) == f"{name} (broken)"
    for name in ("default", "good", *BAD_LOGS):
        assert not entries[name].problem, name

    fake_canvas(monkeypatch, canvas_drawing(SEVEN))
    pages = run_every_page()
    home = pages["app.py"]
    note = " ".join(c.value for c in home.sidebar.caption)
    assert all(name in note for name in BROKEN), note
    assert answers(home) == ["7"], "the default model still answers"
    picker = home.sidebar.selectbox(key="home_model")
    for name in BROKEN:
        picker.set_value(str(damaged_models / f"{name}.keras")).run()
        assert not home.exception and answers(home) == []
        assert any(BROKEN[name] in e.value for e in home.sidebar.error), name
    picker.set_value(str(damaged_models / "good.keras")).run()
    assert answers(home) == ["7"], "a good run answers too"

    for page in ("3_Confusion_matrix.py", "4_Top_errors.py", "6_Kaggle_files.py"):
        text = shown_text(pages[page])
        assert all(name in text for name in BROKEN), (page, text)
    board = pages["5_Compare_models.py"].dataframe[0].value
    problems = dict(zip(board["model"], board["problem"].fillna("")))
    assert all(BROKEN[name] in problems[name] for name in BROKEN), problems
    assert problems["good"] == "" and problems["Default model"] == ""

    curves = AppTest.from_file(str(CURVES_PAGE), default_timeout=TIMEOUT).run()
    curves.multiselect(key="curves_runs").set_value([*BAD_LOGS, "good"]).run()
    assert not curves.exception
    errors = [e.value for e in curves.error]
    for name, words in BAD_LOGS.items():
        assert any(name in e and words in e for e in errors), (name, errors)
    assert curves.get("vega_lite_chart"), "the good run's curves are drawn"


@pytest.mark.parametrize("case", ["models folder missing", "default model missing"])
def test_every_page_starts_without_a_models_folder_or_default_model(case, tmp_path, monkeypatch, small_mnist_npz,
                                                                    default_model_path):
    missing = tmp_path / "nowhere"
    monkeypatch.setenv("DIGITCORE_MNIST", str(small_mnist_npz))
    monkeypatch.setenv("DIGITCORE_MODELS_DIR", str(missing if case == "models folder missing" else tmp_path))
    if case == "default model missing":  # the repository's file stays where it is: only the lookup moves
        monkeypatch.setattr("digitcore.storage.model_store.default_model_path", lambda: missing / "default.keras")
    fake_canvas(monkeypatch, canvas_drawing(SEVEN))
    pages = run_every_page()
    if case == "models folder missing":
        assert answers(pages["app.py"]) == ["7"]
        assert pages["1_Train_a_network.py"].button(key="train_start").disabled is False
    else:
        assert "No model found" in shown_text(pages["app.py"])
        assert "No usable model" in shown_text(pages["3_Confusion_matrix.py"])
    assert not missing.exists(), "looking is not writing"


def test_cli_predict_with_a_damaged_model_says_so_and_exits_2(damaged_models, tmp_path, capsys):
    picture = tmp_path / "seven.png"
    picture.write_bytes(encode(paper_digit(SEVEN)))
    for name in ("garbage", "truncated", "missing"):
        assert main(["predict", "--model", str(damaged_models / f"{name}.keras"), str(picture)]) == 2, name
        out, err = capsys.readouterr()
        assert err.startswith("error: ") and f"{name}.keras" in err and "Traceback" not in out + err
    # A broken JSON does not matter to the command line: the model itself is fine.
    assert main(["predict", "--model", str(damaged_models / "badjson.keras"), str(picture)]) == 0
    assert capsys.readouterr().out.startswith(f"{picture}: 7")


# ----------------------------------------------------------------------------- 3. the shipped models stay as shipped


def test_shipped_models_are_never_modified(tmp_path, monkeypatch, small_mnist_npz, capsys, idle_manager):
    # Every shipped file, the number reader's companions in models/companions/ too.
    shipped = sorted(p for p in SHIPPED.rglob("*") if p.is_file())
    assert {p.name for p in shipped} >= {"default.keras", "default.csv", "default.json",
                                         "pair_reader.keras", "pair_reader.json",
                                         *(p.name for p in run_paths(SHIPPED, REFERENCE_RUN))}
    before = sha256s(shipped)
    monkeypatch.delenv("DIGITCORE_MODELS_DIR", raising=False)  # runs would go to the repository's models/
    monkeypatch.setenv("DIGITCORE_MNIST", str(small_mnist_npz))

    # The reserved name, however it is written and even with overwrite: refused before anything is written.
    for name in ("default", "DEFAULT", " Default "):
        assert main(["train", *TINY_CLI, "--name", name, "--overwrite"]) == 2
        assert "read-only" in capsys.readouterr().err
        with pytest.raises(RunNameError):
            idle_manager.start(tiny_config(name), overwrite=True)
        with pytest.raises(RunNameError):
            run_files(SHIPPED, name)
    train_page = AppTest.from_file(str(TRAIN_PAGE), default_timeout=TIMEOUT).run()
    next(t for t in train_page.text_input if t.key.startswith("train:name:")).set_value("default").run()
    assert any("read-only" in e.value for e in train_page.error)
    assert train_page.button(key="train_start").disabled

    # A session: train (into a temporary folder) and replace that run, evaluate the default model, visit every page.
    out = tmp_path / "runs"
    assert main(["train", *TINY_CLI, "--name", "session", "--out", str(out)]) == 0
    assert main(["train", *TINY_CLI, "--name", "session", "--out", str(out), "--overwrite"]) == 0
    assert main(["evaluate"]) == 0
    capsys.readouterr()
    run_every_page()

    assert sorted(p for p in SHIPPED.rglob("*") if p.is_file()) == shipped, "no file added to or removed from models/"
    assert sha256s(shipped) == before, "every shipped file is byte for byte the same"


# ----------------------------------------------------------------------------- 4. full or read-only disk


def _usage(folder: str) -> int:
    return sum(e.stat().st_size for e in os.scandir(folder) if e.is_file())


class _MeteredFile:
    """A file opened for writing inside a :class:`FaultyDisk`: each write is checked against the disk first."""

    def __init__(self, fh, disk: FaultyDisk) -> None:
        self._fh, self._disk, self._fd = fh, disk, fh.fileno()
        disk.fds.add(self._fd)

    def write(self, data):
        self._fh.flush()  # what is buffered counts as used
        self._disk.check_write(len(data))
        return self._fh.write(data)

    def close(self) -> None:
        self._disk.fds.discard(self._fd)
        self._fh.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __iter__(self):
        return iter(self._fh)

    def __getattr__(self, name):
        return getattr(self._fh, name)


class FaultyDisk:
    """The fallback where mounting is not allowed: ``root`` behaves like a full or a read-only file system.

    Python's file functions (``open``, ``os.open``, ``os.write``, ``os.replace``, ``os.unlink``, ...) are
    patched for paths inside ``root`` only and raise what the kernel would: ENOSPC when the folder's files
    would grow past ``free_bytes`` more than they were at the start, EROFS for any change while
    ``read_only`` (which a test may switch on half-way). Writes from C libraries (h5py) are not seen,
    so the trainings here use no ModelCheckpoint.
    """

    def __init__(self, root: Path, *, free_bytes: int | None = None, read_only: bool = False) -> None:
        self.root = os.path.realpath(root)
        self.read_only = read_only
        self.limit = None if free_bytes is None else _usage(self.root) + free_bytes
        self.fds: set[int] = set()

    def inside(self, path) -> bool:
        """True for a path in (or equal to) the faulty folder."""
        if not isinstance(path, (str, bytes, os.PathLike)):
            return False
        real = os.path.realpath(os.fsdecode(path))
        return real == self.root or real.startswith(self.root + os.sep)

    def check_write(self, size: int) -> None:
        """Raise as the kernel would if ``size`` more bytes cannot be written."""
        if self.read_only:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS))
        if self.limit is not None and _usage(self.root) + size > self.limit:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def _refuse(self, path) -> None:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fsdecode(path))

    def install(self, monkeypatch: pytest.MonkeyPatch) -> FaultyDisk:
        """Patch the file functions until the test ends."""
        real_open, real_os_open, real_write = builtins.open, os.open, os.write
        writing_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

        def fake_open(file, mode="r", *args, **kwargs):
            if any(c in mode for c in "wax+") and self.inside(file):
                if self.read_only:
                    self._refuse(file)
                return _MeteredFile(real_open(file, mode, *args, **kwargs), self)
            return real_open(file, mode, *args, **kwargs)

        def fake_os_open(path, flags, mode=0o777, *, dir_fd=None):
            if self.read_only and flags & writing_flags and self.inside(path):
                self._refuse(path)
            return real_os_open(path, flags, mode, dir_fd=dir_fd)

        def fake_write(fd, data):
            if fd in self.fds:
                self.check_write(len(data))
            return real_write(fd, data)

        def guarded(real):
            def changing(*args, **kwargs):
                if self.read_only and any(self.inside(a) for a in args[:2]):
                    self._refuse(args[0])
                return real(*args, **kwargs)
            return changing

        monkeypatch.setattr(builtins, "open", fake_open)
        monkeypatch.setattr(io, "open", fake_open)  # pathlib's Path.open / write_bytes
        monkeypatch.setattr(os, "open", fake_os_open)  # tempfile.mkstemp
        monkeypatch.setattr(os, "write", fake_write)
        for name in ("replace", "rename", "unlink", "remove", "chmod"):
            monkeypatch.setattr(os, name, guarded(getattr(os, name)))
        return self


#: A shell script run in a private user + mount namespace: a small tmpfs on $FOLDER holding a copy of the
#: earlier run, filled up to $FREE_KB free (none when negative) and/or remounted read-only; then the CLI
#: ("$@") runs there, and whatever it left is copied out to $AFTER (the tmpfs vanishes with the namespace).
REAL_FAULT_SCRIPT = r"""
set -u
mount -t tmpfs -o size=512k tmpfs "$FOLDER" || exit 90
cp -p "$EARLIER"/* "$FOLDER"/
if [ "$FREE_KB" -ge 0 ]; then
  avail=$(df -Pk "$FOLDER" | awk 'NR == 2 {print $4}')
  if [ "$avail" -gt "$FREE_KB" ]; then
    dd if=/dev/zero of="$FOLDER/.filler" bs=1024 count=$((avail - FREE_KB)) 2>/dev/null
  fi
fi
if [ "$READ_ONLY" = 1 ]; then mount -o remount,ro "$FOLDER" || exit 91; fi
"$PYTHON" -m digitcore "$@" >"$LOGS/out" 2>"$LOGS/err"
echo $? >"$LOGS/rc"
if [ "$READ_ONLY" != 1 ]; then rm -f "$FOLDER/.filler"; fi
cp -a "$FOLDER"/. "$AFTER"/
"""


@pytest.fixture(scope="module")
def disk_fault_mode(tmp_path_factory) -> str:
    """ "real" when a private tmpfs can be mounted (and remounted read-only) here, else "injected"."""
    if os.environ.get("DIGITCORE_FAULTS") == "inject" or not shutil.which("unshare"):
        return "injected"
    probe = tmp_path_factory.mktemp("probe")
    done = subprocess.run(["unshare", "-rm", "sh", "-c",
                           'mount -t tmpfs -o size=64k tmpfs "$0" && mount -o remount,ro "$0"', str(probe)],
                          capture_output=True, timeout=60)
    return "real" if done.returncode == 0 else "injected"


#: name -> (free KB left on the disk, read-only, words the message must have). 24 KB hold the lock, the
#: JSON and the log but not the ~75 KB model; 0 KB fail the very first write.
DISK_FAULTS = {
    "full while saving the model": (24, False, "disk is full"),
    "full from the start": (0, False, "disk is full"),
    "read-only": (-1, True, "read-only"),
}


def _train_on_faulty_disk(mode: str, fault: str, folder: Path, earlier: Path, data: Path,
                          monkeypatch, capsys) -> tuple[int, str, str, Path]:
    """Train the tiny run "fresh" with the CLI into ``folder`` on a faulty disk: (exit status, stdout, stderr,
    the folder's files afterwards)."""
    free_kb, read_only, _ = DISK_FAULTS[fault]
    args = ["train", *TINY_CLI, "--name", "fresh", "--data", str(data)]
    if mode == "real":
        logs, after = folder.parent / "logs", folder.parent / "after"
        logs.mkdir()
        after.mkdir()
        env = {**os.environ, "FOLDER": str(folder), "EARLIER": str(earlier), "FREE_KB": str(free_kb),
               "READ_ONLY": "1" if read_only else "0", "PYTHON": sys.executable, "LOGS": str(logs),
               "AFTER": str(after), "DIGITCORE_MODELS_DIR": str(folder)}
        done = subprocess.run(["unshare", "-rm", "sh", "-c", REAL_FAULT_SCRIPT, "sh", *args], env=env, cwd=REPO,
                              capture_output=True, text=True, timeout=WAIT_S)
        assert done.returncode == 0, f"the fault script failed ({done.returncode}): {done.stderr}"
        (after / ".filler").unlink(missing_ok=True)  # the read-only disk's filler could not be removed there
        return (int((logs / "rc").read_text()), (logs / "out").read_text(), (logs / "err").read_text(), after)
    copy_run(earlier, "earlier", folder)
    FaultyDisk(folder, free_bytes=None if free_kb < 0 else free_kb * 1024, read_only=read_only).install(monkeypatch)
    monkeypatch.setenv("DIGITCORE_MODELS_DIR", str(folder))
    status = main(args)
    out, err = capsys.readouterr()
    return status, out, err, folder


@pytest.mark.parametrize("fault", list(DISK_FAULTS))
def test_cli_training_on_a_full_or_read_only_disk(fault, disk_fault_mode, earlier_run, tmp_path, small_mnist_npz,
                                                  monkeypatch, capsys, idle_manager):
    folder = tmp_path / "models"
    folder.mkdir()
    status, out, err, after = _train_on_faulty_disk(disk_fault_mode, fault, folder, earlier_run, small_mnist_npz,
                                                    monkeypatch, capsys)
    words = DISK_FAULTS[fault][2]
    assert status == 1, (status, out, err)
    assert words in err and str(folder) in err, err
    assert "Traceback" not in out + err

    assert sha256s(run_paths(after, "earlier")) == sha256s(run_paths(earlier_run, "earlier")), "earlier run intact"
    names = sorted(os.listdir(after))
    assert not [n for n in names if n.startswith(".")], f"temporary, partial or lock files left: {names}"
    assert "fresh.keras" not in names
    if "fresh.csv" in names:
        assert "fresh.json" in names, "a log never stands without its record"
    if "fresh.json" in names:
        meta = json.loads((after / "fresh.json").read_text())
        assert meta["status"] == "failed" and words in meta["error"]
    if fault == "full while saving the model":
        assert logged_epochs(after / "fresh.csv") == 2, "the finished epochs' log is kept"
    fresh = [e for e in list_models(after) if e.name == "fresh"]
    assert all(e.problem and e.meta.get("status") == "failed" for e in fresh), "never listed as finished"


@pytest.mark.parametrize("moment", ["saving the model", "writing the first epoch's log line"])
def test_job_manager_turns_a_full_disk_into_a_message(moment, earlier_run, small, tmp_path, monkeypatch,
                                                      idle_manager):
    folder = tmp_path / "models"
    folder.mkdir()
    copy_run(earlier_run, "earlier", folder)
    earlier = sha256s(run_paths(folder, "earlier"))
    disk = FaultyDisk(folder, free_bytes=24 * 1024 if moment == "saving the model" else None).install(monkeypatch)
    events: list[dict] = []

    def listener(ev: dict) -> None:
        events.append(ev)
        if moment != "saving the model" and ev["type"] == "epoch" and ev["epoch"] == 1:
            disk.limit = _usage(disk.root)  # full from now on: CSVLogger's line for this epoch is next

    idle_manager.start(tiny_config("fresh"), data=small, out_dir=folder, listener=listener)
    state = idle_manager.wait(WAIT_S)

    assert state.status == "failed" and not state.active
    assert "disk is full" in state.error and str(folder) in state.error
    assert any(m["kind"] == "error" and "disk is full" in m["message"] for m in state.messages)
    assert sha256s(run_paths(folder, "earlier")) == earlier
    names = sorted(os.listdir(folder))
    assert names == ["earlier.csv", "earlier.json", "earlier.keras", "fresh.csv", "fresh.json"], names
    meta = json.loads((folder / "fresh.json").read_text())
    if moment == "saving the model":  # the record still fits: it says why, and keeps the finished epochs
        assert events[-1]["type"] == "end" and events[-1]["status"] == "failed"
        assert meta["status"] == "failed" and meta["error"] == state.error
        assert logged_epochs(folder / "fresh.csv") == 2
    else:  # not even the record fits: it still says "running", which the list shows as failed
        assert events[-1] == {"type": "error", "message": state.error}
        assert meta["status"] == "running"
    fresh = {e.name: e for e in list_models(folder)}["fresh"]
    assert fresh.meta["status"] == "failed" and fresh.problem


def test_job_manager_turns_a_read_only_folder_while_saving_into_a_message(earlier_run, small, tmp_path, monkeypatch,
                                                                         idle_manager):
    folder = tmp_path / "models"
    folder.mkdir()
    copy_run(earlier_run, "earlier", folder)
    earlier = sha256s(run_paths(folder, "earlier"))
    disk = FaultyDisk(folder).install(monkeypatch)
    events: list[dict] = []

    def listener(ev: dict) -> None:
        events.append(ev)
        if ev.get("phase") == "saving":  # the folder turns read-only just as the model is saved
            disk.read_only = True

    idle_manager.start(tiny_config("fresh"), data=small, out_dir=folder, listener=listener)
    state = idle_manager.wait(WAIT_S)
    idle_manager._job.thread.join(30)

    assert not idle_manager._job.thread.is_alive(), "the training thread ended"
    assert state.status == "failed" and "read-only" in state.error and str(folder) in state.error
    assert events[-1] == {"type": "error", "message": state.error}
    assert sha256s(run_paths(folder, "earlier")) == earlier
    names = sorted(os.listdir(folder))
    assert "fresh.keras" not in names and not [n for n in names if ".tmp" in n]
    # Its JSON could not be updated and still says "running": shown as failed (interrupted), never finished.
    assert json.loads((folder / "fresh.json").read_text())["status"] == "running"
    monkeypatch.setenv("DIGITCORE_MODELS_DIR", str(folder))
    fresh = {e.name: e for e in list_models()}["fresh"]
    assert fresh.meta["status"] == "failed" and fresh.problem

    # Every visitor of the Train page reads what happened.
    train_page = AppTest.from_file(str(TRAIN_PAGE), default_timeout=TIMEOUT).run()
    assert not train_page.exception
    assert any("fresh" in e.value and "read-only" in e.value.replace("\\", "") for e in train_page.error)
