"""The "Our class" page (issue 14) with AppTest: counts, accuracy, gallery, export; teacher actions with and
without the teacher key; an unavailable store."""

from __future__ import annotations

import io

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from digitcore.storage.class_store import ClassStore, NewDrawing
from digitcore.storage.paths import REPO_ROOT

PAGE = str(REPO_ROOT / "pages" / "7_Our_class.py")
TIMEOUT = 180
N = 40


@pytest.fixture
def class_db(tmp_path, monkeypatch, mnist, default_model_path) -> ClassStore:
    """A class store holding N real MNIST test digits (labels as given), the page pointed at it."""
    monkeypatch.setenv("DIGITCORE_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("DIGITCORE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DIGITCORE_DB_URL", raising=False)
    monkeypatch.delenv("DIGITCORE_TEACHER_KEY", raising=False)
    store = ClassStore(f"sqlite:///{tmp_path / 'data' / 'class.sqlite'}")
    store.add_many([NewDrawing(digit28=mnist.x_test[i], label=int(mnist.y_test[i]), source="challenge",
                               predicted=int(mnist.y_test[i]), confidence=0.9, model="default") for i in range(N)])
    return store


def page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return at


def test_counts_accuracy_gallery_and_export_without_a_teacher_key(class_db, predictor, mnist):
    at = page()
    assert any(f"{N} drawings" in s.value for s in at.subheader)
    expected = float((predictor.predict_digits(mnist.x_test[:N]).argmax(1) == mnist.y_test[:N]).mean())
    assert any(f"reads **{expected:.1%}**" in md.value for md in at.markdown)
    assert any("command line" in c.value for c in at.sidebar.caption)  # no key set: no teacher actions here
    assert not [b for b in at.button if b.key and b.key.startswith("class_del_")]
    assert len(at.text_input) == 0
    at.selectbox(key="class_gallery_digit").set_value(int(mnist.y_test[0])).run()
    shown = sum(1 for c in at.caption if ", said " in c.value)
    assert shown == int((mnist.y_test[:N] == mnist.y_test[0]).sum())
    assert class_db.count() == N


def test_teacher_key_unlocks_delete_and_import(class_db, monkeypatch, tmp_path):
    monkeypatch.setenv("DIGITCORE_TEACHER_KEY", "s3cret-key")
    at = page()
    assert not [b for b in at.button if b.key and b.key.startswith("class_del_")]
    at.sidebar.text_input(key="teacher_key_input").input("wrong").run()
    assert any("not the teacher key" in e.value for e in at.sidebar.error)
    assert not [b for b in at.button if b.key and b.key.startswith("class_del_")]

    at.sidebar.text_input(key="teacher_key_input").input("s3cret-key").run()
    deletes = [b for b in at.button if b.key and b.key.startswith("class_del_")]
    assert deletes
    victim = int(deletes[0].key.rsplit("_", 1)[1])
    deletes[0].click().run()
    assert class_db.count() == N - 1 and victim not in {r.id for r in class_db.list()}

    buf = io.BytesIO()
    np.savez(buf, x=np.zeros((5, 28, 28), np.uint8), y=np.arange(5))
    at.file_uploader(key="class_import").set_value([("more.npz", buf.getvalue(), "application/octet-stream")]).run()
    at.button(key="class_import_go").click().run()
    assert any("Imported 5" in s.value for s in at.success)
    assert class_db.count() == N + 4

    bad = io.BytesIO()
    np.savez(bad, x=np.array([object()], dtype=object), y=np.array([1]))
    at.file_uploader(key="class_import").set_value([("bad.npz", bad.getvalue(), "application/octet-stream")]).run()
    at.button(key="class_import_go").click().run()
    assert any("pickled" in e.value and "Nothing was imported" in e.value for e in at.error)
    assert class_db.count() == N + 4

    assert at.button(key="class_clear").disabled
    at.checkbox(key="class_clear_sure").check().run()
    at.button(key="class_clear").click().run()
    assert class_db.count() == 0


def test_a_damaged_database_says_the_store_is_unavailable(tmp_path, monkeypatch, default_model_path):
    monkeypatch.setenv("DIGITCORE_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("DIGITCORE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DIGITCORE_DB_URL", raising=False)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "class.sqlite").write_bytes(b"garbage" * 1000)
    at = page()
    errors = " ".join(e.value for e in at.error)
    assert "class store is unavailable" in errors and "damaged" in errors
