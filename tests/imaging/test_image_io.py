"""digitcore.imaging.image_io: every format we promise to read, every bad input refused clearly."""

from __future__ import annotations

import io
import struct
import tracemalloc
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFile

from digitcore.imaging.image_io import MAX_BYTES, MAX_PIXELS, ImageError, load_image, normalize_array


def _picture(w=64, h=48) -> np.ndarray:
    """An asymmetric RGB test card: red left half, a dark block top-left."""
    a = np.full((h, w, 3), 255, np.uint8)
    a[:, : w // 2] = (200, 30, 30)
    a[: h // 4, : w // 4] = (10, 10, 10)
    return a


def _encode(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


# ----------------------------------------------------------------------------- formats


@pytest.mark.parametrize("fmt", ["PNG", "BMP", "TIFF", "WEBP"])
def test_lossless_formats_round_trip(fmt):
    src = _picture()
    kw = {"lossless": True} if fmt == "WEBP" else {}
    out = load_image(_encode(Image.fromarray(src), fmt, **kw))
    assert out.dtype == np.uint8 and out.shape == src.shape
    assert np.abs(out.astype(int) - src).max() <= 2


def test_jpeg():
    out = load_image(_encode(Image.fromarray(_picture()), "JPEG", quality=95))
    assert out.shape == (48, 64, 3) and out.dtype == np.uint8
    assert out[5, 5].max() < 60 and out[40, 60].min() > 200


def test_grey_png_stays_2d():
    grey = np.tile(np.arange(0, 256, 4, dtype=np.uint8), (10, 1))
    out = load_image(_encode(Image.fromarray(grey), "PNG"))
    assert out.shape == grey.shape and np.array_equal(out, grey)


def test_one_bit_png_becomes_grey():
    img = Image.fromarray(np.eye(16, dtype=bool))
    out = load_image(_encode(img, "PNG"))
    assert out.shape == (16, 16) and set(np.unique(out)) == {0, 255}


def test_gif_and_animated_gif_first_frame():
    frames = [Image.fromarray(np.full((20, 30, 3), c, np.uint8)) for c in ((250, 0, 0), (0, 250, 0), (0, 0, 250))]
    single = load_image(_encode(frames[0], "GIF"))
    assert single.shape[:2] == (20, 30)
    anim = _encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    out = load_image(anim)
    assert out.shape[:2] == (20, 30)
    assert out[..., 0].mean() > 200 and out[..., 1].mean() < 50  # the first (red) frame


def test_animated_webp_first_frame():
    frames = [Image.fromarray(np.full((20, 30, 3), c, np.uint8)) for c in ((250, 0, 0), (0, 250, 0))]
    data = _encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=100, lossless=True)
    out = load_image(data)
    assert out[..., 0].mean() > 200 and out[..., 1].mean() < 50


def test_sixteen_bit_png_is_scaled_not_clipped():
    ramp = np.tile(np.linspace(0, 65535, 256).astype(np.uint16), (4, 1))
    data = _encode(Image.fromarray(ramp), "PNG")
    assert Image.open(io.BytesIO(data)).mode.startswith("I")
    out = load_image(data)
    assert out.dtype == np.uint8 and out.shape == ramp.shape
    assert out.min() == 0 and out.max() == 255
    assert len(np.unique(out)) > 200  # a smooth ramp, not a clipped 0/255 step
    assert np.all(np.diff(out[0].astype(int)) >= 0)


def test_twelve_bit_data_in_sixteen_bit_png():
    ramp = np.tile(np.linspace(0, 4095, 64).astype(np.uint16), (4, 1))
    out = load_image(_encode(Image.fromarray(ramp), "PNG"))
    assert out.max() == 255 and out[0, 32] in range(120, 136)


def test_grey_alpha_png_becomes_rgba():
    la = np.zeros((10, 12, 2), np.uint8)
    la[..., 0] = 40
    la[:, 6:, 1] = 255
    out = load_image(_encode(Image.fromarray(la, "LA"), "PNG"))
    assert out.shape == (10, 12, 4)
    assert out[0, 0, 3] == 0 and out[0, 11, 3] == 255 and out[0, 11, 0] == 40


def test_palette_png_with_and_without_transparency():
    p = Image.new("P", (8, 8), 0)
    p.putpalette([255, 255, 255, 0, 0, 0] + [0] * 762)
    p.putpixel((3, 3), 1)
    plain = load_image(_encode(p, "PNG"))
    assert plain.shape == (8, 8, 3) and tuple(plain[3, 3]) == (0, 0, 0) and tuple(plain[0, 0]) == (255, 255, 255)
    transparent = load_image(_encode(p, "PNG", transparency=0))
    assert transparent.shape == (8, 8, 4)
    assert transparent[0, 0, 3] == 0 and transparent[3, 3, 3] == 255


def test_cmyk_jpeg_becomes_rgb():
    cmyk = Image.new("CMYK", (16, 16), (0, 255, 255, 0))  # pure red in CMYK
    out = load_image(_encode(cmyk, "JPEG", quality=95))
    assert out.shape == (16, 16, 3)
    r, g, b = out[8, 8].astype(int)
    assert r > 200 and g < 60 and b < 60


def test_exif_orientation_is_applied():
    src = _picture(64, 48)  # landscape, dark block top-left
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: viewer must rotate 90 degrees clockwise
    data = _encode(Image.fromarray(src), "JPEG", quality=95, exif=exif)
    out = load_image(data)
    assert out.shape == (64, 48, 3)  # portrait after rotation
    # Rotating clockwise moves the top-left block to the top-right.
    assert out[:12, -12:].mean() < 60 and out[:12, :12].mean() > 60


def test_large_jpeg_decodes_at_reduced_size():
    big = Image.fromarray(np.full((3000, 4000, 3), 200, np.uint8))
    out = load_image(_encode(big, "JPEG", quality=70))
    assert 1200 <= max(out.shape[:2]) < 4000
    assert out.shape[1] / out.shape[0] == pytest.approx(4 / 3, rel=0.01)


def test_long_thin_strip_is_fine():
    strip = np.zeros((10, 50000), np.uint8)
    out = load_image(_encode(Image.fromarray(strip), "PNG"))
    assert out.shape == (10, 50000)


# ----------------------------------------------------------------------------- sources


def test_all_source_kinds(tmp_path: Path):
    src = _picture()
    data = _encode(Image.fromarray(src), "PNG")
    path = tmp_path / "digit.png"
    path.write_bytes(data)
    expected = load_image(data)
    for source in (data, bytearray(data), memoryview(data), str(path), path, io.BytesIO(data), Image.fromarray(src), src):
        assert np.array_equal(load_image(source), expected), type(source)


def test_stream_already_read_is_rewound():
    stream = io.BytesIO(_encode(Image.fromarray(_picture()), "PNG"))
    stream.read()  # e.g. a Streamlit UploadedFile somebody already consumed
    assert load_image(stream).shape == (48, 64, 3)


def test_extension_does_not_matter(tmp_path: Path):
    path = tmp_path / "photo.png"  # really a JPEG
    path.write_bytes(_encode(Image.fromarray(_picture()), "JPEG"))
    assert load_image(path).shape == (48, 64, 3)


# ----------------------------------------------------------------------------- bad input


def _fake_heic() -> bytes:
    return struct.pack(">I", 24) + b"ftypheic" + b"\x00\x00\x00\x00" + b"mif1heic" + b"\x00" * 200


def _truncated(fmt: str) -> bytes:
    rng = np.random.default_rng(0)
    noisy = rng.integers(0, 256, (200, 200, 3), dtype=np.uint8)  # incompressible: data all the way
    data = _encode(Image.fromarray(noisy), fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return data[: len(data) // 2]


BAD = {
    "empty": (b"", "empty"),
    "text-renamed-png": (b"Hello teacher,\nthis is not a picture at all.\n" * 5, "text"),
    "random-bytes": (np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes(), "not an image"),
    "svg": (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>', "SVG"),
    "svg-bare": (b'<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>', "SVG"),
    "heic": (_fake_heic(), "HEIC"),
    "pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "PDF"),
    "truncated-jpeg": (_truncated("JPEG"), "incomplete"),
    "truncated-png": (_truncated("PNG"), "incomplete"),
    "png-signature-only": (b"\x89PNG\r\n\x1a\n", ""),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_bytes_raise_readable_image_error(name):
    data, phrase = BAD[name]
    with pytest.raises(ImageError) as err:
        load_image(data)
    msg = str(err.value)
    assert phrase.lower() in msg.lower()
    assert "Traceback" not in msg and len(msg) < 300
    assert isinstance(err.value, ValueError)


def test_truncated_images_are_not_silently_accepted():
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    for fmt in ("JPEG", "PNG"):
        with pytest.raises(ImageError, match="incomplete"):
            load_image(_truncated(fmt))


def test_huge_declared_png_is_refused_before_decoding():
    w, h = 10_000, 5_000  # 50 MP declared in the header; the data is tiny
    assert w * h > MAX_PIXELS
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 100)) + _png_chunk(b"IEND", b"")
    tracemalloc.start()
    try:
        with pytest.raises(ImageError, match="too large"):
            load_image(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5 * 2**20  # never allocated the 150 MB pixel buffer


def test_decompression_bomb_png_is_refused():
    # 200 MP of zeros compresses to ~200 kB; Pillow's own bomb check fires at open.
    w, h = 20_000, 10_000
    row = b"\x00" + b"\x00" * w
    comp = zlib.compressobj(9)
    idat = b"".join(comp.compress(row) for _ in range(50)) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")
    with pytest.raises(ImageError, match="too large"):
        load_image(data)


def test_too_many_bytes_refused():
    with pytest.raises(ImageError, match="too large"):
        load_image(b"\x89PNG" + b"\x00" * MAX_BYTES)


def test_missing_path_and_folder(tmp_path: Path):
    with pytest.raises(ImageError, match="not found"):
        load_image(tmp_path / "nope.png")
    with pytest.raises(ImageError, match="not found"):
        load_image(str(tmp_path / "nope.png"))
    with pytest.raises(ImageError, match="folder"):
        load_image(tmp_path)


def test_zero_byte_file(tmp_path: Path):
    p = tmp_path / "empty.png"
    p.write_bytes(b"")
    with pytest.raises(ImageError, match="empty"):
        load_image(p)


def test_unsupported_source_type():
    with pytest.raises(ImageError):
        load_image(12345)


# ----------------------------------------------------------------------------- arrays


def test_normalize_array_dtypes():
    base = np.array([[0.0, 0.5], [1.0, 0.25]])
    assert np.array_equal(normalize_array(base), np.array([[0, 128], [255, 64]], np.uint8))
    assert np.array_equal(normalize_array(base * 255), np.array([[0, 128], [255, 64]], np.uint8))
    assert np.array_equal(normalize_array(np.array([[True, False]])), np.array([[255, 0]], np.uint8))
    assert normalize_array(np.array([[0, 65535]], np.uint16)).tolist() == [[0, 255]]
    assert normalize_array(np.array([[0, 4095]], np.uint16)).tolist() == [[0, 255]]
    assert normalize_array(np.array([[3, 200]], np.int64)).tolist() == [[3, 200]]
    assert normalize_array(np.array([[np.nan, 1.0]])).tolist() == [[0, 255]]
    assert normalize_array(np.zeros((5, 6, 1), np.uint8)).shape == (5, 6)
    assert normalize_array(np.zeros((5, 6, 2), np.uint8)).shape == (5, 6, 4)


def test_normalize_array_keeps_uint8_without_copy():
    a = np.zeros((4, 4, 3), np.uint8)
    assert normalize_array(a) is a


@pytest.mark.parametrize(
    "bad",
    [np.zeros((0, 0)), np.zeros((3, 0, 3)), np.zeros(5), np.zeros((2, 2, 2, 2)), np.zeros((4, 4, 5)), np.array([["a"]])],
)
def test_normalize_array_rejects(bad):
    with pytest.raises(ImageError):
        normalize_array(bad)


# ----------------------------------------------------------------------------- big phone photos (issue 11)


def _big_jpeg(w: int, h: int) -> bytes:
    """A grey w x h JPEG photo of paper with a dark 4 on it (encoded by OpenCV, grey to keep memory low)."""
    import cv2

    img = np.full((h, w), 222, np.uint8)
    cv2.putText(img, "4", (w // 3, int(h * 0.8)), cv2.FONT_HERSHEY_SIMPLEX, h / 40, 30, max(2, h // 60), cv2.LINE_AA)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    return buf.tobytes()


def test_a_63_megapixel_jpeg_is_decoded_at_reduced_size():
    from digitcore.imaging.image_io import MAX_JPEG_PIXELS

    data = _big_jpeg(9000, 7000)
    assert 9000 * 7000 > MAX_PIXELS and 9000 * 7000 < MAX_JPEG_PIXELS and len(data) < MAX_BYTES
    arr = load_image(data)
    # Decoded by DCT scaling, never at full size: a quarter of each side here.
    assert max(arr.shape[:2]) <= 9000 // 4 and min(arr.shape[:2]) >= 1200
    assert arr.shape[1] > arr.shape[0]  # orientation kept


def test_big_jpeg_is_read_by_the_predictor(predictor):
    assert predictor.predict(_big_jpeg(9000, 7000)).digit == 4


def test_png_declaring_100000_x_100000_is_refused_with_a_clear_message():
    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 100)) + _png_chunk(b"IEND", b"")
    with pytest.raises(ImageError, match="too large") as err:
        load_image(data)
    assert "megapixels" in str(err.value)


def test_jpeg_declaring_more_than_the_jpeg_limit_is_refused_before_decoding():
    from digitcore.imaging.image_io import MAX_JPEG_PIXELS

    small = _big_jpeg(64, 48)
    # Patch the frame header (SOF0) to claim 20000 x 20000 = 400 MP.
    i = small.index(b"\xff\xc0")
    data = small[: i + 5] + struct.pack(">HH", 20_000, 20_000) + small[i + 9 :]
    assert 20_000 * 20_000 > MAX_JPEG_PIXELS
    tracemalloc.start()
    try:
        with pytest.raises(ImageError, match="too large"):
            load_image(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5 * 2**20
