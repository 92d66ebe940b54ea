"""End to end in Chromium: pick a model that can say "not a digit" (the session's tiny 11-class
model in a tmp models folder, so the shipped file does not matter), draw a letter "A" and a star
with the mouse and read "That doesn't look like a digit"; a drawn 7 is still a 7."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

import browser_helpers as bh

SHOTS = Path(os.environ.get("DIGITCORE_SCREENSHOTS", "/tmp"))
TIMEOUT_MS = 180_000

LETTER_A = [[(0.3, 0.82), (0.5, 0.18), (0.7, 0.82)], [(0.38, 0.6), (0.62, 0.6)]]
STAR = [[(0.5, 0.15), (0.62, 0.42), (0.88, 0.42), (0.67, 0.6), (0.76, 0.86), (0.5, 0.7), (0.24, 0.86),
         (0.33, 0.6), (0.12, 0.42), (0.38, 0.42), (0.5, 0.15)]]


@pytest.fixture(scope="module")
def server(browser_ok, reject_model_path, tmp_path_factory):
    runs = tmp_path_factory.mktemp("browser_models")
    shutil.copy(reject_model_path, runs / "rejecter.keras")
    # The tiny model is weak: a lower threshold, through the JSON's optional "reject_threshold"
    # (which this also checks end to end), lets it decline mouse drawings it is unsure about.
    meta = json.loads(reject_model_path.with_suffix(".json").read_text())
    (runs / "rejecter.json").write_text(json.dumps({**meta, "reject_threshold": 0.3}))
    with bh.streamlit_server(timeout=180, env={"DIGITCORE_MODELS_DIR": str(runs)}) as srv:
        yield srv


def _pick_rejecter(page) -> None:
    page.locator("[data-testid=stSidebar] [data-testid=stSelectbox]").first.click()
    page.get_by_role("option", name="rejecter").click()
    page.locator("[data-testid=stSidebar]").get_by_text("doesn't look like a digit").first.wait_for(timeout=TIMEOUT_MS)


def _clear(page) -> None:
    page.get_by_role("button", name="Clear").click()
    page.wait_for_function("() => !document.querySelector('.dc-answer')", timeout=TIMEOUT_MS)


def test_a_drawn_letter_and_star_do_not_look_like_digits(server):
    with bh.chromium_page((1280, 1000)) as page:
        bh.open_app(page, server.url, TIMEOUT_MS)
        page.get_by_text("Draw a digit from 0 to 9").first.wait_for(timeout=TIMEOUT_MS)
        _pick_rejecter(page)
        page.get_by_text("Draw a digit from 0 to 9").first.wait_for(timeout=TIMEOUT_MS)
        said = []
        for name, strokes in (("A", LETTER_A), ("star", STAR)):
            canvas = bh.canvas_locator(page, TIMEOUT_MS)
            bh.draw_strokes(page, canvas, strokes)
            try:
                bh.wait_for_answer(page, TIMEOUT_MS)
                page.wait_for_function("() => !document.querySelector('.dc-answer') || "
                                       "document.querySelector('.dc-headline') !== null", timeout=TIMEOUT_MS)
            except Exception:
                page.screenshot(path=str(SHOTS / f"digit_reject_{name}_failure.png"))
                raise AssertionError(f"no answer after drawing {name}:\n{server.log_tail()}") from None
            page.screenshot(path=str(SHOTS / f"digit_reject_{name}.png"))
            headline = page.locator(".dc-headline").first.inner_text().strip()
            said.append((name, headline))
            if headline == "That doesn't look like a digit.":
                assert page.get_by_text("My best guess would be").first.is_visible()
            _clear(page)
        assert all(h == "That doesn't look like a digit." for _, h in said), said

        canvas = bh.canvas_locator(page, TIMEOUT_MS)
        bh.draw_digit(page, canvas, "7")
        assert bh.wait_for_answer(page, TIMEOUT_MS).rstrip("?") == "7"
