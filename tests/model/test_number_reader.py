"""Predictor.read_number and ``predict --number``: whole numbers through the library and the CLI."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from digitcore.cli import main
from digitcore.imaging.image_io import ImageError
from digitcore.model.number_reader import DigitReading, NumberReading
from digitcore.synthetic.numbers import iter_numbers, number_at

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "imaging"))
from test_segmentation import draw  # noqa: E402  (the same hand-made strokes)

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import number_decline  # noqa: E402  (hard-set drawings shown as number mode reads them)


def canvas(text: str, touching: bool = False, size=(720, 280)) -> np.ndarray:
    """White strokes on an opaque black canvas, as the number canvas sends them."""
    w, h = size
    img = np.zeros((h, w, 4), np.uint8)
    img[..., 3] = 255
    x = 80
    for ch in text:
        dw = 40 if ch == "1" else 110
        draw(img, ch, (x, 60, dw, 160), 16, colour=(255, 255, 255, 255))
        x += dw + (-8 if touching else 50)
    return img


def test_read_number_reads_42_with_boxes_and_confidence(predictor):
    img = canvas("42")
    r = predictor.read_number(img)
    assert isinstance(r, NumberReading)
    assert r.text == "42" and r.number == "42" and r.reason is None
    assert [d.digit for d in r.digits] == [4, 2]
    assert all(isinstance(d, DigitReading) for d in r.digits)
    assert 0.0 < r.confidence <= min(d.confidence for d in r.digits) + 1e-9
    (x0, _, w0, _), (x1, _, _, _) = r.digits[0].box, r.digits[1].box
    assert x0 < x1 and x0 + w0 <= x1 + 20  # left to right, side by side
    for d in r.digits:
        assert len(d.probabilities) >= 10 and abs(sum(d.probabilities) - 1) < 1e-3
        x, y, w, h = d.box
        assert 0 <= x and 0 <= y and x + w <= 720 and y + h <= 280


def test_leading_zeros_are_kept_and_touching_digits_are_split(predictor):
    assert predictor.read_number(canvas("0410")).text == "0410"
    r = predictor.read_number(canvas("00", touching=True))
    assert r.text == "00", [(d.digit, d.confidence, d.box) for d in r.digits]


def _canvas_at(spec: list[tuple[str, tuple[int, int, int, int]]]) -> np.ndarray:
    img = np.zeros((280, 720, 4), np.uint8)
    img[..., 3] = 255
    for ch, box in spec:
        draw(img, ch, box, 16, colour=(255, 255, 255, 255))
    return img


def test_a_wide_but_clear_digit_stays_whole(predictor):
    # A 0 or a 7 drawn twice as wide as usual next to narrow digits is still one digit
    # (the old width rule cut them: "110", "724").
    wide_zero = _canvas_at([("1", (80, 60, 40, 160)), ("0", (170, 60, 230, 160)), ("1", (450, 60, 40, 160))])
    assert predictor.read_number(wide_zero).text == "101"
    wide_seven = _canvas_at([("7", (80, 60, 200, 160)), ("4", (330, 60, 110, 160))])
    assert predictor.read_number(wide_seven).text == "74"


def test_three_touching_digits_are_split_into_three(predictor):
    # The first cut leaves "00", which is judged by its own best reading ("060" before).
    zeros = _canvas_at([("0", (80, 60, 110, 160)), ("0", (182, 60, 110, 160)), ("0", (284, 60, 110, 160))])
    r = predictor.read_number(zeros)
    assert r.text == "000", [(d.digit, d.confidence, d.box) for d in r.digits]
    xs = [d.box[0] for d in r.digits]
    assert xs == sorted(xs)


def test_a_mark_off_the_line_is_left_out_but_one_on_the_line_is_reported(predictor):
    def with_star(dy: int) -> np.ndarray:
        img = canvas("42", size=(720, 400))
        c = np.array([600, 330 + dy])
        for a in range(0, 180, 45):
            d = np.array([np.cos(np.radians(a)), np.sin(np.radians(a))]) * 45
            cv2.line(img, tuple((c - d).astype(int)), tuple((c + d).astype(int)), (255, 255, 255, 255), 9)
        return img

    below = predictor.read_number(with_star(0))  # under the number, sharing no height with it
    assert below.number == "42" and below.reason is None and "Left out 1 mark" in below.message
    beside = predictor.read_number(with_star(-200))  # on the line: part of what was written
    assert beside.number is None and beside.reason == "not_a_digit" and beside.text == "42"
    assert [d.digit for d in beside.digits] == [4, 2, None]


def test_blank_picture_and_bad_input(predictor):
    blank = np.zeros((280, 720, 4), np.uint8)
    r = predictor.read_number(blank)
    assert r.text == "" and r.number is None and r.digits == [] and r.reason == "no_ink" and r.message
    with pytest.raises(ImageError):
        predictor.read_number(b"not an image")


def test_single_digit_mode_is_unchanged(predictor):
    img = canvas("7")
    assert predictor.predict(img).digit == 7
    assert predictor.read_number(img).text == "7"


def test_rendered_numbers_are_mostly_read_exactly(predictor):
    samples = list(iter_numbers("canvas", 20, seed=7))
    right = sum(predictor.read_number(s.image).text == s.text for s in samples)
    assert right >= 17, right


def test_shadow_photo_numbers_lose_shadow_edges_and_tips(predictor):
    # 60 phone photos of numbers with a hard or soft shadow (seed 5 from the set the rules were tried
    # on, seed 8 never looked at): a shadow's edge slanting past the digits or its tip read as a
    # small "1" off the line used to be read with the number (47 of 60 right before they were left
    # out; 51 with that change alone).
    samples = [s for seed in (5, 8) for s in iter_numbers("photo_shadow", 30, seed=seed)]
    right = sum(predictor.read_number(s.image).number == s.text for s in samples)
    assert right >= 50, right


def test_a_small_mark_under_the_number_is_not_a_digit_of_it(predictor):
    img = canvas("42", size=(720, 400))
    cv2.line(img, (560, 330), (566, 375), (255, 255, 255, 255), 10)  # a tick well under the line
    r = predictor.read_number(img)
    assert r.number == "42" and "Left out 1 mark" in r.message, (r.text, r.message)


# ----------------------------------------------------------------------------- CLI


def _files(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for name, img in (("n-42.png", canvas("42")), ("n-007.png", canvas("007")), ("blank.png", np.zeros((50, 50), np.uint8))):
        p = tmp_path / name
        ok, buf = cv2.imencode(".png", img if img.ndim == 2 else cv2.cvtColor(img, cv2.COLOR_RGBA2BGRA))
        p.write_bytes(buf.tobytes())
        out[name] = p
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"hello, not a picture")
    out["junk.png"] = junk
    return out


def test_cli_number_json(tmp_path, capsys, default_model_path):
    files = _files(tmp_path)
    order = ["n-42.png", "n-007.png", "blank.png", "junk.png"]
    code = main(["predict", "--number", "--json", "--model", str(default_model_path), *(str(files[n]) for n in order)])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 1  # one file could not be used
    assert [Path(r["path"]).name for r in lines] == order
    for r in lines:
        assert set(r) == {"path", "number", "digits", "reason", "error", "message"}
    by = {Path(r["path"]).name: r for r in lines}
    assert by["n-42.png"]["number"] == "42" and by["n-42.png"]["error"] is None and by["n-42.png"]["reason"] is None
    assert [d["digit"] for d in by["n-42.png"]["digits"]] == [4, 2]
    for d in by["n-42.png"]["digits"]:
        assert set(d) == {"digit", "confidence", "box"} and len(d["box"]) == 4 and 0 < d["confidence"] <= 1
    assert by["n-007.png"]["number"] == "007"
    assert by["blank.png"]["number"] is None and by["blank.png"]["reason"] == "no_ink" and by["blank.png"]["error"] is None
    assert by["junk.png"]["number"] is None and "text" in by["junk.png"]["error"]


def test_cli_number_plain(tmp_path, capsys, default_model_path):
    files = _files(tmp_path)
    code = main(["predict", "--number", "--model", str(default_model_path), str(files["n-42.png"]), str(files["blank.png"])])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert out[0].startswith(f"{files['n-42.png']}: 42 (")
    assert "no number" in out[1]


def test_a_declined_part_never_makes_a_cut_look_sure():
    from digitcore.imaging.segmentation import Part
    from digitcore.model.number_reader import _Scored, _uncertainty

    part = Part(np.full((10, 10), 255, np.uint8), (0, 0, 10, 10))
    digit = _Scored(part, None, np.eye(10)[1], best=0.99)
    declined = _Scored(part, None, np.eye(10)[1], best=0.99, declined=True)  # 99 % "not a digit"
    assert _uncertainty([digit, digit]) < 0.02
    assert _uncertainty([digit, declined]) > 0.99


def test_a_wide_digit_is_not_cut_into_two_digits_it_is_not(predictor):
    # Held-out photos (seed 1) of "67", "172" and "136": a wide 6 or 7 was cut into a "1" and
    # another digit ("157", "1172", "1315") because each half was read surely on its own.
    # The stage-6 default reads that wide 6 of "67" whole but as a 0 (62 %, 6 at 30 %): the cut rule
    # is judged by the number of digits found, the other two by the whole number.
    samples = list(iter_numbers("photo", 57, seed=1))
    for i in (17, 47, 56):
        r = predictor.read_number(samples[i].image)
        assert len(r.digits) == len(samples[i].text), (samples[i].text, r.text)
        if i != 17:
            assert r.number == samples[i].text, (samples[i].text, r.text)


def test_a_plain_one_inside_a_number_is_read_not_declined(predictor):
    # Photos of the seed-5 tuning set of "041", "41" and "15": the 1 (slanted, or with a long flag) was
    # declined as "not a digit" at the single-digit threshold, so the number was not read.
    samples = list(iter_numbers("photo", 80, seed=5))
    for i in (65, 74, 79):
        r = predictor.read_number(samples[i].image)
        assert r.number == samples[i].text and r.reason is None, (samples[i].text, r.text, r.reason)


def test_a_lone_mark_in_number_mode_is_declined_as_in_single_digit_mode(predictor):
    # The looser "not a digit" threshold holds only among other marks: alone, a mark is judged as
    # the single-digit page judges it (a filled blob and half a 5 of the hard non-digit set, both
    # declined there with "not a digit" at 0.70, were read as digits in number mode).
    from digitcore.synthetic.hard_sets import iter_hard_samples

    samples = list(iter_hard_samples("non_digits", "canvas", 60, 1))
    for i in (26, 55):
        assert predictor.predict(samples[i].image).reason == "not_a_digit"
        r = predictor.read_number(samples[i].image)
        assert r.reason == "not_a_digit" and r.number is None, (samples[i].source, r.text)


def test_touching_digits_read_surely_only_as_two_are_split(predictor):
    # Canvas drawings of the tuning set (seed 6) of "7410" and "490": the touching "10" and "90"
    # were each read as one digit ("0" at 96 % and 86 %) although cut in two both halves read at
    # >= 99 %. (A third example, the "65" of seed 5's "8665", is read by the stage-6 default as one
    # "5" at 99.0 %, as sure as CERTAIN_WHOLE, and stays one digit; CERTAIN_WHOLE 0.995 read it but
    # was net zero: tuning seeds 286 -> 287 of 300, held-out seed 1 93 -> 92 of 100.)
    for seed, i in ((6, 31), (6, 91)):
        s = list(iter_numbers("canvas", i + 1, seed=seed))[i]
        r = predictor.read_number(s.image)
        assert r.number == s.text, (s.text, r.text)


def test_a_six_is_not_cut_into_a_one_and_a_five(predictor):
    # Held-out (seed 1) "568" drawn and "63" photographed: the 6's left arc reads as a sure "1" and
    # the rest as a sure "5", but that "1" starts well below the 6's top, so the 6 stays whole.
    canvas = list(iter_numbers("canvas", 25, seed=1))[24]
    photo = list(iter_numbers("photo", 30, seed=1))[29]
    for s in (canvas, photo):
        assert predictor.read_number(s.image).number == s.text, s.text


def test_a_cut_whose_one_is_a_short_arc_is_not_taken(predictor):
    # The tuning set's "2689" (canvas, seed 5) and the "86" of seed 8 (drawn with its strokes):
    # their 6's left arc, cut off, reads as a sure "1" under 0.84 of the rest's height and starting
    # over 10 % of it lower; they were read "21589" and "815". A real "1" written a little smaller
    # than the "2" beside it (a shadow photo's "321", seed 1) is still cut off and read.
    for kind, seed, i in (("canvas", 5, 167), ("canvas", 8, 39), ("photo_shadow", 1, 72)):
        s = number_at(kind, i, seed=seed)
        r = predictor.read_number(s.image, strokes=s.strokes)
        assert r.number == s.text, (s.text, r.text)


def test_overlapping_digits_are_told_apart_by_the_pen_strokes(predictor):
    # Held-out (seed 1) canvas numbers whose digits overlap: from the picture alone "8286", "40",
    # "86" and "1086" are read "8225", "0", "85" and "1036" (a cut gives the crossing ink to one
    # side only); with the strokes the canvas sent, a cut between whole strokes gives it to both.
    for i in (8, 12, 32, 76):
        s = number_at("canvas", i, seed=1)
        r = predictor.read_number(s.image, strokes=s.strokes)
        assert r.number == s.text, (s.text, r.text)


def _drawn_with_strokes(text: str) -> tuple[np.ndarray, list]:
    """``canvas(text)`` and the pen strokes it was drawn with."""
    from digitcore.imaging.canvas_strokes import Stroke
    from test_segmentation import STROKES, _dense

    img, strokes, x = canvas(text), [], 80
    for ch in text:
        dw = 40 if ch == "1" else 110
        strokes += [Stroke(np.stack([x + pl[:, 0] * dw, 60 + pl[:, 1] * 160], 1), 16.0)
                    for pl in map(_dense, STROKES[ch])]
        x += dw + 50
    return img, strokes


def test_a_digit_drawn_in_several_strokes_stays_one_digit(predictor):
    # A 4's stem, a 5's top bar and a 7's crossbar are strokes of their own; lifting the pen
    # between them does not make two digits. The tuning set's "04", "94", "74" and "4992" (seeds 5
    # and 6) have 4s whose stem, read alone, is a sure "1": they were read "041", "941", "741" and
    # "40192" when any cut between strokes with sure halves was taken.
    for text in ("4", "5", "7", "457", "14"):
        img, strokes = _drawn_with_strokes(text)
        assert len(strokes) > len(text)
        r = predictor.read_number(img, strokes=strokes)
        assert r.number == text, (text, r.text, [(d.digit, d.box) for d in r.digits])
    for seed, i in ((5, 293), (5, 339), (5, 342), (6, 70)):
        s = number_at("canvas", i, seed=seed)
        r = predictor.read_number(s.image, strokes=s.strokes)
        assert r.number == s.text, (s.text, r.text)


def test_a_shadow_tip_just_under_a_digit_is_off_the_line(predictor):
    # Held-out shadow photo "3609" (seed 1): the tip of a hand's shadow under the 0 was declined
    # and, sharing a fifth of its height with the 0, kept as a mark on the line, so the whole
    # reading was "not a digit". Under half its height on the line, it is left out and named.
    s = number_at("photo_shadow", 90, seed=1)
    r = predictor.read_number(s.image)
    assert r.number == "3609", (r.text, r.reason)
    assert "Left out 1 mark" in r.message


def _mark(digit, box, confidence=0.99):
    from digitcore.model.number_reader import DigitReading

    return DigitReading(digit, confidence, [0.1] * 10, box)


def test_off_line_slivers_and_unsure_marks_are_left_out_but_a_sloping_run_of_ones_stays():
    from digitcore.model.number_reader import _without_stray_marks

    two, three = _mark(2, (100, 100, 80, 100)), _mark(3, (200, 105, 80, 100))
    # A "1" far under the line (a shadow's edge), a thin "1" sliver on the line, an unsure "7" at the top edge.
    far_one, sliver, unsure = _mark(1, (600, 400, 20, 120)), _mark(1, (290, 120, 8, 30)), _mark(7, (700, 0, 30, 60), 0.3)
    kept, left_out = _without_stray_marks([two, three, sliver, far_one, unsure])
    assert [d.digit for d in kept] == [2, 3] and left_out == 3
    # A real "1" beside a small mark off the line: the mark goes first, the 1 is measured against the 4.
    four, stray, one = _mark(4, (0, 640, 380, 270)), _mark(1, (400, 2100, 30, 130)), _mark(1, (560, 650, 180, 256))
    kept, _ = _without_stray_marks([four, stray, one])
    assert kept == [four, one]
    # "4111" on a line sloping up: each 1 shares its height with the digit beside it, not with the 4.
    run = [_mark(4, (134, 586, 205, 198)), _mark(1, (366, 520, 133, 246)), _mark(1, (584, 492, 75, 204)),
           _mark(1, (734, 442, 139, 218))]
    assert _without_stray_marks(run) == (run, 0)
    # A sure, full-height digit off the line is kept (only 1s, unsure, small or declined marks go).
    high = _mark(5, (300, 0, 80, 100))
    assert _without_stray_marks([two, high])[0] == [two, high]


def test_shadow_slivers_read_as_ones_are_not_digits_of_the_number(predictor):
    # Shadow photos of seed 6 (a tuning seed): "23" had the two ends of a shadow read as 1s far off the
    # line ("1231"), "6367" a thin sliver of a shadow's edge on the line ("63617"); in "8941" a small
    # shadow mark beside the last 1 once pushed that 1 off the line ("894").
    for i, text in ((22, "23"), (79, "6367"), (24, "8941")):
        s = number_at("photo_shadow", i, seed=6)
        assert s.text == text
        assert predictor.read_number(s.image).number == text, text


@pytest.mark.parametrize("kind, index, seed, strokes", [
    ("canvas", 59, 11, True),  # "635": its 6 cut into "15" (1535), with or without the pen's strokes
    ("canvas", 59, 11, False),
    ("canvas", 22, 7, False),  # "8779": its touching "79" cut as "7" + "3"
    ("canvas", 48, 7, False),  # "646": its first 6 cut into "1" + "5" (6415); the pair reader reads one digit
    ("photo_shadow", 68, 7, False),  # "3451": the touching "51" read as one 5 (345)
    ("photo_shadow", 16, 5, False),  # "539": the overlapping "39" cut as "37" (the 3 took the 9's loop)
    ("photo_shadow", 97, 7, False),  # "516": the overlapping "51", no wider than a digit, cut as "57"
])
def test_the_pair_reader_mends_touching_and_falsely_cut_digits(predictor, kind, index, seed, strokes):
    s = number_at(kind, index, seed)
    pen = s.strokes if strokes else None
    assert predictor.read_number(s.image, strokes=pen).number == s.text
    # Without it these are misread: the test is of the pair reader, not of a rule that already held.
    assert predictor.read_number(s.image, strokes=pen, pair_reader=False).number != s.text


@pytest.mark.parametrize("damaged", [False, True])
def test_numbers_are_read_without_the_pair_reader_file(predictor, monkeypatch, tmp_path, damaged):
    from digitcore.model import pair_reader

    path = tmp_path / "pair_reader.keras"
    if damaged:
        path.write_bytes(b"PK\x03\x04 not a model")
    monkeypatch.setattr(pair_reader, "PAIR_READER_PATH", path)
    pair_reader.forget_pair_reader()
    try:
        assert pair_reader.default_pair_reader() is None
        assert predictor.read_number(canvas("42")).text == "42"
    finally:
        monkeypatch.undo()
        pair_reader.forget_pair_reader()
    assert pair_reader.default_pair_reader() is not None


def test_the_pair_reader_never_undoes_a_cut_where_the_pen_lifted(predictor):
    # The "86" of canvas seed 1 #32 drawn with a 20 px pen (as in the browser test): its 6 runs
    # through the 8; the cut between the pen strokes reads "86", the pair reader alone "85".
    from digitcore.synthetic.numbers import NUMBER_CANVAS
    from digitcore.synthetic.raster import stroke_mask

    s = number_at("canvas", 32, seed=1)
    w, h = NUMBER_CANVAS
    points = [p for p, _ in s.strokes]
    img = np.zeros((h, w, 4), np.uint8)
    img[..., 3] = 255
    img[..., :3] = np.round(stroke_mask(points, (h, w), 20.0) * 255).astype(np.uint8)[..., None]
    assert predictor.read_number(img, strokes=[(p, 20.0) for p in points]).text == "86"


def test_a_long_line_is_never_read_as_more_digits_than_a_number_may_have(predictor):
    from itertools import islice

    from digitcore.imaging.segmentation import MAX_DIGITS
    from digitcore.synthetic.hard_sets import iter_hard_samples

    # Hard non-digit canvas set, seed 1, drawing 1: a horizontal line that number_decline --numbers
    # shows 120 px tall; each half of each cut was read again with the whole budget, giving 31 ones.
    (_, line) = islice(iter_hard_samples("non_digits", "canvas", 200, 1), 2)
    assert line.source.startswith("line:")
    r = predictor.read_number(number_decline._side_by_side([number_decline._ink(line.image)]))
    assert len(r.digits) <= MAX_DIGITS, r.text
