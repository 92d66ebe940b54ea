"""Digit shapes as pen trajectories, and how to get them from a binary glyph mask.

``StrokeShape`` is what every shape source gives and every renderer draws. The rest turns a
mask into centre-line polylines (Zhang-Suen thinning, skeleton tracing with junctions merged
and spurs pruned, resampling, smoothing), plus small measures the other modules share.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

__all__ = [
    "StrokeShape",
    "Strokes",
    "count_holes",
    "is_closed",
    "path_length",
    "resample",
    "strokes_from_mask",
    "trace_skeleton",
    "zhang_suen_thin",
]

Strokes = list[np.ndarray]


@dataclass(frozen=True)
class StrokeShape:
    """A digit as pen trajectories: ``strokes`` are (N, 2) float arrays of x, y (y down)."""

    label: int
    strokes: tuple[np.ndarray, ...]
    source: str


_NEIGHBOURS = ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1))


def zhang_suen_thin(mask: np.ndarray) -> np.ndarray:
    """Thin a binary mask to a one-pixel, 8-connected skeleton (Zhang-Suen + staircase fix)."""
    img = np.pad(np.asarray(mask).astype(bool), 1).astype(np.uint8)
    while True:
        changed = False
        for step in (0, 1):
            p2, p3, p4 = img[:-2, 1:-1], img[:-2, 2:], img[1:-1, 2:]
            p5, p6, p7 = img[2:, 2:], img[2:, 1:-1], img[2:, :-2]
            p8, p9 = img[1:-1, :-2], img[:-2, :-2]
            seq = (p2, p3, p4, p5, p6, p7, p8, p9, p2)
            b = sum(s.astype(np.int16) for s in seq[:8])
            a = sum(((seq[k] == 0) & (seq[k + 1] == 1)).astype(np.int16) for k in range(8))
            if step == 0:
                m = ((p2 & p4 & p6) == 0) & ((p4 & p6 & p8) == 0)
            else:
                m = ((p2 & p4 & p8) == 0) & ((p2 & p6 & p8) == 0)
            centre = img[1:-1, 1:-1]
            remove = (centre == 1) & (b >= 2) & (b <= 6) & (a == 1) & m
            if remove.any():
                centre[remove] = 0
                changed = True
        if not changed:
            break
    # Zhang-Suen leaves L-shaped staircase corners; a corner pixel whose two 4-neighbours
    # touch diagonally can go without breaking connectivity, and would otherwise look
    # like a junction to the tracer.
    for dy1, dx1, dy2, dx2 in ((-1, 0, 0, 1), (-1, 0, 0, -1), (1, 0, 0, 1), (1, 0, 0, -1)):
        c = img[1:-1, 1:-1]
        h, w = c.shape

        def at(dy: int, dx: int) -> np.ndarray:
            return img[1 + dy : 1 + dy + h, 1 + dx : 1 + dx + w]

        corner = (
            (c == 1)
            & (at(dy1, dx1) == 1)
            & (at(dy2, dx2) == 1)
            & (at(-dy1, -dx1) == 0)
            & (at(-dy2, -dx2) == 0)
            & (at(-dy1 - dy2, -dx1 - dx2) == 0)
        )
        c[corner] = 0
    return img[1:-1, 1:-1].astype(bool)


def path_length(p: np.ndarray) -> float:
    """Length of a polyline (sum of its segment lengths)."""
    return float(np.sum(np.hypot(*np.diff(p, axis=0).T))) if len(p) > 1 else 0.0


def trace_skeleton(skel: np.ndarray, min_spur: float = 0.0) -> Strokes:
    """Trace a one-pixel skeleton into polylines of (x, y) points.

    Junction pixel clusters become single nodes where polylines meet; branches shorter than
    ``min_spur`` pixels that end freely at a junction (thinning spurs, serifs) are dropped,
    and polylines left meeting two-by-two at a node are joined.
    """
    ys, xs = np.nonzero(skel)
    pix = set(zip(ys.tolist(), xs.tolist()))
    nbrs = {
        p: [(p[0] + dy, p[1] + dx) for dy, dx in _NEIGHBOURS if (p[0] + dy, p[1] + dx) in pix]
        for p in pix
    }
    deg = {p: len(v) for p, v in nbrs.items()}
    junction = {p for p in pix if deg[p] >= 3}
    cluster: dict[tuple[int, int], int] = {}
    centres: list[np.ndarray] = []
    for p in sorted(junction):
        if p in cluster:
            continue
        cid = len(centres)
        stack, members = [p], []
        cluster[p] = cid
        while stack:
            q = stack.pop()
            members.append(q)
            for r in nbrs[q]:
                if r in junction and r not in cluster:
                    cluster[r] = cid
                    stack.append(r)
        centres.append(np.array([[x, y] for y, x in members], float).mean(axis=0))
    nodes = {p for p in pix if deg[p] != 2}
    used: set[tuple[tuple[int, int], tuple[int, int]]] = set()

    def mark(a: tuple[int, int], b: tuple[int, int]) -> None:
        used.add((a, b))
        used.add((b, a))

    def walk(a: tuple[int, int], b: tuple[int, int]) -> list[tuple[int, int]]:
        path = [a, b]
        mark(a, b)
        prev, cur = a, b
        while cur not in nodes:
            nxt = [q for q in nbrs[cur] if q != prev and (cur, q) not in used]
            if not nxt:
                break
            q = nxt[0]
            mark(cur, q)
            path.append(q)
            prev, cur = cur, q
            if cur == a:
                break
        return path

    # Each path: [points (N,2) xy, end-node id at start, at end]; node ids: junction
    # clusters are >= 0, free ends are -1.
    paths: list[list] = []

    def add(path: list[tuple[int, int]]) -> None:
        pts = [np.array([x, y], float) for y, x in path]
        ends = []
        for idx in (0, -1):
            p = path[idx]
            if p in cluster:
                ends.append(cluster[p])
            else:
                ends.append(-1 if deg[p] <= 1 else -2)
        if ends[0] >= 0:
            pts.insert(0, centres[ends[0]])
        if ends[1] >= 0:
            pts.append(centres[ends[1]])
        paths.append([np.array(pts), ends[0], ends[1]])

    for a in sorted(nodes):
        for b in nbrs[a]:
            if (a, b) in used:
                continue
            if a in cluster and b in cluster and cluster[a] == cluster[b]:
                mark(a, b)
                continue
            add(walk(a, b))
    for p in sorted(pix):  # pure cycles (an 'O' has no nodes at all)
        if deg[p] == 2 and not any((p, q) in used for q in nbrs[p]):
            path = walk(p, nbrs[p][0])
            if path[-1] != p and p in nbrs[path[-1]]:
                path.append(p)
            pts = np.array([[x, y] for y, x in path], float)
            paths.append([pts, -3, -3])

    if min_spur > 0:
        kept = []
        for pts, s, e in paths:
            length = path_length(pts)
            spur = (s == -1 and e >= 0) or (e == -1 and s >= 0)
            isolated = s == -1 and e == -1
            if (spur or isolated) and length < min_spur:
                continue
            kept.append([pts, s, e])
        paths = kept
    # Join polylines that meet two-by-two at a node (after pruning a junction may be a bend).
    changed = True
    while changed:
        changed = False
        ends_at: dict[int, list[tuple[int, int]]] = {}
        for i, (_, s, e) in enumerate(paths):
            if s >= 0:
                ends_at.setdefault(s, []).append((i, 0))
            if e >= 0:
                ends_at.setdefault(e, []).append((i, 1))
        for node, ends in ends_at.items():
            if len(ends) != 2:
                continue
            (i, ei), (j, ej) = ends
            if i == j:  # a loop through one node: close it
                paths[i][1] = paths[i][2] = -3
                changed = True
                break
            pi, pj = paths[i], paths[j]
            a = pi[0] if ei == 1 else pi[0][::-1]
            a_start = pi[1] if ei == 1 else pi[2]
            b = pj[0] if ej == 0 else pj[0][::-1]
            b_end = pj[2] if ej == 0 else pj[1]
            merged = [np.vstack([a, b[1:]]), a_start, b_end]
            paths = [p for k, p in enumerate(paths) if k not in (i, j)] + [merged]
            changed = True
            break
    return [p[0] for p in paths if len(p[0]) >= 2]


def resample(p: np.ndarray, step: float) -> np.ndarray:
    """Points every ``step`` along the polyline (end points kept)."""
    if len(p) < 2:
        return p.copy()
    seg = np.hypot(*np.diff(p, axis=0).T)
    keep = np.concatenate([[True], seg > 1e-9])
    p = p[keep]
    if len(p) < 2:
        return p.copy()
    s = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(p, axis=0).T))])
    n = max(2, int(math.ceil(s[-1] / step)) + 1)
    t = np.linspace(0.0, s[-1], n)
    return np.stack([np.interp(t, s, p[:, 0]), np.interp(t, s, p[:, 1])], axis=1)


def is_closed(p: np.ndarray, tol: float = 1.5) -> bool:
    """True when the polyline ends within ``tol`` of where it starts."""
    return len(p) > 3 and float(np.hypot(*(p[0] - p[-1]))) <= tol


def _smooth_polyline(p: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian-smooth a polyline sampled at unit spacing; open ends stay pinned."""
    if sigma <= 0 or len(p) < 3:
        return p
    r = max(1, int(3 * sigma))
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    k /= k.sum()
    if is_closed(p):
        q = p[:-1]
        pad = np.concatenate([q[-r:], q, q[:r]]) if len(q) > r else np.concatenate([q] * 3)
        off = r if len(q) > r else len(q)
        out = np.stack([np.convolve(pad[:, d], k, mode="same") for d in (0, 1)], axis=1)
        out = out[off : off + len(q)]
        return np.vstack([out, out[:1]])
    # Odd reflection about each end point keeps the end fixed and its direction straight,
    # so polylines that meet at a junction still meet after smoothing.
    rr = min(r, len(p) - 1)
    head = 2 * p[0] - p[1 : rr + 1][::-1]
    tail = 2 * p[-1] - p[-rr - 1 : -1][::-1]
    pad = np.concatenate([head, p, tail])
    if rr < r:
        pad = np.concatenate([np.repeat(pad[:1], r - rr, 0), pad, np.repeat(pad[-1:], r - rr, 0)])
    out = np.stack([np.convolve(pad[:, d], k, mode="same") for d in (0, 1)], axis=1)
    out = out[r : r + len(p)]
    out[0], out[-1] = p[0], p[-1]
    return out


def strokes_from_mask(
    mask: np.ndarray, *, prune_frac: float = 0.12, smooth_frac: float = 0.03
) -> Strokes:
    """Centre-line polylines of a binary glyph mask: thin, trace, prune spurs, smooth.

    ``prune_frac`` and ``smooth_frac`` are fractions of the glyph's bounding-box height.
    """
    mask = np.asarray(mask).astype(bool)
    ys, _ = np.nonzero(mask)
    if len(ys) == 0:
        return []
    height = float(ys.max() - ys.min() + 1)
    paths = trace_skeleton(zhang_suen_thin(mask), min_spur=prune_frac * height)
    out = []
    for p in paths:
        q = resample(p, 1.0)
        if is_closed(p):
            q[-1] = q[0]
        q = _smooth_polyline(q, smooth_frac * height)
        out.append(resample(q, max(1.0, 0.01 * height)))
    return out


def count_holes(mask: np.ndarray, min_area: float = 6.0) -> int:
    """Holes of at least ``min_area`` pixels in a binary mask (inner contours)."""
    contours, hier = cv2.findContours(mask.astype(np.uint8), cv2.RETR_CCOMP, cv2.CHAIN_APPROX_NONE)
    if hier is None:
        return 0
    return sum(
        1 for c, h in zip(contours, hier[0]) if h[3] >= 0 and cv2.contourArea(c) >= min_area
    )
