"""Read a whole number ("42", "2026", "007"): segment the picture, let the classifier split touching digits.

:func:`read_number` finds the candidate digits with
:func:`digitcore.imaging.segmentation.segment`, then, for every candidate wide enough
to hold two digits, tries the proposed split points and scores each half with the
model: a cut is taken only where the two halves are read with more certainty than
the whole (how much more depends on how wide the candidate is), and each half may be
split again (three touching zeros). Then the pair reader
(:mod:`digitcore.model.pair_reader`), which sees each wide part at its own width, mends
what the halves alone cannot tell: two touching digits read as one sure digit, a wrong cut,
a digit cut in two. A canvas drawing may come with its pen strokes:
then a cut between whole strokes is tried too, and it shares the ink where two digits'
strokes cross (an "86" whose 6 runs through the 8). Every digit goes through the same
:func:`~digitcore.imaging.preprocess.preprocess` as a single digit, so "how the
computer sees it" is available per digit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..imaging.canvas_strokes import Stroke, as_strokes
from ..imaging.image_io import load_image
from ..imaging.preprocess import Preprocessed, preprocess
from ..imaging.segmentation import (
    MAX_DIGITS,
    Part,
    Segmentation,
    cut,
    cut_along,
    cut_paths,
    part_image,
    segment,
    split_points,
    stroke_cuts,
)
from .pair_reader import PairReader, PairScores, default_pair_reader

__all__ = ["DigitReading", "NumberReading", "read_number"]

#: Index of the "not a digit" output in models that have an 11th class.


@dataclass
class DigitReading:
    """One digit of a number: ``box`` is (x, y, w, h) in the input image's pixels."""

    digit: int | None  # None when this part is not a digit
    confidence: float
    probabilities: list[float]
    box: tuple[int, int, int, int]
    reason: str | None = None  # None, or "not_a_digit"
    preprocessed: Preprocessed | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields: ``digit``, ``confidence``, ``box``."""
        return {"digit": self.digit, "confidence": round(self.confidence, 6), "box": list(self.box)}


@dataclass
class NumberReading:
    """A number read from a picture: ``text`` keeps leading zeros and is "" when nothing was read."""

    text: str
    digits: list[DigitReading]
    confidence: float  # for the whole number: the product of the digits' confidences
    reason: str | None  # None, "no_ink" or "not_a_digit" (some part is not a digit)
    message: str = ""  # why there is no number, or what to be careful about

    @property
    def number(self) -> str | None:
        """The digits as a string when the whole picture was read as a number, else None."""
        return self.text if self.text and self.reason is None else None


@dataclass
class _Scored:
    part: Part
    prep: Preprocessed
    probs: np.ndarray | None  # the 10 digits' calibrated probabilities; None without ink
    best: float = 0.0  # calibrated probability of the best digit among all outputs ("not a digit" included)
    declined: bool = False  # the model says this part is not a digit

    @property
    def confidence(self) -> float:
        return 0.0 if self.probs is None else self.best

    @property
    def as_digit(self) -> float:
        """How surely this part is a digit: a declined part's ``best`` is the "not a digit" output's, so none."""
        return 1e-9 if self.declined else max(self.confidence, 1e-9)


#: When a picture holds several marks, a part is declined only when the "not a digit" output reaches
#: this (or the model's own threshold, if higher): real digits cut out of a number look odder than
#: digits drawn alone (tuning sets: 637 -> 642 of 700 numbers read exactly; the price, from
#: benchmarks/number_decline.py: 81.0 -> 74.5 % of the hard non-digit canvas set declined).
NUMBER_DECLINE = 0.75


class _Scorer:
    """Preprocess + classify parts in batches, remembering each part's result."""

    def __init__(self, predictor, ink: np.ndarray | None, keep_steps: bool, decline_at: float = 0.0) -> None:
        self.predictor, self.ink, self.keep_steps = predictor, ink, keep_steps
        # "Not a digit" must reach this too for a part to be declined (0: the model's threshold alone).
        self.decline_at = decline_at
        self.memo: dict[tuple, _Scored] = {}

    @staticmethod
    def _key(p: Part) -> tuple:
        # Halves that share crossing ink can match another cut's box and pixel count, not its pixels.
        return (*p.box, int(np.count_nonzero(p.mask)), hash(p.mask.tobytes()))

    def score(self, parts: list[Part]) -> list[_Scored]:
        todo = [p for p in parts if self._key(p) not in self.memo]
        preps = [preprocess(part_image(p, self.ink), keep_steps=self.keep_steps) for p in todo]
        inked = [i for i, pr in enumerate(preps) if pr.has_ink]
        scores = self.predictor.predict_scores(np.stack([preps[i].digit28 for i in inked])) if inked else None
        if scores is not None:
            declined = scores.declined & (scores.not_a_digit >= self.decline_at)
        for i, (p, pr) in enumerate(zip(todo, preps)):
            if i not in inked:
                self.memo[self._key(p)] = _Scored(p, pr, None)
                continue
            row = inked.index(i)
            self.memo[self._key(p)] = _Scored(p, pr, np.asarray(scores.digits[row], np.float64),
                                              float(scores.confidence[row]), bool(declined[row]))
        return [self.memo[self._key(p)] for p in parts]


def _uncertainty(scored: list[_Scored]) -> float:
    """1 - geometric mean of the parts' confidences as digits (a declined part has none)."""
    return 1.0 - math.exp(sum(math.log(s.as_digit) for s in scored) / len(scored))


#: A digit's usual width over height, when the number has no lone digit to measure it on.
TYPICAL_ASPECT = 0.65


def _typical_aspect(parts: list[Part]) -> float:
    """The writing's usual digit width over height: the median of the parts that look like one digit."""
    single = [p.aspect for p in parts if 0.3 <= p.aspect <= 1.0]
    return float(np.median(single)) if single else TYPICAL_ASPECT


#: Width (over the writing's usual digit width) from which a candidate may hold two digits.
WIDE_FOR_TWO = 1.25
#: A candidate read as one digit at least this surely (and not declined) stays whole ...
SURE_WHOLE = 0.97
#: ... unless it is this much wider than one digit of the writing.
FAR_TOO_WIDE = 2.2
#: A candidate up to 1.6 digits wide is cut only where SPLIT_PRIOR x the halves' joint confidence
#: reaches the whole's (one digit is likelier than two at that width).
SPLIT_PRIOR = 0.7
#: Two halves read this surely (1 - their geometric mean confidence) beat any whole read less
#: surely than CERTAIN_WHOLE, whatever the width, when each is nearly as tall as the whole
#: (FULL_HEIGHT): touching "10", "90" and "65" were read as one 0 or 5. (The false cuts of a
#: 6 into "1" + "5" give a "1" that starts below the 6's top.)
SURE_HALVES = 0.01
CERTAIN_WHOLE = 0.99
FULL_HEIGHT = 0.88
#: How many of the best cuts have their unsure, wide halves read as several digits.
DEEP_CUTS = 3


def _candidate_cuts(part: Part) -> list[tuple[Part, Part]]:
    """Digit-sized halves for every proposed split point: a straight cut and one along the least ink."""
    h = part.box[3]
    pairs, seen = [], set()
    cols = split_points(part)
    # Both kinds of cut: more candidates give the classifier more chances to find the join
    # (taking only the path cut when it crosses less ink lost 6 points on the dev sets).
    for col, path in zip(cols, cut_paths(part, cols)):
        for halves in (cut(part, col), cut_along(part, path)):
            if halves is None:
                continue
            left, right = halves
            key = (left.box, right.box)
            # Both halves must be digit-sized: a whole column of the writing, not a sliver.
            if key in seen or min(left.box[3], right.box[3]) < 0.55 * h or min(left.box[2], right.box[2]) < 2:
                continue
            seen.add(key)
            pairs.append(halves)
    return pairs


#: A cut between whole pen strokes is taken when its halves' uncertainty is under STROKES_SURE and
#: under STROKES_GAIN x the whole's (or the whole is declined): lifting the pen is good evidence of
#: a new digit, but a 4, 5 or 7 drawn in two strokes must stay one digit. (Taking any cut whose
#: halves are >= 98 % sure, however sure the whole, split 4s into "4" + "1": tuning seeds 681 -> 672
#: of 700.)
STROKES_SURE = 0.1
STROKES_GAIN = 1.0
#: Most of the narrower half's width the two halves of a stroke cut may share.
STROKES_OVERLAP = 0.5


def _stroke_cuts(part: Part) -> list[tuple[Part, Part]]:
    """Halves made of whole pen strokes, each a whole column of the writing (see :func:`_candidate_cuts`)."""
    h = part.box[3]
    out = []
    for a, b in stroke_cuts(part):
        # Digits follow each other: halves that lie mostly over each other are strokes of one digit.
        shared = min(a.box[0] + a.box[2], b.box[0] + b.box[2]) - max(a.box[0], b.box[0])
        if min(a.box[3], b.box[3]) >= 0.55 * h and min(a.box[2], b.box[2]) >= 2 \
                and shared <= STROKES_OVERLAP * min(a.box[2], b.box[2]):
            out.append((a, b))
    return out


#: A cut whose "1" half is this much shorter than the other half (and starts lower) cut off a round
#: digit's side: the left arc of a 6 reads as a sure "1" and the rest as a sure "5".
ARC_SHORT = 0.84
ARC_LOWER = 0.1


def _arc_read_as_one(pair: list[_Scored]) -> bool:
    """Whether one half of a cut reads "1" but is a short piece starting below the other half's top."""
    for one, other in (pair, pair[::-1]):
        if one.probs is None or one.declined or int(np.argmax(one.probs)) != 1:
            continue
        (_, y1, _, h1), (_, y2, _, h2) = one.part.box, other.part.box
        if h1 < ARC_SHORT * h2 and y1 - y2 > ARC_LOWER * h2:
            return True
    return False


def _read_part(scorer: _Scorer, part: Part, budget: int, typical: float, memo: dict | None = None) -> list[_Scored]:
    """The digits in one candidate: itself, or the digits of its best cut (recursively).

    How sure the halves must be depends on how wide the candidate is for one digit of
    this writing (``typical`` width over height): twice as wide is nearly always two
    digits; a candidate of ordinary width splits only when the halves are read far more
    surely than the whole (a 0 cut in two gives brackets that look like 1s). A half that
    is itself wide and unsure ("23" of a cursive "234") is judged by its own best reading.
    """
    memo = {} if memo is None else memo
    key = (_Scorer._key(part), budget)
    if key in memo:
        return memo[key]
    (whole,) = scorer.score([part])
    wide = part.aspect / max(typical, 0.2)
    result = [whole]
    pairs = _candidate_cuts(part) if budget > 1 and wide >= 0.8 else []
    by_strokes = _stroke_cuts(part) if budget > 1 else []
    pairs += by_strokes
    if pairs:
        scored = scorer.score([p for pair in pairs for p in pair])
        options = []
        for i in range(len(pairs)):
            pair = scored[2 * i : 2 * i + 2]
            of_strokes = i >= len(pairs) - len(by_strokes)
            if all(s.probs is not None for s in pair) and (of_strokes or not _arc_read_as_one(pair)):
                options.append((_uncertainty(pair), pair, of_strokes))
        options.sort(key=lambda o: o[0])
        best, best_u = None, math.inf
        stroke_best, stroke_u = None, math.inf
        for rank, (u, pair, of_strokes) in enumerate(options):
            digits = list(pair)
            if rank < DEEP_CUTS and budget > 2:
                # Halves that could hold more than one digit are read as such.
                digits = []
                for j, half in enumerate(pair):
                    hw = half.part.aspect / max(typical, 0.2)
                    unsure = half.declined or half.confidence < 0.5
                    # What the other half leaves: together never more than the budget (a ruled
                    # line was once read as 31 ones).
                    room = budget - len(digits) - (len(pair) - j - 1)
                    if unsure and hw >= WIDE_FOR_TWO and room > 1:
                        digits += _read_part(scorer, half.part, room, typical, memo)
                    else:
                        digits.append(half)
                u = _uncertainty(digits)
            if u < best_u:
                best, best_u = digits, u
            if of_strokes and u < stroke_u:
                stroke_best, stroke_u = digits, u
        u_whole = _uncertainty([whole]) if whole.probs is not None else 1.0
        sure_whole = whole.probs is not None and not whole.declined and whole.confidence >= SURE_WHOLE
        if stroke_best is not None and stroke_u < STROKES_SURE and (whole.declined or stroke_u < STROKES_GAIN * u_whole):
            # The pen lifted between the halves, and together they read more surely than the whole.
            best, accept = stroke_best, True
        elif best is None:
            accept = False
        elif best_u < SURE_HALVES and (whole.probs is None or whole.declined or whole.confidence < CERTAIN_WHOLE) \
                and min(d.part.box[3] for d in best) >= FULL_HEIGHT * part.box[3]:
            accept = True
        elif sure_whole and wide < FAR_TOO_WIDE:
            accept = False  # a confidently read digit is split only when it is far too wide for one
        elif wide >= 1.6:
            accept = best_u < 0.5 and best_u <= u_whole
        elif wide >= WIDE_FOR_TWO:
            # The halves together must be read about as surely as the whole: the left arc of a
            # wide 6 reads as "1" at 91 % and the rest as "5" at 99 % (mean 95 % > the 6's 91 %).
            joint = math.prod(d.as_digit for d in best)
            accept = best_u < 0.2 and SPLIT_PRIOR * joint >= 1.0 - u_whole
        else:  # ordinary width: only an unsure whole and two sure halves (two touching 1s)
            accept = u_whole > 0.3 and best_u < 0.05
        if accept:
            result = []
            for i, d in enumerate(best):
                room = budget - len(result) - (len(best) - i - 1)
                result += _read_part(scorer, d.part, max(1, room), typical, memo)
    memo[key] = result
    return result


#: Parts at least this wide (over the writing's usual digit width) are shown to the pair reader.
PAIR_WIDE = 1.0
#: The pair reader must be this sure a part holds two digits to have it cut in two ...
PAIR_SURE = 0.9
#: ... and of which two they are (a wide 8 with a crumb beside it was two digits at 99 %, "78" at 47 %).
PAIR_NAMED = 0.8
#: ... and this sure it holds one to keep a cut part whole.
ONE_SURE = 0.98
#: Two digits already read from the part stay unless the pair reader gives them less than this
#: (its second digit is the less sure: a flagged "1" after a 4 was taken for its "7" at 62 %).
KEEP_PAIR = 0.02
#: ... nor under this share of the pair it names best: it named "39" at 94 % where the cut gave "37"
#: (the 3 took the 9's loop), and "37" at 4 % was over KEEP_PAIR (shadow tuning seeds 1 and 5-8: 462
#: -> 463 of 500, and 464 with parts cut in two shown to it at any width).
KEEP_PAIR_SHARE = 0.1


def _agreeing(half: _Scored, side: np.ndarray) -> _Scored:
    """``half`` with its digit probabilities combined with the pair reader's for its side."""
    joint = half.probs * side
    total = float(joint.sum())
    if total <= 0:
        return half
    joint = joint / total
    return _Scored(half.part, half.prep, joint, float(joint.max()), False)


def _as_the_pair_reader_sees_it(scorer: _Scorer, ps: PairScores | None, part: Part, digits: list[_Scored],
                                typical: float) -> list[_Scored]:
    """``digits`` (the reading of ``part``), changed where the pair reader is sure of something else.

    A part at least a digit wide read as one digit, or any part read as two, that the pair
    reader is sure holds two (and of which) is cut where the halves' own readings agree best
    with its reading of the pair (a touching "91" read as one sure 9, a 0 cut from its
    neighbour read as 6, an overlapping "39" cut as "37"); a part cut
    into two or three that it is sure is one digit stays whole (a 6 cut into "1" + "5").
    """
    wide = part.aspect / max(typical, 0.2) >= PAIR_WIDE
    if ps is None or len(digits) > 3 or (len(digits) == 1 and not wide):
        return digits
    read_as_two = len(digits) == 2 and all(d.probs is not None and not d.declined for d in digits)
    # A part already cut in two is shown whatever its width: an overlapping "51" is no wider than one
    # digit of the writing, and its cut gave "57" (the 5's bar on the 1).
    if (wide or read_as_two) and len(digits) <= 2 and ps.two >= PAIR_SURE \
            and ps.pair()[2] >= PAIR_NAMED:
        if read_as_two:
            if part.pieces:
                # Drawn with the pen's strokes: where the pen lifted between two digits is better
                # evidence than the picture (an "86" whose 6 runs through the 8 was its "85").
                return digits
            a, b = (int(np.argmax(d.probs)) for d in digits)
            if ps.left[a] * ps.right[b] >= max(KEEP_PAIR, KEEP_PAIR_SHARE * ps.pair()[2]):
                return digits  # the cut already taken reads as a pair the pair reader finds likely
        cuts = _candidate_cuts(part) + _stroke_cuts(part)
        if not cuts:
            return digits
        scored = scorer.score([h for pair in cuts for h in pair])
        best, best_s = None, 0.0
        for i in range(len(cuts)):
            left, right = scored[2 * i : 2 * i + 2]
            if left.probs is None or right.probs is None:
                continue
            s = float(left.probs @ ps.left) * float(right.probs @ ps.right)
            if s > best_s:
                best, best_s = (left, right), s
        if best is None:
            return digits
        return [_agreeing(best[0], ps.left), _agreeing(best[1], ps.right)]
    if ps.one >= ONE_SURE and len(digits) >= 2:
        (whole,) = scorer.score([part])
        if whole.probs is not None and not whole.declined:
            return [whole]
    return digits


def _reading(s: _Scored, seg: Segmentation) -> DigitReading:
    box = seg.to_input_box(s.part.box)
    probs = [float(v) for v in s.probs] if s.probs is not None else [0.0] * 10
    if s.probs is None:
        return DigitReading(None, 0.0, probs, box, "not_a_digit", s.prep)
    if s.declined:  # models with an 11th "not a digit" class
        return DigitReading(None, s.best, probs, box, "not_a_digit", s.prep)
    return DigitReading(int(np.argmax(s.probs)), s.best, probs, box, None, s.prep)


#: How much of a mark's height must lie within a neighbouring digit's for the mark to be on the
#: number's line: a shadow's tip just under a "0" shares a fifth of its height with it (shadow
#: photos, seeds 1, 5 and 6: 276 -> 277 of 300 with half instead of any).
LINE_SHARE = 0.5
#: A "1" under this share of the other digits' height is a sliver of a shadow's edge, not a digit.
SLIVER_HEIGHT = 0.4
#: Off the line, a mark read with less confidence than this is a stray (a shadow's piece at the edge).
UNSURE_OFF_LINE = 0.5


def _without_stray_marks(digits: list[DigitReading]) -> tuple[list[DigitReading], int]:
    """The digits without the marks lying off the line of the number, and how many were left out.

    A mark that shares under half its height (``LINE_SHARE``) with the digits read on either
    side of it (a shadow's edge in a corner or its tip under a digit, a speck under the line)
    is not part of the number when the model declines it, reads it as a "1", is unsure of it
    (``UNSURE_OFF_LINE``) or when it is under half as tall as the other digits (a shadow's tip or
    edge); a "1" under ``SLIVER_HEIGHT`` of the others' height is left out wherever it lies. A
    declined mark on the line still makes the whole reading "not a digit".
    """
    good = [d for d in digits if d.digit is not None]
    if not good:
        return digits, 0

    def centre(d: DigitReading) -> float:
        return d.box[0] + d.box[2] / 2

    def shares_height(a: DigitReading, b: DigitReading) -> bool:
        # Most of the mark's height must lie within the digit's: a shadow's tip just under a digit is off the line.
        shared = min(a.box[1] + a.box[3], b.box[1] + b.box[3]) - max(a.box[1], b.box[1])
        return shared > LINE_SHARE * a.box[3]

    def off_line(d: DigitReading, kept: list[DigitReading]) -> bool:
        others = [g for g in kept if g is not d and g.digit is not None]
        if not others:
            return False
        typical = float(np.median([g.box[3] for g in others]))
        if d.digit == 1 and d.box[3] < SLIVER_HEIGHT * typical:
            return True  # a sliver of a shadow's edge read as a "1"
        small = d.box[3] < 0.5 * typical
        if d.digit is None or small or d.digit == 1 or d.confidence < UNSURE_OFF_LINE:
            left = [g for g in others if centre(g) <= centre(d)]
            right = [g for g in others if centre(g) > centre(d)]
            near = ([max(left, key=centre)] if left else []) + ([min(right, key=centre)] if right else [])
            return not any(shares_height(d, g) for g in near)
        return False

    # One mark at a time, the shortest first: a shadow's sliver beside a real "1" must not push
    # that 1 off the line before the sliver itself is gone.
    kept = list(digits)
    while True:
        strays = [d for d in kept if off_line(d, kept)]
        if not strays:
            break
        drop = min(strays, key=lambda d: d.box[3])
        kept = [d for d in kept if d is not drop]
    return kept, len(digits) - len(kept)


def read_number(predictor, image: Any, *, keep_steps: bool = False,
                strokes: list[Stroke] | list[tuple[np.ndarray, float]] | None = None,
                pair_reader: PairReader | bool | None = None) -> NumberReading:
    """Read every digit of the number in ``image`` (array, file bytes or path), left to right.

    ``predictor`` is a :class:`~digitcore.model.predictor.Predictor`. ``strokes``: the pen
    strokes of a canvas drawing (:func:`~digitcore.imaging.canvas_strokes.strokes_from_canvas`,
    or (points, width) pairs), which let overlapping digits be told apart where the pen lifted.
    ``pair_reader``: the :class:`~digitcore.model.pair_reader.PairReader` to check wide parts
    with (None: the shipped one, if present; False: none). Raises ``ImageError``
    for input that is not a usable image; a blank picture gives ``reason="no_ink"``.
    """
    seg = segment(load_image(image), as_strokes(strokes) if strokes else None)
    if not seg.parts:
        return NumberReading("", [], 0.0, "no_ink", seg.message or "No ink found: nothing to recognise.")
    if len(seg.parts) > MAX_DIGITS:
        return NumberReading(
            "", [], 0.0, "not_a_digit",
            f"Found {len(seg.parts)} separate marks: more than the {MAX_DIGITS} digits a number may have here.",
        )
    # Among other marks of a number a mark is far likelier a digit than alone on a page.
    scorer = _Scorer(predictor, seg.ink, keep_steps, NUMBER_DECLINE if len(seg.parts) > 1 else 0.0)
    scorer.score(seg.parts)  # one model call for all candidates
    typical = _typical_aspect(seg.parts)
    pairs = default_pair_reader() if pair_reader is None or pair_reader is True else (pair_reader or None)
    # One call of the pair reader for all candidates, as for the digit model above.
    pair_scores = pairs.read([p.mask for p in seg.parts]) if pairs is not None else [None] * len(seg.parts)
    found: list[_Scored] = []
    for i, (part, ps) in enumerate(zip(seg.parts, pair_scores)):
        budget = MAX_DIGITS - len(found) - (len(seg.parts) - i - 1)
        digits = _read_part(scorer, part, max(1, budget), typical)
        if budget > 1:
            digits = _as_the_pair_reader_sees_it(scorer, ps, part, digits, typical)
        found += digits
    digits = [_reading(s, seg) for s in found]
    digits, stray = _without_stray_marks(digits)
    text = "".join(str(d.digit) for d in digits if d.digit is not None)
    bad = [d for d in digits if d.digit is None]
    confidence = float(np.prod([d.confidence for d in digits])) if digits and not bad else 0.0
    reason = "not_a_digit" if bad else None
    messages = list(seg.warnings)
    if stray:
        messages.append(f"Left out {stray} mark{'s' if stray > 1 else ''} away from the line of the number "
                        "(a shadow's edge, a speck or a doodle?).")
    if bad:
        messages.insert(0, f"{len(bad)} of the {len(digits)} marks found are not digits.")
    return NumberReading(text, digits, confidence, reason, " ".join(messages))
