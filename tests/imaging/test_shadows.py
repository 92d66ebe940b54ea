"""Phone photos with a hard shadow across the page: the shadow's edge is not ink, the digit is still read."""

from __future__ import annotations

import itertools

import cv2
import numpy as np
import pytest

from digitcore.imaging.background import step_preserving_background, stroke_polarity
from digitcore.imaging.ink import deep_shade_gain
from digitcore.imaging.preprocess import preprocess
from digitcore.synthetic.numbers import number_at
from digitcore.synthetic.renderers import cast_shadow
from digitcore.synthetic.sets import iter_samples, sample_at


def shadowed_page(with_four: bool, seed: int = 0, size=(900, 1200)) -> np.ndarray:
    """A lit page (noise, JPEG) with a hard shadow whose edge runs diagonally across it."""
    h, w = size
    rng = np.random.default_rng(seed)
    page = np.full((h, w), 215.0, np.float32)
    if with_four:
        ink = np.zeros((h, w), np.uint8)
        pts = [np.array([[640, 250], [470, 560], [760, 560]]), np.array([[690, 380], [690, 700]])]
        cv2.polylines(ink, [p.astype(np.int32) for p in pts], False, 255, 14, cv2.LINE_AA)
        page = page * (1 - ink / 255.0) + 35.0 * (ink / 255.0)
    yy, xx = np.mgrid[0:h, 0:w]
    shade = np.where(xx + 0.6 * yy > 900, 0.45, 1.0).astype(np.float32)  # a hard edge through the 4
    page = cv2.GaussianBlur(page * shade, (0, 0), 1.0) + rng.normal(0, 3, (h, w))
    out = np.clip(page, 0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, 85])
    return cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)


def test_a_hard_shadow_alone_is_not_ink():
    page = shadowed_page(with_four=False)
    res = preprocess(page)
    # The edge runs 1000+ px across the page; at most a crumb where it leaves the picture
    # remains (known limit: the median's border handling).
    if res.has_ink:
        x, y, w, h = res.bbox
        assert max(w, h) < 60 and (y + h >= 900 - 2 or x + w >= 1200 - 2 or x <= 1 or y <= 1), res.bbox


def test_a_clear_four_with_a_shadow_across_it_is_read(predictor):
    page = shadowed_page(with_four=True)
    res = predictor.predict(page)
    assert res.digit == 4, (res.digit, res.confidence)
    x, y, w, h = res.preprocessed.bbox
    assert 440 <= x <= 480 and 230 <= y <= 260 and w < 360 and h < 490  # the 4, not the shadow's edge


def test_shadow_generator_adds_a_shadow_and_keeps_other_kinds():
    light = cast_shadow(np.random.default_rng(1), (300, 400), (150, 100, 250, 200), "hard")
    assert light.shape == (300, 400) and 0.3 <= float(light.min()) < 0.75 and float(light.max()) == 1.0


def test_shadow_photos_are_mostly_read(predictor):
    samples = list(iter_samples("photo_shadow", 30, 11))
    right = sum(predictor.predict(s.image, keep_steps=False).digit == s.label for s in samples)
    assert right >= 28, right  # 29 of 30 on 2026-12-02 (27 before polarity below 600 px and wider shade); README: photos with a shadow


def mostly_shadowed(light_ink: bool, size=(900, 1200)) -> np.ndarray:
    """Thin strokes on a page whose larger part lies in a deep shadow (the median is shadow)."""
    h, w = size
    rng = np.random.default_rng(3)
    paper, ink_level = (60.0, 230.0) if light_ink else (215.0, 30.0)
    page = np.full((h, w), paper, np.float32)
    ink = np.zeros((h, w), np.uint8)
    cv2.polylines(ink, [np.array([[200, 150], [120, 400], [330, 400]]), np.array([[260, 250], [260, 520]])],
                  False, 255, 9, cv2.LINE_AA)
    page = page * (1 - ink / 255.0) + ink_level * (ink / 255.0)
    yy, xx = np.mgrid[0:h, 0:w]
    if not light_ink:
        page *= np.where(xx > 450 + 0.2 * yy, 0.4, 1.0)  # a hard shadow over two thirds of the page
    page = cv2.GaussianBlur(page, (0, 0), 1.0) + rng.normal(0, 3, (h, w))
    return np.clip(page, 0, 255).astype(np.uint8)


def test_stroke_polarity_follows_the_marks_not_the_shadowed_majority():
    assert stroke_polarity(mostly_shadowed(light_ink=False)) is True  # dark ink, though most pixels are dark
    assert stroke_polarity(mostly_shadowed(light_ink=True)) is False  # chalk on a board
    flat = np.clip(np.random.default_rng(0).normal(180, 3, (700, 900)), 0, 255).astype(np.uint8)
    assert stroke_polarity(flat) is None  # no marks: the usual border/majority rule decides


def fat_marker_ones(width: int = 56, gap: int = 34, size=(900, 1200)) -> np.ndarray:
    """"11" in a fat dark marker on light paper: strokes too wide for the narrow kernel, a narrow gap of paper between."""
    h, w = size
    rng = np.random.default_rng(5)
    page = np.full((h, w), 205.0, np.float32)
    ink = np.zeros((h, w), np.uint8)
    for x in (560, 560 + width + gap):
        cv2.polylines(ink, [np.array([[x - 40, 330], [x + 10, 240], [x - 20, 680]])], False, 255, width, cv2.LINE_AA)
    page = page * (1 - ink / 255.0) + 70.0 * (ink / 255.0)
    page = cv2.GaussianBlur(page, (0, 0), 1.0) + rng.normal(0, 3, (h, w))
    return np.clip(page, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("width,gap", [(56, 34), (60, 20), (45, 30), (70, 40)])
def test_the_paper_between_fat_marker_strokes_is_not_taken_for_chalk(width, gap):
    # The gap looks like a light mark to the narrow kernel, which cannot see strokes that wide;
    # the wide kernel finds the dark strokes as strong, so the marks do not decide "light ink".
    assert stroke_polarity(fat_marker_ones(width, gap)) is not False


def test_a_fat_marker_number_in_a_photo_keeps_its_dark_strokes(predictor):
    # Seed 10's 79th shadow-photo number, "711" in a fat brown marker: taken for light ink, only the
    # paper between the two 1s was "ink" and the reading was "1" (now "71": the 1s still merge).
    sample = number_at("photo_shadow", 78, 10)
    assert sample.text == "711"
    reading = predictor.read_number(sample.image)
    assert reading.text.startswith("7"), (reading.text, reading.message)


def test_a_digit_on_a_mostly_shadowed_page_is_read_as_dark_ink(predictor):
    res = predictor.predict(mostly_shadowed(light_ink=False))
    assert res.digit == 4, (res.digit, res.reason)


def test_the_step_preserving_background_keeps_a_shadow_edge_and_fills_strokes():
    page = shadowed_page(with_four=True)
    bg = step_preserving_background(page)
    lit, shade = float(np.median(bg[100:200, 50:150])), float(np.median(bg[800:880, 1050:1150]))
    assert lit > 190 and 80 < shade < 115  # both sides of the edge keep their own level
    assert float(bg[405, 555]) > 190 and float(page[405, 555]) < 100  # a stroke of the 4, in the light, filled
    ink = cv2.subtract(bg, page)
    yy, xx = np.mgrid[0:900, 0:1200]
    edge = np.abs(xx + 0.6 * yy - 900) < 3
    # Along the edge itself at most a pixel-thin trace is left (JPEG ringing), not a stroke of ink.
    assert float(np.median(ink[edge & (yy > 750)])) < 25


def page_with_a_shadow_patch(touching: bool) -> np.ndarray:
    """A thin-pen 4 on a lit page with a soft, elongated shadow (a pen's or a finger's) beside or under it."""
    h, w = 900, 1200
    rng = np.random.default_rng(5)
    yy, xx = np.mgrid[0:h, 0:w]
    page = (225.0 - 0.02 * xx - 0.01 * yy).astype(np.float32)  # a phone photo's uneven light, not a flat scan
    ink = np.zeros((h, w), np.uint8)
    cv2.polylines(ink, [np.array([[700, 250], [560, 520], [800, 520]]), np.array([[740, 360], [740, 640]])],
                  False, 255, 8, cv2.LINE_AA)
    shade = np.zeros((h, w), np.float32)
    centre = (560, 690) if touching else (300, 700)
    cv2.ellipse(shade, centre, (260, 45), 15, 0, 360, 1.0, -1)
    shade = cv2.GaussianBlur(shade, (0, 0), 6)
    page = page * (1 - 0.5 * shade)  # the shadow keeps half the light
    page = page * (1 - ink / 255.0) + 30.0 * (ink / 255.0)
    page = cv2.GaussianBlur(page, (0, 0), 1.0) + rng.normal(0, 4, (h, w))
    return np.clip(page, 0, 255).astype(np.uint8)


def test_a_shadow_patch_beside_or_under_the_digit_is_not_taken_for_it(predictor):
    for touching in (False, True):
        res = predictor.predict(page_with_a_shadow_patch(touching))
        assert res.digit == 4, (touching, res.digit, res.reason)
        x, y, w, h = res.preprocessed.bbox
        assert x >= 540 and w <= 290 and h <= 420, (touching, res.preprocessed.bbox)  # the 4 only


def page_with_a_big_soft_shadow() -> np.ndarray:
    """A small thin-pen 7 beside a hand's big, very soft shadow: the shadow's area is 30 times the 7's."""
    h, w = 1000, 1400
    rng = np.random.default_rng(11)
    yy, xx = np.mgrid[0:h, 0:w]
    page = (222.0 - 0.015 * xx - 0.01 * yy).astype(np.float32)
    ink = np.zeros((h, w), np.uint8)
    cv2.polylines(ink, [np.array([[980, 420], [1090, 420], [1010, 600]]), np.array([[985, 515], [1065, 515]])],
                  False, 255, 6, cv2.LINE_AA)
    shade = np.zeros((h, w), np.float32)
    cv2.ellipse(shade, (520, 560), (380, 140), -20, 0, 360, 1.0, -1)
    shade = cv2.GaussianBlur(shade, (0, 0), 25)  # very soft: no edge anywhere
    page = page * (1 - 0.45 * shade)
    page = page * (1 - ink / 255.0) + 35.0 * (ink / 255.0)
    page = cv2.GaussianBlur(page, (0, 0), 1.0) + rng.normal(0, 4, (h, w))
    out = np.clip(page, 0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, 85])
    return cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)


def test_a_big_soft_shadow_far_lighter_than_the_pen_is_not_the_digit(predictor):
    res = predictor.predict(page_with_a_big_soft_shadow())
    x, y, w, h = res.preprocessed.bbox
    assert x >= 940 and w <= 200, res.preprocessed.bbox  # the 7 only, not the shadow
    assert res.digit == 7, (res.digit, res.reason)


def test_a_small_photo_mostly_in_shadow_is_still_dark_ink(predictor):
    # A 1028 x 578 photo of a 3 with a hard shadow over most of it is worked on at 514 px (below the
    # shadow path's 600 until 2026-12-03): thin marks decide the polarity there too (read as
    # "1, 91 %" before).
    sample = sample_at("photo_shadow", 80, 2, 41)
    assert sample.label == 3 and max(sample.image.shape[:2]) == 1028
    res = predictor.predict(sample.image)
    assert res.digit == 3, (res.digit, res.reason)


def test_deep_shade_gain_evens_out_ink_in_a_deep_shadow():
    bg = np.full((100, 200), 200, np.uint8)
    assert deep_shade_gain(bg) is None  # evenly lit paper: nothing to correct
    bg[:, 120:] = 40  # a deep shadow over part of the page
    gain = deep_shade_gain(bg)
    assert gain is not None and gain.shape == bg.shape
    assert np.allclose(gain[:, :100], 1.0) and np.allclose(gain[:, 130:], 100 / 40)


def ring_across_a_shadow(size: tuple[int, int], shade_level: float) -> np.ndarray:
    """A dark ring (a 0) on lit paper, its right part inside a hard shadow with a diagonal edge."""
    h, w = size
    rng = np.random.default_rng(0)
    page = np.full((h, w), 215.0, np.float32)
    ink = np.zeros((h, w), np.uint8)
    cx, cy = w // 2, h // 2
    cv2.ellipse(ink, (cx, cy), (int(0.14 * w), int(0.22 * h)), 0, 0, 360, 255, max(3, w // 60), cv2.LINE_AA)
    page = page * (1 - ink / 255.0) + 35.0 * (ink / 255.0)
    yy, xx = np.mgrid[0:h, 0:w]
    page *= np.where(xx - 0.5 * yy > cx - 0.25 * cy, shade_level, 1.0).astype(np.float32)
    page = cv2.GaussianBlur(page, (0, 0), 1.0) + rng.normal(0, 3, (h, w))
    ok, buf = cv2.imencode(".jpg", np.clip(page, 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 85])
    return cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)


def test_a_photo_worked_on_below_600_px_gets_the_shadow_path_too():
    # 560 x 420: a photo (over PHOTO_MIN_SIDE), below the shadow path's old 600 px. The usual
    # paper estimate spread the lit level into the shadow and its edge became "ink" (the box
    # ran the picture's whole height).
    page = ring_across_a_shadow((420, 560), 0.3)
    res = preprocess(page)
    x, y, w, h = res.bbox
    assert abs(x - 202) <= 8 and abs(y - 118) <= 8 and w <= 156 + 16 and h <= 184 + 16, res.bbox


def test_a_stroke_inside_a_hard_shadow_does_not_drop_out(predictor):
    # Held-out photo (seed 2, #3): a 0 whose right half lies in a hard shadow. Its ink there was
    # under half its lit ink and fell below the threshold, leaving a "C" (declined). The deep-shade
    # gain now evens the ink out before thresholding.
    sample = sample_at("photo_shadow", 80, 2, 3)
    assert sample.label == 0
    res = predictor.predict(sample.image)
    assert res.digit == 0, (res.digit, res.best_guess, res.reason)


def test_a_hand_s_soft_shadow_is_paper_not_ink(predictor):
    # Tuning photos (seed 11) with a hand's soft shadow over the digit: the usual paper estimate
    # (a closing 20 % of the picture wide) filled the blob in, so it became "ink" joined to the
    # digit (3 and 7 declined, 8 read as "4, 98 %"). Every photo now takes its paper level from the
    # step-preserving closing, which keeps anything wider than the pen as paper.
    for index, label in ((44, 8), (114, 3), (149, 7)):
        sample = sample_at("photo_shadow", 200, 11, index)
        assert sample.label == label
        res = predictor.predict(sample.image)
        assert res.digit == label, (index, res.digit, res.best_guess, res.reason)


def test_sample_at_renders_the_same_sample_as_the_whole_set():
    whole = list(itertools.islice(iter_samples("photo_shadow", 80, 2), 4))
    alone = sample_at("photo_shadow", 80, 2, 3)
    assert alone.label == whole[3].label and alone.source == whole[3].source
    assert np.array_equal(alone.image, whole[3].image)


def test_gradients_soft_shadows_and_vignettes_alone_are_not_ink():
    # Every photo now takes the step-preserving paper level: slow light changes stay paper.
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:600, 0:800].astype(np.float32)
    pages = {
        "gradient": 120 + 0.15 * xx,  # a dark half fading into the light one
        "soft shadow": 200 - 90 * np.exp(-((xx - 400) ** 2 + (yy - 300) ** 2) / (2 * 150.0**2)),
        "vignette": 210 - 0.2 * np.hypot(xx - 400, yy - 300),
    }
    for name, light in pages.items():
        page = np.clip(light + rng.normal(0, 3, light.shape), 0, 255).astype(np.uint8)
        res = preprocess(page)
        assert not res.has_ink, (name, res.bbox)
