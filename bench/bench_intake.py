"""Field-level accuracy and speed of intake on the real sample files in ../shared/data.

- cn_einvoice_ofd/files/*.ofd against ground_truth.json (fields the issuer embedded);
- invoice_pdfs/compare/*.pdf (+ Orlen.txt) and invoice_pdfs/custom/*.txt against their
  expected JSON (issuer, amount, date, invoice_number, currency; amount_untaxed/amount_tax
  when given). These expectations come from another extractor's templates, not checked truth;
- bank_statements/oca_ofx/*.ofx: opening/closing/lines of the valid files, refusal of the wrong one.

Writes bench/out/intake.json and prints a summary. Seconds per file are wall time on this
machine, reading from memory (file I/O excluded). When the data folder is missing, says so
and exits 0.

    .venv/bin/python bench/bench_intake.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from yecai.core.errors import YecaiError  # noqa: E402
from yecai.intake.domain import to_contract  # noqa: E402
from yecai.intake.pdftext import read_text_invoice  # noqa: E402
from yecai.intake.service import extract_statements, read_invoice  # noqa: E402

# ground_truth key → contract key (both XML schemas and the tag-resolved one)
OFD_FIELDS = {
    "InvoiceCode": "invoice_code", "CodeOfInvoice": "invoice_code",
    "InvoiceNo": "invoice_number", "NumberOfInvoice": "invoice_number",
    "IssueDate": "issue_date", "DateOfIssue": "issue_date",
    "InvoiceCheckCode": "check_code", "IdentifyingCode": "check_code",
    "BuyerName": "buyer_name", "Buyer/BuyerName": "buyer_name", "NameOfPurchaser": "buyer_name",
    "BuyerTaxID": "buyer_tax_id", "Buyer/BuyerTaxID": "buyer_tax_id",
    "TaxpayerIdentificationNumberUnifiedSocialCreditCodeOfPurchaser": "buyer_tax_id",
    "SellerName": "seller_name", "Seller/SellerName": "seller_name", "NameOfSeller": "seller_name",
    "SellerTaxID": "seller_tax_id", "Seller/SellerTaxID": "seller_tax_id",
    "TaxpayerIdentificationNumberUnifiedSocialCreditCodeOfSeller": "seller_tax_id",
    "TaxInclusiveTotalAmount": "total_with_tax", "TaxIncludedAmountInFigures": "total_with_tax",
    "TaxExclusiveTotalAmount": "total_net", "TotalAmountExcludingTax": "total_net",
    "TaxTotalAmount": "total_tax", "TotalTaxAmount": "total_tax",
    "Note": "remarks", "Remarks": "remarks", "TypeOfInvoice": "invoice_type",
}  # fmt: skip
LINE_FIELDS = {
    "Item": "name", "NameOfTaxableGoodsOrServices": "name", "Specification": "spec",
    "MeasurementDimension": "unit", "UnitOfGoodsOrServices": "unit", "Quantity": "quantity",
    "QuantityOfGoodsOrServices": "quantity", "Price": "unit_price", "UnitPriceOfGoodsOrServices": "unit_price",
    "Amount": "amount", "AmountExcludingTax": "amount", "TaxScheme": "tax_rate", "TaxRate": "tax_rate",
    "TaxAmount": "tax",
}  # fmt: skip
SINGLE_LINE_TAGS = ("Item", "TaxScheme", "Amount", "TaxAmount", "Price", "Quantity")  # 数电票 tag layout


def _norm(key: str, value: Any) -> str:
    s = "" if value is None else str(value).strip()
    if key in ("total_with_tax", "total_net", "total_tax", "amount", "tax", "quantity", "unit_price"):
        s = s.replace("¥", "").replace(",", "")
        if s and set(s) == {"*"}:
            s = "0"  # tax printed as *** on exempt invoices
        try:
            return str(Decimal(s).normalize()) if s else ""
        except ArithmeticError:
            return s
    if key == "issue_date":
        m = re.match(r"(\d{4})\D*(\d{1,2})\D*(\d{1,2})", s)
        return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else s
    if key == "tax_rate":
        s = s.rstrip("%")
        try:
            return str(Decimal(s).normalize())
        except ArithmeticError:
            return s
    return re.sub(r"\s+", "", s)


def _score(rows: list[dict[str, Any]]) -> dict[str, Any]:
    by_field: dict[str, list[bool]] = {}
    for r in rows:
        for f, ok in r["fields"].items():
            by_field.setdefault(f, []).append(ok)
    total = [ok for oks in by_field.values() for ok in oks]
    return {
        "files": len(rows),
        "fields_compared": len(total),
        "accuracy": round(sum(total) / len(total), 4) if total else None,
        "by_field": {f: f"{sum(v)}/{len(v)}" for f, v in sorted(by_field.items())},
        "seconds_per_file": round(sum(r["seconds"] for r in rows) / len(rows), 4) if rows else None,
    }


def bench_ofd(data: Path) -> dict[str, Any]:
    truth = json.loads((data / "cn_einvoice_ofd" / "ground_truth.json").read_text(encoding="utf-8"))
    rows = []
    for name, entry in sorted(truth.items()):
        raw = (data / "cn_einvoice_ofd" / "files" / name).read_bytes()
        t0 = time.perf_counter()
        try:
            got = to_contract(read_invoice(raw, name))
            error = None
        except YecaiError as exc:
            got, error = {}, exc.code
        seconds = time.perf_counter() - t0
        fields: dict[str, bool] = {}
        gt = entry["fields"]
        for k, v in gt.items():
            key = OFD_FIELDS.get(k)
            if key:
                fields[key] = _norm(key, got.get(key)) == _norm(key, v)
        gt_lines = gt.get("lines") or (
            [{k: gt[k] for k in SINGLE_LINE_TAGS if k in gt}] if "Item" in gt else []
        )
        if gt_lines:
            got_lines = got.get("lines", [])
            ok = len(got_lines) == len(gt_lines)
            for gl, ln in zip(gt_lines, got_lines, strict=False):
                for k, v in gl.items():
                    key = LINE_FIELDS.get(k)
                    if key and _norm(key, ln.get(key)) != _norm(key, v):
                        ok = False
            fields["lines"] = ok
        rows.append({"file": name, "seconds": seconds, "error": error, "fields": fields,
                     "failed_checks": [c["name"] for c in got.get("checks", []) if c["passed"] is False]})  # fmt: skip
    return {"summary": _score(rows), "files": rows}


PDF_FIELDS = {"issuer": "seller_name", "amount": "total_with_tax", "date": "issue_date",
              "invoice_number": "invoice_number", "currency": "currency",
              "amount_untaxed": "total_net", "amount_tax": "total_tax"}  # fmt: skip


def _pdf_equal(key: str, got: Any, exp: Any) -> bool:
    if key == "seller_name":  # the templates name issuers loosely: either contains the other
        g, e = str(got or "").lower().strip(" .,"), str(exp or "").lower().strip(" .,")
        return bool(g) and (g in e or e in g)
    if key == "invoice_number":
        return str(got or "").lstrip("#").strip() == str(exp or "").lstrip("#").strip()
    if key in ("total_with_tax", "total_net", "total_tax"):
        return got is not None and Decimal(str(got)) == Decimal(str(exp))
    return str(got or "") == str(exp or "")


def bench_pdfs(data: Path) -> dict[str, Any]:
    rows = []
    base = data / "invoice_pdfs"
    inputs = (
        sorted(base.glob("compare/*.pdf"))
        + sorted(base.glob("compare/*.txt"))
        + sorted(base.glob("custom/*.txt"))
    )
    for path in inputs:
        expected_path = path.with_suffix(".json")
        if not expected_path.exists():
            continue
        exp = json.loads(expected_path.read_text(encoding="utf-8"))[0]
        raw = path.read_bytes()
        t0 = time.perf_counter()
        try:
            inv = (
                read_invoice(raw, path.name)
                if path.suffix == ".pdf"
                else read_text_invoice(raw.decode("utf-8"))
            )
            got = to_contract(inv)
            error = None
        except YecaiError as exc:
            got, error = {}, exc.code
        seconds = time.perf_counter() - t0
        fields = {
            key: _pdf_equal(key, got.get(key), exp[src])
            for src, key in PDF_FIELDS.items()
            if exp.get(src) not in (None, "")
        }
        rows.append({"file": f"{path.parent.name}/{path.name}", "seconds": seconds, "error": error,
                     "fields": fields,
                     "got": {k: got.get(k) for k in PDF_FIELDS.values()}})  # fmt: skip
    pdf_rows = [r for r in rows if r["file"].endswith(".pdf")]
    return {"summary": _score(rows), "summary_pdf_only": _score(pdf_rows), "files": rows}


def bench_ofx(data: Path) -> dict[str, Any]:
    out = []
    for path in sorted((data / "bank_statements" / "oca_ofx").glob("*.ofx")):
        t0 = time.perf_counter()
        try:
            sts = extract_statements(path.read_bytes(), path.name)
            st = sts[0]
            result: dict[str, Any] = {"opening": st["opening_balance"], "closing": st["closing_balance"],
                                      "lines": len(st["lines"]), "refused": None}  # fmt: skip
        except YecaiError as exc:
            result = {"refused": exc.code, "message": exc.render("en")}
        result.update(file=path.name, seconds=round(time.perf_counter() - t0, 4))
        out.append(result)
    expected_ok = all(
        (r["refused"] is not None) if r["file"] == "test_ofx_wrong.ofx"
        else (r.get("opening"), r.get("closing"), r.get("lines")) == ("2516.56", "2156.56", 4)
        for r in out
    )  # fmt: skip
    return {"all_as_expected": expected_ok, "files": out}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "intake.json")
    args = ap.parse_args()
    if not args.data.is_dir():
        print(f"no sample data at {args.data}; nothing measured")
        return 0
    results = {"ofd": bench_ofd(args.data), "pdf": bench_pdfs(args.data), "ofx": bench_ofx(args.data)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    o, p, pp = results["ofd"]["summary"], results["pdf"]["summary"], results["pdf"]["summary_pdf_only"]
    print(f"OFD e-invoices: {o['files']} files, field accuracy {o['accuracy']} over {o['fields_compared']} fields, "
          f"{o['seconds_per_file']} s/file")  # fmt: skip
    print(f"  by field: {o['by_field']}")
    print(f"PDF/text invoices: {p['files']} files, field accuracy {p['accuracy']} over {p['fields_compared']} fields "
          f"(PDFs only: {pp['accuracy']} over {pp['fields_compared']}), {p['seconds_per_file']} s/file")  # fmt: skip
    print(f"  by field: {p['by_field']}")
    print(f"OFX statements as expected: {results['ofx']['all_as_expected']}")
    for r in results["ofx"]["files"]:
        print(f"  {r['file']}: " + (f"refused ({r['refused']})" if r["refused"] else
              f"opening {r['opening']}, closing {r['closing']}, {r['lines']} lines"))  # fmt: skip
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
