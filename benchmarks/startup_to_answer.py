"""Time from `streamlit run app.py` (or `python app.py`) to the first answer after drawing a digit.

Chromium is started first (not timed); then, per run, a fresh server is launched
and the clock runs until the answer for a mouse-drawn digit is shown. A second
drawing on the same page measures the warm draw-to-answer latency. ``--python-app``
launches with ``python app.py``, which warms the model at server start;
``--arrive-after S`` lets the first visitor come S seconds after the server answers
(a teacher starts the app before the lesson), and ``visit_to_*`` time from that visit.
Prints JSON.

    python benchmarks/startup_to_answer.py [--runs 3] [--digit 7] [--python-app] [--arrive-after 20]
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


def one_run(page, digit: str, timeout_s: float, python_app: bool = False, arrive_after: float = 0.0) -> dict:
    """Launch a server, draw ``digit`` twice, and return the timings in seconds."""
    timeout_ms = timeout_s * 1000
    with bh.streamlit_server(timeout=timeout_s, python_app=python_app) as srv:
        t0 = srv.launched_at
        time.sleep(arrive_after)
        visit = time.perf_counter()
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
        "visit_to_page_ready_s": round(page_ready - visit, 3),
        "visit_to_first_answer_s": round(answered - visit, 3),
        "answer": answer,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print one JSON object."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1, help="fresh server launches to time (default 1)")
    ap.add_argument("--digit", default="7", choices=sorted(bh.DIGIT_STROKES), help="digit to draw")
    ap.add_argument("--timeout", type=float, default=240.0, help="seconds allowed per step")
    ap.add_argument("--python-app", action="store_true", help="launch with `python app.py` (warms the model at start)")
    ap.add_argument("--arrive-after", type=float, default=0.0, metavar="S",
                    help="the first visitor arrives S seconds after the server answers (default 0)")
    args = ap.parse_args(argv)

    problem = bh.browser_problem()
    if problem:
        print(json.dumps({"error": problem}), file=sys.stderr)
        return 2
    runs = []
    with bh.chromium_page((1280, 1000)) as page:
        for _ in range(args.runs):
            runs.append(one_run(page, args.digit, args.timeout, args.python_app, args.arrive_after))
            page.goto("about:blank")
    first = [r["first_answer_s"] for r in runs]
    result = {
        "benchmark": "startup_to_answer",
        "digit": args.digit,
        "launch": "python app.py" if args.python_app else "streamlit run app.py",
        "arrive_after_s": args.arrive_after,
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
