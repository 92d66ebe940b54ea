"""The background saver (issue 14): many saves at once lose nothing; a failed save keeps its drawing for a retry."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from digitcore.storage.class_saver import ClassSaver, PendingSave
from digitcore.storage.class_store import ClassStore, ClassStoreError, NewDrawing


def new(label: int) -> PendingSave:
    return PendingSave(NewDrawing(np.full((28, 28), label * 20, np.uint8), label, "challenge", predicted=label,
                                  confidence=0.9, model="default"), original=np.zeros((360, 360, 4), np.uint8))


def test_thirty_sessions_saving_at_once_lose_nothing(store_url):
    store = ClassStore(store_url)
    saver = ClassSaver()
    pendings: list[PendingSave] = []
    lock = threading.Lock()

    def student(i: int) -> None:
        for k in range(3):
            p = saver.submit(new((i + k) % 10), store)
            with lock:
                pendings.append(p)

    threads = [threading.Thread(target=student, args=(i,)) for i in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    saver.wait_all(pendings, timeout=120)
    assert all(p.done and p.error is None for p in pendings)
    assert store.count() == 90 and len({p.saved_id for p in pendings}) == 90
    assert all(r.png for r in store.list())  # thumbnails made in the background
    saver.shutdown()


def test_a_failed_save_keeps_its_drawing_and_can_be_retried(tmp_path):
    saver = ClassSaver()
    state = {"up": False}
    store = ClassStore(f"sqlite:///{tmp_path / 'c.sqlite'}")

    def opener() -> ClassStore:
        if not state["up"]:
            raise ClassStoreError("The class database server can't be reached (test).")
        return store

    p = saver.submit(new(4), opener)
    saver.settle([p], 10)
    assert p.error == "The class database server can't be reached (test)." and p.saved_id is None
    assert p.drawing.label == 4  # still here, nothing lost
    state["up"] = True
    saver.submit(p, opener)
    saver.settle([p], 10)
    assert p.error is None and p.saved_id is not None and store.count() == 1


def test_a_bad_label_is_refused_at_once():
    p = new(3)
    p.drawing.label = 12
    with pytest.raises(ClassStoreError, match="0 to 9"):
        ClassSaver().submit(p, lambda: None)


def test_saves_wait_while_an_answer_is_being_computed(tmp_path):
    """With the app's hook, a save started during a prediction is written only once the prediction is done."""
    from digitcore.model.priority import interactive, yield_to_interactive

    store = ClassStore(f"sqlite:///{tmp_path / 'c.sqlite'}")
    saver = ClassSaver(before_save=yield_to_interactive)
    with interactive():  # a visitor's answer in progress
        p = saver.submit(new(3), store)
        saver.settle([p], 0.3)
        assert not p.done and store.count() == 0
    saver.settle([p], 10)
    assert p.error is None and store.count() == 1
    saver.shutdown()


def test_a_failing_before_save_hook_never_costs_a_drawing(tmp_path):
    def broken() -> None:
        raise RuntimeError("scheduler bug")

    store = ClassStore(f"sqlite:///{tmp_path / 'c.sqlite'}")
    saver = ClassSaver(before_save=broken)
    p = saver.submit(new(5), store)
    saver.settle([p], 10)
    assert p.error is None and store.count() == 1
    saver.shutdown()
