"""End to end: train a tiny network from the training page in Chromium while a second visitor watches.

A real ``streamlit run app.py`` with $DIGITCORE_MODELS_DIR in a temporary folder and the 2,000-image
MNIST slice. Needs playwright and Chromium (skips locally without them, FAILS in CI). Screenshots go
to $DIGITCORE_SCREENSHOTS (default /tmp): train_form.png, train_live.png, train_other_visitor.png,
train_done.png.
"""

from __future__ import annotations

import json
import os
from pathlib import Path


import browser_helpers as bh

SHOTS = Path(os.environ.get("DIGITCORE_SCREENSHOTS", "/tmp"))
TIMEOUT_MS = 240_000


def test_train_live_in_the_browser(browser_ok, tmp_path, small_mnist_npz, default_model_path):
    runs = tmp_path / "models"
    env = {"DIGITCORE_MODELS_DIR": str(runs), "DIGITCORE_MNIST": str(small_mnist_npz)}
    with bh.streamlit_server(env=env, timeout=180) as srv, bh.chromium_page((1400, 1000)) as page:
        try:
            bh.open_train_page(page, srv.url, TIMEOUT_MS)
            page.get_by_role("combobox").first.click()
            page.get_by_role("option", name="Kaggle Digit Recognizer CNN").click()
            page.get_by_text("887,530").first.wait_for(timeout=TIMEOUT_MS)
            bh.set_number(page, "Epochs", 4)
            bh.set_number(page, "Training images to use", 1500)
            page.get_by_role("tab", name="Callbacks").click()
            page.get_by_text("ModelCheckpoint").first.click()  # switch on "keep the best epoch"
            page.wait_for_timeout(700)
            page.get_by_role("textbox", name="Your name or group").fill("Table 3")
            page.get_by_role("textbox", name="Your name or group").press("Enter")
            page.wait_for_timeout(700)
            page.screenshot(path=str(SHOTS / "train_form.png"), full_page=True)

            page.get_by_role("button", name="Start training").click()
            page.get_by_text("Epochs done").first.wait_for(timeout=TIMEOUT_MS)
            page.wait_for_function("() => /[1-3] \\/ 4/.test(document.body.innerText)", timeout=TIMEOUT_MS)
            page.locator("[data-testid=stVegaLiteChart] svg, [data-testid=stVegaLiteChart] canvas").first.wait_for(
                timeout=TIMEOUT_MS)
            page.wait_for_timeout(500)
            page.screenshot(path=str(SHOTS / "train_live.png"), full_page=True)

            # Meanwhile another visitor opens the page: progress, no Start button.
            other = page.context.browser.new_page(viewport={"width": 1400, "height": 1000})
            other.goto(srv.url + "Train_a_network", wait_until="domcontentloaded", timeout=TIMEOUT_MS)
            other.get_by_text("A training is running").first.wait_for(timeout=TIMEOUT_MS)
            assert other.get_by_text("Table 3").count() >= 1
            assert other.get_by_role("button", name="Start training").count() == 0
            other.locator("[data-testid=stVegaLiteChart] svg, [data-testid=stVegaLiteChart] canvas").first.wait_for(
                timeout=TIMEOUT_MS)
            other.wait_for_timeout(500)
            other.screenshot(path=str(SHOTS / "train_other_visitor.png"), full_page=True)
            other.close()

            page.get_by_text("finished training").first.wait_for(timeout=TIMEOUT_MS)
            page.get_by_text("new best").first.wait_for(timeout=TIMEOUT_MS)
            page.wait_for_timeout(1000)
            page.screenshot(path=str(SHOTS / "train_done.png"), full_page=True)
            assert not page.locator("[data-testid=stException]").count()
        except Exception as exc:
            page.screenshot(path=str(SHOTS / "train_failure.png"), full_page=True)
            raise AssertionError(f"training page failed ({exc}); server log:\n{srv.log_tail()}") from exc

    meta = json.loads((runs / "kaggle-cnn.json").read_text())
    assert meta["status"] == "finished" and meta["config"]["checkpoint_best"] and meta["config"]["epochs"] == 4
    assert (runs / "kaggle-cnn.keras").exists() and (runs / "kaggle-cnn.csv").exists()
