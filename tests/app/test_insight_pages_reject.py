"""The insight pages keep working with a model that has an 11th "not a digit" output (the
session's tiny 11-class model): the confusion matrix and top errors stay 10 x 10, over the best guess."""

from __future__ import annotations

import shutil
from pathlib import Path

from streamlit.testing.v1 import AppTest

PAGES = Path(__file__).resolve().parents[2] / "pages"
TIMEOUT = 180


def _setup(tmp_path, monkeypatch, reject_model_path, small_mnist_npz) -> Path:
    folder = tmp_path / "models"
    folder.mkdir()
    for suffix in (".keras", ".json"):
        shutil.copy(reject_model_path.with_suffix(suffix), folder / f"rejecter{suffix}")
    monkeypatch.setenv("DIGITCORE_MODELS_DIR", str(folder))
    monkeypatch.setenv("DIGITCORE_MNIST", str(small_mnist_npz))
    return folder / "rejecter.keras"


def test_confusion_matrix_and_top_errors_pages_with_an_eleven_output_model(tmp_path, monkeypatch,
                                                                           reject_model_path, small_mnist_npz):
    model = _setup(tmp_path, monkeypatch, reject_model_path, small_mnist_npz)
    for page, key in (("3_Confusion_matrix.py", "cm_model"), ("4_Top_errors.py", "te_model")):
        at = AppTest.from_file(str(PAGES / page), default_timeout=TIMEOUT)
        at.run()
        at.selectbox(key=key).set_value(str(model)).run()
        assert not at.exception, [e.value for e in at.exception]
        if page.startswith("3_"):
            metrics = {m.label: m.value for m in at.metric}
            assert metrics["Images"] == "500"
            per_class = at.dataframe[0].value
            assert list(per_class["digit"]) == [str(d) for d in range(10)]
