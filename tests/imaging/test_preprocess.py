"""Behaviour of digitcore.imaging.preprocess on rendered canvases, scans and phone-like photos."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pytest

from digitcore.imaging.image_io import ImageError
from digitcore.imaging.preprocess import Preprocessed, Step, preprocess, preprocess_batch

# ----------------------------------------------------------------------------- rendering


def _arc(cx, cy, rx, ry, a0, a1, n=32):
    t = np.radians(np.linspace(a0, a1, n))
    return np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], 1)


# Pen strokes of each digit in a unit box (x right, y down): a list of polylines.
STROKES = {
    "0": [_arc(0.5, 0.5, 0.36, 0.5, 0, 360, 48)],
    "1": [np.array([[0.35, 0.15], [0.5, 0.0], [0.5, 1.0]])],
    "2": [np.vstack([_arc(0.5, 0.28, 0.4, 0.28, 200, 380), [[0.1, 1.0], [0.95, 1.0]]])],
    "3": [_arc(0.45, 0.26, 0.4, 0.26, 200, 450), _arc(0.45, 0.74, 0.45, 0.26, 270, 520)],
    "4": [np.array([[0.65, 0.0], [0.05, 0.7], [1.0, 0.7]]), np.array([[0.72, 0.3], [0.72, 1.0]])],
    "5": [
        np.array([[0.95, 0.0], [0.3, 0.0]]),
        np.vstack([[[0.28, 0.0], [0.2, 0.45]], _arc(0.5, 0.7, 0.42, 0.3, 230, 500)]),
    ],
    "7": [np.array([[0.0, 0.0], [1.0, 0.0], [0.35, 1.0]]), np.array([[0.35, 0.5], [0.85, 0.5]])],
    "8": [_arc(0.5, 0.25, 0.33, 0.25, 0, 360), _arc(0.5, 0.73, 0.42, 0.27, 0, 360)],
}


def draw_digit(img, ch, box, thick, color=255, offset=(0.0, 0.0)):
    """Draw digit ``ch`` inside box (x, y, w, h) with anti-aliased strokes ``thick`` px wide.

    ``offset`` (dx, dy) moves every stroke after the first (a digit drawn in two
    strokes that do not touch).
    """
    x, y, w, h = box
    pad = thick / 2
    for i, pl in enumerate(STROKES[ch]):
        pts = np.stack([x + pad + pl[:, 0] * (w - 2 * pad), y + pad + pl[:, 1] * (h - 2 * pad)], 1)
        if i:
            pts = pts + np.asarray(offset, float)
        p = np.round(pts * 16).astype(np.int32)  # 4 fractional bits
        cv2.polylines(img, [p], False, color, max(1, int(round(thick))), cv2.LINE_AA, 4)
    return img


def drawn_box(ch, box, thick, shape, offset=(0.0, 0.0)):
    """Bounding box (x, y, w, h) of the ink ``draw_digit`` puts down."""
    m = np.zeros(shape[:2], np.uint8)
    draw_digit(m, ch, box, thick, offset=offset)
    return cv2.boundingRect(cv2.findNonZero((m > 64).astype(np.uint8)))


def canvas(ch="3", mode="black", size=280, box=(70, 40, 140, 200), thick=18):
    """A streamlit-drawable-canvas style RGBA image."""
    a = np.zeros((size, size), np.uint8)
    draw_digit(a, ch, box, thick)
    opaque = np.full_like(a, 255)
    if mode == "black":  # white strokes on black
        return np.dstack([a, a, a, opaque])
    if mode == "white":  # black strokes on white
        inv = 255 - a
        return np.dstack([inv, inv, inv, opaque])
    if mode == "transparent":  # dark strokes, transparent background with junk RGB
        junk = np.random.default_rng(1).integers(0, 256, (size, size, 3), dtype=np.uint8)
        rgb = np.where(a[..., None] > 0, 20, junk).astype(np.uint8)
        return np.dstack([rgb, a])
    raise ValueError(mode)


def jpeg_roundtrip(rgb, quality=80):
    ok, buf = cv2.imencode(".jpg", np.ascontiguousarray(rgb[..., ::-1]), [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return np.ascontiguousarray(cv2.imdecode(buf, cv2.IMREAD_COLOR)[..., ::-1])


def photo(
    ch="5",
    size=(1200, 900),
    box=(520, 380, 140, 200),
    thick=10,
    tint=(235, 225, 200),
    shadow=0.5,
    noise=6.0,
    jpeg=True,
    ink=(30, 30, 70),
    ink_alpha=0.85,
    specks=(),
    lines=(),
    seed=0,
):
    """Dark ink on tinted paper with a shadow gradient, sensor noise and JPEG artefacts."""
    w, h = size
    rng = np.random.default_rng(seed)
    img = np.empty((h, w, 3), np.float32)
    img[:] = tint
    if shadow:  # darker towards the bottom right, like a hand or phone shadow
        ramp = (np.arange(h, dtype=np.float32)[:, None] / h) * 0.5 + (np.arange(w, dtype=np.float32)[None, :] / w) * 0.9
        img *= (1 - shadow * np.clip(ramp - 0.25, 0, 1))[..., None]
    for y0, y1, colour in lines:  # ruled lines, printed before the digit is written
        cv2.line(img, (0, y0), (w - 1, y1), colour, 2, cv2.LINE_AA)
    m = np.zeros((h, w), np.uint8)
    draw_digit(m, ch, box, thick)
    for cx, cy, r in specks:
        cv2.circle(m, (int(cx), int(cy)), int(r), 255, -1, cv2.LINE_AA)
    ys, xs = np.nonzero(m)
    if ys.size:  # blend the ink only where it is, to keep big pages cheap
        a = (m[ys, xs].astype(np.float32) / 255 * ink_alpha)[:, None]
        img[ys, xs] = img[ys, xs] * (1 - a) + np.asarray(ink, np.float32) * a
    if noise:
        # A noise tile repeated over the page: as good as fresh noise, much faster.
        tile = rng.standard_normal((min(h, 509), min(w, 511), 3), dtype=np.float32) * noise
        img += np.tile(tile, (-(-h // tile.shape[0]), -(-w // tile.shape[1]), 1))[:h, :w]
    img = np.clip(img, 0, 255).astype(np.uint8)
    return jpeg_roundtrip(img) if jpeg else img


# ----------------------------------------------------------------------------- checks


def _mnist_path() -> Path:
    env = os.environ.get("DIGITCORE_MNIST")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2].parent / "shared" / "datasets" / "mnist.npz"


def assert_mnist_like(res: Preprocessed, *, box_slack=(19, 21), com_tol=1.0):
    assert res.has_ink, res.message
    d = res.digit28
    assert d is not None and d.shape == (28, 28) and d.dtype == np.float32
    assert 0.0 <= float(d.min()) and float(d.max()) <= 1.0
    assert float(d.max()) > 0.9  # stroke peak maps to (about) full white
    ys, xs = np.nonzero(d > 0.05)
    longer = max(xs.max() - xs.min() + 1, ys.max() - ys.min() + 1)
    assert box_slack[0] <= longer <= box_slack[1], longer
    m = cv2.moments(d)
    cx, cy = m["m10"] / m["m00"], m["m01"] / m["m00"]
    assert abs(cx - 14.0) <= com_tol and abs(cy - 14.0) <= com_tol, (cx, cy)
    assert res.message == ""


def bbox_contains(bbox, box, tol=3):
    """``bbox`` covers the ink box (x, y, w, h) within ``tol`` px and is not much bigger."""
    x, y, w, h = bbox
    bx, by, bw, bh = box
    inside = x <= bx + tol and y <= by + tol and x + w >= bx + bw - tol and y + h >= by + bh - tol
    snug = x >= bx - 3 * tol - 2 and y >= by - 3 * tol - 2 and x + w <= bx + bw + 3 * tol + 2 and y + h <= by + bh + 3 * tol + 2
    return inside and snug


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Best correlation over +-1 px shifts (integer centring may round either way)."""
    a = a.astype(np.float32)
    b = b.astype(np.float32)
    return max(
        np.corrcoef(np.roll(a, (dy, dx), (0, 1)).ravel(), b.ravel())[0, 1]
        for dy in (-1, 0, 1)
        for dx in (-1, 0, 1)
    )


def stroke_fraction(d: np.ndarray) -> float:
    """Same estimator the MNIST calibration used: 2*area/boundary, relative to the box."""
    big = cv2.resize(d, (280, 280), interpolation=cv2.INTER_LINEAR) >= 0.5
    ys, xs = np.nonzero(big)
    side = max(xs.max() - xs.min() + 1, ys.max() - ys.min() + 1)
    m = np.pad(big.astype(np.uint8), 1)
    t = np.count_nonzero(m[1:] != m[:-1]) + np.count_nonzero(m[:, 1:] != m[:, :-1])
    return 2 * big.sum() / t / side


# ----------------------------------------------------------------------------- canvas


@pytest.mark.parametrize("mode", ["black", "white", "transparent"])
@pytest.mark.parametrize("thick", [2, 5, 12, 25, 40])
def test_canvas_backgrounds_and_stroke_widths(mode, thick):
    box = (70, 40, 140, 200)
    res = preprocess(canvas("3", mode, box=box, thick=thick))
    assert_mnist_like(res)
    assert bbox_contains(res.bbox, drawn_box("3", box, thick, (280, 280)))
    # Strokes end up MNIST-like whatever the brush (MNIST: 5th..95th pct 0.065..0.154).
    assert 0.05 <= stroke_fraction(res.digit28) <= 0.22


@pytest.mark.parametrize("thick", [50, 60])
def test_canvas_huge_brush_still_a_digit(thick):
    res = preprocess(canvas("7", "black", box=(40, 20, 200, 240), thick=thick))
    assert_mnist_like(res)
    assert stroke_fraction(res.digit28) <= 0.3


@pytest.mark.parametrize(
    "box",
    [
        (5, 5, 60, 90),  # top-left corner
        (210, 180, 65, 95),  # bottom-right corner
        (0, 0, 120, 180),  # touching the edge
        (120, 120, 24, 36),  # tiny in the middle
        (2, 2, 276, 276),  # fills the canvas
    ],
)
def test_canvas_positions_and_sizes(box):
    thick = max(2, box[3] // 10)
    res = preprocess(canvas("2", "black", box=box, thick=thick))
    assert_mnist_like(res)
    assert bbox_contains(res.bbox, drawn_box("2", box, thick, (280, 280)))


def test_position_and_size_do_not_change_the_result():
    a = preprocess(canvas("8", "black", box=(20, 20, 80, 120), thick=10)).digit28
    b = preprocess(canvas("8", "black", box=(150, 140, 80, 120), thick=10)).digit28
    c = preprocess(canvas("8", "black", box=(60, 20, 160, 240), thick=20)).digit28
    assert similarity(a, b) > 0.95
    assert similarity(a, c) > 0.85


def test_one_stays_thin_and_centred():
    res = preprocess(canvas("1", "white", box=(120, 30, 40, 220), thick=14))
    assert_mnist_like(res)
    ys, xs = np.nonzero(res.digit28 > 0.05)
    assert ys.max() - ys.min() + 1 >= 19
    assert xs.max() - xs.min() + 1 <= 8  # aspect ratio kept, not stretched to a square


def test_polarity_white_on_black_equals_black_on_white():
    a = preprocess(canvas("4", "black", thick=16)).digit28
    b = preprocess(canvas("4", "white", thick=16)).digit28
    c = preprocess(canvas("4", "transparent", thick=16)).digit28
    assert similarity(a, b) > 0.98
    assert similarity(a, c) > 0.95


def test_white_strokes_on_transparent_background():
    a = np.zeros((280, 280), np.uint8)
    draw_digit(a, "7", (70, 40, 140, 200), 16)
    rgba = np.dstack([np.full_like(a, 255)] * 3 + [a])  # white ink, alpha = strokes
    assert_mnist_like(preprocess(rgba))


def test_grey_uint8_float_and_bool_inputs_agree():
    a = np.zeros((200, 200), np.uint8)
    draw_digit(a, "0", (50, 30, 90, 140), 12)
    r8 = preprocess(a).digit28
    rf = preprocess(a.astype(np.float32) / 255).digit28
    rb = preprocess(a > 127).digit28
    assert np.abs(r8 - rf).max() < 1e-6
    assert similarity(r8, rb) > 0.9


# ----------------------------------------------------------------------------- digit pieces


def test_five_drawn_in_two_strokes_keeps_its_bar():
    box = (90, 60, 110, 160)
    img = np.zeros((280, 280), np.uint8)
    draw_digit(img, "5", box, 10, offset=(0, 14))  # body starts 14 px below the bar
    res = preprocess(img)
    assert_mnist_like(res)
    assert res.bbox[1] <= box[1] + 3  # the separate top bar is part of the digit
    assert res.digit28[:8].sum() > 3  # ink near the top


def test_specks_far_from_the_digit_are_ignored():
    box = (100, 80, 90, 130)
    clean = np.zeros((280, 280), np.uint8)
    draw_digit(clean, "3", box, 10)
    dirty = clean.copy()
    for x, y in [(10, 10), (260, 20), (20, 250), (250, 260), (140, 265), (5, 140)]:
        cv2.circle(dirty, (x, y), 2, 255, -1)
    a, b = preprocess(clean), preprocess(dirty)
    assert a.bbox == b.bbox
    assert np.abs(a.digit28 - b.digit28).max() < 1e-6


def test_mnist_digit_upscaled_round_trips():
    path = _mnist_path()
    if not path.exists():
        pytest.skip("MNIST not available")
    with np.load(path) as data:
        xs = data["x_test"][:40]
    corrs = []
    for x in xs:
        big = cv2.resize(x, (280, 280), interpolation=cv2.INTER_CUBIC)
        res = preprocess(big, keep_steps=False)
        assert res.has_ink
        corrs.append(similarity(res.digit28, x))
    assert np.median(corrs) > 0.9
    assert min(corrs) > 0.8


def test_mnist_digit_as_dark_on_light_small_canvas():
    path = _mnist_path()
    if not path.exists():
        pytest.skip("MNIST not available")
    with np.load(path) as data:
        x = data["x_test"][3]
    page = np.full((400, 400), 240, np.uint8)
    page[150:290, 100:240] = 240 - (cv2.resize(x, (140, 140), interpolation=cv2.INTER_LINEAR) * 0.85).astype(np.uint8)
    res = preprocess(page)
    assert similarity(res.digit28, x) > 0.8


# ----------------------------------------------------------------------------- photos and scans


@pytest.mark.parametrize(
    "tint", [(235, 225, 200), (200, 200, 200), (190, 205, 230), (250, 250, 250)], ids=["cream", "grey", "blue", "white"]
)
def test_phone_photo_tinted_paper_shadow_noise_jpeg(tint):
    box = (520, 380, 140, 200)
    res = preprocess(photo("5", tint=tint, box=box))
    assert_mnist_like(res)
    assert bbox_contains(res.bbox, drawn_box("5", box, 10, (900, 1200)), tol=4)


def test_heavy_shadow_across_the_digit():
    box = (300, 200, 300, 420)
    res = preprocess(photo("8", size=(900, 800), box=box, thick=16, shadow=0.7, noise=8))
    assert_mnist_like(res)
    assert bbox_contains(res.bbox, drawn_box("8", box, 16, (800, 900)), tol=5)


def test_small_digit_on_a_large_page():
    # 4000x3000 page (12 MP) with a 1.5 cm digit: bbox must come back in page pixels.
    box = (2600, 700, 110, 160)
    img = photo("7", size=(4000, 3000), box=box, thick=8, noise=5, specks=[(300, 300, 3), (3500, 2600, 3)])
    res = preprocess(img, keep_steps=False)
    assert_mnist_like(res)
    assert bbox_contains(res.bbox, drawn_box("7", box, 8, (3000, 4000)), tol=8)


def test_thin_pen_on_a_big_photo_is_thickened():
    box = (700, 500, 900, 1300)
    res = preprocess(photo("2", size=(2400, 2400), box=box, thick=4, noise=4))
    assert_mnist_like(res)
    assert stroke_fraction(res.digit28) >= 0.06
    assert any(s.name.startswith("Stroke") for s in res.steps)


@pytest.mark.parametrize("thick", [3, 30])
def test_scans_thin_and_bold_tight_and_wide_margins(thick):
    # Tightly cropped scan: digit nearly touches all edges.
    tight = np.full((230, 160), 245, np.uint8)
    draw_digit(tight, "0", (4, 4, 152, 222), thick, color=25)
    assert_mnist_like(preprocess(tight))
    # Same digit with wide white margins.
    wide = np.full((1400, 1100), 245, np.uint8)
    draw_digit(wide, "0", (500, 600, 152, 222), thick, color=25)
    a, b = preprocess(tight).digit28, preprocess(wide).digit28
    assert similarity(a, b) > 0.9


def test_ruled_lines_are_not_ink():
    box = (520, 300, 140, 200)
    lines = [(y, y + 6, (200, 170, 150)) for y in range(60, 900, 90)]
    res = preprocess(photo("3", box=box, lines=lines, tint=(245, 245, 240)))
    assert_mnist_like(res)
    assert bbox_contains(res.bbox, drawn_box("3", box, 10, (900, 1200)), tol=6)


def test_paper_on_a_dark_table():
    box = (520, 330, 140, 200)
    img = photo("2", size=(1200, 900), box=box, thick=9, noise=0, jpeg=False)
    table = np.zeros_like(img)
    table[:] = (60, 45, 35)
    sheet = np.zeros(img.shape[:2], np.uint8)
    cv2.fillConvexPoly(sheet, np.array([[150, 80], [1080, 120], [1050, 850], [120, 800]]), 255)
    img = np.where(sheet[..., None] > 0, img, table).astype(np.float32)
    img = jpeg_roundtrip(np.clip(img + np.random.default_rng(0).normal(0, 5, img.shape), 0, 255).astype(np.uint8))
    res = preprocess(img)
    assert_mnist_like(res)
    assert bbox_contains(res.bbox, drawn_box("2", box, 9, (900, 1200)), tol=5)


def test_digit_crossing_ruled_lines_and_margin():
    box = (500, 330, 130, 190)
    lines = [(y, y + 3, (150, 160, 200)) for y in range(30, 900, 70)]
    img = photo("5", box=box, lines=lines, tint=(245, 245, 240), thick=8)
    cv2.line(img, (200, 0), (203, 899), (200, 80, 80), 3)  # red margin line
    res = preprocess(img)
    assert_mnist_like(res)
    assert bbox_contains(res.bbox, drawn_box("5", box, 8, (900, 1200)), tol=6)


def test_thin_pen_close_up_seven_keeps_its_bar():
    box = (150, 100, 650, 600)  # the bar spans most of the photo's width
    res = preprocess(photo("7", size=(1000, 800), box=box, thick=3, noise=4, shadow=0.3))
    assert_mnist_like(res)
    assert bbox_contains(res.bbox, drawn_box("7", box, 3, (800, 1000)), tol=6)
    top = res.digit28[:10]
    assert (top.max(axis=0) > 0.5).sum() >= 12  # a long horizontal bar near the top


@pytest.mark.parametrize("thick", [30, 60])
def test_fat_marker_photo_is_a_digit_not_shading(thick):
    img = cv2.GaussianBlur(photo("8", box=(500, 350, 150, 220), thick=thick), (0, 0), 3)
    assert_mnist_like(preprocess(img))


def test_light_chalk_on_dark_board():
    img = np.full((600, 800, 3), (40, 60, 45), np.uint8)
    draw_digit(img, "4", (300, 150, 180, 280), 14, color=(230, 230, 220))
    img = jpeg_roundtrip(np.clip(img + np.random.default_rng(0).normal(0, 6, img.shape), 0, 255).astype(np.uint8))
    res = preprocess(img)
    assert_mnist_like(res)
    assert bbox_contains(res.bbox, drawn_box("4", (300, 150, 180, 280), 14, (600, 800)), tol=5)


# ----------------------------------------------------------------------------- blank


BLANKS = {
    "canvas-black": np.dstack([np.zeros((280, 280, 3), np.uint8), np.full((280, 280), 255, np.uint8)]),
    "canvas-transparent": np.zeros((280, 280, 4), np.uint8),
    "transparent-junk-rgb": np.dstack(
        [np.random.default_rng(2).integers(0, 256, (280, 280, 3), dtype=np.uint8), np.zeros((280, 280), np.uint8)]
    ),
    "all-white": np.full((300, 200, 3), 255, np.uint8),
    "all-black": np.zeros((300, 200), np.uint8),
    "uniform-colour": np.full((100, 150, 3), (30, 140, 200), np.uint8),
    "one-pixel": np.zeros((1, 1), np.uint8),
    "one-white-pixel": np.full((1, 1, 3), 255, np.uint8),
    "thin-strip": np.full((1, 500), 128, np.uint8),
    "uniform-noise": np.random.default_rng(0).integers(0, 256, (280, 280), dtype=np.uint8),
    "gaussian-noise": np.clip(np.random.default_rng(1).normal(128, 40, (300, 300)), 0, 255).astype(np.uint8),
    "paper-texture": photo("1", size=(800, 600), box=(0, 0, 0, 0), thick=0, ink_alpha=0.0, noise=10),
    "paper-no-shadow": photo("1", size=(800, 600), box=(0, 0, 0, 0), thick=0, ink_alpha=0.0, shadow=0, noise=4),
    "float-zeros": np.zeros((28, 28), np.float32),
}


def _radial(noise=0.0):
    yy, xx = np.mgrid[-300:300, -400:400]
    img = 255 - np.clip(np.hypot(yy, xx) / 500 * 180, 0, 255)
    img = img + np.random.default_rng(3).normal(0, noise, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


BLANKS["light-spot"] = _radial()
BLANKS["light-spot-noisy"] = _radial(5)
BLANKS["dark-spot"] = 255 - _radial()
BLANKS["gradient"] = np.tile(np.linspace(0, 255, 300).astype(np.uint8), (200, 1))
BLANKS["checkerboard-1px"] = (np.indices((280, 280)).sum(0) % 2 * 255).astype(np.uint8)


def _with_specks():
    img = np.full((280, 280), 255, np.uint8)
    for x, y in [(40, 50), (200, 90), (130, 220), (250, 250)]:
        cv2.circle(img, (x, y), 1, 0, -1)
    return img


BLANKS["tiny-specks"] = _with_specks()


@pytest.mark.parametrize("name", sorted(BLANKS))
def test_blank_images_are_detected(name):
    res = preprocess(BLANKS[name])
    assert res.has_ink is False
    assert res.digit28 is None and res.bbox is None
    assert res.message.startswith("No ")
    assert all(isinstance(s, Step) for s in res.steps)


# ----------------------------------------------------------------------------- API details


def test_steps_are_display_ready_and_explained():
    res = preprocess(photo("3"))
    names = [s.name for s in res.steps]
    for expected in [
        "Input",
        "Greyscale",
        "Background removed (ink map)",
        "Ink mask (threshold + cleaned)",
        "Digit box",
        "Cropped",
        "Scaled: longer side 20 px",
        "Centred by mass (28x28)",
    ]:
        assert expected in names
    for s in res.steps:
        assert s.image.dtype == np.uint8
        assert s.image.ndim == 2 or (s.image.ndim == 3 and s.image.shape[2] == 3)
        assert s.note
    assert res.steps[-1].image.shape == (28, 28)
    assert names.index("Digit box") < names.index("Cropped")


def test_keep_steps_false_gives_same_digit_without_steps():
    img = canvas("3", "transparent", thick=10)
    a, b = preprocess(img), preprocess(img, keep_steps=False)
    assert b.steps == []
    assert np.array_equal(a.digit28, b.digit28) and a.bbox == b.bbox


def test_input_is_not_modified():
    img = canvas("3", "black", thick=10)
    before = img.copy()
    preprocess(img)
    assert np.array_equal(img, before)


def test_batch():
    out = preprocess_batch([canvas("3"), np.zeros((50, 50), np.uint8)])
    assert [r.has_ink for r in out] == [True, False]


@pytest.mark.parametrize("bad", [np.zeros((0, 5)), np.zeros((5, 5, 7)), np.zeros((2, 3, 4, 5)), "text"])
def test_invalid_arrays_raise_image_error(bad):
    with pytest.raises(ImageError):
        preprocess(bad)
