"""End to end in Chromium: draw a 7, open "Inside the network", see the heat maps, layers, look-alikes and the map.

MNIST is the small 2,000-digit sample, so the look-alike index (built in the server's background
thread, with a progress bar) is ready within seconds; the cache goes to a temporary data folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import browser_helpers as bh

SHOTS = Path(os.environ.get("DIGITCORE_SCREENSHOTS", "/tmp"))
TIMEOUT_MS = 240_000


@pytest.fixture(scope="module")
def server(browser_ok, default_model_path, small_mnist_npz, tmp_path_factory):
    data = tmp_path_factory.mktemp("inside_data")
    models = tmp_path_factory.mktemp("inside_models")
    env = {"DIGITCORE_MNIST": str(small_mnist_npz), "DIGITCORE_DATA_DIR": str(data),
           "DIGITCORE_MODELS_DIR": str(models)}
    with bh.streamlit_server(timeout=180, env=env) as srv:
        srv.data_dir = data
        yield srv


def test_open_the_inside_view_after_drawing(server):
    with bh.chromium_page((1280, 1000)) as page:
        canvas = bh.open_app(page, server.url, TIMEOUT_MS)
        page.get_by_text("Draw a digit from 0 to 9").first.wait_for(timeout=TIMEOUT_MS)
        bh.draw_digit(page, canvas, "7")
        assert bh.wait_for_answer(page, TIMEOUT_MS).rstrip("?") == "7"
        assert page.get_by_text("Which pixels mattered").count() == 0  # closed until asked for
        try:
            page.get_by_text("Inside the network", exact=True).click()
            page.get_by_text("Which pixels mattered").wait_for(timeout=TIMEOUT_MS)
            page.get_by_text("These pixels made it a 7").first.wait_for(timeout=TIMEOUT_MS)
            page.get_by_text("What each layer notices").wait_for(timeout=TIMEOUT_MS)
            # The look-alikes appear once the background index is built (a progress bar meanwhile).
            page.get_by_text("alike", exact=False).nth(3).wait_for(timeout=TIMEOUT_MS)
            page.get_by_text("Where it sits among 2,000 test digits").wait_for(timeout=TIMEOUT_MS)
        except Exception:
            page.screenshot(path=str(SHOTS / "digit_inside_failure.png"), full_page=True)
            raise AssertionError(f"the inside view did not open; server log:\n{server.log_tail()}") from None
        captions = page.locator("[data-testid=stImageCaption]").all_inner_texts()
        alike = [c for c in captions if "alike" in c]
        assert len(alike) == 8, captions
        assert sum(c.strip().startswith("7") for c in alike) >= 5, alike
        assert page.locator("[data-testid=stVegaLiteChart]").count() >= 2  # the answer's chart and the map
        assert list((Path(server.data_dir) / "cache" / "neighbours").glob("*.npz"))
        assert "Traceback" not in server.log_tail(20_000)
        panel = page.locator(".st-key-draw_inside_panel")
        panel.scroll_into_view_if_needed()
        bh.wait_for_pictures(page, TIMEOUT_MS)
        panel.screenshot(path=str(SHOTS / "digit_inside_network.png"))
