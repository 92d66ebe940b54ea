"""The hostile-input corpus (issue 5): every broken or odd input the app and the CLI must survive.

Everything is generated here, in memory, from a fixed seed: nothing is downloaded and nothing is
checked in. Each :class:`Case` says which surface takes it (an uploaded or named image file, a
Kaggle CSV, a run name), what the right behaviour is (refused, read but no digit found, or answered)
and the words the user-facing message must contain. tests/test_hostile_corpus.py runs every case
through every surface that accepts it; tests/test_app.py reuses the picture helpers below.
"""

from __future__ import annotations

import functools
import io
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image

# ----------------------------------------------------------------------------- pictures

SEVEN = [((90, 80), (270, 80)), ((270, 80), (160, 290))]
ONE = [((180, 60), (180, 300))]


def canvas_drawing(lines, side: int = 360, width: int = 20) -> np.ndarray:
    """What the canvas sends: opaque black RGBA with white strokes."""
    img = np.zeros((side, side, 4), np.uint8)
    img[..., 3] = 255
    for a, b in lines:
        cv2.line(img, a, b, (255, 255, 255, 255), width, lineType=cv2.LINE_AA)
    return img


def paper_digit(lines, side: int = 200, width: int = 12) -> np.ndarray:
    """A dark digit on white paper (RGB), as a scan would look."""
    img = np.full((side, side, 3), 250, np.uint8)
    f = side / 360
    for (x0, y0), (x1, y1) in lines:
        cv2.line(img, (int(x0 * f), int(y0 * f)), (int(x1 * f), int(y1 * f)), (20, 20, 30), width, cv2.LINE_AA)
    return img


def encode(img: np.ndarray | Image.Image, fmt: str = "PNG", **kw) -> bytes:
    """An array or PIL image as the bytes of an image file."""
    buf = io.BytesIO()
    (img if isinstance(img, Image.Image) else Image.fromarray(img)).save(buf, format=fmt, **kw)
    return buf.getvalue()


def good_png() -> bytes:
    """A clean 7 on paper: what every surface must still answer after a hostile input."""
    return encode(paper_digit(SEVEN))


def animated_gif() -> bytes:
    """Two frames: a 7 first, then a 1; the app must use the first frame."""
    frames = [Image.fromarray(paper_digit(SEVEN)).convert("P"), Image.fromarray(paper_digit(ONE)).convert("P")]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:], duration=200, loop=0)
    return buf.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _zero_png(width: int, height: int, rows: int | None = None) -> bytes:
    """A grey PNG of ``width`` x ``height`` zeros written chunk by chunk (no pixel buffer in memory).

    ``rows`` < height stores only that many rows: the header still declares the full size.
    """
    row = b"\x00" * (width + 1)  # filter byte + pixels
    comp = zlib.compressobj(9)
    idat = b"".join(comp.compress(row) for _ in range(height if rows is None else rows)) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


def huge_png() -> bytes:
    """A complete 8000 x 5100 (40.8 MP) black PNG: a small file, just over the 40 MP limit."""
    return _zero_png(8000, 5100)


def bomb_header_png() -> bytes:
    """A PNG that declares 50,000 x 50,000 pixels (2.5 GP, 7.5 GB as RGB) but holds almost nothing."""
    ihdr = struct.pack(">IIBBBBB", 50_000, 50_000, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr)
            + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 100)) + _png_chunk(b"IEND", b""))


def decompression_bomb_png() -> bytes:
    """A complete, valid 20,000 x 10,000 PNG (200 MP) that compresses to about 200 kB."""
    return _zero_png(20_000, 10_000)


def huge_declared_bmp() -> bytes:
    """A BMP header claiming 100,000 x 100,000 pixels with no pixel data."""
    w = h = 100_000
    info = struct.pack("<IiiHHIIiiII", 40, w, h, 1, 24, 0, 0, 2835, 2835, 0, 0)
    return b"BM" + struct.pack("<IHHI", 14 + 40 + 16, 0, 0, 54) + info + b"\x00" * 16


def huge_declared_gif() -> bytes:
    """A GIF whose screen and only frame claim 65,535 x 65,535 pixels (4.3 GP)."""
    screen = b"GIF89a" + struct.pack("<HHBBB", 65535, 65535, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    frame = b"\x2c" + struct.pack("<HHHHB", 0, 0, 65535, 65535, 0) + b"\x02\x02\x44\x01\x00"
    return screen + frame + b"\x3b"


def huge_declared_jpeg() -> bytes:
    """A real JPEG whose frame header (SOF0) is rewritten to claim 65,000 x 65,000 pixels."""
    data = bytearray(encode(paper_digit(SEVEN, side=64), "JPEG", quality=80))
    sof = data.find(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", 65_000, 65_000)
    return bytes(data)


def truncated_jpeg() -> bytes:
    """The first half of a real JPEG (an interrupted download)."""
    data = encode(paper_digit(SEVEN, side=400), "JPEG", quality=95)
    return data[: len(data) // 2]


def truncated_png() -> bytes:
    """The first half of a PNG whose data runs all the way (noise does not compress)."""
    noisy = np.random.default_rng(0).integers(0, 256, (200, 200, 3), dtype=np.uint8)
    data = encode(noisy)
    return data[: len(data) // 2]


def corrupt_jpeg() -> bytes:
    """A JPEG whose headers are intact but whose compressed data is garbled (bit rot)."""
    data = bytearray(encode(paper_digit(SEVEN), "JPEG", quality=90))
    for i in range(600, len(data) - 2, 7):
        data[i] = (data[i] * 31 + 7) & 0xFF
    return bytes(data)


def corrupt_jpeg_header() -> bytes:
    """A JPEG start marker followed by zeros where the headers should be."""
    data = bytearray(encode(paper_digit(SEVEN), "JPEG", quality=90))
    data[2:40] = bytes(38)
    return bytes(data)


def corrupt_png() -> bytes:
    """A PNG with part of its image data zeroed, so the chunk checksum no longer matches."""
    data = bytearray(good_png())
    at = data.find(b"IDAT")
    data[at + 20 : at + 60] = bytes(40)
    return bytes(data)


def sixteen_bit_png() -> bytes:
    """The 7 as 16-bit grey (mode I;16): valid, must be scaled to 8 bits, not clipped."""
    return encode(Image.fromarray(paper_digit(SEVEN)[..., 0].astype(np.uint16) * 257))


def cmyk_jpeg() -> bytes:
    """The 7 as a CMYK JPEG (print workflows produce these)."""
    return encode(Image.fromarray(paper_digit(SEVEN)).convert("CMYK"), "JPEG", quality=95)


def palette_png() -> bytes:
    """The 7 as a palette (mode P) PNG."""
    return encode(Image.fromarray(paper_digit(SEVEN)).convert("P"))


def grey_alpha_png() -> bytes:
    """Grey + alpha (mode LA): black strokes on a fully transparent background, like a logo PNG."""
    ink = 255 - paper_digit(SEVEN)[..., 0]
    return encode(Image.fromarray(np.dstack([np.zeros_like(ink), ink]), "LA"))


def one_pixel_png() -> bytes:
    """A 1 x 1 image."""
    return encode(np.zeros((1, 1, 3), np.uint8))


def strip_png() -> bytes:
    """A 50,000 x 10 white strip with a dark mark: decodes fine, far too thin to hold a digit."""
    strip = np.full((10, 50_000), 255, np.uint8)
    strip[1:9, 25_000:25_008] = 0
    return encode(strip)


def over_size_limit_png() -> bytes:
    """A file one byte over the 25 MB upload limit (a PNG signature, then padding)."""
    from digitcore.imaging.image_io import MAX_BYTES

    return b"\x89PNG\r\n\x1a\n" + b"\x00" * (MAX_BYTES + 1 - 8)


def fake_heic() -> bytes:
    """The start of an iPhone HEIC photo (an ISO-BMFF 'ftyp' box with the heic brand)."""
    return struct.pack(">I", 24) + b"ftypheic" + b"\x00\x00\x00\x00" + b"mif1heic" + b"\x00" * 200


def fake_mp4() -> bytes:
    """The start of an MP4 video."""
    return struct.pack(">I", 24) + b"ftypisom" + b"\x00\x00\x02\x00" + b"isomiso2" + b"\x00" * 200


def svg_drawing() -> bytes:
    """A vector drawing of a 7."""
    return (b'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="200" '
            b'height="200"><path d="M50 40 H150 L90 160" stroke="black" stroke-width="12" fill="none"/></svg>\n')


def zip_archive() -> bytes:
    """A ZIP archive holding a PNG (what 'download all' on a photo site gives)."""
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("seven.png", good_png())
    return buf.getvalue()


# ----------------------------------------------------------------------------- Kaggle CSVs

PIXELS = ",".join(f"pixel{i}" for i in range(784))
ZEROS = ",".join(["0"] * 784)
TRAIN_HEADER = "label," + PIXELS


def kaggle_train_csv(n: int = 20) -> bytes:
    """A small valid Kaggle train.csv of MNIST-like 7s and 1s (labels included)."""
    from digitcore.insight.kaggle import to_kaggle_csv
    from digitcore.imaging.preprocess import preprocess

    # MNIST-style 28x28 digits (preprocess gives floats in [0, 1]).
    digits = [np.rint(preprocess(canvas_drawing(lines), keep_steps=False).digit28 * 255) for lines in (SEVEN, ONE)]
    x = np.stack([digits[i % 2] for i in range(n)]).astype(np.uint8)
    y = np.array([7 if i % 2 == 0 else 1 for i in range(n)])
    return to_kaggle_csv(x, y).encode()


def _row(values: list[str]) -> str:
    return ",".join(values)


def million_columns_csv() -> bytes:
    """A header with a million column names, then one line of a million zeros (about 9 MB)."""
    header = ",".join(f"pixel{i}" for i in range(1_000_000))
    return (header + "\n" + ",".join(["0"] * 1_000_000) + "\n").encode()


def million_values_row_csv() -> bytes:
    """A valid header and line, then one line of a million values."""
    return (TRAIN_HEADER + "\n0," + ZEROS + "\n" + ",".join(["0"] * 1_000_000) + "\n").encode()


# ----------------------------------------------------------------------------- the corpus

IMAGE, KAGGLE_CSV, RUN_NAME = "image", "kaggle_csv", "run_name"
#: What a case must get: refused with a message, read but no digit found (with a message), or an answer.
ERROR, NO_DIGIT, DIGIT = "error", "no_digit", "digit"


@dataclass(frozen=True)
class Case:
    """One hostile input.

    ``name`` is the file name it is uploaded or saved under (for run names: a label for the test id).
    ``words``: the message must contain at least one of these phrases (case-insensitive).
    ``digit``: the answer when ``expect`` is DIGIT. ``why`` says why that behaviour is the right one.
    """

    name: str
    surface: str
    make: Callable[[], bytes | str] = field(repr=False)
    expect: str
    words: tuple[str, ...] = ()
    why: str = ""
    digit: int | None = None
    cli: bool = True  # False where the CLI cannot be given it at all (a NUL byte in argv)

    @property
    def data(self) -> bytes | str:
        """The input itself (generated once per test session)."""
        return _generate(self.name, self.surface)

    @property
    def id(self) -> str:
        """A short pytest id."""
        return self.name


def message_ok(case: Case, message: str | None) -> bool:
    """True when ``message`` says what the case's words promise and is no traceback."""
    text = (message or "").lower()
    return bool(text) and "traceback" not in text and any(w.lower() in text for w in case.words)


NO_DIGIT_WORDS = ("no ink", "no digit", "no clear digit", "too small", "too thin")

IMAGE_CASES: list[Case] = [
    Case("empty.png", IMAGE, lambda: b"", ERROR, ("empty",), "zero bytes"),
    Case("random.jpg", IMAGE, lambda: np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes(),
         ERROR, ("not an image",), "random bytes with an image extension"),
    Case("notes.png", IMAGE, lambda: b"These are my lesson notes, not a picture.\n" * 20, ERROR,
         ("contains text",), "a text file renamed .png"),
    Case("page.png", IMAGE, lambda: b"<!DOCTYPE html><html><body>Saved web page</body></html>\n", ERROR,
         ("web page",), "a saved web page renamed .png"),
    Case("truncated.jpg", IMAGE, truncated_jpeg, ERROR, ("incomplete",), "half a JPEG"),
    Case("truncated.png", IMAGE, truncated_png, ERROR, ("incomplete",), "half a PNG"),
    Case("corrupt.jpg", IMAGE, corrupt_jpeg, ERROR, ("damaged",), "garbled JPEG data"),
    Case("corrupt-header.jpg", IMAGE, corrupt_jpeg_header, ERROR, ("not an image",),
         "JPEG marker, then zeros: nothing identifies it as an image"),
    Case("corrupt.png", IMAGE, corrupt_png, ERROR, ("damaged",), "PNG data with a bad checksum"),
    Case("signature-only.png", IMAGE, lambda: b"\x89PNG\r\n\x1a\n", ERROR, ("damaged", "not an image"),
         "only the 8-byte PNG signature"),
    Case("bomb-header.png", IMAGE, bomb_header_png, ERROR, ("too large",),
         "declares 50,000 x 50,000 pixels: refused from the header, never allocated"),
    Case("decompression-bomb.png", IMAGE, decompression_bomb_png, ERROR, ("too large",),
         "a real 200 MP image in a 200 kB file"),
    Case("huge.png", IMAGE, huge_png, ERROR, ("too large",), "40.8 MP, just over the 40 MP limit"),
    Case("huge-declared.bmp", IMAGE, huge_declared_bmp, ERROR, ("too large",), "BMP header claims 10 GP"),
    Case("huge-declared.gif", IMAGE, huge_declared_gif, ERROR, ("too large",), "GIF header claims 4.3 GP"),
    Case("huge-declared.jpg", IMAGE, huge_declared_jpeg, ERROR, ("too large",), "JPEG frame claims 4.2 GP"),
    Case("over-size-limit.png", IMAGE, over_size_limit_png, ERROR, ("too large",),
         "one byte over the 25 MB limit (the browser refuses it first; the library too)"),
    Case("vector.svg", IMAGE, svg_drawing, ERROR, ("SVG",), "vector images are not decoded"),
    Case("photo.heic", IMAGE, fake_heic, ERROR, ("HEIC",), "iPhone format: the message says how to get a JPEG"),
    Case("clip.mp4", IMAGE, fake_mp4, ERROR, ("video",), "a video, not a picture"),
    Case("scan.pdf", IMAGE, lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", ERROR, ("PDF",),
         "a PDF"),
    Case("photos.zip", IMAGE, zip_archive, ERROR, ("ZIP",), "an archive holding a picture"),
    Case("sixteen-bit.png", IMAGE, sixteen_bit_png, DIGIT, why="16-bit grey: scaled to 8 bits", digit=7),
    Case("cmyk.jpg", IMAGE, cmyk_jpeg, DIGIT, why="CMYK JPEG: converted to RGB", digit=7),
    Case("palette.png", IMAGE, palette_png, DIGIT, why="palette PNG: expanded", digit=7),
    Case("grey-alpha.png", IMAGE, grey_alpha_png, DIGIT, why="grey+alpha on a transparent background", digit=7),
    Case("animated.gif", IMAGE, animated_gif, DIGIT, why="animated GIF: the first frame (a 7) is used", digit=7),
    Case("tiny.png", IMAGE, one_pixel_png, NO_DIGIT, NO_DIGIT_WORDS, "1 x 1 pixel: nothing to recognise"),
    Case("strip.png", IMAGE, strip_png, NO_DIGIT, NO_DIGIT_WORDS, "50,000 x 10 strip: decodes, no digit in it"),
    Case("white.png", IMAGE, lambda: encode(np.full((200, 200, 3), 255, np.uint8)), NO_DIGIT, ("no ink",),
         "blank white"),
    Case("black.png", IMAGE, lambda: encode(np.zeros((200, 200, 3), np.uint8)), NO_DIGIT, ("no ink",),
         "blank black"),
]

#: Every CSV is offered where a labelled train.csv is expected (``evaluate --data``, the page's "Check a model").
CSV_CASES: list[Case] = [
    Case("empty.csv", KAGGLE_CSV, lambda: b"", ERROR, ("is empty",), "zero bytes"),
    Case("blank-lines.csv", KAGGLE_CSV, lambda: b"\n\n  \r\n", ERROR, ("is empty",), "only blank lines"),
    Case("header-only.csv", KAGGLE_CSV, lambda: (TRAIN_HEADER + "\n").encode(), ERROR, ("no images",),
         "a header and nothing else"),
    Case("no-header.csv", KAGGLE_CSV, lambda: ("0," + ZEROS + "\n").encode() * 2, ERROR, ("no header row",),
         "numbers from the first line"),
    Case("wrong-columns.csv", KAGGLE_CSV, lambda: b"name,age,city\nAda,36,London\n", ERROR, ("3 columns",),
         "some other CSV"),
    Case("semicolons.csv", KAGGLE_CSV, lambda: (TRAIN_HEADER.replace(",", ";") + "\n").encode(), ERROR,
         ("1 column",), "saved by a spreadsheet with ';' separators"),
    Case("short-row.csv", KAGGLE_CSV,
         lambda: (TRAIN_HEADER + "\n0," + ZEROS + "\n" + _row(["0"] * 700) + "\n").encode(), ERROR,
         ("line 3: 700 values",), "a line with too few values"),
    Case("long-row.csv", KAGGLE_CSV, lambda: (TRAIN_HEADER + "\n" + _row(["0"] * 786) + "\n").encode(), ERROR,
         ("786 values",), "a line with too many values"),
    Case("not-a-number.csv", KAGGLE_CSV, lambda: (TRAIN_HEADER + "\n3," + _row(["0"] * 783 + ["x"]) + "\n").encode(),
         ERROR, ("'x' is not a number",), "a word among the pixels"),
    Case("pixel-256.csv", KAGGLE_CSV, lambda: (TRAIN_HEADER + "\n3," + _row(["256"] + ["0"] * 783) + "\n").encode(),
         ERROR, ("256 is not a pixel value",), "a pixel out of range"),
    Case("label-12.csv", KAGGLE_CSV, lambda: (TRAIN_HEADER + "\n12," + ZEROS + "\n").encode(), ERROR,
         ("label 12 is not a digit",), "a label that is no digit"),
    Case("missing-value.csv", KAGGLE_CSV, lambda: (TRAIN_HEADER + "\n3,," + _row(["0"] * 783) + "\n").encode(),
         ERROR, ("value is missing",), "an empty cell"),
    Case("random.csv", KAGGLE_CSV, lambda: np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8).tobytes(),
         ERROR, ("not a CSV text file",), "random bytes"),
    Case("picture.csv", KAGGLE_CSV, good_png, ERROR, ("not a CSV text file",), "a PNG renamed .csv"),
    Case("utf16.csv", KAGGLE_CSV, lambda: (TRAIN_HEADER + "\n3," + ZEROS + "\n").encode("utf-16"), ERROR,
         ("not a CSV text file",), "saved as UTF-16 ('Unicode text')"),
    Case("million-columns.csv", KAGGLE_CSV, million_columns_csv, ERROR, ("first line is over",),
         "a million columns: refused after reading 64 kB of the header"),
    Case("million-values.csv", KAGGLE_CSV, million_values_row_csv, ERROR, ("1,000,000 values",),
         "one line with a million values: refused before parsing"),
    Case("test-not-train.csv", KAGGLE_CSV, lambda: (PIXELS + "\n" + ZEROS + "\n").encode(), ERROR,
         ("looks like a test.csv",), "a test.csv (no labels) where labels are needed"),
]

RUN_NAME_CASES: list[Case] = [
    Case("traversal", RUN_NAME, lambda: "../../etc/passwd", ERROR, ("only use letters",), "path traversal"),
    Case("windows-traversal", RUN_NAME, lambda: "..\\..\\Windows\\system32", ERROR, ("only use letters",),
         "Windows path traversal"),
    Case("absolute", RUN_NAME, lambda: "/tmp/evil", ERROR, ("only use letters",), "an absolute path"),
    Case("CON", RUN_NAME, lambda: "CON", ERROR, ("reserved",), "a Windows device name"),
    Case("lpt1", RUN_NAME, lambda: "lpt1", ERROR, ("reserved",), "a Windows device name, lower case"),
    Case("empty", RUN_NAME, lambda: "", ERROR, ("give the run a name",), "no name"),
    Case("spaces", RUN_NAME, lambda: "   ", ERROR, ("give the run a name",), "only spaces"),
    Case("300-chars", RUN_NAME, lambda: "a" * 300, ERROR, ("at most 64 characters",), "300 characters"),
    Case("unicode", RUN_NAME, lambda: "数字-モデル-ü", ERROR, ("only use letters",), "non-ASCII letters"),
    Case("hidden", RUN_NAME, lambda: ".hidden", ERROR, ("only use letters",), "a hidden file name"),
    Case("dash", RUN_NAME, lambda: "-rf", ERROR, ("start with a letter or a digit",), "looks like an option"),
    Case("newline", RUN_NAME, lambda: "run\nname", ERROR, ("only use letters",), "a line break"),
    Case("nul-byte", RUN_NAME, lambda: "run\x00.keras", ERROR, ("only use letters",),
         "a NUL byte (argv cannot carry one, so not given to the CLI)", cli=False),
    Case("default", RUN_NAME, lambda: "default", ERROR, ("read-only",), "the shipped model's name"),
]

CASES: list[Case] = IMAGE_CASES + CSV_CASES + RUN_NAME_CASES
_BY_KEY = {(c.surface, c.name): c for c in CASES}
assert len(_BY_KEY) == len(CASES), "case names must be unique per surface"


@functools.cache
def _generate(name: str, surface: str) -> bytes | str:
    return _BY_KEY[(surface, name)].make()


def cases(surface: str) -> list[Case]:
    """The cases for one surface."""
    return [c for c in CASES if c.surface == surface]


#: The home page's bad uploads by file name (tests/test_app.py uses a few of them).
BAD_UPLOADS: dict[str, Callable[[], bytes]] = {
    c.name: (lambda c=c: c.data) for c in IMAGE_CASES if c.expect != DIGIT
}
