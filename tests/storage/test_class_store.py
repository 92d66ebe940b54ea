"""The class store (issue 14) against SQLite AND a real PostgreSQL server (``store_url`` runs each test on both)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from digitcore.storage.class_store import (
    SCHEMA_VERSION,
    ClassStore,
    ClassStoreError,
    NewDrawing,
    default_url,
    load_npz_digits,
    thumbnail_png,
)

REPO = Path(__file__).resolve().parents[2]


def drawing(label: int, value: int = 200, source: str = "challenge", **kw) -> NewDrawing:
    img = np.zeros((28, 28), np.uint8)
    img[6:22, 10 + label % 5 : 14 + label % 5] = value
    return NewDrawing(digit28=img, label=label, source=source, **kw)


def test_add_list_count_delete_clear(store_url):
    store = ClassStore(store_url)
    png = thumbnail_png(np.full((300, 200, 4), 255, np.uint8))
    first = store.add(drawing(7, predicted=1, confidence=0.8, model="default", png=png))
    ids = store.add_many([drawing(d, source="correction", predicted=d, confidence=0.99) for d in range(10)])
    assert len(ids) == 10 and first not in ids
    assert store.count() == 11
    assert store.per_digit() == {d: (2 if d == 7 else 1) for d in range(10)}
    sevens = store.list(7)
    assert [s.label for s in sevens] == [7, 7]
    old = sevens[-1]  # newest first
    assert (old.id, old.predicted, old.model, old.source, old.correct) == (first, 1, "default", "challenge", False)
    assert old.confidence == pytest.approx(0.8)
    assert old.png == png and old.created.tzinfo is not None
    assert old.digit28.dtype == np.uint8 and old.digit28.shape == (28, 28) and old.digit28.max() == 200
    ids_all, x, y = store.arrays()
    assert list(ids_all) == sorted([first, *ids]) and x.shape == (11, 28, 28) and y[0] == 7
    assert store.delete(first) is True and store.delete(first) is False
    assert store.count() == 10
    assert store.clear() == 10 and store.count() == 0
    store.close()


def test_float_inputs_are_stored_as_grey_levels(store_url):
    store = ClassStore(store_url)
    store.add(NewDrawing(digit28=np.full((28, 28), 0.5, np.float32), label=0, source="import"))
    assert store.list()[0].digit28.max() == 128


@pytest.mark.parametrize("bad, words", [
    ({"label": 10}, "0 to 9"), ({"label": -1}, "0 to 9"), ({"label": "x"}, "0 to 9"), ({"label": True}, "0 to 9"),
    ({"digit28": np.zeros((28, 27))}, "28 x 28"), ({"digit28": np.full((28, 28), np.nan)}, "not numbers"),
    ({"source": "hack"}, "source"), ({"confidence": 3.0}, "confidence"),
])
def test_bad_input_is_refused_and_nothing_is_stored(store_url, bad, words):
    store = ClassStore(store_url)
    good = drawing(3)
    broken = drawing(3)
    for k, v in bad.items():
        setattr(broken, k, v)
    with pytest.raises(ClassStoreError, match=words):
        store.add_many([good, broken])  # all or nothing
    assert store.count() == 0


def test_schema_is_versioned_and_migrated(store_url):
    from sqlalchemy import create_engine, text

    store = ClassStore(store_url)
    assert store.schema_version() == SCHEMA_VERSION
    store.add(drawing(1))
    store.close()
    again = ClassStore(store_url)  # reopening keeps the data and migrates nothing
    assert again.count() == 1 and again.schema_version() == SCHEMA_VERSION
    again.close()
    engine = create_engine(store_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE schema_version SET version = 99"))
    engine.dispose()
    with pytest.raises(ClassStoreError, match="newer version"):
        ClassStore(store_url)


def test_an_empty_version_0_database_is_brought_up_to_date(store_url):
    from sqlalchemy import create_engine, text

    engine = create_engine(store_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE schema_version (version INTEGER NOT NULL)"))
        conn.execute(text("INSERT INTO schema_version VALUES (0)"))
    engine.dispose()
    store = ClassStore(store_url)
    assert store.schema_version() == SCHEMA_VERSION
    store.add(drawing(2))
    assert store.count() == 1


def test_export_and_import_npz_round_trip(store_url, tmp_path):
    store = ClassStore(store_url)
    store.add_many([drawing(d % 10, value=50 + d) for d in range(25)])
    out = tmp_path / "class.npz"
    assert store.export_npz(out) == 25
    with np.load(out, allow_pickle=False) as npz:
        assert npz["x"].shape == (25, 28, 28) and npz["x"].dtype == np.uint8
        assert npz["y"].shape == (25,) and list(npz["y"][:3]) == [0, 1, 2]
    assert store.import_npz(out) == 25
    assert store.count() == 50
    assert {s.source for s in store.list()} == {"challenge", "import"}
    _, x, _ = store.arrays()
    assert np.array_equal(x[:25], x[25:])


def _npz(path: Path, **arrays) -> Path:
    np.savez(path, **arrays)
    return path


@pytest.mark.parametrize("arrays, words", [
    ({"x": np.array([{"a": 1}], dtype=object), "y": np.array([1])}, "pickled"),
    ({"x": np.zeros((3, 28, 27), np.uint8), "y": np.zeros(3, np.uint8)}, "shape"),
    ({"x": np.zeros((3, 28, 28), np.uint8), "y": np.zeros(2, np.uint8)}, "one label per image"),
    ({"x": np.zeros((3, 28, 28), np.uint8), "y": np.array([1, 2, 12])}, "0 to 9"),
    ({"x": np.zeros((3, 28, 28), np.float32), "y": np.array([1.0, 2.0, 3.0])}, "whole numbers"),
    ({"images": np.zeros((3, 28, 28), np.uint8)}, "needs arrays"),
])
def test_bad_imports_are_refused_and_nothing_is_stored(store_url, tmp_path, arrays, words):
    store = ClassStore(store_url)
    path = _npz(tmp_path / "bad.npz", **arrays)
    with pytest.raises(ClassStoreError, match=words):
        store.import_npz(path)
    assert store.count() == 0


def test_not_an_npz_and_oversized_imports_are_refused(tmp_path):
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"this is not a zip file at all")
    with pytest.raises(ClassStoreError, match="not a readable"):
        load_npz_digits(junk)
    big = _npz(tmp_path / "big.npz", x=np.zeros((50, 28, 28), np.uint8), y=np.zeros(50, np.uint8))
    with pytest.raises(ClassStoreError, match="at most"):
        load_npz_digits(big, max_bytes=1000)
    with pytest.raises(ClassStoreError, match="at most 10\\."):
        load_npz_digits(big, max_rows=10)


# ----------------------------------------------------------------------------- concurrency

WRITER = textwrap.dedent("""
    import sys
    import numpy as np
    from digitcore.storage.class_store import ClassStore, NewDrawing
    url, n, worker = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    store = ClassStore(url)
    for i in range(n):
        img = np.full((28, 28), worker, np.uint8)
        store.add(NewDrawing(digit28=img, label=i % 10, source="challenge", predicted=i % 10, confidence=0.9,
                             model=f"w{worker}"))
    print("ok")
""")


def test_many_processes_adding_at_once_lose_nothing(store_url):
    ClassStore(store_url).close()  # schema first; the writers then race only on rows (migration races: below)
    workers, each = 6, 20
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, store_url, str(each), str(w)], cwd=REPO,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for w in range(workers)]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
        assert "locked" not in err
    store = ClassStore(store_url)
    assert store.count() == workers * each
    _, x, _ = store.arrays()
    assert sorted(np.bincount(x[:, 0, 0], minlength=workers)[:workers]) == [each] * workers


def test_servers_creating_the_schema_at_once_agree(store_url):
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, store_url, "3", str(w)], cwd=REPO,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for w in range(4)]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    store = ClassStore(store_url)
    assert store.count() == 12 and store.schema_version() == SCHEMA_VERSION


# ----------------------------------------------------------------------------- faults


def test_sqlite_uses_wal_and_a_busy_timeout(tmp_path):
    store = ClassStore(f"sqlite:///{tmp_path / 'c.sqlite'}")
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar().lower() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_a_damaged_file_gives_a_clear_error(tmp_path):
    path = tmp_path / "class.sqlite"
    path.write_bytes(b"definitely not SQLite " * 200)
    with pytest.raises(ClassStoreError, match="damaged"):
        ClassStore(f"sqlite:///{path}")
    assert path.read_bytes().startswith(b"definitely not SQLite")  # left as it was for the teacher to look at


def test_a_read_only_database_reads_but_refuses_writes(tmp_path):
    path = tmp_path / "class.sqlite"
    ClassStore(f"sqlite:///{path}").add(drawing(4))
    ro = ClassStore(f"sqlite:///file:{path}?mode=ro&uri=true")
    assert ro.count() == 1
    with pytest.raises(ClassStoreError, match="read-only"):
        ro.add(drawing(5))
    assert ClassStore(f"sqlite:///{path}").count() == 1


def test_an_unreachable_postgresql_gives_a_clear_error():
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ClassStoreError, match="can't be reached"):
        ClassStore(f"postgresql+psycopg://nobody@127.0.0.1:{port}/nothing")


def test_a_bad_url_gives_a_clear_error():
    with pytest.raises(ClassStoreError, match="not a database URL"):
        ClassStore("this is no url")


def test_default_url_is_the_data_folder_or_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("DIGITCORE_DB_URL", raising=False)
    monkeypatch.setenv("DIGITCORE_DATA_DIR", str(tmp_path / "d"))
    assert default_url() == f"sqlite:///{tmp_path / 'd' / 'class.sqlite'}"
    store = ClassStore()
    assert (tmp_path / "d" / "class.sqlite").exists() and store.count() == 0
    monkeypatch.setenv("DIGITCORE_DB_URL", "postgresql+psycopg://u@h/db")
    assert default_url() == "postgresql+psycopg://u@h/db"


def test_an_npz_in_memory_is_read_and_checked_like_a_file(tmp_path):
    import io

    buf = io.BytesIO()
    np.savez(buf, x=np.full((4, 28, 28), 9, np.uint8), y=np.array([1, 2, 3, 4]))
    x, y = load_npz_digits(buf.getvalue(), name="up.npz")
    assert x.shape == (4, 28, 28) and list(y) == [1, 2, 3, 4]
    with pytest.raises(ClassStoreError, match="up.npz is"):
        load_npz_digits(buf.getvalue(), name="up.npz", max_bytes=100)
    bad = io.BytesIO()
    np.savez(bad, x=np.array([None, 1], dtype=object), y=np.array([1, 2]))
    with pytest.raises(ClassStoreError, match="pickled"):
        load_npz_digits(bad.getvalue(), name="bad.npz")
