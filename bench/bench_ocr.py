"""Field-level accuracy and seconds per page of invoice OCR (rapidocr, bundled PP-OCR models).

1. Generated invoices (yecai.intake.ocr_sample): two layouts (数电票 side by side; VAT invoice
   with 发票代码/校验码, buyer above seller below), resolutions, rotations and noise levels, each
   with its known fields. Measured per field, per condition, and for the decision that matters:
   how many would be drafted without a person (every check passes, every required field
   confident) and how many of those were entirely right (the auto-draft precision).
2. Real samples in ../shared/data/invoice_pdfs/compare: the text-layer PDFs rendered to images
   (150 dpi, the text layer dropped) and the PNG renderings shipped beside some, read by OCR and
   compared with the expected JSON like bench_intake does for the PDFs.

Seconds are wall time per page on this machine (2 cores shared; the load average is recorded),
reading from memory, the OCR engine loaded once before timing.

    .venv/bin/python bench/bench_ocr.py [--pages 24] [--seed 1] [--data ../shared/data] [--skip-real]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from yecai.core.errors import YecaiError  # noqa: E402
from yecai.intake import ocr  # noqa: E402
from yecai.intake.domain import to_contract  # noqa: E402
from yecai.intake.ocr_sample import BUYER_TAX_ID, random_invoice, render  # noqa: E402
from yecai.intake.review import AUTO_CONFIDENCE_MIN, REQUIRED_FIELDS  # noqa: E402
from yecai.intake.service import read_invoice  # noqa: E402

FIELDS = (
    "invoice_code", "invoice_number", "issue_date", "seller_name", "seller_tax_id", "buyer_name",
    "buyer_tax_id", "total_net", "total_tax", "total_with_tax", "check_code", "remarks",
)  # fmt: skip
LINE_FIELDS = ("name", "spec", "unit", "quantity", "unit_price", "amount", "tax_rate", "tax")
# (label, dpi, rotate_deg, noise)
CONDITIONS = (
    ("clean 200dpi", 200, 0.0, 0.0),
    ("clean 150dpi", 150, 0.0, 0.0),
    ("clean 110dpi", 110, 0.0, 0.0),
    ("rotated +2°", 150, 2.0, 0.0),
    ("rotated -4°", 150, -4.0, 0.0),
    ("noise 0.3", 150, 0.0, 0.3),
    ("noise 0.6 rotated -1.5°", 150, -1.5, 0.6),
    ("jpeg photo-like rotated 3° noise 0.4", 130, 3.0, 0.4),
)


def _norm(key: str, value: Any) -> str:
    s = "" if value is None else str(value).strip()
    if key in ("total_net", "total_tax", "total_with_tax", "amount", "tax", "quantity", "unit_price"):
        try:
            return str(Decimal(s.replace(",", "").replace("¥", "")).normalize()) if s else ""
        except ArithmeticError:
            return s
    return re.sub(r"\s+", "", s)  # OCR drops the spaces in 合同号 HT-7


def _compare(got: dict[str, Any], exp: dict[str, Any]) -> dict[str, bool]:
    out = {f: _norm(f, got.get(f)) == _norm(f, exp.get(f)) for f in FIELDS if exp.get(f) not in (None, "")}
    got_lines = got.get("lines") or []
    for i, want in enumerate(exp["lines"]):
        have = got_lines[i] if i < len(got_lines) else {}
        for f in LINE_FIELDS:
            if want.get(f) not in (None, ""):
                out[f"lines.{f}"] = out.get(f"lines.{f}", True) and _norm(f, have.get(f)) == _norm(f, want[f])
    out["lines.count"] = len(got_lines) == len(exp["lines"])
    return out


def _auto(got: dict[str, Any]) -> bool:
    """Would the review queue draft this without a person (supplier assumed known)?"""
    if any(c["passed"] is False for c in got["checks"]):
        return False
    return all(got["confidence"].get(k, 0.0) >= AUTO_CONFIDENCE_MIN for k in REQUIRED_FIELDS)


def bench_generated(pages: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    rows = []
    for n in range(pages):
        layout = ("sdp", "vat")[n % 2]
        label, dpi, rot, noise = CONDITIONS[(n // 2) % len(CONDITIONS)]
        inv = random_invoice(rng, layout=layout)
        fmt = "JPEG" if label.startswith("jpeg") else "PNG"
        data = render(inv, layout=layout, dpi=dpi, rotate_deg=rot, noise=noise, seed=n, fmt=fmt)
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            got = to_contract(
                read_invoice(data, f"gen{n}.{fmt.lower()}"), company_tax_id=BUYER_TAX_ID, company_given=True
            )
            error = None
        except YecaiError as exc:
            got, error = {"checks": [], "confidence": {}}, exc.code
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        fields = _compare(got, inv.expected()) if error is None else {f: False for f in FIELDS}
        all_right = all(fields.values())
        rows.append({
            "page": n, "layout": layout, "condition": label, "seconds": round(seconds, 3),
            "cpu_seconds": round(cpu, 3), "error": error,
            "fields": fields, "all_right": all_right, "auto": error is None and _auto(got),
            "min_confidence": min((got["confidence"].get(k, 0.0) for k in REQUIRED_FIELDS), default=0.0),
        })  # fmt: skip
        print(f"  page {n:3d} {layout} {label:38s} {seconds:6.2f}s (cpu {cpu:5.2f}s)  fields {sum(fields.values())}/{len(fields)}"
              f"  auto={rows[-1]['auto']}", flush=True)  # fmt: skip
    return {
        "summary": _summary(rows),
        "by_condition": _by(rows, "condition"),
        "by_layout": _by(rows, "layout"),
        "pages": rows,
    }


def _summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    flat = [ok for r in rows for ok in r["fields"].values()]
    by_field: dict[str, list[bool]] = {}
    for r in rows:
        for f, ok in r["fields"].items():
            by_field.setdefault(f, []).append(ok)
    auto = [r for r in rows if r["auto"]]
    secs = sorted(r["seconds"] for r in rows)
    return {
        "pages": len(rows),
        "field_accuracy": round(sum(flat) / len(flat), 4) if flat else None,
        "fields_compared": len(flat),
        "pages_entirely_right": sum(r["all_right"] for r in rows),
        "auto_drafted": len(auto),
        "auto_draft_precision": round(sum(r["all_right"] for r in auto) / len(auto), 4) if auto else None,
        "seconds_per_page_mean": round(sum(secs) / len(secs), 2) if secs else None,
        "seconds_per_page_median": secs[len(secs) // 2] if secs else None,
        "cpu_seconds_per_page_mean": round(sum(r["cpu_seconds"] for r in rows) / len(rows), 2)
        if rows
        else None,
        "by_field": {f: f"{sum(v)}/{len(v)}" for f, v in sorted(by_field.items())},
    }


def _by(rows: list[dict[str, Any]], key: str) -> dict[str, Any]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(r[key], []).append(r)
    return {
        k: {
            "pages": len(v),
            "field_accuracy": _summary(v)["field_accuracy"],
            "auto_drafted": sum(r["auto"] for r in v),
            "seconds_per_page_mean": _summary(v)["seconds_per_page_mean"],
        }
        for k, v in groups.items()
    }


PDF_FIELDS = {"issuer": "seller_name", "amount": "total_with_tax", "date": "issue_date",
              "invoice_number": "invoice_number", "currency": "currency"}  # fmt: skip


def _pdf_equal(key: str, got: Any, exp: Any) -> bool:
    if key == "seller_name":
        g, e = str(got or "").lower().strip(" .,"), str(exp or "").lower().strip(" .,")
        return bool(g) and (g in e or e in g)
    if key == "invoice_number":
        return str(got or "").lstrip("#").strip() == str(exp or "").lstrip("#").strip()
    if key == "total_with_tax":
        try:
            return got is not None and Decimal(str(got)) == Decimal(str(exp))
        except ArithmeticError:
            return False
    return str(got or "") == str(exp or "")


def _pdf_to_png(pdf: bytes, dpi: int = 150) -> bytes:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        img = doc[0].render(scale=dpi / 72, grayscale=True).to_pil()
    finally:
        doc.close()
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def bench_real(data: Path) -> dict[str, Any]:
    base = data / "invoice_pdfs" / "compare"
    rows = []
    for path in sorted(base.glob("*.pdf")) + sorted(base.glob("*.png")):
        exp_path = path.with_suffix(".json")
        if not exp_path.exists():
            continue
        exp = json.loads(exp_path.read_text(encoding="utf-8"))[0]
        image = _pdf_to_png(path.read_bytes()) if path.suffix == ".pdf" else path.read_bytes()
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            got = to_contract(read_invoice(image, path.name))
            error = None
        except YecaiError as exc:
            got, error = {}, exc.code
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        fields = {
            k: _pdf_equal(k, got.get(k), exp[src])
            for src, k in PDF_FIELDS.items()
            if exp.get(src) not in (None, "")
        }
        rows.append({"file": f"{path.name}{' (rendered)' if path.suffix == '.pdf' else ''}", "seconds": round(seconds, 3),
                     "cpu_seconds": round(cpu, 3), "error": error, "fields": fields, "all_right": all(fields.values()),
                     "got": {k: got.get(k) for k in PDF_FIELDS.values()}})  # fmt: skip
        print(
            f"  {rows[-1]['file']:40s} {seconds:6.2f}s  fields {sum(fields.values())}/{len(fields)} {error or ''}",
            flush=True,
        )
    flat = [ok for r in rows for ok in r["fields"].values()]
    by_field: dict[str, list[bool]] = {}
    for r in rows:
        for f, ok in r["fields"].items():
            by_field.setdefault(f, []).append(ok)
    return {
        "summary": {
            "files": len(rows),
            "field_accuracy": round(sum(flat) / len(flat), 4) if flat else None,
            "fields_compared": len(flat),
            "seconds_per_page_mean": round(sum(r["seconds"] for r in rows) / len(rows), 2) if rows else None,
            "cpu_seconds_per_page_mean": round(sum(r["cpu_seconds"] for r in rows) / len(rows), 2)
            if rows
            else None,
            "by_field": {f: f"{sum(v)}/{len(v)}" for f, v in sorted(by_field.items())},
        },
        "files": rows,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=24)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--skip-real", action="store_true")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "ocr.json")
    args = ap.parse_args()
    t0 = time.perf_counter()
    ocr.engine()  # load the models once, outside the timings
    load_s = time.perf_counter() - t0
    load_before = os.getloadavg()
    print(f"OCR engine loaded in {load_s:.2f} s; load average {load_before[0]:.2f}")
    results: dict[str, Any] = {"engine_load_seconds": round(load_s, 2), "load_average_start": load_before}
    print(f"generated invoices ({args.pages} pages):")
    results["generated"] = bench_generated(args.pages, args.seed)
    if not args.skip_real and (args.data / "invoice_pdfs" / "compare").is_dir():
        print("real samples (rendered PDFs and PNG renderings):")
        results["real"] = bench_real(args.data)
    results["load_average_end"] = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    g = results["generated"]["summary"]
    print(f"generated: {g['pages']} pages, field accuracy {g['field_accuracy']} over {g['fields_compared']} fields, "
          f"{g['pages_entirely_right']} pages entirely right; auto-drafted {g['auto_drafted']} with precision "
          f"{g['auto_draft_precision']}; {g['seconds_per_page_mean']} s/page wall (median {g['seconds_per_page_median']}), "
          f"{g['cpu_seconds_per_page_mean']} s/page CPU")  # fmt: skip
    print(f"  by field: {g['by_field']}")
    for k, v in results["generated"]["by_condition"].items():
        print(
            f"  {k:38s} accuracy {v['field_accuracy']}  auto {v['auto_drafted']}/{v['pages']}  {v['seconds_per_page_mean']} s/page"
        )
    if "real" in results:
        r = results["real"]["summary"]
        print(f"real samples: {r['files']} pages, field accuracy {r['field_accuracy']} over {r['fields_compared']} fields, "
              f"{r['seconds_per_page_mean']} s/page wall, {r['cpu_seconds_per_page_mean']} s/page CPU; by field {r['by_field']}")  # fmt: skip
    print(f"load average at the end {results['load_average_end'][0]:.2f}; written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
