"""Issue 5, bad input and safety: every case of tests/hostile_corpus.py through every surface that takes it.

* library: ``load_image`` / ``Predictor``, ``digitcore.insight.kaggle``, ``digitcore.storage.runs.check_run_name``;
* CLI: ``python -m digitcore predict`` (every picture in one call), ``evaluate --data`` (each CSV) and
  ``train --name`` (each name, refused before training starts): the command lines run one after the
  other in one measured process, exactly as ``-m`` runs them, so TensorFlow is imported once; no
  traceback, a clear message, the documented exit status, bounded time and peak memory (wait4);
* the app (Streamlit's AppTest): the home page's upload (one file at a time, then all at once), the
  Kaggle page, the training page's run name; one session per page takes the whole corpus, then still
  answers a good input;
* a real browser: an upload over ``server.maxUploadSize`` is refused with a message, and the page
  still answers afterwards;
* safety: models load in Keras' safe mode (a Lambda layer is refused and never runs), pickled data is
  never loaded, uploads are never written to disk, the size limit is configured and documented.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
import tracemalloc
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import hostile_corpus as hc
from hostile_corpus import DIGIT, ERROR, IMAGE, KAGGLE_CSV, NO_DIGIT, RUN_NAME, Case, message_ok
from test_app import answers, messages, upload

REPO = Path(__file__).resolve().parents[2]
APP = str(REPO / "app.py")
KAGGLE_PAGE = str(REPO / "pages" / "6_Kaggle_files.py")
TRAIN_PAGE = str(REPO / "pages" / "1_Train_a_network.py")
APP_TIMEOUT = 180  # the first AppTest run imports TensorFlow and loads the model on a busy 2-core machine
#: Peak memory any CLI process may reach on the whole corpus (TensorFlow alone is several hundred MB).
MAX_RSS_KB = 1_500_000
#: Wall time for one CLI process (TensorFlow import + model load + the whole corpus), generous for CI.
CLI_TIMEOUT_S = 240
#: What one refused command line may take inside the measured process.
MAX_CALL_S = 20.0
#: File types the home page's uploader takes (the browser refuses others; Streamlit's server re-checks).
HOME_TYPES = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif")

IMAGE_CASES, CSV_CASES, NAME_CASES = hc.cases(IMAGE), hc.cases(KAGGLE_CSV), hc.cases(RUN_NAME)


def ids(cases: list[Case]) -> list[str]:
    return [c.id for c in cases]


def upload_name(case: Case) -> str:
    """The name the file is uploaded under: a .svg or .heic only gets past the uploader renamed, e.g. x.svg.png."""
    return case.name if case.name.lower().endswith(HOME_TYPES) else case.name + ".png"


def test_corpus_covers_the_issue():
    """At least 25 cases, and every kind the issue lists is in it."""
    assert len(hc.CASES) >= 25
    names = {c.name for c in hc.CASES}
    for wanted in ("empty.png", "random.jpg", "notes.png", "truncated.jpg", "truncated.png", "corrupt.jpg",
                   "corrupt.png", "bomb-header.png", "decompression-bomb.png", "sixteen-bit.png", "cmyk.jpg",
                   "palette.png", "grey-alpha.png", "animated.gif", "vector.svg", "photo.heic", "tiny.png",
                   "strip.png", "over-size-limit.png", "million-columns.csv", "traversal", "CON", "empty",
                   "300-chars", "unicode"):
        assert wanted in names, wanted
    assert len(CSV_CASES) >= 8 and all(c.words for c in hc.CASES if c.expect != DIGIT)


# ============================================================================= library


@pytest.mark.parametrize("case", IMAGE_CASES, ids=ids(IMAGE_CASES))
def test_library_image(case: Case, predictor):
    from digitcore.imaging.image_io import ImageError

    data = case.data
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        try:
            prediction, error = predictor.predict(data), None
        except ImageError as exc:
            prediction, error = None, str(exc)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    seconds = time.perf_counter() - t0
    if case.expect == ERROR:
        assert message_ok(case, error), (case.name, error)
    elif case.expect == NO_DIGIT:
        assert error is None and prediction.digit is None and message_ok(case, prediction.message), (error, prediction)
    else:
        assert error is None and prediction.digit == case.digit, (error, prediction)
    assert seconds < 10, f"{case.name}: {seconds:.1f} s"
    # Python-side allocations (NumPy included): a bomb is refused before any pixel buffer exists.
    assert peak < 100 * 2**20, f"{case.name}: peak {peak / 2**20:.0f} MB"


@pytest.mark.parametrize("case", CSV_CASES, ids=ids(CSV_CASES))
def test_library_kaggle_csv(case: Case, tmp_path):
    from digitcore.insight.kaggle import KaggleError, read_kaggle_csv

    for source in (case.data, _write(tmp_path / case.name, case.data)):  # bytes (uploads) and a path (CLI)
        t0 = time.perf_counter()
        with pytest.raises(KaggleError) as err:
            read_kaggle_csv(source, case.name, expect="train")
        assert message_ok(case, str(err.value)), str(err.value)
        assert case.name in str(err.value), "the message names the file"
        assert time.perf_counter() - t0 < 10


@pytest.mark.parametrize("case", NAME_CASES, ids=ids(NAME_CASES))
def test_library_run_name(case: Case, tmp_path):
    from digitcore.storage.runs import RunNameError, check_run_name, run_files
    from digitcore.training.config import TrainConfig

    with pytest.raises(RunNameError) as err:
        check_run_name(case.data)
    assert message_ok(case, str(err.value)), str(err.value)
    with pytest.raises(RunNameError):  # no path is ever built from it
        run_files(tmp_path, case.data)
    with pytest.raises(ValueError):  # and no training can be configured with it
        TrainConfig(name=case.data).validate()
    assert not any(tmp_path.iterdir())


def _write(path: Path, data: bytes | str) -> Path:
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


# ============================================================================= CLI


@dataclass
class Measured:
    """One finished process: exit status, output, wall time and peak resident memory (kB, from wait4)."""

    rc: int
    stdout: str
    stderr: str
    wall_s: float
    maxrss_kb: int
    timed_out: bool


def run_measured(args: list[str], *, cwd: Path, timeout_s: float = CLI_TIMEOUT_S) -> Measured:
    """``python ARGS`` in ``cwd``, killed after ``timeout_s``; peak memory from the kernel's rusage."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "2",
           "DIGITCORE_MODELS_DIR": str(cwd / "models")}
    env.pop("DIGITCORE_DEBUG", None)
    killed = threading.Event()

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        # Files, not pipes: nothing reads the output while we block in wait4.
        proc = subprocess.Popen([sys.executable, *args], cwd=cwd, env=env, stdout=out, stderr=err,
                                start_new_session=True)

        def kill() -> None:
            killed.set()
            os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(timeout_s, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - t0
        out.seek(0)
        err.seek(0)
        return Measured(proc.returncode, out.read().decode(errors="replace"), err.read().decode(errors="replace"),
                        wall, usage.ru_maxrss, killed.is_set())


def assert_bounded(run: Measured, what: str) -> None:
    assert not run.timed_out, f"{what}: killed after {CLI_TIMEOUT_S} s"
    assert run.maxrss_kb < MAX_RSS_KB, f"{what}: peak memory {run.maxrss_kb / 1024:.0f} MB"
    assert "Traceback" not in run.stdout + run.stderr, f"{what}:\n{run.stderr[-3000:]}"


#: Runs several ``python -m digitcore`` command lines in one process, exactly as ``-m`` would (runpy), so
#: TensorFlow is imported once. Each call's output starts with a \x1e line on both streams.
DRIVER = r'''
import json, resource, runpy, sys, time
calls_path, results_path = sys.argv[1], sys.argv[2]


def peak_kb():
    # This process's own peak (Linux: VmHWM, reset by exec). ru_maxrss also keeps the high-water mark
    # of the process that spawned it (the kernel records the pre-exec memory), here pytest's.
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


calls = json.load(open(calls_path, encoding="utf-8"))
results = []
for argv in calls:
    print("\x1e", flush=True)
    print("\x1e", file=sys.stderr, flush=True)
    sys.argv = ["digitcore", *argv]
    t0 = time.perf_counter()
    try:
        runpy.run_module("digitcore", run_name="__main__", alter_sys=True)
        rc = 0
    except SystemExit as exc:
        rc = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    sys.stdout.flush()
    sys.stderr.flush()
    results.append({"rc": rc, "seconds": time.perf_counter() - t0,
                    "maxrss_kb": peak_kb()})
    with open(results_path, "w") as fh:
        json.dump(results, fh)
'''


@dataclass
class Call:
    """One command line run by the driver."""

    argv: list[str]
    rc: int
    stdout: str
    stderr: str
    seconds: float
    maxrss_kb: int  # the process's peak so far


@dataclass
class DriverRun:
    process: Measured
    calls: list[Call]


def run_commands(calls: list[list[str]], work: Path) -> DriverRun:
    """Run every command line in ``calls`` in one measured process (see :data:`DRIVER`)."""
    (work / "driver.py").write_text(DRIVER)
    (work / "calls.json").write_text(json.dumps(calls), encoding="utf-8")
    proc = run_measured(["driver.py", "calls.json", "results.json"], cwd=work)
    results = json.loads((work / "results.json").read_text()) if (work / "results.json").exists() else []
    outs, errs = proc.stdout.split("\x1e\n")[1:], proc.stderr.split("\x1e\n")[1:]
    done = [Call(argv, r["rc"], o, e, r["seconds"], r["maxrss_kb"])
            for argv, r, o, e in zip(calls, results, outs, errs)]
    assert len(done) == len(calls), f"the driver stopped after {len(done)} of {len(calls)} calls:\n{proc.stderr[-3000:]}"
    # The driver's own peak: wait4's figure includes the spawning pytest process's (about 1.5 GB late in the suite).
    proc = dataclasses.replace(proc, maxrss_kb=max(c.maxrss_kb for c in done))
    return DriverRun(proc, done)


def snapshot(folder: Path) -> set[str]:
    """Every path under ``folder`` (relative)."""
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.fixture(scope="module")
def cli_predict(cli_commands) -> tuple[Call, dict[str, dict]]:
    """``python -m digitcore predict --json`` on every picture of the corpus plus a good 7, in one call."""
    _, calls, _ = cli_commands
    call = calls["predict"]
    rows = {}
    for line in call.stdout.splitlines():
        row = json.loads(line)
        rows[Path(row["path"]).name] = row
    return call, rows


def test_cli_predict_whole_corpus(cli_predict):
    call, rows = cli_predict
    assert "Traceback" not in call.stdout + call.stderr
    assert call.rc == 1, "exit status 1: some files could not be used"
    failed = sum(c.expect == ERROR for c in IMAGE_CASES)
    assert f"{failed} of {len(IMAGE_CASES) + 1} file(s) could not be used" in call.stderr
    assert len(rows) == len(IMAGE_CASES) + 1
    assert rows["good-7.png"]["digit"] == 7, "the good picture after all the bad ones is still answered"


@pytest.mark.parametrize("case", IMAGE_CASES, ids=ids(IMAGE_CASES))
def test_cli_predict(cli_predict, case: Case):
    _, rows = cli_predict
    row = rows[case.name]
    if case.expect == ERROR:
        assert row["digit"] is None and message_ok(case, row["error"]), row
    elif case.expect == NO_DIGIT:
        assert row["error"] is None and row["digit"] is None and message_ok(case, row["message"]), row
    else:
        assert row["error"] is None and row["digit"] == case.digit, row


class Evil:
    """Pickles to ``open(marker, "w")``: loading it with pickle enabled would create the marker file."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def evil_npz(path: Path, marker: Path) -> Path:
    """An MNIST-looking .npz whose images are a pickle that creates ``marker`` when unpickled."""
    objs = np.empty(1, dtype=object)
    objs[0] = Evil(marker)
    np.savez(path, x_train=objs, y_train=np.zeros(1, np.int64), x_test=objs, y_test=np.zeros(1, np.int64))
    return path


def lambda_model(path: Path, marker: Path) -> Path:
    """A digit-shaped .keras model whose Lambda layer creates ``marker`` whenever it runs."""
    import keras

    def touch(t):
        Path(marker).touch()
        return t

    inp = keras.Input((28, 28, 1))
    x = keras.layers.Lambda(lambda t: touch(t))(inp)
    out = keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(x))
    keras.Model(inp, out).save(path)
    marker.unlink(missing_ok=True)  # building the model ran it once, here, in the test
    return path


@pytest.fixture(scope="module")
def hostile_files(tmp_path_factory) -> dict[str, Path]:
    """A Lambda-layer model, a pickle bomb .npz, and markers they would create if their code ever ran."""
    d = tmp_path_factory.mktemp("hostile_files")
    files = {"lambda_marker": d / "lambda-ran", "pickle_marker": d / "pickle-ran"}
    files["lambda_model"] = lambda_model(d / "lambda.keras", files["lambda_marker"])
    files["evil_npz"] = evil_npz(d / "evil.npz", files["pickle_marker"])
    files["good_csv"] = _write(d / "good-train.csv", hc.kaggle_train_csv())
    return files


@pytest.fixture(scope="module")
def cli_commands(tmp_path_factory, hostile_files, default_model_path) -> tuple[DriverRun, dict[str, Call], Path]:
    """The whole corpus through the CLI in one measured process: ``predict`` on every picture (one call),
    ``evaluate --data`` for every CSV, ``train --name`` for every run name, then the safety cases."""
    work = tmp_path_factory.mktemp("cli")
    pictures, csvs = work / "corpus", work / "csv"
    pictures.mkdir()
    csvs.mkdir()
    runs_out = work / "runs"  # train's --out: must never be created
    paths = [str(_write(pictures / c.name, c.data)) for c in IMAGE_CASES]
    paths.append(str(_write(pictures / "good-7.png", hc.good_png())))
    keyed: list[tuple[str, list[str]]] = [("predict", ["predict", "--json", *paths])]
    for c in CSV_CASES:
        keyed.append((f"csv:{c.name}", ["evaluate", "--data", str(_write(csvs / c.name, c.data))]))
    for c in NAME_CASES:
        if c.cli:
            # --name=VALUE, so a name like "-rf" is not taken for an option.
            keyed.append((f"name:{c.name}", ["train", f"--name={c.data}", "--data", str(work / "missing.npz"),
                                             "--out", str(runs_out), "--epochs", "1"]))
    keyed += [
        ("lambda-evaluate", ["evaluate", "--model", str(hostile_files["lambda_model"]),
                             "--data", str(hostile_files["good_csv"])]),
        ("lambda-predict", ["predict", "--model", str(hostile_files["lambda_model"]),
                            str(hostile_files["good_csv"])]),
        ("pickle-evaluate", ["evaluate", "--data", str(hostile_files["evil_npz"])]),
        ("pickle-train", ["train", "--name=fine-name", "--data", str(hostile_files["evil_npz"]),
                          "--out", str(runs_out), "--epochs", "1", "--subset", "100"]),
        ("good-evaluate", ["evaluate", "--data", str(hostile_files["good_csv"])]),
    ]
    before = snapshot(work)
    driver = run_commands([argv for _, argv in keyed], work)
    created = snapshot(work) - before - {"driver.py", "calls.json", "results.json"}
    assert not created, f"the CLI wrote {sorted(created)}"
    return driver, {key: call for (key, _), call in zip(keyed, driver.calls)}, work


def test_cli_is_bounded(cli_commands):
    driver, calls, _ = cli_commands
    assert_bounded(driver.process, "the CLI")
    # The first call pays for importing TensorFlow and loading the model.
    assert calls["predict"].seconds < 3 * MAX_CALL_S, f"predict: {calls['predict'].seconds:.1f} s"
    rest = [c for key, c in calls.items() if key != "predict"]
    slowest = max(rest, key=lambda c: c.seconds)
    assert slowest.seconds < MAX_CALL_S, f"{slowest.argv}: {slowest.seconds:.1f} s"
    print(f"\nCLI: {len(calls)} command lines in {driver.process.wall_s:.1f} s, peak memory "
          f"{driver.process.maxrss_kb / 1024:.0f} MB; predict on {len(IMAGE_CASES) + 1} files "
          f"{calls['predict'].seconds:.1f} s (peak so far {calls['predict'].maxrss_kb / 1024:.0f} MB), "
          f"slowest other call {slowest.seconds:.2f} s")


def _assert_refused(call: Call, case: Case) -> None:
    assert call.rc == 2, (call.argv, call.rc, call.stderr)
    assert "Traceback" not in call.stdout + call.stderr
    assert call.stderr.startswith("error: ") and message_ok(case, call.stderr), call.stderr
    assert call.seconds < MAX_CALL_S


@pytest.mark.parametrize("case", CSV_CASES, ids=ids(CSV_CASES))
def test_cli_evaluate_csv(cli_commands, case: Case):
    _, calls, _ = cli_commands
    _assert_refused(calls[f"csv:{case.name}"], case)


@pytest.mark.parametrize("case", [c for c in NAME_CASES if c.cli], ids=ids([c for c in NAME_CASES if c.cli]))
def test_cli_train_name_refused_before_training(cli_commands, case: Case):
    _, calls, work = cli_commands
    _assert_refused(calls[f"name:{case.name}"], case)
    assert not (work / "runs").exists(), "nothing was written for the run"


def test_cli_refuses_code_in_models_and_data(cli_commands, hostile_files):
    _, calls, work = cli_commands
    for key in ("lambda-evaluate", "lambda-predict"):
        call = calls[key]
        assert call.rc == 2 and "contains Python code" in call.stderr and "Traceback" not in call.stderr, call
    for key in ("pickle-evaluate", "pickle-train"):
        call = calls[key]
        assert call.rc == 2 and "pickled data" in call.stderr and "Traceback" not in call.stderr, call
    assert not hostile_files["lambda_marker"].exists(), "the Lambda layer's code ran"
    assert not hostile_files["pickle_marker"].exists(), "the pickle was loaded"
    assert not (work / "runs").exists()
    good = calls["good-evaluate"]
    assert good.rc == 0 and "accuracy" in good.stdout, "the CLI still works after all of it"


# ============================================================================= safety (library)


def test_models_load_in_safe_mode_and_lambda_layers_are_refused(hostile_files):
    import inspect

    from digitcore.model import inference
    from digitcore.model.predictor import ModelLoadError, Predictor

    assert "safe_mode=True" in inspect.getsource(inference.load_keras_model)
    with pytest.raises(ModelLoadError, match="contains Python code") as err:
        Predictor.load(hostile_files["lambda_model"])
    assert "Traceback" not in str(err.value)
    assert not hostile_files["lambda_marker"].exists()


def test_pickled_npz_is_never_loaded(hostile_files):
    from digitcore.storage.datasets import DataError, load_mnist_npz

    with pytest.raises(DataError, match="pickled data"):
        load_mnist_npz(hostile_files["evil_npz"])
    assert not hostile_files["pickle_marker"].exists()


def test_upload_limit_is_configured_and_documented():
    from digitcore.imaging.image_io import MAX_BYTES

    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())
    limit_mb = config["server"]["maxUploadSize"]
    assert limit_mb * 2**20 == MAX_BYTES, "the server's limit and the library's are the same"
    readme = (REPO / "README.md").read_text()
    assert "maxUploadSize" in readme and f"{limit_mb} MB" in readme


# ============================================================================= the app (AppTest)


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory) -> Iterator[Path]:
    """An empty models folder for the pages (only the shipped default model to choose from)."""
    folder = tmp_path_factory.mktemp("app_models")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DIGITCORE_MODELS_DIR", str(folder))
        yield folder


@pytest.fixture(scope="module")
def home(models_dir, default_model_path) -> AppTest:
    """One home-page session for the whole corpus: it must keep serving after every case."""
    at = AppTest.from_file(APP, default_timeout=APP_TIMEOUT).run()
    assert not at.exception
    return at


def _assert_home_answers_good_upload(at: AppTest) -> None:
    upload(at, [("good-7.png", hc.good_png())])
    assert not at.exception
    assert [a.rstrip("?") for a in answers(at)] == ["7"], "the page still answers a good picture"


@pytest.mark.parametrize("case", IMAGE_CASES, ids=ids(IMAGE_CASES))
def test_app_home_upload(home, case: Case):
    upload(home, [(upload_name(case), case.data)])
    assert not home.exception, home.exception
    shown = messages(home)
    if case.expect == DIGIT:
        assert [a.rstrip("?") for a in answers(home)] == [str(case.digit)], shown
        assert not home.error
    else:
        assert answers(home) == [], "no digit for a bad or empty picture"
        assert any(message_ok(case, m) for m in shown), shown
        if case.expect == ERROR:
            assert any(message_ok(case, e.value) for e in home.error)


def test_app_home_still_answers_after_the_corpus(home):
    """The same session, after every case above: a good picture still gets its answer."""
    _assert_home_answers_good_upload(home)


def test_app_home_whole_corpus_at_once(home):
    files = [(upload_name(c), c.data) for c in IMAGE_CASES] + [("good-7.png", hc.good_png())]
    upload(home, files)
    assert not home.exception
    (table,) = home.dataframe
    df = table.value.set_index("file")
    assert len(df) == len(files)
    assert df.loc["good-7.png", "digit"] == "7"
    for c in IMAGE_CASES:
        row = df.loc[upload_name(c)]
        if c.expect == DIGIT:
            assert row["digit"] == str(c.digit), c.name
        else:
            assert row["digit"] == "-" and message_ok(c, row["message"]), (c.name, row["message"])
    unreadable = sum(c.expect == ERROR for c in IMAGE_CASES)
    assert len(home.warning) == unreadable, "each unreadable file is named in a warning"
    _assert_home_answers_good_upload(home)


def _files_with(folder: Path, token: bytes, since: float) -> list[str]:
    """Files under ``folder`` changed since ``since`` whose name or first 64 MB contain ``token``."""
    found = []
    for p in folder.rglob("*"):
        try:
            if not p.is_file() or p.is_symlink() or p.stat().st_mtime < since:
                continue
            if token.decode() in p.name:
                found.append(str(p))
                continue
            with open(p, "rb") as fh:
                if token in fh.read(64 * 2**20):
                    found.append(str(p))
        except OSError:
            continue  # vanished or unreadable: not ours
    return found


def test_uploads_are_never_written_to_disk(home, models_dir):
    """Upload files carrying a unique token; no file anywhere we can see gets the token or the name."""
    token = f"hostile-{uuid.uuid4().hex}".encode()
    png = hc.good_png()
    tagged = png[:-12] + hc._png_chunk(b"tEXt", b"Comment\x00" + token) + png[-12:]  # before IEND
    files = [(token.decode() + ".png", tagged), (token.decode() + "-notes.png", b"notes " + token)]
    ignore = ("__pycache__", ".pytest_cache", ".git")

    def tree(folder: Path) -> set[str]:
        return {s for s in snapshot(folder) if not any(part in ignore for part in Path(s).parts)}

    repo_before, models_before, cwd_before = tree(REPO), tree(models_dir), tree(Path.cwd())
    since = time.time() - 1
    upload(home, files)
    assert not home.exception
    assert len(answers(home)) == 0 and home.dataframe, "both files were read (a table for two files)"
    assert tree(models_dir) == models_before, "files appeared in the models folder"
    assert tree(REPO) - repo_before == set(), "files appeared in the repository"
    assert tree(Path.cwd()) - cwd_before == set(), "files appeared in the working folder"
    for folder in {REPO, Path.cwd(), models_dir, Path(tempfile.gettempdir())}:
        assert _files_with(folder, token, since) == [], f"the upload was written under {folder}"
    _assert_home_answers_good_upload(home)


def test_app_and_pages_write_no_uploaded_data():
    """Audit: no page opens or saves a file; uploads stay in memory (``UploadedFile.getvalue()``)."""
    import re

    writes = re.compile(r"\bopen\(|write_bytes|write_text|\.save\(|tempfile|shutil|savez|mkdir|"
                        r"\.to_csv\((?!index=False\))|\.tofile\(")
    for path in [REPO / "app.py", *sorted((REPO / "pages").rglob("*.py"))]:
        found = writes.findall(path.read_text())
        assert not found, f"{path.relative_to(REPO)} writes files: {found}"


# ----------------------------------------------------------------------------- Kaggle page


@pytest.fixture(scope="module")
def kaggle(models_dir, default_model_path) -> AppTest:
    at = AppTest.from_file(KAGGLE_PAGE, default_timeout=APP_TIMEOUT).run()
    assert not at.exception
    return at


def _upload_csv(at: AppTest, key: str, name: str, data: bytes) -> AppTest:
    at.file_uploader(key=key).set_value((name, data, "text/csv"))
    return at.run()


def test_kaggle_uploaders_have_their_limit(kaggle):
    from digitcore.insight.kaggle import MAX_BYTES

    for key in ("kg_train", "kg_test"):
        assert kaggle.file_uploader(key=key).proto.max_upload_size_mb == MAX_BYTES // 2**20


@pytest.mark.parametrize("case", CSV_CASES, ids=ids(CSV_CASES))
def test_app_kaggle_csv(kaggle, case: Case):
    _upload_csv(kaggle, "kg_train", case.name, case.data)
    assert not kaggle.exception, kaggle.exception
    assert any(message_ok(case, e.value) for e in kaggle.error), [e.value for e in kaggle.error]
    assert not kaggle.metric and not kaggle.dataframe, "no results for a bad file"


def test_app_kaggle_still_serves(kaggle):
    # The submission tab refuses a train.csv with a message, then answers a test.csv.
    good = hc.kaggle_train_csv()
    _upload_csv(kaggle, "kg_test", "train.csv", good)
    assert not kaggle.exception
    assert any("looks like a train.csv" in e.value for e in kaggle.error)
    test_csv = "\n".join(line.split(",", 1)[1] for line in good.decode().splitlines()) + "\n"
    _upload_csv(kaggle, "kg_test", "test.csv", test_csv.encode())
    assert not kaggle.exception and kaggle.get("download_button"), "a submission is offered"
    # The check tab, after all the bad files: a good train.csv is scored.
    _upload_csv(kaggle, "kg_train", "good-train.csv", good)
    assert not kaggle.exception
    assert not kaggle.error, [e.value for e in kaggle.error]
    text = " ".join(m.value for m in [*kaggle.markdown, *kaggle.caption])
    assert "20 pictures with labels" in text


# ----------------------------------------------------------------------------- training page


@pytest.fixture(scope="module")
def train_page(models_dir, small_mnist_npz) -> Iterator[AppTest]:
    from digitcore.training.jobs import MANAGER

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DIGITCORE_MNIST", str(small_mnist_npz))
        at = AppTest.from_file(TRAIN_PAGE, default_timeout=APP_TIMEOUT).run()
        assert not at.exception
        yield at
    assert not MANAGER.is_busy(), "no training was started"


def _name_box(at: AppTest):
    return next(t for t in at.text_input if t.key.startswith("train:name:"))


@pytest.mark.parametrize("case", NAME_CASES, ids=ids(NAME_CASES))
def test_app_train_run_name(train_page, models_dir, case: Case):
    from digitcore.storage.runs import MAX_NAME_LENGTH, check_run_name

    _name_box(train_page).set_value(case.data).run()
    assert not train_page.exception, train_page.exception
    if len(case.data) > MAX_NAME_LENGTH:
        # The field holds at most 64 characters (a browser cuts a paste there too): what is left is a
        # valid name, and the 300 characters never reach the code.
        kept = _name_box(train_page).value
        assert len(kept) == MAX_NAME_LENGTH and check_run_name(kept) == kept
        assert not train_page.error, [e.value for e in train_page.error]
        return
    assert any(message_ok(case, e.value) for e in train_page.error), [e.value for e in train_page.error]
    assert train_page.button(key="train_start").disabled, "cannot start with this name"
    assert not any(models_dir.iterdir()), "nothing was written"


def test_app_train_still_serves_after_the_names(train_page, models_dir):
    """The same session, after every bad name: a good one is accepted and Start is enabled."""
    _name_box(train_page).set_value("my-run").run()
    assert not train_page.exception and not train_page.error
    assert not train_page.button(key="train_start").disabled
    assert not any(models_dir.iterdir()), "nothing was written"


# ============================================================================= a real browser


@pytest.fixture(scope="module")
def server(browser_ok, default_model_path, tmp_path_factory):
    import browser_helpers as bh

    models = tmp_path_factory.mktemp("browser_models")
    with bh.streamlit_server(timeout=180, env={"DIGITCORE_MODELS_DIR": str(models)}) as srv:
        yield srv


def test_browser_upload_over_the_size_limit(server, tmp_path, seed_digits_dir):
    """Only the real uploader applies server.maxUploadSize: the user is told, and the page still answers."""
    import browser_helpers as bh

    from digitcore.imaging.image_io import MAX_BYTES

    too_big = tmp_path / "too-big.png"
    too_big.write_bytes(hc.good_png() + b"\x00" * (MAX_BYTES + 4096 - len(hc.good_png())))
    timeout_ms = 180_000
    with bh.chromium_page((1280, 1000)) as page:
        bh.open_app(page, server.url, timeout_ms)
        page.get_by_role("tab", name="Upload").click()
        page.get_by_text("up to 25 MB").first.wait_for(timeout=timeout_ms)  # the limit is stated beforehand
        page.locator("input[type=file]").set_input_files(str(too_big))
        # Streamlit's uploader refuses it in the browser (it is never sent): the file's chip turns red,
        # says the size, and tells why on hover (and to screen readers, as an alert).
        chip = page.locator("[data-testid=stFileChip][aria-invalid=true]").first
        chip.wait_for(timeout=timeout_ms)
        assert "MB" in chip.inner_text(), chip.inner_text()
        chip.hover()
        tip = page.get_by_role("tooltip").filter(has_text="or smaller").first
        tip.wait_for(timeout=30_000)
        assert "File must be 25.0MB or smaller" in tip.inner_text(), tip.inner_text()
        assert page.get_by_text("up to 25 MB").first.is_visible(), "the limit is still stated"
        assert page.locator(".dc-answer").count() == 0 and not page.locator("[data-testid=stException]").count()

        page.locator("input[type=file]").set_input_files(str(seed_digits_dir / "7-01.jpg"))
        answer = page.locator(".dc-answer:visible").first
        answer.wait_for(timeout=timeout_ms)
        assert answer.inner_text().strip().rstrip("?") == "7"
        assert not page.locator("[data-testid=stException]").count()
    assert "Traceback" not in server.log_tail(20_000)
