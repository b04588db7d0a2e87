"""Small synthetic intake files made in the tests: OFD packages, e-invoice XML, PDFs drawn with
reportlab, and bank statements. Nothing here reads the shared sample data."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable

from stdnum.cn import uscc


def tax_id(base17: str) -> str:
    return base17 + uscc.calc_check_digit(base17)


SELLER_ID = tax_id("91110108MA01ABCD8")
BUYER_ID = tax_id("91310115MA1K4XYP0")

OFD_NS = "http://www.ofdspec.org/2016"

FP_XML = f"""<?xml version="1.0" encoding="utf-8"?>
<eInvoice xmlns:fp="http://www.edrm.org.cn/schema/e-invoice/2019" Version="1.0">
<fp:InvoiceCode>011002000111</fp:InvoiceCode><fp:InvoiceNo>12345678</fp:InvoiceNo>
<fp:IssueDate>2025年03月05日</fp:IssueDate><fp:InvoiceCheckCode>12345 67890 12345 67890</fp:InvoiceCheckCode>
<fp:Buyer><fp:BuyerName>上海测试买方有限公司</fp:BuyerName><fp:BuyerTaxID>{BUYER_ID}</fp:BuyerTaxID></fp:Buyer>
<fp:Seller><fp:SellerName>北京测试卖方有限公司</fp:SellerName><fp:SellerTaxID>{SELLER_ID}</fp:SellerTaxID></fp:Seller>
<fp:TaxInclusiveTotalAmount>1130.00</fp:TaxInclusiveTotalAmount><fp:Note>合同号 HT-7</fp:Note>
<fp:TaxTotalAmount>130.00</fp:TaxTotalAmount><fp:TaxExclusiveTotalAmount>1000.00</fp:TaxExclusiveTotalAmount>
<fp:GraphCode>01,10,011002000111,12345678,1000.00,20250305,12345678901234567890,AB12,</fp:GraphCode>
<fp:GoodsInfos>
<fp:GoodsInfo><fp:Item>*办公用品*打印纸</fp:Item><fp:Specification>A4</fp:Specification><fp:MeasurementDimension>箱</fp:MeasurementDimension>
<fp:Price>100</fp:Price><fp:Quantity>6</fp:Quantity><fp:Amount>600.00</fp:Amount><fp:TaxScheme>13%</fp:TaxScheme><fp:TaxAmount>78.00</fp:TaxAmount></fp:GoodsInfo>
<fp:GoodsInfo><fp:Item>*办公用品*墨盒</fp:Item><fp:Specification></fp:Specification><fp:MeasurementDimension>个</fp:MeasurementDimension>
<fp:Price>200</fp:Price><fp:Quantity>2</fp:Quantity><fp:Amount>400.00</fp:Amount><fp:TaxScheme>13%</fp:TaxScheme><fp:TaxAmount>52.00</fp:TaxAmount></fp:GoodsInfo>
</fp:GoodsInfos></eInvoice>"""


def sdp_xml(total: str = "1060.00", words: str = "壹仟零陆拾圆整") -> str:
    """A fully-digital invoice (数电票) as the platform exports it."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<EInvoice><Header><EIid>25312000000012345678</EIid></Header><EInvoiceData>
<SellerInformation><SellerIdNum>{SELLER_ID}</SellerIdNum><SellerName>北京测试卖方有限公司</SellerName></SellerInformation>
<BuyerInformation><BuyerIdNum>{BUYER_ID}</BuyerIdNum><BuyerName>上海测试买方有限公司</BuyerName></BuyerInformation>
<BasicInformation><TotalAmWithoutTax>1000.00</TotalAmWithoutTax><TotalTaxAm>60.00</TotalTaxAm>
<TotalTax-includedAmount>{total}</TotalTax-includedAmount><TotalTax-includedAmountInChinese>{words}</TotalTax-includedAmountInChinese>
<RequestTime>2025-04-01 10:00:00</RequestTime></BasicInformation>
<IssuItemInformation><ItemName>*信息技术服务*技术服务费</ItemName><SpecMod></SpecMod><MeaUnits>次</MeaUnits>
<Quantity>1</Quantity><UnPrice>1000</UnPrice><Amount>1000.00</Amount><TaxRate>0.06</TaxRate><ComTaxAm>60.00</ComTaxAm></IssuItemInformation>
<AdditionalInformation><Remark>项目A</Remark></AdditionalInformation>
</EInvoiceData><TaxSupervisionInfo><InvoiceNumber>25312000000012345678</InvoiceNumber><IssueTime>2025-04-01</IssueTime></TaxSupervisionInfo></EInvoice>"""


def _zip(entries: Iterable[tuple[str, bytes | str]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in entries:
            z.writestr(name, content.encode() if isinstance(content, str) else content)
    return buf.getvalue()


_OFD_XML = f"""<?xml version="1.0" encoding="UTF-8"?>
<ofd:OFD xmlns:ofd="{OFD_NS}" DocType="OFD" Version="1.1"><ofd:DocBody><ofd:DocInfo><ofd:DocID>x</ofd:DocID>
<ofd:CustomDatas>{{custom}}</ofd:CustomDatas></ofd:DocInfo>
<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"""

_DOCUMENT = f"""<?xml version="1.0" encoding="UTF-8"?>
<ofd:Document xmlns:ofd="{OFD_NS}"><ofd:CommonData><ofd:MaxUnitID>99</ofd:MaxUnitID></ofd:CommonData>
<ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages>
{{extra}}</ofd:Document>"""


def _page(texts: dict[str, str]) -> str:
    objs = "".join(
        f'<ofd:TextObject ID="{i}" Boundary="10 {n * 6} 80 5" Font="1" Size="3">'
        f'<ofd:TextCode X="0" Y="3">{t}</ofd:TextCode></ofd:TextObject>'
        for n, (i, t) in enumerate(texts.items())
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="{OFD_NS}">'
        f'<ofd:Content><ofd:Layer ID="2">{objs}</ofd:Layer></ofd:Content></ofd:Page>'
    )


def ofd_with_attachment(xml: str = FP_XML, words: str = "壹仟壹佰叁拾圆整") -> bytes:
    attachments = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Attachments xmlns:ofd="{OFD_NS}">'
        '<ofd:Attachment ID="9" Name="original_invoice" Format="xml">'
        "<ofd:FileLoc>original_invoice.xml</ofd:FileLoc></ofd:Attachment></ofd:Attachments>"
    )
    return _zip(
        [
            ("OFD.xml", _OFD_XML.format(custom='<ofd:CustomData Name="发票号码">12345678</ofd:CustomData>')),
            (
                "Doc_0/Document.xml",
                _DOCUMENT.format(extra="<ofd:Attachments>Attachs/Attachments.xml</ofd:Attachments>"),
            ),
            ("Doc_0/Attachs/Attachments.xml", attachments),
            ("Doc_0/Attachs/original_invoice.xml", xml),
            ("Doc_0/Pages/Page_0/Content.xml", _page({"50": words, "51": "¥1130.00"})),
        ]
    )


def ofd_with_tags(number: str = "25112000000048542163", gross: str = "4449.00") -> bytes:
    """A 数电票 OFD without attachment: custom tags point at the page's text objects."""
    texts = {
        "10": number, "11": "2025年05月28日", "12": "海南测试买方有限公司", "13": BUYER_ID,
        "14": "北京测试卖方有限公司", "15": SELLER_ID, "16": "¥", "17": "4197.17", "18": "¥", "19": "251.83",
        "20": "¥", "21": gross, "22": "*信息技术服务*技术", "23": "服务费", "24": "6%", "25": "4197.17",
        "26": "251.83", "27": "1", "28": "肆仟肆佰肆拾玖圆整",
    }  # fmt: skip

    def ref(*ids: str) -> str:
        return "".join(f'<ofd:ObjectRef PageRef="1">{i}</ofd:ObjectRef>' for i in ids)

    tag = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:root xmlns:ofd="{OFD_NS}">'
        f"<ofd:InvoiceNo>{ref('10')}</ofd:InvoiceNo><ofd:IssueDate>{ref('11')}</ofd:IssueDate>"
        f"<ofd:Buyer><ofd:BuyerName>{ref('12')}</ofd:BuyerName><ofd:BuyerTaxID>{ref('13')}</ofd:BuyerTaxID></ofd:Buyer>"
        f"<ofd:Seller><ofd:SellerName>{ref('14')}</ofd:SellerName><ofd:SellerTaxID>{ref('15')}</ofd:SellerTaxID></ofd:Seller>"
        f"<ofd:TaxExclusiveTotalAmount>{ref('16', '17')}</ofd:TaxExclusiveTotalAmount>"
        f"<ofd:TaxTotalAmount>{ref('18', '19')}</ofd:TaxTotalAmount>"
        f"<ofd:TaxInclusiveTotalAmount>{ref('20', '21')}</ofd:TaxInclusiveTotalAmount>"
        f"<ofd:Item>{ref('22', '23')}</ofd:Item><ofd:TaxScheme>{ref('24')}</ofd:TaxScheme>"
        f"<ofd:Amount>{ref('25')}</ofd:Amount><ofd:TaxAmount>{ref('26')}</ofd:TaxAmount>"
        f"<ofd:Quantity>{ref('27')}</ofd:Quantity></ofd:root>"
    )
    tags = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:CustomTags xmlns:ofd="{OFD_NS}">'
        '<ofd:CustomTag TypeID="root"><ofd:FileLoc>CustomTag.xml</ofd:FileLoc></ofd:CustomTag></ofd:CustomTags>'
    )
    return _zip(
        [
            ("OFD.xml", _OFD_XML.format(custom="")),
            (
                "Doc_0/Document.xml",
                _DOCUMENT.format(extra="<ofd:CustomTags>Tags/CustomTags.xml</ofd:CustomTags>"),
            ),
            ("Doc_0/Tags/CustomTags.xml", tags),
            ("Doc_0/Tags/CustomTag.xml", tag),
            ("Doc_0/Pages/Page_0/Content.xml", _page(texts)),
        ]
    )


def zip_of(entries: Iterable[tuple[str, bytes | str]]) -> bytes:
    return _zip(entries)


# --- PDFs ----------------------------------------------------------------------------------------


def pdf(lines: list[str], *, pages: int = 1, chinese: bool = True) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    font = "Helvetica"
    if chinese:
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
        font = "STSong-Light"
    for _ in range(pages):
        c.setFont(font, 10)
        y = 800
        for line in lines:
            c.drawString(40, y, line)
            y -= 16
        c.showPage()
    c.save()
    return buf.getvalue()


CN_VAT_LINES = [
    "电子发票（增值税专用发票）",
    "发票号码：25312000000087654321",
    "开票日期：2025年06月18日",
    "购买方信息 名称：上海测试买方有限公司 销售方信息 名称：北京测试卖方有限公司",
    f"统一社会信用代码/纳税人识别号：{BUYER_ID} 统一社会信用代码/纳税人识别号：{SELLER_ID}",
    "项目名称 规格型号 单位 数量 单价 金额 税率/征收率 税额",
    "*办公用品*打印纸 A4 箱 6 100 600.00 13% 78.00",
    "*办公用品*墨盒 个 2 200 400.00 13% 52.00",
    "合 计 ¥1000.00 ¥130.00",
    "价税合计（大写） ⊗壹仟壹佰叁拾圆整 （小写）¥1130.00",
    "备注：合同号 HT-9",
]

EN_LINES = [
    "ACME Tools Ltd Invoice",
    "Invoice Number: INV-2025-042",
    "Invoice Date: March 4, 2025",
    "Widgets 2 x $50.00 $100.00",
    "Subtotal $100.00",
    "Tax $8.00",
    "Total $108.00",
]

# --- statements ----------------------------------------------------------------------------------


def ofx(amounts: list[str], closing: str, *, currency: str = "CNY") -> bytes:
    tx = "".join(
        f"<STMTTRN><TRNTYPE>OTHER</TRNTYPE><DTPOSTED>2025030{i + 1}</DTPOSTED><TRNAMT>{a}</TRNAMT>"
        f"<FITID>F{i + 1}</FITID><NAME>Payer {i + 1}</NAME><MEMO>INV-{i + 1}</MEMO></STMTTRN>"
        for i, a in enumerate(amounts)
    )
    cur = f"<CURDEF>{currency}</CURDEF>" if currency else ""
    return (
        '<?xml version="1.0" encoding="ASCII"?>\n<?OFX OFXHEADER="200" VERSION="211" SECURITY="NONE"?>\n'
        "<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>"
        "<DTSERVER>20250331</DTSERVER><LANGUAGE>CHI</LANGUAGE></SONRS></SIGNONMSGSRSV1>"
        "<BANKMSGSRSV1><STMTTRNRS><TRNUID>0</TRNUID><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>"
        f"<STMTRS>{cur}<BANKACCTFROM><BANKID>102</BANKID><ACCTID>6222000011112222</ACCTID><ACCTTYPE>CHECKING</ACCTTYPE></BANKACCTFROM>"
        f"<BANKTRANLIST><DTSTART>20250301</DTSTART><DTEND>20250331</DTEND>{tx}</BANKTRANLIST>"
        f"<LEDGERBAL><BALAMT>{closing}</BALAMT><DTASOF>20250331</DTASOF></LEDGERBAL>"
        "</STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>"
    ).encode()


def camt053(opening: str, closing: str, entries: list[tuple[str, str, str, str]]) -> bytes:
    """entries: (amount, CRDT|DBIT, name, ref)."""
    ntry = "".join(
        f'<Ntry><Amt Ccy="EUR">{amt}</Amt><CdtDbtInd>{ind}</CdtDbtInd><BookgDt><Dt>2025-03-0{i + 1}</Dt></BookgDt>'
        f"<AcctSvcrRef>{ref}</AcctSvcrRef><NtryDtls><TxDtls><RltdPties>"
        f"<{'Dbtr' if ind == 'CRDT' else 'Cdtr'}><Nm>{name}</Nm></{'Dbtr' if ind == 'CRDT' else 'Cdtr'}>"
        f"<{'DbtrAcct' if ind == 'CRDT' else 'CdtrAcct'}><Id><IBAN>DE0210000000000000{i}</IBAN></Id>"
        f"</{'DbtrAcct' if ind == 'CRDT' else 'CdtrAcct'}></RltdPties>"
        f"<RmtInf><Ustrd>Invoice {ref}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"
        for i, (amt, ind, name, ref) in enumerate(entries)
    )

    def bal(code: str, amount: str) -> str:
        return (
            f'<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{amount}</Amt>'
            f"<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2025-03-31</Dt></Dt></Bal>"
        )

    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
        "<GrpHdr><MsgId>M1</MsgId></GrpHdr><Stmt><Id>S-2025-03</Id>"
        "<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>"
        f"{bal('OPBD', opening)}{bal('CLBD', closing)}{ntry}</Stmt></BkToCstmrStmt></Document>"
    ).encode()


MT940 = """:20:STMT1
:25:10020030/1234567
:28C:00001/001
:60F:C250301EUR1000,00
:61:2503020302C500,00NTRFNONREF//B1
:86:Payment ACME INV-9
:61:2503030303D200,50NTRFREF1//B2
:86:Rent March
:62F:C250303EUR1299,50
-
"""


def icbc_csv(rows: list[tuple[str, str, str, str, str, str]], first_id: int = 1) -> bytes:
    """ICBC-style export in GBK: preamble, header, rows (date, debit, credit, balance, name, remark)."""
    out = [
        "账号：6222 0200 1111 2222",
        "币种：人民币",
        "交易日期,摘要,借方发生额,贷方发生额,余额,对方户名,对方账号,交易流水号",
    ]
    for i, (d, debit, credit, balance, name, remark) in enumerate(rows, start=first_id):
        out.append(f"{d},{remark},{debit},{credit},{balance},{name},6228480000000{i},ICBC{i:04d}")
    out.append("合计,,,,,,,")
    return ("\r\n".join(out) + "\r\n").encode("gbk")
