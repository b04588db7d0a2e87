"""Hostile files are refused before parsing, each with its own named error."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.intake import builders as b
from yecai.intake import guard
from yecai.intake.guard import Limits
from yecai.intake.service import read_invoice, read_statements


def test_size_limit_and_empty_file() -> None:
    with pytest.raises(guard.FileTooLarge) as exc:
        read_invoice(b"%PDF-" + b"x" * 2000, "big.pdf", Limits(file_bytes_max=1000))
    assert exc.value.code == "intake.file_too_large" and exc.value.http_status == 413
    with pytest.raises(guard.FileEmpty):
        read_invoice(b"", "empty.ofd")


def test_zip_bomb_by_ratio_and_by_total() -> None:
    bomb = b.zip_of([("OFD.xml", b"<a/>"), ("Doc_0/big.xml", b"\0" * (8 * 1024 * 1024))])
    assert len(bomb) < 100_000
    with pytest.raises(guard.ZipBomb) as exc:
        read_invoice(bomb, "bomb.ofd")
    assert exc.value.code == "intake.zip_bomb"
    many = b.zip_of([(f"f{i}.xml", b"<a>" + b"x" * 2000 + b"</a>") for i in range(20)])
    with pytest.raises(guard.ZipBomb):
        read_invoice(many, "many.ofd", Limits(zip_uncompressed_bytes_max=10_000))


def test_zip_entry_count() -> None:
    data = b.zip_of([(f"f{i}.xml", b"<a/>") for i in range(30)])
    with pytest.raises(guard.ZipTooManyEntries):
        read_invoice(data, "n.ofd", Limits(zip_entries_max=10))


def test_zip_lying_about_its_size() -> None:
    data = bytearray(b.zip_of([("OFD.xml", b"<a>" + b"y" * 5000 + b"</a>")]))
    # Shrink the declared uncompressed size in the central directory: reading must stop.
    cd = data.rfind(b"PK\x01\x02")
    data[cd + 24 : cd + 28] = (100).to_bytes(4, "little")
    with pytest.raises((guard.ZipBomb, guard.MalformedZip)):
        guard.SafeZip(bytes(data)).read("OFD.xml")


@pytest.mark.parametrize(
    ("name", "reason"),
    [("../evil.xml", "parent directory"), ("/etc/passwd", "absolute path"), ("Doc_0\\x.xml", "backslash"),
     ("a/../../b.xml", "parent directory"), ("C:/x.xml", "absolute path")],
)  # fmt: skip
def test_path_traversal_names(name: str, reason: str) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("OFD.xml", "<a/>")
        z.writestr(zipfile.ZipInfo(name), "<a/>")
    with pytest.raises(guard.UnsafeArchivePath) as exc:
        read_invoice(buf.getvalue(), "t.ofd")
    assert exc.value.params["reason"] == reason


def test_malformed_zip_pdf_xml() -> None:
    with pytest.raises(guard.MalformedZip):
        read_invoice(b"PK\x03\x04" + b"garbage" * 10, "x.ofd")
    with pytest.raises(guard.MalformedPdf):
        read_invoice(b"%PDF-1.7\n garbage without trailer", "x.pdf")
    with pytest.raises(guard.MalformedPdf):
        read_invoice(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage\n%%EOF", "x.pdf")
    with pytest.raises(guard.MalformedXml):
        read_invoice(b"<eInvoice><unclosed></eInvoice>", "x.xml")


def test_xml_entities_refused() -> None:
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
        b"<eInvoice>&lol2;</eInvoice>"
    )
    with pytest.raises(guard.MalformedXml) as exc:
        read_invoice(laughs, "x.xml")
    assert "DTD" in str(exc.value)
    # the same inside an OFD package and in a statement
    with pytest.raises(guard.MalformedXml):
        read_invoice(b.zip_of([("OFD.xml", laughs)]), "x.ofd")
    with pytest.raises(guard.MalformedXml):
        read_statements(laughs.replace(b"eInvoice", b"Document camt.053"), "s.xml")


def test_pdf_page_limit() -> None:
    data = b.pdf(["page"], pages=3, chinese=False)
    with pytest.raises(guard.PdfTooManyPages):
        read_invoice(data, "p.pdf", Limits(pdf_pages_max=2))
    assert guard.check_pdf(data) == 3


def test_unknown_format() -> None:
    with pytest.raises(guard.UnknownFormat):
        read_invoice(b"just some text", "x.txt")
    with pytest.raises(guard.UnknownFormat):
        read_invoice(b'<?xml version="1.0"?><html/>', "x.xml")
