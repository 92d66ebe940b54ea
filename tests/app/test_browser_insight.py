"""End to end in Chromium: every insight page loads without an error, and a click on a confusion-matrix
cell lists that cell's images (the one interaction AppTest cannot do). Screenshots of each page go to
$DIGITCORE_SCREENSHOTS (default /tmp) for a human to look at.

Needs the playwright package and Chromium; skips locally without them but FAILS when $CI is set.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

import browser_helpers as bh

SHOTS = Path(os.environ.get("DIGITCORE_SCREENSHOTS", "/tmp"))
TIMEOUT_MS = 240_000  # the first page load imports TensorFlow and loads a model on a busy 2-core machine

#: URL path, text that shows the page has finished its work, screenshot name.
PAGES = [
    ("Training_curves", "Best epoch per run", "digit_curves.png"),
    ("Confusion_matrix", "Look inside a cell", "digit_confusion.png"),
    ("Top_errors", "These images as one PNG", "digit_top_errors.png"),
    ("Compare_models", "Best on the MNIST test set", "digit_compare.png"),
    ("Kaggle_files", "Make a submission", "digit_kaggle.png"),
]


@pytest.fixture(scope="module")
def server(browser_ok, tmp_path_factory, default_model_path, small_mnist_npz, seed_digits_dir):
    """The app with one extra run (a copy of the default model with a restarted log) and small MNIST."""
    models = tmp_path_factory.mktemp("browser_models")
    shutil.copy(default_model_path, models / "classroom.keras")
    log = default_model_path.with_suffix(".csv").read_text()
    (models / "classroom.csv").write_text(log + log)  # appended to across a restart
    meta = json.loads(default_model_path.with_suffix(".json").read_text())
    meta.update(name="classroom", config={**meta["config"], "validation": 0.1})
    (models / "classroom.json").write_text(json.dumps(meta))
    env = {"DIGITCORE_MODELS_DIR": str(models), "DIGITCORE_MNIST": str(small_mnist_npz),
           "DIGITCORE_SEED_DIGITS": str(seed_digits_dir)}
    with bh.streamlit_server(env=env, timeout=180) as srv:
        yield srv


@pytest.fixture(scope="module")
def page(server):
    with bh.chromium_page((1400, 1000)) as page:
        yield page


def _open(page, server, path: str, ready: str) -> None:
    page.goto(server.url + path, wait_until="domcontentloaded", timeout=TIMEOUT_MS)
    page.get_by_text(ready).first.wait_for(timeout=TIMEOUT_MS)
    page.wait_for_function("() => !document.querySelector('[data-testid=stSpinner]')", timeout=TIMEOUT_MS)


def _cell_text(page) -> str:
    return page.evaluate("""() => Array.from(document.querySelectorAll('[data-testid=stMarkdownContainer]'))
                                  .map(e => e.innerText).filter(t => / of \\d /.test(t) && t.includes('image'))
                                  .join(' | ')""")


def _screenshot(page, path: Path) -> None:
    """The whole page: Streamlit scrolls inside its main block, so grow the window to the content first."""
    height = page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": 1400, "height": min(max(1000, height + 40), 8000)})
    try:
        bh.wait_for_pictures(page, TIMEOUT_MS)
        page.screenshot(path=str(path))
    finally:
        page.set_viewport_size({"width": 1400, "height": 1000})


@pytest.mark.parametrize(("path", "ready", "shot"), PAGES, ids=[p[0] for p in PAGES])
def test_page_renders(server, page, path, ready, shot):
    try:
        _open(page, server, path, ready)
        bh.wait_for_pictures(page, TIMEOUT_MS)
    except Exception:
        page.screenshot(path=str(SHOTS / f"failed_{shot}"))
        raise AssertionError(f"{path} did not finish; server log:\n{server.log_tail()}") from None
    _screenshot(page, SHOTS / shot)
    assert not page.locator("[data-testid=stException]").count(), server.log_tail()


def test_clicking_a_confusion_cell_lists_its_images(server, page):
    _open(page, server, "Confusion_matrix", "Look inside a cell")
    page.locator("[data-testid=stVegaLiteChart] g.mark-rect path").first.wait_for(timeout=TIMEOUT_MS)
    cells = page.locator("[data-testid=stVegaLiteChart] g.mark-rect").first.locator("path")
    assert cells.count() == 100  # one per (true, predicted) pair, row by row
    cells.nth(3 * 10 + 3).click()  # the centre of the cell, on its number
    page.wait_for_function("() => document.body.innerText.includes('of 3 answered right')", timeout=TIMEOUT_MS)
    assert "of 3 answered right" in _cell_text(page)
    cells.nth(4 * 10 + 9).click()
    page.wait_for_function("() => /of 4 (was|were) taken for 9/.test(document.body.innerText)", timeout=TIMEOUT_MS)
    assert not page.locator("[data-testid=stException]").count()
