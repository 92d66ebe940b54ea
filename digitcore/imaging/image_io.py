"""Decode any image source into a plain uint8 NumPy array.

``load_image`` accepts bytes, paths, file-like objects, PIL images and arrays and
always returns ``(H, W)`` grey, ``(H, W, 3)`` RGB or ``(H, W, 4)`` RGBA uint8.
Everything that can go wrong with user files (empty, not an image, truncated,
too large, unsupported format) becomes an :class:`ImageError` whose message can
be shown to the user as is.
"""

from __future__ import annotations

import io
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

__all__ = ["ImageError", "MAX_PIXELS", "MAX_JPEG_PIXELS", "MAX_BYTES", "load_image", "normalize_array"]

#: Largest image (width x height) we agree to decode at full size; a 40 MP phone photo fits.
MAX_PIXELS = 40_000_000
#: Largest JPEG we agree to read: JPEGs this big are decoded at 1/2..1/8 size while decoding
#: (DCT scaling), so a 50-200 MP phone photo costs a few megapixels of memory, never its full size.
MAX_JPEG_PIXELS = 250_000_000
#: Largest encoded file we agree to read.
MAX_BYTES = 25 * 1024 * 1024

SUPPORTED_TEXT = "PNG, JPEG, WebP, BMP or GIF"
# TIFF is accepted quietly (scanners produce it); AVIF where this Pillow build has it.
_WANTED_FORMATS = ("PNG", "JPEG", "WEBP", "BMP", "DIB", "GIF", "TIFF", "AVIF")
# Photos decode at reduced size via JPEG DCT scaling but never below this longer side.
_DRAFT_MIN_SIDE = 1200

_NOT_AN_IMAGE = f"This file is not an image we can read ({SUPPORTED_TEXT})."


class ImageError(ValueError):
    """An image could not be used; ``str(err)`` is a user-facing explanation."""


def _allowed_formats() -> tuple[str, ...]:
    Image.init()
    return tuple(f for f in _WANTED_FORMATS if f in Image.OPEN)


# ----------------------------------------------------------------------------- sniffing


def _sniff_unsupported(head: bytes) -> str | None:
    """Name formats we recognise but cannot decode, so the message can say so."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"):
            return (
                "HEIC/HEIF images (the iPhone photo format) are not supported; on an iPhone, "
                "share the photo as JPEG or set Settings > Camera > Formats to Most Compatible"
            )
        if brand in (b"avif", b"avis") and "AVIF" not in _allowed_formats():
            return "AVIF images are not supported"
        if brand in (b"qt  ", b"isom", b"mp41", b"mp42", b"M4V ", b"3gp4", b"3gp5"):
            return "This is a video file, not an image"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith(b"<svg") or (stripped.startswith(b"<?xml") and b"<svg" in stripped):
        return "SVG (vector) images are not supported"
    if stripped.startswith((b"<!doctype html", b"<html")):
        return "This is a web page (HTML), not an image"
    if head.startswith(b"%PDF"):
        return "PDF files are not supported"
    if head.startswith(b"8BPS"):
        return "Photoshop (PSD) files are not supported"
    if head.startswith(b"\xff\x0a") or head.startswith(b"\x00\x00\x00\x0cJXL "):
        return "JPEG XL images are not supported"
    if head.startswith(b"PK\x03\x04"):
        return "This is a ZIP archive (or an Office document), not an image"
    return None


def _looks_like_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        # A multi-byte character cut at the end of the sample is still text.
        try:
            text = head[:-4].decode("utf-8")
        except UnicodeDecodeError:
            return False
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return printable >= 0.95 * max(1, len(text))


def _unsupported_message(head: bytes) -> str:
    known = _sniff_unsupported(head)
    if known:
        return f"{known}. Please use a {SUPPORTED_TEXT} file."
    if _looks_like_text(head):
        return f"This file contains text, not an image. Please use a {SUPPORTED_TEXT} file."
    return _NOT_AN_IMAGE


# ----------------------------------------------------------------------------- arrays


def _scale_wide_to_uint8(a: np.ndarray) -> np.ndarray:
    """Map integer/float data wider than 8 bits to uint8 keeping relative levels.

    Values are shifted so the minimum is >= 0, then divided by the smallest
    ``2**bits - 1`` that holds the maximum (12-bit data in a 16-bit container is
    scaled by 4095, full 16-bit by 65535), so a dark image stays dark and a flat
    image stays flat instead of being min-max stretched.
    """
    a = a.astype(np.float64, copy=False)
    lo = float(a.min())
    if lo < 0:
        a = a - lo
    hi = float(a.max())
    if hi <= 255:
        return np.rint(a).astype(np.uint8)
    bits = int(np.ceil(np.log2(hi + 1)))
    return np.rint(a * (255.0 / (2**bits - 1))).clip(0, 255).astype(np.uint8)


def _to_uint8(a: np.ndarray) -> np.ndarray:
    if a.dtype == np.uint8:
        return a
    if a.dtype == np.bool_:
        return a.astype(np.uint8) * np.uint8(255)
    if np.issubdtype(a.dtype, np.floating):
        a = np.nan_to_num(a.astype(np.float32, copy=False), nan=0.0, posinf=255.0, neginf=0.0)
        lo, hi = float(a.min()), float(a.max())
        if lo >= 0.0 and hi <= 1.0:
            return np.rint(a * 255.0).astype(np.uint8)
        if lo >= -1.0 and hi <= 1.0:  # [-1, 1] normalised data
            return np.rint((a + 1.0) * 127.5).astype(np.uint8)
        if lo >= 0.0 and hi <= 255.0:
            return np.rint(a).astype(np.uint8)
        return _scale_wide_to_uint8(a)
    if np.issubdtype(a.dtype, np.integer):
        lo, hi = int(a.min()), int(a.max())
        if lo >= 0 and hi <= 255:
            return a.astype(np.uint8)
        return _scale_wide_to_uint8(a)
    raise ImageError(f"Unsupported pixel type {a.dtype}; expected numbers.")


def normalize_array(array: Any) -> np.ndarray:
    """Validate an array-like image and return it as uint8 (H,W), (H,W,3) or (H,W,4).

    Accepts channel-last arrays with 1, 2 (grey+alpha, returned as RGBA), 3 or 4
    channels; ``(H, W, 1)`` is squeezed. bool, float (in [0, 1], [-1, 1] or
    [0, 255]), 16-bit and other integer dtypes are converted. uint8 input that
    is already valid is returned without copying.
    """
    try:
        a = np.asarray(array)
    except Exception as exc:  # ragged lists and the like
        raise ImageError("This is not an image: expected an array of pixel values.") from exc
    if a.dtype == object or not (
        np.issubdtype(a.dtype, np.number) or a.dtype == np.bool_
    ):
        raise ImageError("This is not an image: expected an array of pixel values.")
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    if a.ndim not in (2, 3):
        raise ImageError(
            f"An image must be 2-D (grey) or 3-D (height, width, channels); got shape {a.shape}."
        )
    if a.size == 0:
        raise ImageError("The image is empty (it has no pixels).")
    if a.ndim == 3 and a.shape[2] not in (2, 3, 4):
        raise ImageError(
            f"An image needs 1, 3 or 4 colour channels (channels last); got shape {a.shape}."
        )
    if a.shape[0] * a.shape[1] > MAX_PIXELS:
        raise ImageError(_too_many_pixels(a.shape[1], a.shape[0]))
    a = _to_uint8(a)
    if a.ndim == 3 and a.shape[2] == 2:
        grey, alpha = a[:, :, 0], a[:, :, 1]
        a = np.dstack([grey, grey, grey, alpha])
    return np.ascontiguousarray(a)


# ----------------------------------------------------------------------------- PIL


def _too_many_pixels(w: int, h: int, limit: int = MAX_PIXELS) -> str:
    return (
        f"This image is too large ({w} x {h} pixels = {w * h / 1e6:.0f} megapixels; "
        f"the limit is {limit / 1e6:.0f} megapixels). Please resize it."
    )


def _too_many_bytes(n: int) -> str:
    limit = MAX_BYTES / 2**20
    # A file a few bytes over the limit must not read "25.0 MB; the limit is 25 MB".
    shown = f"{n / 2**20:.1f} MB" if round(n / 2**20, 1) > limit else f"just over {limit:.0f} MB"
    return f"This file is too large ({shown}; the limit is {limit:.0f} MB)."


def _check_size(img: Image.Image, limit: int = MAX_PIXELS) -> None:
    w, h = img.size
    if w <= 0 or h <= 0:
        raise ImageError("The image is empty (it has no pixels).")
    if w * h > limit:
        raise ImageError(_too_many_pixels(w, h, limit))


def _open_big_jpeg(data: bytes) -> Image.Image | None:
    """Open a JPEG by its header only, bypassing Pillow's pixel-count bomb check.

    That check would refuse phone photos over ~89 MP although they are decoded at a
    fraction of their size here; :func:`_from_pil` applies ``MAX_JPEG_PIXELS`` instead,
    still before any pixel is decoded. Returns None for anything but a plain JPEG.
    """
    if not data.startswith(b"\xff\xd8\xff") or "JPEG" not in _allowed_formats():
        return None
    from PIL import JpegImagePlugin

    try:
        return JpegImagePlugin.jpeg_factory(io.BytesIO(data))
    except Exception:  # let the ordinary path report what is wrong with it
        return None


def _pil_to_array(img: Image.Image) -> np.ndarray:
    """Convert a loaded PIL image of any mode to uint8 grey / RGB / RGBA."""
    mode = img.mode
    if mode in ("L", "RGB", "RGBA"):
        return np.asarray(img)
    if mode == "1":
        return np.asarray(img.convert("L"))
    if mode in ("LA", "La", "PA", "RGBa"):
        return np.asarray(img.convert("RGBA"))
    if mode == "P":
        has_alpha = "transparency" in img.info or img.palette is not None and img.palette.mode == "RGBA"
        return np.asarray(img.convert("RGBA" if has_alpha else "RGB"))
    if mode.startswith("I") or mode == "F":
        # 16/32-bit grey: scale the real range instead of clipping at 255.
        return _scale_wide_to_uint8(np.asarray(img))
    if mode == "RGBX":
        return np.asarray(img.convert("RGB"))
    if "A" in img.getbands():
        return np.asarray(img.convert("RGBA"))
    return np.asarray(img.convert("RGB"))  # CMYK, YCbCr, LAB, HSV, ...


def _from_pil(img: Image.Image, *, allow_draft: bool = False) -> np.ndarray:
    """Load (if lazy), orient and convert a PIL image; errors become ImageError."""
    scaled = allow_draft and img.format in ("JPEG", "MPO")
    _check_size(img, MAX_JPEG_PIXELS if scaled else MAX_PIXELS)
    if scaled and max(img.size) >= 2 * _DRAFT_MIN_SIDE:
        # DCT-domain downscaling: a 12 MP photo decodes 4x faster and smaller.
        f = _DRAFT_MIN_SIDE / max(img.size)
        img.draft(None, (max(1, int(img.size[0] * f)), max(1, int(img.size[1] * f))))
    img.load()  # decode now, so truncation errors surface here
    try:
        oriented = ImageOps.exif_transpose(img)
    except Exception:  # broken EXIF must not cost the user the picture
        oriented = None
    if oriented is not None:
        img = oriented
    return np.ascontiguousarray(_pil_to_array(img))


def _decode_bytes(data: bytes) -> np.ndarray:
    if len(data) == 0:
        raise ImageError("The file is empty (0 bytes).")
    if len(data) > MAX_BYTES:
        raise ImageError(_too_many_bytes(len(data)))
    head = data[:512]
    # LOAD_TRUNCATED_IMAGES is a process-wide Pillow switch; if something turned it
    # on, truncated uploads would decode into half-grey pictures without an error.
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        raise RuntimeError("PIL.ImageFile.LOAD_TRUNCATED_IMAGES must stay False")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = _open_big_jpeg(data) or Image.open(io.BytesIO(data), formats=list(_allowed_formats()))
        except UnidentifiedImageError:
            raise ImageError(_unsupported_message(head)) from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageError(
                f"This image is too large (the limit is {MAX_PIXELS / 1e6:.0f} megapixels)."
            ) from None
        except Exception:  # malformed headers raise all sorts of things
            raise ImageError("This image file is damaged and cannot be read.") from None
        try:
            with img:
                return _from_pil(img, allow_draft=True)
        except ImageError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageError(
                f"This image is too large (the limit is {MAX_PIXELS / 1e6:.0f} megapixels)."
            ) from None
        except MemoryError:
            raise ImageError("This image is too large to decode.") from None
        except Exception as exc:
            msg = str(exc).lower()
            if "truncated" in msg or "end of file" in msg or "eof" in msg:
                raise ImageError(
                    "This image file is incomplete (truncated); the upload or download "
                    "may have been cut off. Please try the original file again."
                ) from None
            raise ImageError(
                "This image file is damaged or incomplete and cannot be read."
            ) from None


def _read_path(path: Path) -> bytes:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ImageError(f"File not found: {path}") from None
    except OSError as exc:
        raise ImageError(f"Cannot open {path}: {exc.strerror or exc}") from None
    if path.is_dir():
        raise ImageError(f"{path} is a folder, not an image file.")
    if size > MAX_BYTES:
        raise ImageError(_too_many_bytes(size))
    try:
        with open(path, "rb") as fh:
            return fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ImageError(f"Cannot read {path}: {exc.strerror or exc}") from None


def _read_stream(stream: Any) -> bytes:
    data = stream.read(MAX_BYTES + 1)
    if not data:
        # A Streamlit UploadedFile that was already read once sits at its end.
        try:
            if stream.seekable() and stream.tell() > 0:
                stream.seek(0)
                data = stream.read(MAX_BYTES + 1)
        except (AttributeError, OSError, ValueError):
            pass
    if isinstance(data, str):
        raise ImageError("Expected a binary file, got text. Open the file in binary mode ('rb').")
    return bytes(data or b"")


def load_image(source: Any) -> np.ndarray:
    """Decode ``source`` into a uint8 array: (H,W) grey, (H,W,3) RGB or (H,W,4) RGBA.

    ``source`` may be bytes/bytearray/memoryview, a path (str or Path), a binary
    file-like object, a PIL Image or an array. EXIF orientation is applied,
    animations give their first frame, and 16-bit data is scaled to 8 bits.
    Large JPEGs are decoded at reduced size (longer side >= 1200 px), so JPEGs up to
    ``MAX_JPEG_PIXELS`` are accepted; other formats up to ``MAX_PIXELS``.
    Raises :class:`ImageError` with a user-facing message on any bad input.
    """
    if isinstance(source, np.ndarray):
        return normalize_array(source)
    if isinstance(source, Image.Image):
        try:
            return _from_pil(source)
        except ImageError:
            raise
        except Exception:
            raise ImageError("This image is damaged or incomplete and cannot be read.") from None
    if isinstance(source, (bytes, bytearray, memoryview)):
        return _decode_bytes(bytes(source))
    if isinstance(source, (str, os.PathLike)):
        if isinstance(source, str) and not source.strip():
            raise ImageError("No file name was given.")
        return _decode_bytes(_read_path(Path(source)))
    if hasattr(source, "read"):
        return _decode_bytes(_read_stream(source))
    if isinstance(source, (list, tuple)):
        return normalize_array(source)
    raise ImageError(f"Cannot read an image from a {type(source).__name__}.")
