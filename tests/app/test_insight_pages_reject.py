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


def test_compare_page_says_not_a_digit_for_a_declined_picture(tmp_path, monkeypatch, reject_model_path,
                                                              small_mnist_npz, seed_digits_dir):
    import json

    import cv2
    import numpy as np

    model = _setup(tmp_path, monkeypatch, reject_model_path, small_mnist_npz)
    # The tiny model is weak: a lower threshold through the JSON's optional "reject_threshold".
    meta = json.loads(model.with_suffix(".json").read_text())
    model.with_suffix(".json").write_text(json.dumps({**meta, "reject_threshold": 0.05}))
    star = np.full((280, 280), 255, np.uint8)
    pts = [(140 + int(120 * np.cos(a)), 140 + int(120 * np.sin(a))) for a in np.radians(np.arange(6) * 144 - 90)]
    cv2.polylines(star, [np.array(pts, np.int32)], False, 0, 14)
    ok, png = cv2.imencode(".png", star)
    at = AppTest.from_file(str(PAGES / "5_Compare_models.py"), default_timeout=TIMEOUT)
    at.run()
    at.radio(key="cmp_source").set_value("upload").run()
    at.multiselect(key="cmp_models").set_value(["rejecter"]).run()
    at.file_uploader(key="cmp_upload").set_value(
        [("3-star.png", png.tobytes(), "image/png"),
         ("3-01.jpg", (seed_digits_dir / "3-01.jpg").read_bytes(), "image/jpeg")]).run()
    assert not at.exception, [e.value for e in at.exception]
    acc = [d.value for d in at.dataframe if "not a digit" in d.value.columns][0]
    assert acc.loc[0, "not a digit"] >= 1 and acc.loc[0, "labelled"] == 2
    cards = " ".join(e.proto.body for e in at.get("html"))
    assert "not a digit</b> (best guess" in cards
