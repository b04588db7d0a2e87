"""Chinese e-invoices from structured data: XML files and OFD (GB/T 33190) packages.

XML comes in three shapes, all read by element local name (issuers disagree on prefixes):
- ``eInvoice`` of the 2016/2019 e-invoice schema (增值税电子普通发票, fp: prefix),
- ``xbrl`` of the MOF e-invoice taxonomy (inv: prefix),
- ``EInvoice`` of the fully-digital invoice (数电票) platform, 20-digit number, no code.

An OFD is a ZIP of XML. In order of trust we read (1) the invoice XML the issuer attached
(Attachs/…), (2) the custom tags (Tags/CustomTag.xml) that point at text objects on the page,
(3) the CustomDatas of OFD.xml plus the page text. Rendered text is also searched for the
价税合计 in capitals so that it can be checked against the figure.
"""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Any

from yecai.intake.domain import (
    Invoice,
    InvoiceLine,
    NoInvoiceData,
    clean_tax_id,
    cn_date,
    dec,
    rate,
    tax_dec,
    with_defaults,
)
from yecai.intake.guard import DEFAULT_LIMITS, Limits, MalformedXml, SafeZip, UnknownFormat, parse_xml
from yecai.intake.words import looks_like_amount_words

OFD_TEXT_OBJECTS_MAX = 100_000

_GRAPH_TYPES = {
    "01": "增值税专用发票",
    "04": "增值税普通发票",
    "08": "增值税电子专用发票",
    "10": "增值税电子普通发票",
    "14": "增值税电子普通发票(通行费)",
}


def _local(tag: Any) -> str:
    t = str(tag)
    return t.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


def _text(el: Any) -> str:
    return "".join(el.itertext()).strip() if el is not None else ""


def _find(root: Any, *names: str) -> Any:
    wanted = set(names)
    for el in root.iter():
        if _local(el.tag) in wanted:
            return el
    return None


def _get(root: Any, *names: str) -> str:
    return _text(_find(root, *names))


def _children(root: Any, name: str) -> list[Any]:
    return [el for el in root.iter() if _local(el.tag) == name]


# --- the three XML schemas ---------------------------------------------------------------------


def _line(
    name: str, spec: str, unit: str, qty: str, price: str, amount: str, rate_text: str, tax: str
) -> InvoiceLine:
    return InvoiceLine(
        name=name,
        spec=spec,
        unit=unit,
        quantity=dec(qty),
        unit_price=dec(price),
        amount=dec(amount),
        tax_rate=rate(rate_text),
        tax=tax_dec(tax),
        tax_rate_text=rate_text.strip(),
    )


def _from_fp(root: Any, source: str) -> Invoice:
    graph = _get(root, "GraphCode").split(",")
    inv_type = _GRAPH_TYPES.get(graph[1], "") if len(graph) > 2 else ""
    lines = tuple(
        _line(
            _get(g, "Item"), _get(g, "Specification"), _get(g, "MeasurementDimension"),
            _get(g, "Quantity"), _get(g, "Price"), _get(g, "Amount"), _get(g, "TaxScheme"),
            _get(g, "TaxAmount"),
        )
        for g in _children(root, "GoodsInfo")
    )  # fmt: skip
    return Invoice(
        source=source,
        invoice_type=inv_type or "增值税电子发票",
        invoice_code=_get(root, "InvoiceCode"),
        invoice_number=_get(root, "InvoiceNo"),
        issue_date=cn_date(_get(root, "IssueDate")),
        seller_name=_get(root, "SellerName"),
        seller_tax_id=clean_tax_id(_get(root, "SellerTaxID")),
        buyer_name=_get(root, "BuyerName"),
        buyer_tax_id=clean_tax_id(_get(root, "BuyerTaxID")),
        total_net=dec(_get(root, "TaxExclusiveTotalAmount")),
        total_tax=tax_dec(_get(root, "TaxTotalAmount")),
        total_with_tax=dec(_get(root, "TaxInclusiveTotalAmount")),
        check_code=re.sub(r"\s+", "", _get(root, "InvoiceCheckCode")),
        remarks=_get(root, "Note"),
        lines=lines,
    )


def _from_xbrl(root: Any, source: str) -> Invoice:
    lines = tuple(
        _line(
            _get(t, "NameOfTaxableGoodsOrServices"), _get(t, "Specification"),
            _get(t, "UnitOfGoodsOrServices"), _get(t, "QuantityOfGoodsOrServices"),
            _get(t, "UnitPriceOfGoodsOrServices"), _get(t, "AmountExcludingTax"), _get(t, "TaxRate"),
            _get(t, "TaxAmount"),
        )
        for t in _children(root, "InformationOfTaxableGoodsOrServicesDetailItemsTuple")
    )  # fmt: skip
    measure = _get(root, "measure")
    return Invoice(
        source=source,
        invoice_type=_get(root, "TypeOfInvoice"),
        invoice_code=_get(root, "CodeOfInvoice"),
        invoice_number=_get(root, "NumberOfInvoice"),
        issue_date=cn_date(_get(root, "DateOfIssue")),
        seller_name=_get(root, "NameOfSeller"),
        seller_tax_id=clean_tax_id(_get(root, "TaxpayerIdentificationNumberUnifiedSocialCreditCodeOfSeller")),
        buyer_name=_get(root, "NameOfPurchaser"),
        buyer_tax_id=clean_tax_id(
            _get(root, "TaxpayerIdentificationNumberUnifiedSocialCreditCodeOfPurchaser")
        ),
        total_net=dec(_get(root, "TotalAmountExcludingTax")),
        total_tax=dec(_get(root, "TotalTaxAmount")),
        total_with_tax=dec(_get(root, "TaxIncludedAmountInFigures")),
        total_in_words=_get(root, "TaxIncludedAmountInWords"),
        currency=measure.rsplit(":", 1)[-1] if measure else "CNY",
        check_code=_get(root, "IdentifyingCode"),
        remarks=_get(root, "Remarks"),
        lines=lines,
    )


def _from_sdp(root: Any, source: str) -> Invoice:
    """数电票 (全面数字化的电子发票) platform XML."""
    lines = tuple(
        _line(
            _get(t, "ItemName"), _get(t, "SpecMod"), _get(t, "MeaUnits"), _get(t, "Quantity"),
            _get(t, "UnPrice"), _get(t, "Amount"), _percent(_get(t, "TaxRate")), _get(t, "ComTaxAm"),
        )
        for t in _children(root, "IssuItemInformation")
    )  # fmt: skip
    label = _get(root, "LabelName")
    number = _get(root, "InvoiceNumber") or _get(root, "EIid")
    return Invoice(
        source=source,
        invoice_type=label or "电子发票",
        invoice_code="",
        invoice_number=number,
        issue_date=cn_date(_get(root, "IssueTime") or _get(root, "RequestTime")),
        seller_name=_get(root, "SellerName"),
        seller_tax_id=clean_tax_id(_get(root, "SellerIdNum")),
        buyer_name=_get(root, "BuyerName"),
        buyer_tax_id=clean_tax_id(_get(root, "BuyerIdNum")),
        total_net=dec(_get(root, "TotalAmWithoutTax")),
        total_tax=dec(_get(root, "TotalTaxAm")),
        total_with_tax=dec(_get(root, "TotalTax-includedAmount")),
        total_in_words=_get(root, "TotalTax-includedAmountInChinese"),
        remarks=_get(root, "Remark"),
        lines=lines,
    )


def _percent(text: str) -> str:
    """The platform writes 0.13 for 13%; the contract prints rates as on paper."""
    value = dec(text)
    if value is None or text.strip().endswith("%") or value >= 1:
        return text
    return f"{(value * 100).normalize():f}%"


def invoice_from_xml_root(root: Any, source: str = "xml") -> Invoice | None:
    name = _local(root.tag)
    if name == "eInvoice":
        return _from_fp(root, source)
    if name == "xbrl" and _find(root, "NumberOfInvoice") is not None:
        return _from_xbrl(root, source)
    if name == "EInvoice":
        return _from_sdp(root, source)
    return None


def read_xml_invoice(data: bytes) -> Invoice:
    root = parse_xml(data, "invoice xml")
    inv = invoice_from_xml_root(root)
    if inv is None:
        raise UnknownFormat(kind="e-invoice XML", detail=f"root element <{_local(root.tag)}>")
    return with_defaults(inv)


# --- OFD ---------------------------------------------------------------------------------------


def _join(base: str, loc: str) -> str:
    """Resolve an OFD location relative to the file that names it (absolute ones from the root)."""
    loc = loc.strip().replace("\\", "/")
    if loc.startswith("/"):
        return loc.lstrip("/")
    parts: list[str] = []
    for part in (PurePosixPath(base).parent / loc).parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part not in (".", ""):
            parts.append(part)
    return "/".join(parts)


class _Ofd:
    def __init__(self, data: bytes, limits: Limits) -> None:
        self.zip = SafeZip(data, limits)
        ofd_name = self.zip.find("OFD.xml")
        if ofd_name is None:
            raise UnknownFormat(kind="OFD", detail="no OFD.xml in the package")
        self.root = self._xml(ofd_name)
        if self.root is None or _local(self.root.tag) != "OFD":
            raise UnknownFormat(kind="OFD", detail="OFD.xml has no <ofd:OFD> root")
        self.custom_datas = {
            el.get("Name", ""): _text(el) for el in self.root.iter() if _local(el.tag) == "CustomData"
        }
        doc_loc = _get(self.root, "DocRoot")
        self.doc_name = self.zip.find(_join("OFD.xml", doc_loc)) if doc_loc else None
        self.doc = self._xml(self.doc_name) if self.doc_name else None

    def _xml(self, name: str | None, strict: bool = True) -> Any:
        if name is None:
            return None
        try:
            return parse_xml(self.zip.read(name), name)
        except MalformedXml:
            if strict:
                raise
            return None  # a broken optional part (seen: tag files with an empty prefix)

    def _resolve(self, base: str, loc: str) -> str | None:
        return self.zip.find(_join(base, loc))

    def attachments(self) -> list[str]:
        found: list[str] = []
        if self.doc is not None and self.doc_name:
            loc = _get(self.doc, "Attachments")
            listing = self._resolve(self.doc_name, loc) if loc else None
            tree = self._xml(listing, strict=False) if listing else None
            if tree is not None and listing:
                for att in _children(tree, "Attachment"):
                    target = self._resolve(listing, _get(att, "FileLoc"))
                    if target and target.lower().endswith(".xml"):
                        found.append(target)
        for name in self.zip.names():  # writers that forget the listing
            low = name.lower()
            if "attach" in low and low.endswith(".xml") and not low.endswith("attachments.xml"):
                if name not in found:
                    found.append(name)
        return found

    def page_texts(self) -> dict[str, tuple[str, float, float]]:
        """Text object ID → (text, x, y) over every page (IDs are unique in a document)."""
        out: dict[str, tuple[str, float, float]] = {}
        if self.doc is None or not self.doc_name:
            return out
        for page in _children(self.doc, "Page"):
            loc = page.get("BaseLoc")
            name = self._resolve(self.doc_name, loc) if loc else None
            tree = self._xml(name, strict=False) if name else None
            if tree is None:
                continue
            for obj in tree.iter():
                if _local(obj.tag) != "TextObject":
                    continue
                box = (obj.get("Boundary") or "0 0 0 0").split()
                try:
                    x, y = float(box[0]), float(box[1])
                except (ValueError, IndexError):
                    x = y = 0.0
                text = "".join(_text(tc) for tc in obj if _local(tc.tag) == "TextCode")
                out[obj.get("ID", "")] = (text, x, y)
                if len(out) > OFD_TEXT_OBJECTS_MAX:
                    raise UnknownFormat(kind="OFD", detail="too many text objects")
        return out

    def tag_files(self) -> list[str]:
        if self.doc is None or not self.doc_name:
            return []
        loc = _get(self.doc, "CustomTags")
        listing = self._resolve(self.doc_name, loc) if loc else None
        tree = self._xml(listing, strict=False) if listing else None
        if tree is None or listing is None:
            return []
        out = []
        for tag in _children(tree, "CustomTag"):
            target = self._resolve(listing, _get(tag, "FileLoc"))
            if target:
                out.append(target)
        return out


# Custom tag names (both schemas' spellings) → invoice field.
_TAG_FIELDS = {
    "InvoiceCode": "invoice_code",
    "InvoiceNo": "invoice_number",
    "IssueDate": "issue_date",
    "BuyerName": "buyer_name",
    "BuyerTaxID": "buyer_tax_id",
    "SellerName": "seller_name",
    "SellerTaxID": "seller_tax_id",
    "TaxExclusiveTotalAmount": "total_net",
    "TaxTotalAmount": "total_tax",
    "TaxInclusiveTotalAmount": "total_with_tax",
    "InvoiceCheckCode": "check_code",
    "Note": "remarks",
}
_TAG_LINE_FIELDS = {
    "Item": "name",
    "Specification": "spec",
    "MeasurementDimension": "unit",
    "Quantity": "quantity",
    "Price": "unit_price",
    "Amount": "amount",
    "TaxScheme": "tax_rate",
    "TaxAmount": "tax",
}


def _tag_text(el: Any, texts: dict[str, tuple[str, float, float]]) -> str | None:
    refs = [r for r in el if _local(r.tag) == "ObjectRef"]
    if not refs:
        return None
    return "".join(texts.get(_text(r), ("", 0.0, 0.0))[0] for r in refs).strip()


def _from_tags(ofd: _Ofd, texts: dict[str, tuple[str, float, float]]) -> Invoice | None:
    fields: dict[str, str] = {}
    line_values: dict[str, list[str]] = {}
    goods: list[dict[str, str]] = []
    for name in ofd.tag_files():
        tree = ofd._xml(name, strict=False)
        if tree is None:
            continue
        for el in tree.iter():
            tag = _local(el.tag)
            if tag == "GoodsInfo":
                row = {}
                for sub in el.iter():
                    key = _TAG_LINE_FIELDS.get(_local(sub.tag))
                    value = _tag_text(sub, texts)
                    if key and value is not None:
                        row[key] = value
                goods.append(row)
                continue
            value = _tag_text(el, texts)
            if value is None:
                continue
            if tag in _TAG_FIELDS and not _inside(tree, el, "GoodsInfo"):
                fields.setdefault(_TAG_FIELDS[tag], value)
            elif tag in _TAG_LINE_FIELDS and not _inside(tree, el, "GoodsInfo"):
                line_values.setdefault(_TAG_LINE_FIELDS[tag], []).append(value)
    if not fields:
        return None
    if not goods and line_values:
        count = max(len(v) for v in line_values.values())
        goods = [{k: v[i] for k, v in line_values.items() if i < len(v)} for i in range(count)]
    lines = tuple(
        _line(g.get("name", ""), g.get("spec", ""), g.get("unit", ""), g.get("quantity", ""),
              g.get("unit_price", ""), g.get("amount", ""), g.get("tax_rate", ""), g.get("tax", ""))
        for g in goods
    )  # fmt: skip
    number = re.sub(r"\s+", "", fields.get("invoice_number", ""))
    return Invoice(
        source="ofd_tags",
        invoice_type="电子发票(数电票)" if len(number) == 20 else "增值税电子发票",
        invoice_code=re.sub(r"\s+", "", fields.get("invoice_code", "")),
        invoice_number=number,
        issue_date=cn_date(fields.get("issue_date")),
        seller_name=fields.get("seller_name", ""),
        seller_tax_id=clean_tax_id(fields.get("seller_tax_id")),
        buyer_name=fields.get("buyer_name", ""),
        buyer_tax_id=clean_tax_id(fields.get("buyer_tax_id")),
        total_net=dec(fields.get("total_net")),
        total_tax=tax_dec(fields.get("total_tax")),
        total_with_tax=dec(fields.get("total_with_tax")),
        check_code=re.sub(r"\s+", "", fields.get("check_code", "")),
        remarks=fields.get("remarks", ""),
        lines=lines,
    )


def _inside(tree: Any, target: Any, name: str) -> bool:
    for el in tree.iter():
        if _local(el.tag) == name and any(d is target for d in el.iter()):
            return True
    return False


def _from_custom_datas(ofd: _Ofd, texts: dict[str, tuple[str, float, float]]) -> Invoice | None:
    cd = ofd.custom_datas
    keys = ("发票号码", "合计金额", "开票日期")
    if not any(k in cd for k in keys):
        return None
    number = re.sub(r"\s+", "", cd.get("发票号码", ""))
    net, tax = dec(cd.get("合计金额")), dec(cd.get("合计税额"))
    return Invoice(
        source="ofd_text",
        invoice_type="电子发票(数电票)" if len(number) == 20 else "增值税电子发票",
        invoice_code=re.sub(r"\s+", "", cd.get("发票代码", "")),
        invoice_number=number,
        issue_date=cn_date(cd.get("开票日期")),
        seller_tax_id=clean_tax_id(cd.get("销售方纳税人识别号")),
        buyer_tax_id=clean_tax_id(cd.get("购买方纳税人识别号")),
        total_net=net,
        total_tax=tax,
        total_with_tax=None if net is None or tax is None else net + tax,
        check_code=re.sub(r"\s+", "", cd.get("校验码", "")),
    )


def _words_on_page(texts: dict[str, tuple[str, float, float]]) -> str:
    for text, _x, _y in texts.values():
        if looks_like_amount_words(text):
            return text.strip()
    return ""


def _fill_from(inv: Invoice, other: Invoice | None) -> Invoice:
    """Fill empty fields of ``inv`` from ``other`` (the OFD.xml CustomDatas), never overwrite."""
    if other is None:
        return inv
    changes: dict[str, Any] = {}
    for key in ("invoice_code", "invoice_number", "issue_date", "seller_tax_id", "buyer_tax_id",
                "total_net", "total_tax", "total_with_tax", "check_code"):  # fmt: skip
        if getattr(inv, key) in (None, "") and getattr(other, key) not in (None, ""):
            changes[key] = getattr(other, key)
    return replace(inv, **changes) if changes else inv


def read_ofd_invoice(data: bytes, limits: Limits = DEFAULT_LIMITS) -> Invoice:
    ofd = _Ofd(data, limits)
    texts = ofd.page_texts()
    words = _words_on_page(texts)
    custom = _from_custom_datas(ofd, texts)
    inv: Invoice | None = None
    for name in ofd.attachments():
        root = ofd._xml(name, strict=False)
        if root is not None:
            inv = invoice_from_xml_root(root, "xml")
            if inv is not None:
                break
    if inv is None:
        inv = _from_tags(ofd, texts)
    if inv is None:
        inv = custom
    if inv is None:
        raise NoInvoiceData(detail="no invoice XML, custom tags or invoice metadata in the OFD")
    inv = _fill_from(inv, custom)
    if words and not inv.total_in_words:
        inv = replace(inv, total_in_words=words)
    return with_defaults(inv)


def total_from_words_ok(inv: Invoice) -> bool | None:
    from yecai.intake.words import AmountWordsInvalid, parse_amount_words

    if not inv.total_in_words or inv.total_with_tax is None:
        return None
    try:
        return parse_amount_words(inv.total_in_words) == inv.total_with_tax
    except AmountWordsInvalid:
        return False


__all__ = ["Decimal", "read_ofd_invoice", "read_xml_invoice", "invoice_from_xml_root"]
