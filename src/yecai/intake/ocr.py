"""OCR of invoice images (PNG/JPEG) and scanned PDFs, offline.

rapidocr 3.x runs its default PP-OCR models, which ship inside the wheel, on onnxruntime: no
model is downloaded at run time, and no other model may be chosen here (that would download).
PDF pages are rendered with pypdfium2. Before anything is decoded the file is vetted: format by
magic bytes, dimensions read from the header against pixel limits (a decompression bomb is
refused unread), page count for PDFs. The page is deskewed (projection profile) before OCR so
that rows line up; how far it had to be turned, and how noisy it is, lower the confidence.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from typing import Any

from yecai.core.errors import YecaiError
from yecai.intake.domain import Invoice, NoInvoiceData
from yecai.intake.guard import DEFAULT_LIMITS, Limits, MalformedPdf, check_pdf, check_size
from yecai.intake.ocr_fields import Box, invoice_from_boxes

IMAGE_PIXELS_MAX = 40_000_000  # a 600 dpi A4 scan is 35 MP
IMAGE_SIDE_PX_MAX = 12_000
OCR_SIDE_PX_MAX = 2_000  # pages are scaled down to this before OCR (the model's own limit)
OCR_PAGES_MAX = 3  # pages of a scanned PDF that are read (an invoice is one page)
PDF_RENDER_DPI = 200
SKEW_DEG_MAX = 8.0
DENOISE_NOISE_MIN = 0.05  # share of isolated dark specks above which the page is median-filtered
DET_BOX_THRESH = 0.4  # rapidocr's 0.5 drops lone digits (a quantity of 3) on noisy scans
OCR_THREADS = 2  # this machine class has 2 cores

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"


class ImageTooLarge(YecaiError):
    code = "intake.image_too_large"
    template = "The image is {width}×{height} pixels; the limit is {limit} pixels ({side} per side)"
    http_status = 413


class MalformedImage(YecaiError):
    code = "intake.malformed_image"
    template = "The image is damaged or not a PNG/JPEG ({detail})"


class OcrUnavailable(YecaiError):
    code = "intake.ocr_unavailable"
    template = "OCR is not available on this installation ({detail})"
    http_status = 503


def image_kind(data: bytes) -> str | None:
    if data.startswith(PNG_MAGIC):
        return "png"
    if data.startswith(JPEG_MAGIC):
        return "jpeg"
    return None


def header_size(data: bytes, kind: str) -> tuple[int, int] | None:
    """(width, height) as the header declares them, read without any decoding."""
    if kind == "png":
        if len(data) < 24 or data[12:16] != b"IHDR":
            return None
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    i = 2
    for _ in range(1000):  # JPEG: walk the segments to the frame header (SOFn)
        if i + 9 > len(data) or data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:
            i += 1
            continue
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            return int.from_bytes(data[i + 7 : i + 9], "big"), int.from_bytes(data[i + 5 : i + 7], "big")
        i += 2 + int.from_bytes(data[i + 2 : i + 4], "big")
    return None


def check_image(data: bytes, limits: Limits = DEFAULT_LIMITS) -> tuple[int, int]:
    """Refuse a hostile image before decoding it; returns (width, height) from the header."""
    check_size(data, limits)
    kind = image_kind(data)
    if kind is None:
        raise MalformedImage(detail="unknown format")
    declared = header_size(data, kind)
    if declared is None:
        raise MalformedImage(detail=f"no {kind} image header")
    w, h = declared
    if w * h > IMAGE_PIXELS_MAX or max(w, h) > IMAGE_SIDE_PX_MAX:
        raise ImageTooLarge(width=w, height=h, limit=IMAGE_PIXELS_MAX, side=IMAGE_SIDE_PX_MAX)
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:  # reads the header only
            width, height = img.size
            fmt = (img.format or "").lower()
    except Image.DecompressionBombError:
        raise ImageTooLarge(width="?", height="?", limit=IMAGE_PIXELS_MAX, side=IMAGE_SIDE_PX_MAX) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise MalformedImage(detail=type(exc).__name__) from None
    if fmt not in ("png", "jpeg", "mpo"):
        raise MalformedImage(detail=f"format {fmt or '?'} in a {kind} file")
    if (
        width <= 0
        or height <= 0
        or width * height > IMAGE_PIXELS_MAX
        or max(width, height) > IMAGE_SIDE_PX_MAX
    ):
        raise ImageTooLarge(width=width, height=height, limit=IMAGE_PIXELS_MAX, side=IMAGE_SIDE_PX_MAX)
    return width, height


def _decode(data: bytes) -> Any:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            return _page_gray(img)
    except Image.DecompressionBombError:
        raise ImageTooLarge(width="?", height="?", limit=IMAGE_PIXELS_MAX, side=IMAGE_SIDE_PX_MAX) from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise MalformedImage(detail=type(exc).__name__) from None


def _page_gray(img: Any) -> Any:
    """Grayscale, EXIF orientation applied, scaled into the OCR size limit."""
    from PIL import Image, ImageOps

    img = ImageOps.exif_transpose(img) or img
    img = img.convert("L")
    longest = max(img.size)
    if longest > OCR_SIDE_PX_MAX:
        f = OCR_SIDE_PX_MAX / longest
        img = img.resize((max(1, int(img.width * f)), max(1, int(img.height * f))), Image.Resampling.LANCZOS)
    return img


# --- quality: skew and noise ---------------------------------------------------------------------


def estimate_skew(img: Any) -> float:
    """The angle (degrees, counter-clockwise) that straightens the text rows: the rotation whose
    horizontal projection profile is sharpest, searched coarse then fine on a small copy."""
    import numpy as np
    from PIL import Image

    small = img.copy()
    small.thumbnail((900, 900))
    ink = Image.eval(small, lambda v: 255 if v < 160 else 0)

    def sharpness(angle: float) -> float:
        rotated = np.asarray(
            ink.rotate(angle, resample=Image.Resampling.NEAREST, fillcolor=0), dtype=np.float32
        )
        profile = rotated.sum(axis=1)
        return float(np.square(np.diff(profile)).sum())

    best = max((a / 2 for a in range(int(-SKEW_DEG_MAX * 2), int(SKEW_DEG_MAX * 2) + 1)), key=sharpness)
    fine = max((best + d / 10 for d in range(-5, 6)), key=sharpness)
    return round(fine, 1)


def estimate_noise(img: Any) -> float:
    """Share of isolated dark specks (dark pixels with no dark neighbour), 0..1."""
    import numpy as np

    a = np.asarray(img, dtype=np.int16) < 128
    if a.size == 0:
        return 0.0
    p = np.pad(a, 1)
    neighbours = sum(
        p[1 + dy : p.shape[0] - 1 + dy, 1 + dx : p.shape[1] - 1 + dx]
        for dy in (-1, 0, 1)
        for dx in (-1, 0, 1)
        if dy or dx
    )
    isolated = a & (neighbours == 0)
    return float(isolated.sum()) / float(max(1, a.sum()))


def quality_of(skew_deg: float, noise: float) -> float:
    """How far to trust what was read from this page: a page that had to be turned more than
    half a degree, or that is speckled, is shown to a person before it becomes a bill."""
    q = 1.0
    if abs(skew_deg) > 0.5:
        q -= min(0.3, 0.05 + 0.02 * abs(skew_deg))
    if noise > 0.01:
        q -= min(0.3, noise * 2)
    return round(max(0.1, q), 3)


# --- the OCR engine ------------------------------------------------------------------------------

_engine: Any = None
_engine_lock = threading.Lock()


def engine() -> Any:
    """One rapidocr engine per process with its bundled default models (loaded once, ~1 s)."""
    global _engine
    with _engine_lock:
        if _engine is None:
            try:
                from rapidocr import RapidOCR
            except ImportError as exc:  # pragma: no cover - a broken install
                raise OcrUnavailable(detail=str(exc)) from None
            _engine = RapidOCR(
                params={
                    "Global.log_level": "error",
                    # Pages are deskewed here; the per-line angle classifier turns short cells
                    # such as '9%' upside down ('%6'), so it stays off.
                    "Global.use_cls": False,
                    "Det.box_thresh": DET_BOX_THRESH,
                    "EngineConfig.onnxruntime.intra_op_num_threads": OCR_THREADS,
                    "EngineConfig.onnxruntime.inter_op_num_threads": 1,
                }
            )
        return _engine


@dataclass(frozen=True)
class PageRead:
    boxes: list[Box]
    skew_deg: float
    noise: float
    width: int
    height: int


def ocr_page(img: Any, page: int = 0) -> PageRead:
    """Deskew a grayscale page and OCR it into axis-aligned boxes."""
    import numpy as np
    from PIL import Image

    noise = estimate_noise(img)
    if noise > DENOISE_NOISE_MIN:
        from PIL import ImageFilter

        # speckle from a poor scan splits characters into pieces the detector misses; a 3×3
        # median removes it (on generated scans: 9 → 19 of 20 fields right). Below the threshold
        # (clean scans: < 0.01; a small low-resolution rendering: 0.023) it would erase thin strokes.
        img = img.filter(ImageFilter.MedianFilter(3))
    skew = estimate_skew(img)
    if skew:
        img = img.rotate(skew, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    rgb = np.asarray(img.convert("RGB"))[:, :, ::-1].copy()  # BGR, as OpenCV-based rapidocr expects
    result = engine()(rgb)
    boxes: list[Box] = []
    if result.boxes is not None and result.txts is not None:
        for quad, text, score in zip(result.boxes, result.txts, result.scores, strict=True):
            xs = [float(p[0]) for p in quad]
            ys = [float(p[1]) for p in quad]
            if str(text).strip():
                boxes.append(Box(str(text), float(score), min(xs), min(ys), max(xs), max(ys), page))
    return PageRead(boxes, skew, noise, img.width, img.height)


GENERIC_CONFIDENCE = 0.6  # keyword rules over OCR text of a foreign invoice: always reviewed


def _read_pages(pages: list[PageRead]) -> Invoice:
    """A Chinese VAT invoice by its labels and columns; anything else (an English, French or
    German invoice) by the keyword rules of the PDF reader over the OCR text, trusted less."""
    from dataclasses import replace

    from yecai.intake import pdftext
    from yecai.intake.ocr_fields import normalise, rows_of

    boxes = [b for p in pages for b in p.boxes]
    quality = min(quality_of(p.skew_deg, p.noise) for p in pages) if pages else 0.0
    try:
        return invoice_from_boxes(boxes, quality=quality)
    except NoInvoiceData:
        if not boxes:
            raise
    text = "\n".join(" ".join(normalise(b.text) for b in row) for row in rows_of(boxes))
    inv = pdftext.generic(text)
    conf = {
        k: round(min(inv.field_confidence.get(k, GENERIC_CONFIDENCE), GENERIC_CONFIDENCE) * quality, 3)
        for k in ("invoice_type", "invoice_number", "issue_date", "seller_name", "total_net", "total_tax",
                  "total_with_tax", "currency")
    }  # fmt: skip
    return replace(inv, source="ocr", field_confidence=conf)


def read_image_invoice(data: bytes, limits: Limits = DEFAULT_LIMITS) -> Invoice:
    check_image(data, limits)
    return _read_pages([ocr_page(_decode(data))])


def render_pdf_pages(data: bytes, limits: Limits = DEFAULT_LIMITS) -> list[Any]:
    """Grayscale images of the first OCR_PAGES_MAX pages, each within the OCR size limit."""
    check_pdf(data, limits)
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise MalformedPdf(detail=str(exc)) from None
    try:
        images = []
        for i in range(min(len(pdf), OCR_PAGES_MAX)):
            page = pdf[i]
            w_pt, h_pt = page.get_size()
            if w_pt <= 0 or h_pt <= 0:
                raise MalformedPdf(detail=f"page {i + 1} has no size")
            scale = min(PDF_RENDER_DPI / 72, OCR_SIDE_PX_MAX / max(w_pt, h_pt))
            bitmap = page.render(scale=scale, grayscale=True)
            images.append(_page_gray(bitmap.to_pil()))
            page.close()
        return images
    finally:
        pdf.close()


def read_scanned_pdf(data: bytes, limits: Limits = DEFAULT_LIMITS) -> Invoice:
    images = render_pdf_pages(data, limits)
    if not images:
        raise NoInvoiceData(detail="the PDF has no pages")
    return _read_pages([ocr_page(img, i) for i, img in enumerate(images)])
