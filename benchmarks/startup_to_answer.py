"""Time from `streamlit run app.py` to the first answer on the page after drawing a digit.

Chromium is started first (not timed); then, per run, a fresh server is launched
and the clock runs until the answer for a mouse-drawn digit is shown. A second
drawing on the same page measures the warm draw-to-answer latency. Prints JSON.

    python benchmarks/startup_to_answer.py [--runs 3] [--digit 7]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

import browser_helpers as bh  # noqa: E402  (shared with tests/test_browser.py)


def one_run(page, digit: str, timeout_s: float) -> dict:
    """Launch a server, draw ``digit`` twice, and return the timings in seconds."""
    timeout_ms = timeout_s * 1000
    with bh.streamlit_server(timeout=timeout_s) as srv:
        t0 = srv.launched_at
        canvas = bh.open_app(page, srv.url, timeout_ms)
        page_ready = time.perf_counter()
        bh.draw_digit(page, canvas, digit)
        drawn = time.perf_counter()
        answer = bh.wait_for_answer(page, timeout_ms)
        answered = time.perf_counter()

        page.get_by_role("button", name="Clear").click()
        page.wait_for_function("() => !document.querySelector('.dc-answer')", timeout=timeout_ms)
        canvas = bh.canvas_locator(page, timeout_ms)
        bh.draw_digit(page, canvas, digit)
        redrawn = time.perf_counter()
        bh.wait_for_answer(page, timeout_ms)
        warm = time.perf_counter() - redrawn
    return {
        "server_ready_s": round(srv.ready_at - t0, 3),
        "page_ready_s": round(page_ready - t0, 3),
        "first_answer_s": round(answered - t0, 3),
        "draw_to_first_answer_s": round(answered - drawn, 3),
        "warm_draw_to_answer_s": round(warm, 3),
        "answer": answer,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print one JSON object."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1, help="fresh server launches to time (default 1)")
    ap.add_argument("--digit", default="7", choices=sorted(bh.DIGIT_STROKES), help="digit to draw")
    ap.add_argument("--timeout", type=float, default=240.0, help="seconds allowed per step")
    args = ap.parse_args(argv)

    problem = bh.browser_problem()
    if problem:
        print(json.dumps({"error": problem}), file=sys.stderr)
        return 2
    runs = []
    with bh.chromium_page((1280, 1000)) as page:
        for _ in range(args.runs):
            runs.append(one_run(page, args.digit, args.timeout))
            page.goto("about:blank")
    first = [r["first_answer_s"] for r in runs]
    result = {
        "benchmark": "startup_to_answer",
        "digit": args.digit,
        "runs": runs,
        "first_answer_s_median": round(statistics.median(first), 3),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
