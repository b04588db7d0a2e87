"""Sales invoices out to the tax authority's invoicing software, so they need not be retyped.

Two formats:

* ``kp-xml``: the import file of the VAT invoicing software (增值税发票税控开票软件, 金税盘/税控盘,
  "发票导入"): GBK XML ``<Kp><Version>2.0</Version><Fpxx><Zsl>n</Zsl><Fpsj><Fp>…`` with one ``<Fp>``
  per invoice (单据号 Djh = yecai's invoice number, buyer 购方 name/tax id/bank, lines ``<Sph>``
  with name, spec, unit, quantity, unit price and amount before tax, rate and tax; Hsbz 0 = prices
  exclude tax).
* ``sdp-xlsx``: the batch-issue workbook of the fully digital e-invoice (数电票) service of the
  electronic tax bureau: sheet 发票基本信息 (one row per invoice) and sheet 发票明细信息 (one row per
  line, joined by 发票流水号).

The 商品和服务税收分类编码 is not kept in yecai's items; the invoicing software fills it from its
own product catalogue by name (赋码), which it remembers after the first time.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from xml.etree import ElementTree as ET

from sqlalchemy import select

from yecai.core.errors import YecaiError
from yecai.core.money import format_minor
from yecai.masterdata.models import Customer, Item
from yecai.sales.models import SalesInvoice, SalesInvoiceLine
from yecai.security.domain import Perm
from yecai.store.uow import UnitOfWork

FORMATS = ("kp-xml", "sdp-xlsx")
KP_VERSION = "2.0"
TAX_CODE_VERSION = "48.0"  # 商品编码版本号 the file declares; the software keeps its own catalogue
INVOICES_MAX = 5_000


class UnknownExportFormat(YecaiError):
    code = "taxexport.unknown_format"
    template = "Unknown export format {value!r}; the formats are {formats}"


class NothingToExport(YecaiError):
    code = "taxexport.nothing"
    template = "No posted sales invoice between {start} and {end}"
    http_status = 404


class TooManyInvoices(YecaiError):
    code = "taxexport.too_many"
    template = "{n} invoices are more than {max} for one file; export a shorter range"


@dataclass(frozen=True)
class ExportLine:
    name: str
    spec: str
    unit: str
    qty: Decimal
    unit_price: Decimal
    net: str
    rate: Decimal
    tax: str


@dataclass(frozen=True)
class ExportInvoice:
    no: str
    day: date
    buyer_name: str
    buyer_tax_id: str
    buyer_bank: str
    buyer_account: str
    net: str
    tax: str
    total: str
    lines: tuple[ExportLine, ...]


def invoices(
    uow: UnitOfWork, company_code: str, start: date, end: date, *, numbers: Sequence[str] = ()
) -> list[ExportInvoice]:
    """Posted sales invoices dated ``start``..``end`` (or just ``numbers``), oldest first."""
    with uow:
        company = uow.company(company_code, Perm.EXPORT)
        s = uow.session
        q = select(SalesInvoice).where(SalesInvoice.company_id == company.id, SalesInvoice.status == "posted")
        q = (
            q.where(SalesInvoice.no.in_(list(numbers)))
            if numbers
            else q.where(SalesInvoice.date.between(start, end))
        )
        rows = list(
            s.execute(q.order_by(SalesInvoice.date, SalesInvoice.no).limit(INVOICES_MAX + 1)).scalars()
        )
        if len(rows) > INVOICES_MAX:
            raise TooManyInvoices(n=f"> {INVOICES_MAX}", max=INVOICES_MAX)
        if not rows:
            raise NothingToExport(start=start.isoformat(), end=end.isoformat())
        ids = [r.id for r in rows]
        lines: dict[int, list[SalesInvoiceLine]] = {}
        for ln in s.execute(
            select(SalesInvoiceLine)
            .where(SalesInvoiceLine.invoice_id.in_(ids))
            .order_by(SalesInvoiceLine.invoice_id, SalesInvoiceLine.line_no)
        ).scalars():
            lines.setdefault(ln.invoice_id, []).append(ln)
        customers = {
            c.id: c
            for c in s.execute(
                select(Customer).where(Customer.id.in_({r.customer_id for r in rows}))
            ).scalars()
        }
        item_ids = {ln.item_id for ls in lines.values() for ln in ls}
        items = (
            {i.id: i for i in s.execute(select(Item).where(Item.id.in_(item_ids))).scalars()}
            if item_ids
            else {}
        )
        out = []
        for inv in rows:
            cust = customers[inv.customer_id]
            out.append(
                ExportInvoice(
                    no=inv.no,
                    day=inv.date,
                    buyer_name=cust.name,
                    buyer_tax_id=cust.tax_id,
                    buyer_bank=cust.bank_name,
                    buyer_account=cust.bank_account,
                    net=format_minor(inv.net_minor),
                    tax=format_minor(inv.tax_minor),
                    total=format_minor(inv.total_minor),
                    lines=tuple(
                        ExportLine(
                            name=items[ln.item_id].name,
                            spec=items[ln.item_id].spec,
                            unit=items[ln.item_id].unit,
                            qty=Decimal(ln.qty_e4) / 10000,
                            unit_price=ln.unit_price,
                            net=format_minor(ln.net_minor),
                            rate=ln.tax_rate,
                            tax=format_minor(ln.tax_minor),
                        )
                        for ln in lines.get(inv.id, [])
                    ),
                )
            )
        uow.audit(
            "sales_invoice.tax_export",
            "company",
            company.code,
            company_id=company.id,
            after={"invoices": len(out), "from": out[0].no, "to": out[-1].no},
        )
        uow.commit()
        return out


def _num(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _rate(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.01")) if value else Decimal(0), "f")


def kp_xml(rows: Sequence[ExportInvoice]) -> bytes:
    """The 开票软件 import file (GBK XML)."""
    kp = ET.Element("Kp")
    ET.SubElement(kp, "Version").text = KP_VERSION
    fpxx = ET.SubElement(kp, "Fpxx")
    ET.SubElement(fpxx, "Zsl").text = str(len(rows))
    fpsj = ET.SubElement(fpxx, "Fpsj")
    for inv in rows:
        fp = ET.SubElement(fpsj, "Fp")
        for tag, text in (
            ("Djh", inv.no),
            ("Gfmc", inv.buyer_name),
            ("Gfsh", inv.buyer_tax_id),
            ("Gfyhzh", f"{inv.buyer_bank} {inv.buyer_account}".strip()),
            ("Gfdzdh", ""),
            ("Bz", ""),
            ("Fhr", ""),
            ("Skr", ""),
            ("Spbmbbh", TAX_CODE_VERSION),
            ("Hsbz", "0"),
        ):
            ET.SubElement(fp, tag).text = text
        spxx = ET.SubElement(fp, "Spxx")
        for n, ln in enumerate(inv.lines, start=1):
            sph = ET.SubElement(spxx, "Sph")
            for tag, text in (
                ("Xh", str(n)),
                ("Spmc", ln.name),
                ("Ggxh", ln.spec),
                ("Jldw", ln.unit),
                ("Spbm", ""),
                ("Qyspbm", ""),
                ("Syyhzcbz", "0"),
                ("Lslbz", ""),
                ("Yhzcsm", ""),
                ("Dj", _num(ln.unit_price)),
                ("Sl", _num(ln.qty)),
                ("Je", ln.net),
                ("Slv", _rate(ln.rate)),
                ("Se", ln.tax),
                ("Kce", ""),
            ):
                ET.SubElement(sph, tag).text = text
    ET.indent(kp)
    body = ET.tostring(kp, encoding="unicode")
    return ('<?xml version="1.0" encoding="GBK"?>\n' + body + "\n").encode("gbk", errors="xmlcharrefreplace")


SDP_HEAD = (
    "发票流水号",
    "发票类型",
    "特定业务类型",
    "是否含税",
    "购买方名称",
    "购买方纳税人识别号",
    "购买方地址",
    "购买方电话",
    "购买方开户银行",
    "购买方银行账号",
    "备注",
    "合计金额",
    "合计税额",
    "价税合计",
)
SDP_LINES = (
    "发票流水号",
    "项目名称",
    "商品和服务税收分类编码",
    "规格型号",
    "单位",
    "数量",
    "单价",
    "金额",
    "税率",
    "税额",
)
INVOICE_TYPE = "增值税专用发票"
INVOICE_TYPE_PLAIN = "普通发票"


def sdp_xlsx(rows: Sequence[ExportInvoice]) -> bytes:
    """The 数电票 batch-issue workbook: invoice heads and lines on two sheets."""
    from openpyxl import Workbook

    wb = Workbook()
    head = wb.active
    assert head is not None
    head.title = "发票基本信息"
    head.append(list(SDP_HEAD))
    detail = wb.create_sheet("发票明细信息")
    detail.append(list(SDP_LINES))
    for inv in rows:
        kind = INVOICE_TYPE if inv.buyer_tax_id else INVOICE_TYPE_PLAIN
        head.append(
            [
                inv.no,
                kind,
                "",
                "否",
                inv.buyer_name,
                inv.buyer_tax_id,
                "",
                "",
                inv.buyer_bank,
                inv.buyer_account,
                "",
                Decimal(inv.net),
                Decimal(inv.tax),
                Decimal(inv.total),
            ]
        )
        for ln in inv.lines:
            detail.append(
                [
                    inv.no,
                    ln.name,
                    "",
                    ln.spec,
                    ln.unit,
                    ln.qty,
                    ln.unit_price,
                    Decimal(ln.net),
                    ln.rate,
                    Decimal(ln.tax),
                ]
            )
    for ws in (head, detail):
        for col in ws.columns:
            ws.column_dimensions[col[0].column_letter].width = max(
                10, min(40, 2 + max(len(str(c.value or "")) for c in col) * 2)
            )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def export(
    uow: UnitOfWork, company_code: str, fmt: str, start: date, end: date, *, numbers: Sequence[str] = ()
) -> tuple[bytes, int, str]:
    """(file content, invoices, file suffix)."""
    if fmt not in FORMATS:
        raise UnknownExportFormat(value=fmt, formats=", ".join(FORMATS), field="format")
    rows = invoices(uow, company_code, start, end, numbers=numbers)
    if fmt == "kp-xml":
        return kp_xml(rows), len(rows), ".xml"
    return sdp_xlsx(rows), len(rows), ".xlsx"


def as_dict(inv: ExportInvoice) -> dict[str, Any]:
    return {"no": inv.no, "date": inv.day.isoformat(), "buyer": inv.buyer_name, "total": inv.total}
