"""digitcore.imaging.segmentation on rendered numbers: separate, touching, multi-stroke, sloped, specks, lines."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from digitcore.imaging.preprocess import preprocess
from digitcore.imaging.segmentation import (
    MAX_DIGITS,
    Part,
    cut,
    cut_along,
    cut_paths,
    group_strokes,
    part_image,
    segment,
    split_points,
)


def _arc(cx, cy, rx, ry, a0, a1, n=40):
    t = np.radians(np.linspace(a0, a1, n))
    return np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], 1)


# Strokes in a unit box (x right, y down); several polylines = several pen strokes.
STROKES = {
    "0": [_arc(0.5, 0.5, 0.45, 0.5, 0, 360)],
    "1": [np.array([[0.3, 0.15], [0.5, 0.0], [0.5, 1.0]])],
    "2": [np.vstack([_arc(0.5, 0.28, 0.42, 0.28, 200, 380), [[0.05, 1.0], [0.95, 1.0]]])],
    "4": [np.array([[0.6, 0.0], [0.0, 0.65], [1.0, 0.65]]), np.array([[0.7, 0.25], [0.7, 1.0]])],
    "5": [np.array([[1.0, 0.0], [0.3, 0.0]]), np.vstack([[[0.25, 0.05], [0.2, 0.45]], _arc(0.5, 0.7, 0.45, 0.3, 230, 500)])],
    "7": [np.array([[0.0, 0.0], [1.0, 0.0], [0.35, 1.0]]), np.array([[0.3, 0.5], [0.85, 0.5]])],
}


def _dense(pl, n=8):
    """Each segment cut into ``n`` pieces, so a polyline can be broken anywhere."""
    t = np.linspace(0, 1, n, endpoint=False)[:, None]
    pts = [a + t * (b - a) for a, b in zip(pl[:-1], pl[1:])]
    return np.vstack(pts + [pl[-1:]])


def drawn_box(ch, box, thick):
    """The bounding box (x, y, w, h) of what ``draw`` puts down."""
    m = draw(np.zeros((box[1] + box[3] + 3 * thick, box[0] + box[2] + 3 * thick), np.uint8), ch, box, thick, 255)
    return cv2.boundingRect((m > 64).astype(np.uint8))


def draw(img, ch, box, thick, colour=0, stroke_offset=(0.0, 0.0), gap=None):
    """Draw ``ch`` in ``box`` (x, y, w, h); later strokes moved by ``stroke_offset``; ``gap`` breaks stroke 0."""
    x, y, w, h = box
    for i, pl in enumerate(STROKES[ch]):
        pl = _dense(pl)
        pts = np.stack([x + pl[:, 0] * w, y + pl[:, 1] * h], 1)
        if i:
            pts = pts + np.asarray(stroke_offset, float)
        pieces = [pts]
        if gap is not None and i == 0:
            # Cut the first stroke where it crosses y = gap (fraction of h): a broken pen line.
            yy = y + gap * h
            pieces = [pts[pts[:, 1] < yy - 0.06 * h], pts[pts[:, 1] > yy + 0.06 * h]]
        for p in pieces:
            if len(p) >= 2:
                cv2.polylines(img, [np.round(p * 16).astype(np.int32)], False, colour, thick, cv2.LINE_AA, 4)
    return img


def page(w=900, h=300):
    return np.full((h, w), 255, np.uint8)


def boxes(image):
    seg = segment(image)
    return [seg.to_input_box(p.box) for p in seg.parts], seg


def inside(box, drawn, tol=14):
    """``box`` (x, y, w, h) matches the drawn box within ``tol`` px on every side."""
    return all(abs(a - b) <= tol for a, b in zip(box, drawn))


def test_separate_digits_come_out_left_to_right_with_their_boxes():
    img = page()
    drawn = [(80, 60, 40, 170), (220, 60, 120, 170), (420, 60, 130, 170)]
    for ch, b in zip("104", drawn):
        draw(img, ch, b, 12)
    found, seg = boxes(img)
    assert len(found) == 3, found
    for f, ch, b in zip(found, "104", drawn):
        assert inside(f, drawn_box(ch, b, 12), tol=4), (f, drawn_box(ch, b, 12))
    assert seg.message == "" and seg.warnings == []


def test_strokes_of_one_digit_stay_one_digit():
    img = page()
    # A 5 whose bar is lifted off, a 4 whose stem stands apart, a 7 with a separate crossbar,
    # and a 1 whose pen line is broken in the middle.
    draw(img, "5", (60, 60, 110, 170), 10, stroke_offset=(8, -14))
    draw(img, "4", (250, 60, 120, 170), 10, stroke_offset=(14, 0))
    draw(img, "7", (450, 60, 120, 170), 10, stroke_offset=(0, 4))
    draw(img, "1", (660, 60, 50, 170), 10, gap=0.5)
    found, _ = boxes(img)
    assert len(found) == 4, found
    assert [f[0] < g[0] for f, g in zip(found, found[1:])] == [True, True, True]


def test_a_one_beside_a_wide_digit_and_digits_of_different_sizes():
    img = page()
    draw(img, "1", (100, 60, 30, 180), 10)
    draw(img, "0", (160, 60, 200, 180), 10)  # wide zero, close to the 1
    draw(img, "2", (420, 150, 50, 90), 8)  # half the height of the others
    found, _ = boxes(img)
    assert len(found) == 3, found
    assert found[0][2] < 60 and found[1][2] > 150 and found[2][3] < 120


def test_a_sloping_line_of_digits_keeps_its_order():
    img = page(1000, 500)
    for i, ch in enumerate("12450"):
        draw(img, ch, (60 + i * 180, 320 - i * 60, 110, 150), 10)
    found, _ = boxes(img)
    assert len(found) == 5
    xs = [f[0] for f in found]
    assert xs == sorted(xs)


def test_specks_and_ruled_lines_are_ignored():
    img = page()
    rng = np.random.default_rng(3)
    for y in (50, 140, 230):  # ruled lines across the page, written over
        cv2.line(img, (0, y), (899, y + 2), 150, 2, cv2.LINE_AA)
    draw(img, "4", (200, 60, 120, 170), 12)
    draw(img, "2", (420, 60, 110, 170), 12)
    for _ in range(12):  # dust
        c = (int(rng.integers(0, 900)), int(rng.integers(0, 300)))
        cv2.circle(img, c, 2, 60, -1)
    found, _ = boxes(img)
    assert len(found) == 2, found


def test_touching_digits_are_one_part_with_split_points_near_the_join():
    img = page()
    draw(img, "0", (200, 60, 110, 170), 12)
    draw(img, "0", (300, 60, 110, 170), 12)  # overlaps the first zero by 10 px
    seg = segment(img)
    assert len(seg.parts) == 1
    part = seg.parts[0]
    cols = split_points(part)
    x_join = 305 - seg.to_input_box(part.box)[0]
    assert any(abs(c - x_join) <= 12 for c in cols), (cols, x_join)
    halves = cut(part, min(cols, key=lambda c: abs(c - x_join)))
    assert halves is not None
    left, right = halves
    assert left.box[0] < right.box[0] and left.box[3] > 150 and right.box[3] > 150


def test_a_path_cut_separates_leaning_digits_that_no_straight_cut_can():
    # Two parallel strokes leaning right, overlapping in x, joined by a thin bridge: every
    # vertical column through the join also crosses one of the strokes.
    m = np.zeros((200, 200), np.uint8)
    cv2.line(m, (30, 190), (110, 10), 255, 14)
    cv2.line(m, (90, 190), (170, 10), 255, 14)
    cv2.line(m, (66, 100), (134, 100), 255, 3)
    _, labels = cv2.connectedComponents(m)
    assert labels.max() == 1  # one touching part
    part = Part(m, (0, 0, 200, 200))
    col = 100
    straight = cut(part, col)
    (path,) = cut_paths(part, [col], band=0.25)
    assert path.shape == (200,) and np.all(np.abs(np.diff(path)) <= 1)  # one column per row at most
    # The path crosses only the bridge, far less ink than the straight column.
    assert np.count_nonzero(m[np.arange(200), path]) < 0.5 * np.count_nonzero(m[:, col])
    left, right = cut_along(part, path)
    for half, x_bottom in ((left, 30), (right, 90)):
        # Each half is one whole stroke: full height, no piece of the other stroke.
        assert half.box[3] >= 190
        n, _ = cv2.connectedComponents(half.mask)
        assert n - 1 <= 2  # the stroke, at most a stub of the bridge
    assert abs(left.box[0] - (30 - 7)) <= 3 and abs(right.box[0] + right.box[2] - (170 + 7)) <= 3
    # A straight cut at the same column leaves pieces of both strokes on each side.
    sl, sr = straight
    assert cv2.connectedComponents(sl.mask)[0] - 1 >= 2 or cv2.connectedComponents(sr.mask)[0] - 1 >= 2


def test_a_part_becomes_a_clean_picture_that_preprocesses_like_a_digit():
    img = page()
    draw(img, "7", (300, 60, 120, 170), 12)
    cv2.circle(img, (100, 100), 30, 0, 10)  # another mark nearby, not part of the 7
    seg = segment(img)
    seven = max(seg.parts, key=lambda p: p.box[0])
    pic = part_image(seven, seg.ink)
    assert pic.dtype == np.uint8 and pic.min() < 40 and np.median(pic) == 255
    prep = preprocess(pic)
    assert prep.has_ink and prep.digit28.shape == (28, 28)


def test_blank_and_photo_like_inputs():
    assert segment(page()).parts == [] and "blank" in segment(page()).message
    # Light ink on a dark background (a canvas) is read too.
    img = np.zeros((280, 720, 4), np.uint8)
    img[..., 3] = 255
    draw(img, "4", (100, 60, 120, 160), 18, colour=(255, 255, 255, 255))
    draw(img, "2", (300, 60, 110, 160), 18, colour=(255, 255, 255, 255))
    assert len(segment(img).parts) == 2


def test_twelve_digits_fit_and_ink_off_the_edge_is_flagged():
    img = page(1800, 200)
    for i in range(MAX_DIGITS):
        draw(img, "1", (40 + i * 145, 30, 40, 140), 8)
    assert len(segment(img).parts) == MAX_DIGITS
    # A photo whose writing runs off the right edge: the reading warns about it.
    photo = np.full((600, 800, 3), 200, np.uint8)
    photo += np.random.default_rng(0).integers(0, 8, photo.shape, dtype=np.uint8)
    draw(photo, "0", (600, 200, 260, 250), 14, colour=(30, 30, 30))
    draw(photo, "4", (300, 200, 200, 250), 14, colour=(30, 30, 30))
    seg = segment(photo)
    assert any("edge" in w for w in seg.warnings)


@pytest.mark.parametrize("slope", [-0.15, 0.15])
def test_group_strokes_on_a_bare_mask(slope):
    m = np.zeros((300, 700), np.uint8)
    for i, ch in enumerate("4217"):
        draw(m, ch, (40 + i * 160, 80 + slope * i * 160, 110, 150), 9, colour=255)
    parts = group_strokes((m > 127).astype(np.uint8) * 255)
    assert len(parts) == 4


def _lit_page(w=900, h=500, seed=0):
    """A photo-like grey page (noisy, so it is not taken for a clean canvas)."""
    light = np.linspace(185, 215, w)[None, :] + np.random.default_rng(seed).normal(0, 6, (h, w))
    return np.clip(light, 0, 255).astype(np.uint8)


def test_a_photo_shadow_edge_at_any_angle_is_not_a_digit():
    img = _lit_page()
    draw(img, "4", (250, 150, 120, 170), 9, colour=30)
    draw(img, "2", (450, 150, 110, 170), 9, colour=30)
    # The thin line of "ink" a hard shadow's edge leaves, slanting across the page beside the number.
    cv2.line(img, (650, 0), (820, 499), 120, 3, cv2.LINE_AA)
    seg = segment(img)
    assert len(seg.parts) == 2, [p.box for p in seg.parts]
    # A canvas keeps every stroke: a long straight line drawn there is the user's.
    canvas_img = page(900, 500)
    draw(canvas_img, "4", (250, 150, 120, 170), 9)
    cv2.line(canvas_img, (650, 0), (820, 499), 0, 3, cv2.LINE_AA)
    assert len(segment(canvas_img).parts) == 2


# ----------------------------------------------------------------------------- shade joined to strokes


def _strokes_and_patch(patch_ink: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """An ink map (0..255) of two pen strokes, one running through a wide patch of ``patch_ink``."""
    ink = np.zeros((300, 500), np.uint8)
    cv2.ellipse(ink, (330, 110), (60, 140), 30, 0, 360, patch_ink, -1)
    strokes = np.zeros_like(ink)
    cv2.line(strokes, (100, 60), (100, 240), 255, 9)
    cv2.polylines(strokes, [np.array([[250, 60], [330, 60], [300, 240], [400, 240]])], False, 255, 9)
    ink[strokes > 0] = 230
    return ink, ((ink >= 60) * 255).astype(np.uint8), strokes


def test_shade_joined_to_strokes_is_taken_off_them():
    from digitcore.imaging.joined_shade import without_joined_shade

    ink, mask, strokes = _strokes_and_patch(150)  # shade: well lighter than the pen
    out = without_joined_shade(mask, ink)
    patch_only = (mask > 0) & (strokes == 0)
    assert np.count_nonzero(out[patch_only]) < 0.02 * np.count_nonzero(patch_only)
    assert np.count_nonzero(out[strokes > 0]) >= 0.97 * np.count_nonzero(strokes)  # the strokes in it stay
    # A blob as dark as the strokes (a filled-in mark, a marker's blot) is ink, not shade.
    ink, mask, _ = _strokes_and_patch(225)
    assert np.array_equal(without_joined_shade(mask, ink), mask)


def test_photos_of_numbers_with_a_hand_shadow_on_the_digits(predictor):
    # Held-out shadow photos where the shadow of a hand or pen touched the digits and made one piece
    # with them: "876" was read as "6" (the "87" and the shadow declined as one mark), "690" as "69",
    # "6646" as "8646". (Seed 1 #6, seed 2 #19 and #34 of the set benchmarks/number_accuracy.py
    # measures; seed 1's "98" (#40) and "321" (#72), declined as one mark each, are mended too.)
    import itertools

    from digitcore.synthetic.numbers import iter_numbers

    wanted = {1: (6,), 2: (19, 34)}
    for seed, idx in wanted.items():
        samples = itertools.islice(iter_numbers("photo_shadow", max(idx) + 1, seed), max(idx) + 1)
        for i, s in enumerate(samples):
            if i in idx:
                r = predictor.read_number(s.image)
                assert r.number == s.text, (seed, i, s.text, r.text, r.reason)
