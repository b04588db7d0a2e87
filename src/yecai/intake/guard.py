"""Hostile files are refused before any parser sees them.

Every check reads only what it must (a ZIP's central directory, a PDF's header and trailer,
an XML prolog) and raises a named error that says what limit was crossed. Limits are
constants with their unit last; callers may pass tighter ones.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import defusedxml.ElementTree as DET
from defusedxml import DefusedXmlException

from yecai.core.errors import YecaiError

FILE_BYTES_MAX = 20 * 1024 * 1024  # one invoice or statement file
ZIP_ENTRIES_MAX = 2_000
ZIP_UNCOMPRESSED_BYTES_MAX = 100 * 1024 * 1024
ZIP_ENTRY_BYTES_MAX = 50 * 1024 * 1024
ZIP_RATIO_MAX = 100  # uncompressed / compressed, per entry and overall
PDF_PAGES_MAX = 50
XML_BYTES_MAX = 20 * 1024 * 1024


class FileTooLarge(YecaiError):
    code = "intake.file_too_large"
    template = "The file is {size} bytes; the limit is {limit} bytes"
    http_status = 413


class FileEmpty(YecaiError):
    code = "intake.file_empty"
    template = "The file is empty"


class UnknownFormat(YecaiError):
    code = "intake.unknown_format"
    template = "Not a recognised {kind} format ({detail})"


class MalformedZip(YecaiError):
    code = "intake.malformed_zip"
    template = "The archive is damaged or not a ZIP file ({detail})"


class ZipBomb(YecaiError):
    code = "intake.zip_bomb"
    template = "The archive looks like a decompression bomb: {detail}"


class ZipTooManyEntries(YecaiError):
    code = "intake.zip_too_many_entries"
    template = "The archive has {count} entries; the limit is {limit}"


class UnsafeArchivePath(YecaiError):
    code = "intake.unsafe_archive_path"
    template = "The archive contains an unsafe entry name {name!r} ({reason})"


class MalformedXml(YecaiError):
    code = "intake.malformed_xml"
    template = "The XML is malformed or unsafe ({detail})"


class MalformedPdf(YecaiError):
    code = "intake.malformed_pdf"
    template = "The PDF is damaged or not a PDF ({detail})"


class PdfTooManyPages(YecaiError):
    code = "intake.pdf_too_many_pages"
    template = "The PDF has {pages} pages; the limit is {limit}"


class EncryptedPdf(YecaiError):
    code = "intake.pdf_encrypted"
    template = "The PDF is encrypted; export an unprotected copy"


@dataclass(frozen=True)
class Limits:
    file_bytes_max: int = FILE_BYTES_MAX
    zip_entries_max: int = ZIP_ENTRIES_MAX
    zip_uncompressed_bytes_max: int = ZIP_UNCOMPRESSED_BYTES_MAX
    zip_entry_bytes_max: int = ZIP_ENTRY_BYTES_MAX
    zip_ratio_max: int = ZIP_RATIO_MAX
    pdf_pages_max: int = PDF_PAGES_MAX


DEFAULT_LIMITS = Limits()


def check_size(data: bytes, limits: Limits = DEFAULT_LIMITS) -> None:
    if not data:
        raise FileEmpty()
    if len(data) > limits.file_bytes_max:
        raise FileTooLarge(size=len(data), limit=limits.file_bytes_max)


def _unsafe_reason(name: str) -> str | None:
    if "\\" in name:
        return "backslash"
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return "absolute path"
    if any(part == ".." for part in PurePosixPath(name).parts):
        return "parent directory"
    if "\x00" in name:
        return "NUL byte"
    return None


class SafeZip:
    """A ZIP checked entry by entry against the limits; reads are bounded by the declared sizes."""

    def __init__(self, data: bytes, limits: Limits = DEFAULT_LIMITS) -> None:
        check_size(data, limits)
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
            raise MalformedZip(detail=str(exc)) from None
        if len(infos) > limits.zip_entries_max:
            raise ZipTooManyEntries(count=len(infos), limit=limits.zip_entries_max)
        total = 0
        names: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            reason = _unsafe_reason(info.filename)
            if reason:
                raise UnsafeArchivePath(name=info.filename, reason=reason)
            if info.flag_bits & 0x1:
                raise MalformedZip(detail=f"{info.filename} is encrypted")
            if info.file_size > limits.zip_entry_bytes_max:
                raise ZipBomb(detail=f"{info.filename} unpacks to {info.file_size} bytes")
            if info.file_size > 1024 * 1024 and info.file_size > limits.zip_ratio_max * max(
                info.compress_size, 1
            ):
                raise ZipBomb(
                    detail=f"{info.filename} compresses {info.file_size // max(info.compress_size, 1)}:1"
                )
            total += info.file_size
            names[info.filename.lstrip("./")] = info
        if total > limits.zip_uncompressed_bytes_max:
            raise ZipBomb(detail=f"{total} bytes uncompressed in all")
        if total > 1024 * 1024 and total > limits.zip_ratio_max * len(data):
            raise ZipBomb(detail=f"{total} bytes from a {len(data)}-byte archive")
        self._infos = names
        self._limits = limits

    def names(self) -> list[str]:
        return list(self._infos)

    def find(self, name: str) -> str | None:
        """The stored name matching ``name`` case-insensitively (OFD writers disagree on case)."""
        key = name.lstrip("/")
        if key in self._infos:
            return key
        lower = key.lower()
        for n in self._infos:
            if n.lower() == lower:
                return n
        return None

    def read(self, name: str) -> bytes:
        info = self._infos[name]
        try:
            with self._zip.open(info) as fh:
                # Read one byte more than declared: a lying header is a bomb, not a file.
                data = fh.read(info.file_size + 1)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            raise MalformedZip(detail=f"{name}: {exc}") from None
        if len(data) > info.file_size:
            raise ZipBomb(detail=f"{name} unpacks to more than its declared size")
        return data


_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


def parse_xml(data: bytes, what: str = "xml") -> Any:
    """Parse XML with defusedxml: no DTDs, no entities, no external references."""
    if len(data) > XML_BYTES_MAX:
        raise FileTooLarge(size=len(data), limit=XML_BYTES_MAX)
    if _DOCTYPE.search(data[:4096]):
        raise MalformedXml(detail=f"{what}: DTDs and entities are not accepted")
    try:
        return DET.fromstring(data.lstrip(b"\xef\xbb\xbf \r\n\t"), forbid_dtd=True)
    except DefusedXmlException as exc:
        raise MalformedXml(detail=f"{what}: {type(exc).__name__}") from None
    except DET.ParseError as exc:
        raise MalformedXml(detail=f"{what}: {exc}") from None


def check_pdf(data: bytes, limits: Limits = DEFAULT_LIMITS) -> int:
    """Refuse what is not a plausible PDF, then count pages with pdfminer's own parser.

    Returns the page count. pdfminer parses lazily: counting pages walks only the page tree.
    """
    check_size(data, limits)
    if not data[:1024].lstrip().startswith(b"%PDF-") and b"%PDF-" not in data[:1024]:
        raise MalformedPdf(detail="no %PDF- header")
    if b"%%EOF" not in data[-2048:]:
        raise MalformedPdf(detail="no %%EOF trailer (truncated?)")
    from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser
    from pdfminer.psparser import PSException

    try:
        doc = PDFDocument(PDFParser(io.BytesIO(data)))
        pages = 0
        for _ in PDFPage.create_pages(doc):
            pages += 1
            if pages > limits.pdf_pages_max:
                raise PdfTooManyPages(pages=f">{limits.pdf_pages_max}", limit=limits.pdf_pages_max)
    except (PDFEncryptionError, PDFPasswordIncorrect):
        raise EncryptedPdf() from None
    except YecaiError:
        raise
    except (PSException, ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        raise MalformedPdf(detail=type(exc).__name__) from None
    except Exception as exc:  # pdfminer raises many ad-hoc exception types on broken files
        raise MalformedPdf(detail=type(exc).__name__) from None
    if pages == 0:
        raise MalformedPdf(detail="no pages")
    return pages
