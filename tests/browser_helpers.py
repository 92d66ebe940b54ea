"""Shared by the browser tests (tests/test_browser*.py, tests/test_faults.py) and benchmarks/startup_to_answer.py:
start the app (and kill it), drive Chromium, fill in the Train page.

A real ``streamlit run app.py`` subprocess plus Debian's Chromium through
Playwright's sync API (``playwright install`` is not needed).
"""

from __future__ import annotations

import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
APP = REPO / "app.py"
CHROMIUM = os.environ.get("DIGITCORE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _oval(cx: float, cy: float, rx: float, ry: float, n: int = 16) -> list[tuple[float, float]]:
    return [(cx + rx * math.sin(2 * math.pi * t / n), cy - ry * math.cos(2 * math.pi * t / n)) for t in range(n + 1)]


#: Strokes in canvas fractions (0..1): each stroke is a list of points drawn with the mouse held down.
DIGIT_STROKES: dict[str, list[list[tuple[float, float]]]] = {
    "7": [[(0.25, 0.22), (0.75, 0.22), (0.62, 0.45), (0.45, 0.80)]],
    "1": [[(0.50, 0.15), (0.50, 0.85)]],
    "0": [_oval(0.5, 0.5, 0.2, 0.3)],
}


class BrowserUnavailable(RuntimeError):
    """Playwright or Chromium is missing on this machine."""


def free_port() -> int:
    """A TCP port that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A running ``streamlit run app.py``."""

    url: str
    process: subprocess.Popen
    log_path: Path
    launched_at: float  # time.perf_counter() just before the process was started
    ready_at: float = 0.0  # when /_stcore/health first answered ok
    extra_env: dict[str, str] = field(default_factory=dict)

    def log_tail(self, chars: int = 4000) -> str:
        """The end of the server's console output (for failure messages)."""
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "_stcore/health", timeout=2) as r:
            return r.status == 200
    except (urllib.error.URLError, OSError):
        return False


@contextmanager
def streamlit_server(
    app: Path = APP, *, port: int | None = None, env: dict[str, str] | None = None, timeout: float = 120.0,
    python_app: bool = False,
) -> Iterator[Server]:
    """Start ``streamlit run app`` on a free port, wait until it serves, and always stop it afterwards.

    ``python_app`` starts it as ``python app.py`` instead (the server warms the model at start).
    """
    port = port or free_port()
    log_file = tempfile.NamedTemporaryFile("wb", prefix="streamlit-", suffix=".log", delete=False)
    launch = [sys.executable, str(app)] if python_app else [sys.executable, "-m", "streamlit", "run", str(app)]
    cmd = [
        *launch,
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    launched = time.perf_counter()
    # Own process group, so stopping it reaches any children and nothing else.
    proc = subprocess.Popen(cmd, cwd=str(app.parent), env=full_env, stdout=log_file, stderr=subprocess.STDOUT,
                            start_new_session=True)
    server = Server(f"http://127.0.0.1:{port}/", proc, Path(log_file.name), launched, extra_env=dict(env or {}))
    try:
        deadline = launched + timeout
        while not _healthy(server.url):
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{server.log_tail()}")
            if time.perf_counter() > deadline:
                raise TimeoutError(f"streamlit did not serve within {timeout:.0f} s:\n{server.log_tail()}")
            time.sleep(0.2)
        server.ready_at = time.perf_counter()
        yield server
    finally:
        stop_process(proc)
        log_file.close()


def stop_process(proc: subprocess.Popen, grace: float = 10.0) -> None:
    """SIGTERM the process group we started, then SIGKILL if it lingers."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(grace)
    except ProcessLookupError:
        pass


def kill_server(server: Server, timeout: float = 30.0) -> None:
    """SIGKILL the server's whole process group at once, like a crash or ``kill -9``: nothing gets to clean up."""
    try:
        os.killpg(server.process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    server.process.wait(timeout)


def browser_problem() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed"
    if not Path(CHROMIUM).exists():
        return f"Chromium not found at {CHROMIUM} (set DIGITCORE_CHROMIUM)"
    return None


@contextmanager
def chromium_page(viewport: tuple[int, int] = (1280, 900), user_agent: str | None = None):
    """A fresh headless Chromium page (Debian's Chromium, driven by Playwright); ``user_agent`` poses as a device."""
    problem = browser_problem()
    if problem:
        raise BrowserUnavailable(problem)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            extra = {"user_agent": user_agent} if user_agent else {}
            page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]}, **extra)
            yield page
        finally:
            browser.close()


def canvas_locator(page, timeout_ms: float = 120_000):
    """The drawing surface: Fabric.js's top canvas inside the component (it receives the pointer)."""
    canvas = page.locator("canvas.upper-canvas").first
    canvas.wait_for(state="visible", timeout=timeout_ms)
    return canvas


def open_app(page, url: str, timeout_ms: float = 120_000):
    """Load the page and return the drawing canvas once it is ready."""
    page.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)
    return canvas_locator(page, timeout_ms)


def draw_strokes(page, canvas, strokes: Sequence[Sequence[tuple[float, float]]], steps: int = 8) -> None:
    """Draw strokes given in canvas fractions with real mouse down / move / up events."""
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    if box is None:
        raise RuntimeError("the canvas is not on screen")

    def at(p: tuple[float, float]) -> tuple[float, float]:
        return box["x"] + p[0] * box["width"], box["y"] + p[1] * box["height"]

    for stroke in strokes:
        page.mouse.move(*at(stroke[0]))
        page.mouse.down()
        for point in stroke[1:]:
            page.mouse.move(*at(point), steps=steps)
        page.mouse.up()


def draw_digit(page, canvas, digit: str) -> None:
    """Draw one of the digits in :data:`DIGIT_STROKES`."""
    draw_strokes(page, canvas, DIGIT_STROKES[digit])


def answer_text(page) -> str:
    """The big answer currently shown ("" when none)."""
    loc = page.locator(".dc-answer")
    return loc.first.inner_text().strip() if loc.count() else ""


def wait_for_answer(page, timeout_ms: float = 120_000, previous: str | None = None) -> str:
    """Wait until a big answer digit is shown (different from ``previous`` if given) and return it."""
    page.wait_for_function(
        """prev => { const el = document.querySelector('.dc-answer');
                     return el && el.innerText.trim() && el.innerText.trim() !== prev; }""",
        arg=previous or "",
        timeout=timeout_ms,
    )
    return answer_text(page)


def wait_for_pictures(page, timeout_ms: float = 60_000) -> None:
    """Wait until every image and chart in the viewport has finished drawing (for screenshots)."""
    page.wait_for_function(
        """() => {
            const onScreen = el => { const r = el.getBoundingClientRect();
                                     return r.width > 0 && r.top < window.innerHeight && r.bottom > 0; };
            const imgs = Array.from(document.images).filter(onScreen);
            const charts = Array.from(document.querySelectorAll('[data-testid=stVegaLiteChart]')).filter(onScreen);
            return imgs.every(i => i.complete && i.naturalWidth > 0)
                && charts.every(c => c.querySelector('svg, canvas'));
        }""",
        timeout=timeout_ms,
    )
    page.wait_for_timeout(300)  # let the last paint land


# ----------------------------------------------------------------------------- the training page


def open_train_page(page, url: str, timeout_ms: float = 240_000) -> None:
    """Load the Train page and wait until its form (the Start button) is there."""
    page.goto(url + "Train_a_network", wait_until="domcontentloaded", timeout=timeout_ms)
    page.get_by_role("button", name="Start training").wait_for(timeout=timeout_ms)


def set_number(page, label: str, value: int) -> None:
    """Type ``value`` into the number box called ``label`` and make sure it stays there."""
    # A rerun still in flight (e.g. after changing the preset) can reset the box: retry until it sticks.
    box = page.get_by_role("spinbutton", name=label, exact=True)
    for _ in range(6):
        box.fill(str(value))
        box.press("Enter")
        page.wait_for_timeout(1000)
        if box.input_value() == str(value):
            page.wait_for_timeout(700)
            if box.input_value() == str(value):
                return
    raise AssertionError(f"could not set {label!r} to {value}")
