"""A classroom at once: many students drawing digits on one server.

Starts ``streamlit run app.py`` on loopback. First the teacher tries the app in
Chromium (the model gets loaded; every websocket message their page sends is
recorded). Then N students arrive within ``--spread`` seconds and each draws
``--digits`` digits, pressing Clear in between and pausing ``--think`` seconds
before each drawing:

* ``--browsers`` of them are real Chromium sessions drawing with the mouse; the
  time is taken inside the page, from pointer-up to the answer being on screen
  (it includes the canvas component's own 200 ms send delay);
* the others are bare Streamlit websocket clients that replay the teacher's
  recorded messages (each its own Streamlit session); their time runs from a
  virtual pointer-up, through the same 200 ms delay, to the answer arriving.
  They stand for students' own devices, whose rendering does not load the server.

It counts errors (timeouts, an exception on a page, a traceback in the server
log) and polls the server process's resident memory and CPU time.
``--with-training`` first has one more visitor start a training on the Train
page with its default settings and close the tab (the training goes on in the
server, and a newcomer to the Train page must still see it running at the end).
``--challenge N`` makes N of the websocket students play challenge mode (issue 14):
they join by the challenge link (``?challenge=1``, what the presenter's join code opens in
challenge mode; ``--challenge-toggle``: and flip the switch off and on) and press *Save and
next* after each answer instead of Clear,
replaying a second, challenge-mode pass of the teacher. Every saved drawing lands
in a fresh class store (SQLite in a temporary data folder, or ``--db-url``); at
the end the rows are counted against the saves the students made ("lost_rows").

    python benchmarks/classroom_load.py                          # 5 students, the CI-sized run
    python benchmarks/classroom_load.py --sessions 30            # the README figure
    python benchmarks/classroom_load.py --sessions 30 --with-training
    python benchmarks/classroom_load.py --sessions 30 --challenge 15   # half of them saving drawings

Prints one JSON object (also written to ``--json FILE`` if given); exit status 1
when any error happened, 2 when the browser is missing. The run ends by itself:
every wait has a time limit (``--timeout``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

import browser_helpers as bh  # noqa: E402  (shared with the browser tests)

#: Single-stroke digits, so one pointer-up is one answer to wait for.
DIGITS = ("7", "1", "0")
#: When the students started arriving (perf_counter), for the timeline of slow answers.
CLASS_START = [0.0]
#: streamlit-drawable-canvas sends a drawing 200 ms after the last change (its debounce).
CANVAS_SEND_DELAY_S = 0.2

#: Installed in every page: remembers when the pen was last lifted.
PEN_UP_JS = """() => {
    if (window.__dcPenUp !== undefined) return;
    window.__dcPenUp = 0;
    const up = () => { window.__dcPenUp = performance.now(); };
    document.addEventListener('pointerup', up, true);
    document.addEventListener('mouseup', up, true);
}"""

#: Polled every animation frame: once an answer is shown, how long after the pen was lifted.
ANSWER_SHOWN_JS = """() => {
    const el = document.querySelector('.dc-answer');
    const text = el ? el.innerText.trim() : '';
    return text ? {text: text, ms: performance.now() - window.__dcPenUp} : false;
}"""


@dataclass
class SessionResult:
    """What one simulated student saw."""

    index: int
    latencies_ms: list[float] = field(default_factory=list)
    answers: list[tuple[str, str]] = field(default_factory=list)  # (drawn, shown)
    when_s: list[float] = field(default_factory=list)  # when each answer came, seconds into the class
    errors: list[str] = field(default_factory=list)
    saves: int = 0  # challenge mode: "Save and next" presses whose script run finished
    challenge: bool = False


class MemoryWatch:
    """Polls a process's resident set size (VmRSS) in a background thread."""

    def __init__(self, pid: int, every_s: float = 0.1) -> None:
        self.pid, self.every_s = pid, every_s
        self.peak_mb = 0.0
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def rss_mb(self) -> float:
        """Current resident memory in MiB (0 when the process is gone)."""
        try:
            with open(f"/proc/{self.pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0

    def cpu_s(self) -> float:
        """CPU seconds (user + system) the process has used so far."""
        try:
            with open(f"/proc/{self.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return 0.0

    def _run(self) -> None:
        while not self._stop.is_set():
            mb = self.rss_mb()
            self.samples.append(mb)
            self.peak_mb = max(self.peak_mb, mb)
            self._stop.wait(self.every_s)

    def __enter__(self) -> MemoryWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


async def draw(page, strokes) -> None:
    """Draw strokes (canvas fractions) with real mouse events, like bh.draw_strokes but async."""
    canvas = page.locator("canvas.upper-canvas").first
    await canvas.scroll_into_view_if_needed()
    box = await canvas.bounding_box()
    if box is None:
        raise RuntimeError("the canvas is not on screen")
    for stroke in strokes:
        xy = [(box["x"] + x * box["width"], box["y"] + y * box["height"]) for x, y in stroke]
        await page.mouse.move(*xy[0])
        await page.mouse.down()
        for p in xy[1:]:
            await page.mouse.move(*p, steps=8)
        await page.mouse.up()


def digit_for(index: int, k: int) -> str:
    """The k-th digit session ``index`` draws (the teacher, index -1, draws 7, 1, 0, 7, ...)."""
    return DIGITS[(index + 1 + k) % len(DIGITS)]


class Recording:
    """The websocket messages one real browser sent, step by step ("open", "draw0", "clear1", "draw1", ...)."""

    def __init__(self) -> None:
        self.step = "open"
        self.frames: dict[str, list[bytes]] = {}
        self.digits: dict[str, str] = {}

    def attach(self, page) -> None:
        """Record every frame ``page`` sends on Streamlit's websocket under the current step."""
        def on_socket(ws) -> None:
            if ws.url.endswith("/_stcore/stream"):
                ws.on("framesent", lambda payload: self.frames.setdefault(self.step, []).append(
                    payload if isinstance(payload, bytes) else payload.encode()))
        page.on("websocket", on_socket)

    def steps(self) -> list[str]:
        """The recorded steps in the order they happened."""
        return list(self.frames)


async def browser_student(index: int, browser, url: str, digits: int, timeout_ms: float, rng: random.Random,
                          start_spread_s: float, think_s: tuple[float, float],
                          recording: Recording | None = None, challenge: bool = False,
                          toggle: bool = False) -> SessionResult:
    """One student in Chromium: open the app, then draw ``digits`` digits, each after a short think.

    With ``challenge`` the student opens the challenge link (``?challenge=1``) and presses *Save and
    next* after each answer (which also clears the canvas) instead of Clear; ``toggle`` makes them
    also flip the switch off and on first (two more page runs each, as a student who found it would).
    """
    res = SessionResult(index, challenge=challenge)
    # Students don't all arrive in the same millisecond.
    await asyncio.sleep(rng.uniform(0, start_spread_s))
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    if recording:
        recording.attach(page)
    try:
        # Challenge students join by the challenge link (the presenter's join code in challenge mode).
        await page.goto(url + ("?challenge=1" if challenge else ""), wait_until="domcontentloaded",
                        timeout=timeout_ms)
        await page.locator("canvas.upper-canvas").first.wait_for(state="visible", timeout=timeout_ms)
        await page.evaluate(PEN_UP_JS)
        if challenge:
            await page.locator("[aria-label=challenge]").wait_for(timeout=timeout_ms)
            if toggle:
                if recording:
                    recording.step = "toggle"
                await page.get_by_text("Challenge mode").click(timeout=timeout_ms)  # off
                await page.wait_for_function("() => !document.querySelector('[aria-label=challenge]')",
                                             timeout=timeout_ms)
                await page.get_by_text("Challenge mode").click(timeout=timeout_ms)  # and on again
                await page.locator("[aria-label=challenge]").wait_for(timeout=timeout_ms)
                await page.wait_for_timeout(300)
        for k in range(digits):
            digit = digit_for(index, k)
            await asyncio.sleep(rng.uniform(*think_s))  # looking at the answer, thinking, drawing
            if k and not challenge:
                if recording:
                    recording.step = f"clear{k}"
                await page.get_by_role("button", name="Clear").click(timeout=timeout_ms)
                await page.wait_for_function("() => !document.querySelector('.dc-answer')", timeout=timeout_ms)
                await page.locator("canvas.upper-canvas").first.wait_for(state="visible", timeout=timeout_ms)
                # Let the rerun that drew the fresh canvas finish (its messages belong to this step).
                await page.wait_for_timeout(300)
            if recording:
                recording.step = f"draw{k}"
                recording.digits[f"draw{k}"] = digit
            await draw(page, bh.DIGIT_STROKES[digit])
            handle = await page.wait_for_function(ANSWER_SHOWN_JS, polling="raf", timeout=timeout_ms)
            shown = await handle.json_value()
            res.latencies_ms.append(float(shown["ms"]))
            res.answers.append((digit, shown["text"]))
            res.when_s.append(time.perf_counter() - CLASS_START[0])
            if challenge:
                if recording:
                    recording.step = f"save{k}"
                await page.get_by_role("button", name="Save and next").click(timeout=timeout_ms)
                await page.wait_for_function("() => !document.querySelector('.dc-answer')", timeout=timeout_ms)
                await page.locator("canvas.upper-canvas").first.wait_for(state="visible", timeout=timeout_ms)
                await page.wait_for_timeout(300)  # the fresh canvas's first message belongs to this step
                res.saves += 1
        if await page.locator("[data-testid=stException]").count():
            res.errors.append(f"browser session {index}: an exception box is on the page")
    except Exception as exc:  # a timeout or a crashed page is an error to report, not to hide
        res.errors.append(f"browser session {index}: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
    finally:
        if recording:
            recording.step = "after"
        await context.close()
    return res


async def socket_student(index: int, url: str, recording: Recording, timeout_s: float, rng: random.Random,
                         start_spread_s: float, think_s: tuple[float, float], challenge: bool = False) -> SessionResult:
    """One student as a bare Streamlit websocket client replaying the teacher's recorded messages.

    Its "pen up" is when it starts waiting the canvas component's 200 ms send delay; the
    answer counts as shown when the server's answer element arrives (no page to paint).
    """
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.asyncio.client import connect

    res = SessionResult(index, challenge=challenge)
    await asyncio.sleep(rng.uniform(0, start_spread_s))
    ws_url = url.replace("http://", "ws://") + "_stcore/stream"

    async def until(ws, want_answer: bool) -> str:
        """Read messages until the script run finishes; return the answer digit seen ("" if none)."""
        answer = ""
        while True:
            msg = ForwardMsg()
            msg.ParseFromString(await ws.recv())
            kind = msg.WhichOneof("type")
            if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                what = element.WhichOneof("type")
                if what == "exception":
                    raise RuntimeError(f"exception on the page: {element.exception.message[:200]}")
                if what == "markdown" and 'class="dc-answer' in element.markdown.body and not answer:
                    answer = element.markdown.body.split(">", 1)[1].split("<", 1)[0].strip()
                    if want_answer:
                        return answer
            elif kind == "script_finished":
                return answer

    try:
        async with connect(ws_url, subprotocols=["streamlit"], max_size=None, open_timeout=timeout_s) as ws:
            for step in recording.steps():
                if step == "after":
                    continue
                if step.startswith("draw"):
                    await asyncio.sleep(rng.uniform(*think_s))
                    pen_up = time.perf_counter()
                    await asyncio.sleep(CANVAS_SEND_DELAY_S)
                for frame in recording.frames[step]:
                    await ws.send(frame)
                if step.startswith("draw"):
                    shown = await asyncio.wait_for(until(ws, True), timeout_s)
                    res.latencies_ms.append((time.perf_counter() - pen_up) * 1000)
                    res.answers.append((recording.digits[step], shown))
                    res.when_s.append(time.perf_counter() - CLASS_START[0])
                # Wait for the run to end, so the next message is not a mid-run interruption.
                await asyncio.wait_for(until(ws, False), timeout_s)
                if step.startswith("save"):
                    res.saves += 1
    except Exception as exc:
        res.errors.append(f"socket session {index}: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
    return res


async def start_training(browser, url: str, timeout_ms: float) -> None:
    """Another visitor starts a training with the page's defaults, then closes the tab.

    The training goes on in the server (it belongs to the server, not to the tab); closing
    the tab keeps its live charts from loading this machine's CPU, as they would not in a
    classroom, where that page runs on the trainer's own computer.
    """
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = await context.new_page()
        await page.goto(url + "Train_a_network", wait_until="domcontentloaded", timeout=timeout_ms)
        await page.get_by_role("button", name="Start training").click(timeout=timeout_ms)
        # Wait until batches are really running, not just the job created.
        await page.wait_for_function("() => /batch [1-9][0-9]* of/i.test(document.body.innerText)",
                                     timeout=timeout_ms)
    finally:
        await context.close()


async def training_is_running(browser, url: str, timeout_ms: float) -> bool:
    """What a newcomer to the Train page sees: is a training running on this server?"""
    context = await browser.new_context()
    try:
        page = await context.new_page()
        await page.goto(url + "Train_a_network", wait_until="domcontentloaded", timeout=timeout_ms)
        await page.wait_for_function(
            "() => /A training is running|Start training/.test(document.body.innerText)", timeout=timeout_ms)
        return await page.get_by_text("A training is running").count() > 0
    finally:
        await context.close()


async def classroom(url: str, sessions: int, browsers: int, digits: int, timeout_s: float, seed: int,
                    with_training: bool, start_spread_s: float,
                    think_s: tuple[float, float], challenge: int = 0,
                    challenge_toggle: bool = False) -> tuple[list[SessionResult], dict]:
    """The teacher's check, then every student at once (``browsers`` of them in Chromium)."""
    from playwright.async_api import async_playwright

    timeout_ms = timeout_s * 1000
    extra: dict = {}
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=bh.CHROMIUM, args=bh.CHROMIUM_ARGS, headless=True)
        try:
            # The teacher tries the app before class: the model gets loaded, and the messages
            # their browser sends become the script the websocket students replay.
            recording = Recording()
            t0 = time.perf_counter()
            teacher = await browser_student(-1, browser, url, digits, timeout_ms, random.Random(seed), 0.0,
                                            (0.0, 0.0), recording)
            extra["teacher_first_pass_s"] = round(time.perf_counter() - t0, 1)
            if teacher.errors:
                raise RuntimeError(f"the app did not work for the teacher: {teacher.errors}")
            challenge_recording = None
            if challenge:  # a second pass in challenge mode, for the challenge students to replay
                challenge_recording = Recording()
                coach = await browser_student(-1, browser, url, digits, timeout_ms, random.Random(seed), 0.0,
                                              (0.0, 0.0), challenge_recording, challenge=True,
                                              toggle=challenge_toggle)
                if coach.errors:
                    raise RuntimeError(f"challenge mode did not work for the teacher: {coach.errors}")
                extra["teacher_saves"] = coach.saves
            if with_training:
                t0 = time.perf_counter()
                await start_training(browser, url, timeout_ms)
                extra["training_started_after_s"] = round(time.perf_counter() - t0, 1)
            rng = random.Random(seed)
            seeds = [rng.random() for _ in range(sessions)]
            CLASS_START[0] = time.perf_counter()
            # The last ``challenge`` students play challenge mode (websocket clients, like most).
            first_challenger = sessions - challenge
            jobs = [
                browser_student(i, browser, url, digits, timeout_ms, random.Random(seeds[i]), start_spread_s, think_s)
                if i < browsers else
                socket_student(i, url, challenge_recording if i >= first_challenger else recording, timeout_s,
                               random.Random(seeds[i]), start_spread_s, think_s, challenge=i >= first_challenger)
                for i in range(sessions)
            ]
            results = await asyncio.gather(*jobs)
            if with_training:
                # The server (and the training with it) is stopped afterwards; its folder is temporary.
                extra["training_still_running_at_end"] = await training_is_running(browser, url, timeout_ms)
        finally:
            await browser.close()
    return list(results), extra


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100), linear between ranks."""
    if not values:
        return float("nan")
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def latency_summary(values: list[float]) -> dict:
    """p50 / p95 / max / mean of latencies in ms."""
    if not values:
        return {"n": 0}
    return {"n": len(values), "p50": round(percentile(values, 50), 1), "p95": round(percentile(values, 95), 1),
            "max": round(max(values), 1), "mean": round(statistics.fmean(values), 1)}


def run(sessions: int = 5, browsers: int = 2, digits: int = 3, timeout_s: float = 180.0, seed: int = 0,
        with_training: bool = False, start_spread_s: float = 10.0, think_s: tuple[float, float] = (2.0, 5.0),
        challenge: int = 0, db_url: str | None = None, challenge_toggle: bool = False) -> dict:
    """Start a server, run the classroom against it and summarise. Raises bh.BrowserUnavailable without a browser.

    ``challenge`` of the websocket students play challenge mode; their drawings go to ``db_url``
    (default: a fresh SQLite class store in the temporary data folder), which is emptied first.
    They join by the challenge link; ``challenge_toggle`` makes them also flip the switch off and on.
    """
    problem = bh.browser_problem()
    if problem:
        raise bh.BrowserUnavailable(problem)
    browsers = min(browsers, sessions)
    challenge = max(0, min(challenge, sessions - browsers))
    with tempfile.TemporaryDirectory(prefix="classroom-") as tmp:
        # Runs trained during the test land here, never in the repository's models/; drawings in its data/.
        env = {"DIGITCORE_MODELS_DIR": str(Path(tmp) / "models"), "DIGITCORE_DATA_DIR": str(Path(tmp) / "data"),
               "DIGITCORE_DB_URL": db_url or ""}
        store_url = db_url or f"sqlite:///{Path(tmp) / 'data' / 'class.sqlite'}"
        if challenge:
            from digitcore.storage.class_store import ClassStore

            ClassStore(store_url).clear()
        with bh.streamlit_server(env=env, timeout=timeout_s) as srv:
            print(f"server pid {srv.process.pid} at {srv.url}", file=sys.stderr, flush=True)
            with MemoryWatch(srv.process.pid) as mem:
                idle_mb = mem.rss_mb()
                cpu0 = mem.cpu_s()
                t0 = time.perf_counter()
                results, extra = asyncio.run(classroom(srv.url, sessions, browsers, digits, timeout_s, seed,
                                                       with_training, start_spread_s, think_s, challenge,
                                                       challenge_toggle))
                wall = time.perf_counter() - t0
                server_cpu = mem.cpu_s() - cpu0
                if challenge:
                    time.sleep(2.0)  # the last background saves
            log = srv.log_tail(500_000)
        if challenge:
            from digitcore.storage.class_store import ClassStore

            rows = ClassStore(store_url).count()
            saves = extra.get("teacher_saves", 0) + sum(r.saves for r in results)
            extra["class_store"] = "SQLite (temporary data folder)" if not db_url else "the --db-url database"
            extra["class_rows_saved"] = rows
            extra["class_saves_made"] = saves
            extra["lost_rows"] = saves - rows
    in_browser = [ms for r in results[:browsers] for ms in r.latencies_ms]
    on_socket = [ms for r in results[browsers:] for ms in r.latencies_ms]
    errors = [e for r in results for e in r.errors]
    if "Traceback" in log:
        errors.append("the server log has a traceback")
    if "database is locked" in log:
        errors.append("the class store refused a save (database is locked)")
    if extra.get("lost_rows"):
        errors.append(f"{extra['lost_rows']} saved drawings are missing from the class store")
    plain = [ms for r in results[browsers:] if not r.challenge for ms in r.latencies_ms]
    saving = [ms for r in results if r.challenge for ms in r.latencies_ms]
    answers = [a for r in results for a in r.answers]
    return {
        "benchmark": "classroom_load",
        "sessions": sessions,
        "browser_sessions": browsers,
        "websocket_sessions": sessions - browsers,
        "digits_per_session": digits,
        "arrivals_within_s": start_spread_s,
        "think_s": list(think_s),
        "with_training": with_training,
        "answers": len(answers),
        "answers_expected": sessions * digits,
        "correct": sum(drawn == shown for drawn, shown in answers),
        "errors": len(errors),
        "error_messages": errors[:20],
        "stroke_to_answer_ms": latency_summary(in_browser + on_socket),
        "stroke_to_answer_ms_browser": latency_summary(in_browser),
        "stroke_to_answer_ms_websocket": latency_summary(on_socket),
        "challenge_sessions": challenge,
        "challenge_toggle": challenge_toggle,
        "stroke_to_answer_ms_websocket_plain": latency_summary(plain),
        "stroke_to_answer_ms_challenge": latency_summary(saving),
        "slowest": [{"ms": round(ms, 1), "session": r.index, "digit_no": k + 1, "at_s": round(r.when_s[k], 1)}
                    for ms, r, k in sorted(((ms, r, k) for r in results for k, ms in enumerate(r.latencies_ms)),
                                           key=lambda t: -t[0])[:5]],
        "server_rss_mb": {"at_start": round(idle_mb, 1), "peak": round(mem.peak_mb, 1)},
        "server_cpu_s": round(server_cpu, 1),
        "wall_s": round(wall, 1),
        **extra,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
    }


def main(argv: list[str] | None = None) -> int:
    """Command line: run the load test and print one JSON object."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=5, help="students at once (default 5; README: 30)")
    ap.add_argument("--browsers", type=int, default=2,
                    help="how many of them draw in Chromium; the rest are websocket clients (default 2)")
    ap.add_argument("--digits", type=int, default=3, help="digits each student draws (default 3)")
    ap.add_argument("--with-training", action="store_true", help="a training runs on the server meanwhile")
    ap.add_argument("--spread", type=float, default=10.0, help="students arrive within this many seconds (10)")
    ap.add_argument("--think", type=float, nargs=2, default=(2.0, 5.0), metavar=("MIN", "MAX"),
                    help="seconds between one answer and the next drawing's pen-up (default 2 5)")
    ap.add_argument("--timeout", type=float, default=180.0, help="seconds allowed for any single wait (180)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--challenge", type=int, default=0, metavar="N",
                    help="N of the websocket students play challenge mode and save every drawing (default 0)")
    ap.add_argument("--challenge-toggle", action="store_true",
                    help="challenge students also flip the Challenge mode switch off and on after joining "
                    "by the challenge link (two more page runs each)")
    ap.add_argument("--db-url", help="class store for their drawings (default: a fresh temporary SQLite file); "
                    "it is emptied first")
    ap.add_argument("--json", type=Path, help="also write the result to this file")
    args = ap.parse_args(argv)
    if not 1 <= args.sessions <= 200 or not 1 <= args.digits <= 50 or args.browsers < 0:
        ap.error("--sessions must be 1-200, --digits 1-50 and --browsers 0 or more")
    if not 0 <= args.think[0] <= args.think[1] or args.spread < 0:
        ap.error("--think needs 0 <= MIN <= MAX and --spread must not be negative")
    try:
        result = run(args.sessions, args.browsers, args.digits, args.timeout, args.seed, args.with_training,
                     args.spread, tuple(args.think), args.challenge, args.db_url, args.challenge_toggle)
    except bh.BrowserUnavailable as exc:
        print(json.dumps({"error": str(exc)}), file=sys.stderr)
        return 2
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
