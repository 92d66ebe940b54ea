"""digitcore.imaging.canvas_strokes and the stroke pieces of segmentation: the canvas's pen strokes."""

from __future__ import annotations

import cv2
import numpy as np

from digitcore.imaging.canvas_strokes import Stroke, as_strokes, stroke_masks, strokes_from_canvas
from digitcore.imaging.segmentation import MAX_PIECES, MAX_STROKES, segment, stroke_cuts


def fabric_path(points, width: float = 16, colour: str = "#FFFFFF") -> dict:
    """A canvas object as streamlit-drawable-canvas sends a pencil stroke (absolute M / Q / L commands)."""
    (x0, y0), rest = points[0], points[1:]
    path = [["M", float(x0), float(y0)]]
    for (xa, ya), (xb, yb) in zip(points[:-1], rest):
        path.append(["Q", float(xa), float(ya), (xa + xb) / 2, (ya + yb) / 2])
    path.append(["L", float(points[-1][0]), float(points[-1][1])])
    # As fabric.js 7 sends it (type "Path"; the path in absolute canvas pixels, left/top the centre).
    return {"type": "Path", "version": "7.4.0", "originX": "center", "originY": "center", "stroke": colour,
            "strokeWidth": width, "path": path, "left": 0, "top": 0}


def black_canvas(w: int = 400, h: int = 200) -> np.ndarray:
    img = np.zeros((h, w, 4), np.uint8)
    img[..., 3] = 255
    return img


def paint(img: np.ndarray, strokes: list[Stroke]) -> np.ndarray:
    for s in strokes:
        cv2.polylines(img, [np.round(s.points).astype(np.int32).reshape(-1, 1, 2)], False, (255, 255, 255, 255),
                      int(s.width), cv2.LINE_AA)
    return img


def test_pencil_paths_become_strokes_and_eraser_strokes_are_left_out():
    line = [(20, 30), (60, 30), (100, 90)]
    objects = [fabric_path(line, 12), fabric_path([(0, 0), (50, 50)], 30, "#000000"), {"type": "rect"}]
    (s,) = strokes_from_canvas(objects, eraser_colour="#000000")
    assert s.width == 12
    assert tuple(s.points[0]) == (20, 30) and tuple(s.points[-1]) == (100, 90)
    # The quadratic pieces are sampled: the points stay on the drawn polyline's hull.
    assert len(s.points) > len(line) and s.points[:, 0].min() >= 20 and s.points[:, 1].max() <= 90
    (big,) = strokes_from_canvas(objects[:1], scale=2.0)
    assert big.width == 24 and tuple(big.points[-1]) == (200, 180)
    # Without an eraser colour every path counts; older fabric.js names the type "path".
    assert len(strokes_from_canvas(objects)) == 2
    assert len(strokes_from_canvas([{**objects[0], "type": "path"}])) == 1
    # (points, width) pairs, as the number generator gives them, become strokes too.
    (pair,) = as_strokes([([[1, 2], [3, 4]], 5)])
    assert isinstance(pair, Stroke) and pair.points.shape == (2, 2) and pair.width == 5.0
    assert as_strokes([s]) == [s]


def test_malformed_canvas_objects_are_skipped_not_raised():
    bad = [None, 7, {"type": "path"}, {"type": "path", "path": "M 1 2"}, {"type": "path", "path": [["Z"]]},
           {"type": "path", "path": [["M", "x", 1]]}, {"type": "path", "path": [["M", 1, 2]], "strokeWidth": "wide"},
           {"type": "path", "path": [["M", float("nan"), 2]], "strokeWidth": 5}]
    assert strokes_from_canvas(bad) == []
    assert strokes_from_canvas(None) == []
    dot = strokes_from_canvas([{"type": "path", "path": [["M", 5, 6]], "strokeWidth": 4}])
    assert len(dot) == 1 and dot[0].points.shape == (1, 2)


def test_each_stroke_is_drawn_alone_covering_its_ink():
    strokes = [Stroke(np.array([[20.0, 20.0], [20.0, 150.0]]), 10), Stroke(np.array([[60.0, 100.0]]), 8)]
    img = paint(black_canvas(), strokes[:1])
    first, dot = stroke_masks(strokes, img.shape[:2])
    ink = img[..., 0] > 0
    assert np.all(first[ink] > 0)  # the whole anti-aliased line, margin included
    assert first[:, 60:].max() == 0 and dot[100, 60] == 255 and dot[:, :40].max() == 0


def _crossing_pair() -> tuple[np.ndarray, list[Stroke]]:
    # A "1" whose foot runs into a "0" drawn over it: one blob of ink, two pens' worth of strokes.
    one = Stroke(np.array([[60.0, 40.0], [95.0, 170.0]]), 12)
    zero = Stroke(np.stack([140 + 45 * np.cos(t := np.linspace(0, 2 * np.pi, 60)), 105 + 65 * np.sin(t)], 1), 12)
    return paint(black_canvas(), [one, zero]), [one, zero]


def test_segment_keeps_each_strokes_ink_and_a_cut_between_strokes_shares_the_crossing():
    img, strokes = _crossing_pair()
    plain = segment(img)
    (part,) = plain.parts
    assert part.pieces == ()  # without strokes: nothing to go by
    (part,) = segment(img, strokes).parts
    assert len(part.pieces) == 2
    ((left, right),) = stroke_cuts(part)
    assert left.box[0] < right.box[0] and left.box[2] < 60 and right.box[2] > 90
    # The pixels where the 1 crosses the 0 are in both halves.
    lx, ly = left.box[:2]
    rx, ry = right.box[:2]
    full = np.zeros((200, 400), np.uint8)
    full[ly : ly + left.box[3], lx : lx + left.box[2]] |= left.mask
    both = np.zeros_like(full)
    both[ry : ry + right.box[3], rx : rx + right.box[2]] = right.mask
    assert np.count_nonzero(full & both) > 20


def test_strokes_that_do_not_match_the_picture_or_are_too_many_are_ignored():
    img, strokes = _crossing_pair()
    moved = [Stroke(s.points + (150, 0), s.width) for s in strokes]
    (part,) = segment(img, moved).parts
    assert part.pieces == ()
    # A scribble of hundreds of strokes is read from the picture alone (each would be a mask).
    many = strokes + [Stroke(np.array([[300.0 + i % 50, 20.0]]), 1) for i in range(MAX_STROKES)]
    (part,) = segment(img, many).parts
    assert part.pieces == ()
    # A part made of more strokes than MAX_PIECES gets no cuts between strokes.
    ticks = [Stroke(np.array([[60.0 + 3 * i, 40.0], [60.0 + 3 * i, 170.0]]), 3) for i in range(MAX_PIECES + 1)]
    (part,) = segment(paint(black_canvas(), ticks), ticks).parts
    assert len(part.pieces) > MAX_PIECES and stroke_cuts(part) == []


def test_a_rendered_number_can_be_had_alone_with_the_strokes_it_was_drawn_with():
    from digitcore.synthetic.numbers import iter_numbers, number_at

    for kind in ("canvas", "photo"):
        whole = list(iter_numbers(kind, 4, seed=3))
        alone = number_at(kind, 3, seed=3)
        assert alone.text == whole[3].text and np.array_equal(alone.image, whole[3].image)
    drawn = number_at("canvas", 3, seed=3)
    assert drawn.strokes and whole[3].strokes is None  # photos have no strokes
    # The strokes are where the picture's ink is.
    ink = drawn.image[..., :3].max(axis=2) if drawn.image[..., :3].max() else drawn.image[..., 3]
    covered = np.zeros(ink.shape, bool)
    for m in stroke_masks(as_strokes(drawn.strokes), ink.shape):
        covered |= m > 0
    assert np.all(covered[ink > 128])
