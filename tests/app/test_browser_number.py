"""End to end in Chromium: switch the home page to Number mode, write "42" with the mouse, see "42".

Same set-up as test_browser.py (a real ``streamlit run app.py``; skips locally without
Chromium, fails in CI). Screenshot: $DIGITCORE_SCREENSHOTS/number_home_draw.png.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import browser_helpers as bh
import pytest

SHOTS = Path(os.environ.get("DIGITCORE_SCREENSHOTS", "/tmp"))
TIMEOUT_MS = 180_000

#: "4" then "2" in fractions of the wide number canvas.
FORTY_TWO = [
    [(0.17, 0.15), (0.08, 0.62), (0.29, 0.62)],
    [(0.24, 0.32), (0.24, 0.88)],
    [(0.38, 0.30), (0.42, 0.17), (0.50, 0.14), (0.57, 0.22), (0.56, 0.40), (0.38, 0.86), (0.61, 0.86)],
]


@pytest.fixture(scope="module")
def server(browser_ok, default_model_path):
    with bh.streamlit_server(timeout=180) as srv:
        yield srv


def test_write_42_in_number_mode(server):
    with bh.chromium_page((1280, 1100)) as page:
        bh.open_app(page, server.url, TIMEOUT_MS)
        page.get_by_text("Draw a digit from 0 to 9").first.wait_for(timeout=TIMEOUT_MS)
        page.locator("button", has_text="Number").first.click()
        page.get_by_text("Write a number").first.wait_for(timeout=TIMEOUT_MS)
        canvas = bh.canvas_locator(page, TIMEOUT_MS)
        box = canvas.bounding_box()
        assert box is not None and box["width"] > 1.8 * box["height"]  # the wide canvas
        bh.draw_strokes(page, canvas, FORTY_TWO)
        try:
            page.wait_for_function(
                """() => { const el = document.querySelector('.dc-answer[aria-label=number]');
                           return el && el.innerText.trim() === '42'; }""",
                timeout=TIMEOUT_MS,
            )
        except Exception:
            page.screenshot(path=str(SHOTS / "number_home_failure.png"))
            shown = page.locator(".dc-answer").all_inner_texts()
            raise AssertionError(f"expected 42, page shows {shown}; server log:\n{server.log_tail()}") from None
        bh.wait_for_pictures(page, TIMEOUT_MS)
        page.screenshot(path=str(SHOTS / "number_home_draw.png"))
        assert not page.locator("[data-testid=stException]").count()


def test_overlapping_digits_are_told_apart_by_the_strokes_drawn(server, predictor):
    # The held-out canvas "86" of seed 1, redrawn with the mouse at pen size 20: its 6 overlaps
    # the 8, so the picture alone does not read "86"; the strokes the canvas sends do.
    from digitcore.synthetic.numbers import NUMBER_CANVAS, number_at

    s = number_at("canvas", 32, seed=1)
    w, h = NUMBER_CANVAS
    strokes = [[(float(x) / w, float(y) / h) for x, y in points[::2]] for points, _ in s.strokes]
    with bh.chromium_page((1280, 1100)) as page:
        bh.open_app(page, server.url, TIMEOUT_MS)
        page.locator("button", has_text="Number").first.click()
        page.get_by_text("Write a number").first.wait_for(timeout=TIMEOUT_MS)
        slider = page.locator(".st-key-number_pen_size input[type=range]").first
        slider.focus()
        for _ in range(4):
            slider.press("ArrowRight")
        page.wait_for_function("() => document.querySelector('.st-key-number_pen_size input').value === '20'",
                               timeout=TIMEOUT_MS)
        canvas = bh.canvas_locator(page, TIMEOUT_MS)
        bh.draw_strokes(page, canvas, strokes, steps=2)
        try:
            _shown_number(page, "86")
        except Exception:
            page.screenshot(path=str(SHOTS / "number_strokes_failure.png"))
            shown = page.locator(".dc-answer").all_inner_texts()
            raise AssertionError(f"expected 86, page shows {shown}; server log:\n{server.log_tail()}") from None
        picture = SHOTS / "number_strokes_drawn.png"
        page.locator("canvas.lower-canvas").first.screenshot(path=str(picture))
    import cv2

    drawn = cv2.imread(str(picture))[..., ::-1]
    assert predictor.read_number(drawn).text != "86"  # the picture alone is not enough


def _number_png(path: Path, text: str) -> Path:
    import cv2
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "model"))
    from test_number_reader import canvas

    ok, buf = cv2.imencode(".png", cv2.cvtColor(canvas(text), cv2.COLOR_RGBA2BGRA))
    path.write_bytes(buf.tobytes())
    return path


def _shown_number(page, text: str) -> None:
    page.wait_for_function(
        """(t) => [...document.querySelectorAll('.dc-answer[aria-label=number]')]
                  .some(el => el.innerText.trim() === t)""", arg=text, timeout=TIMEOUT_MS)


def test_number_uploads_replace_and_remove(server, tmp_path):
    a, b = _number_png(tmp_path / "a.png", "42"), _number_png(tmp_path / "b.png", "705")
    with bh.chromium_page((1280, 1100)) as page:
        bh.open_app(page, server.url, TIMEOUT_MS)
        page.locator("button", has_text="Number").first.click()
        # Wait for Number mode to be drawn: a file set on the single-digit uploader of the page
        # being replaced would be lost.
        page.get_by_text("Write a number").first.wait_for(timeout=TIMEOUT_MS)
        page.get_by_role("tab", name="Upload").click()
        page.get_by_text("Upload a photo or scan of a number").first.wait_for(timeout=TIMEOUT_MS)
        page.locator("input[type=file]").set_input_files(str(a))
        _shown_number(page, "42")
        # A second single file replaces the first: only 705 is shown.
        page.locator("input[type=file]").set_input_files(str(b))
        _shown_number(page, "705")
        # ... and the first file is gone (waited for: the page may still be redrawing).
        page.wait_for_function(
            """() => document.querySelectorAll('.dc-answer[aria-label=number]').length === 1
                     && !document.body.innerText.includes('a.png')""", timeout=TIMEOUT_MS)
        page.get_by_role("button", name="Remove").click()
        page.get_by_text("Upload a photo or scan of a number").first.wait_for(timeout=TIMEOUT_MS)
        assert page.locator(".dc-answer[aria-label=number]").count() == 0
        assert not page.locator("[data-testid=stException]").count()


PHONE_UA = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Mobile Safari/537.36")


def test_number_canvas_fits_a_phone_and_undo_takes_back_a_stroke(server):
    with bh.chromium_page((390, 844), user_agent=PHONE_UA) as page:
        bh.open_app(page, server.url, TIMEOUT_MS)
        page.get_by_text("Draw a digit from 0 to 9").first.wait_for(timeout=TIMEOUT_MS)
        page.locator("button", has_text="Number").first.click()
        page.get_by_text("Write a number").first.wait_for(timeout=TIMEOUT_MS)
        canvas = bh.canvas_locator(page, TIMEOUT_MS)
        page.wait_for_timeout(500)
        box = canvas.bounding_box()
        assert box is not None and box["width"] <= 360 and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
        assert page.evaluate("() => document.scrollingElement.scrollWidth") <= 390  # no sideways scrolling
        bh.draw_strokes(page, canvas, [[(0.3, 0.2), (0.3, 0.8)], [(0.6, 0.2), (0.7, 0.8)]])
        number = "() => { const el = document.querySelector('.dc-answer[aria-label=number]'); " \
                 "return el ? el.innerText.trim() : ''; }"
        page.wait_for_function(f"({number})().length === 2", timeout=TIMEOUT_MS)
        page.locator(".st-key-number_canvas_tools").get_by_role("button", name=re.compile(r"(^|\s)Undo$")).click()
        page.wait_for_function(f"({number})().length === 1", timeout=TIMEOUT_MS)
        page.screenshot(path=str(SHOTS / "number_phone_undo.png"))
        assert not page.locator("[data-testid=stException]").count()
