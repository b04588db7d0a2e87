"""Bank statement files → Statement values: OFX, camt.053, MT940 and the CSV/XLSX exports of
the big Chinese banks (column-mapping profiles, GBK or UTF-8, header found by its names).

``read_statements`` detects the format from the content (not the file name alone) and
returns one Statement per account statement in the file, each already checked to add up.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from yecai.core.errors import YecaiError
from yecai.core.money import to_minor
from yecai.intake.guard import (
    DEFAULT_LIMITS,
    Limits,
    MalformedXml,
    SafeZip,
    UnknownFormat,
    check_size,
    parse_xml,
)
from yecai.intake.statement import (
    Statement,
    StatementIncomplete,
    StatementLine,
    StatementLineInvalid,
    check_balanced,
)

STATEMENT_LINES_MAX = 100_000
HEADER_SEARCH_ROWS_MAX = 30


def detect(data: bytes, name: str = "") -> str:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \r\n\t")
    upper = head.upper()
    if upper.startswith(b"OFXHEADER") or b"<OFX>" in upper or b"<?OFX" in upper:
        return "ofx"
    if head.startswith(b"<") and b"camt.053" in data[:8192]:
        return "camt053"
    if re.search(rb"(^|\n):20:", head) and re.search(rb"\n:6[02][FM]:", data):
        return "mt940"
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    if name.lower().endswith((".xlsx", ".xlsm")):
        return "xlsx"
    return "csv"


def read_statements(data: bytes, name: str = "", limits: Limits = DEFAULT_LIMITS) -> list[Statement]:
    check_size(data, limits)
    fmt = detect(data, name)
    if fmt == "ofx":
        statements = _ofx(data)
    elif fmt == "camt053":
        statements = _camt053(data)
    elif fmt == "mt940":
        statements = _mt940(data)
    elif fmt == "xlsx":
        statements = [_table(_xlsx_rows(data, limits), "xlsx")]
    else:
        statements = [_table(_csv_rows(data), "csv")]
    for st in statements:
        if len(st.lines) > STATEMENT_LINES_MAX:
            raise StatementIncomplete(detail=f"more than {STATEMENT_LINES_MAX} lines")
        check_balanced(st)
    return statements


def _minor(value: Decimal | str, currency: str, what: str) -> int:
    try:
        return to_minor(value, currency)
    except YecaiError as exc:
        raise StatementIncomplete(detail=f"{what}: {exc.render('en')}") from None


# --- OFX ---------------------------------------------------------------------------------------


def _ofx(data: bytes) -> list[Statement]:
    if re.search(rb"<!DOCTYPE|<!ENTITY", data[:4096], re.IGNORECASE):
        raise MalformedXml(detail="OFX: DTDs and entities are not accepted")
    import ofxparse
    from bs4 import XMLParsedAsHTMLWarning

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
            ofx = ofxparse.OfxParser.parse(io.BytesIO(data))
    except ofxparse.OfxParserException as exc:
        raise StatementIncomplete(detail=f"OFX: {exc}") from None
    except (ValueError, TypeError, AttributeError, IndexError, KeyError, InvalidOperation) as exc:
        raise StatementIncomplete(detail=f"OFX: {type(exc).__name__}: {exc}") from None
    out = []
    for acct in ofx.accounts:
        st = acct.statement
        currency = (getattr(st, "currency", "") or "").upper()
        if not currency:
            raise StatementIncomplete(detail="OFX: no currency (CURDEF)")
        if not acct.account_id:
            raise StatementIncomplete(detail="OFX: no account id (ACCTID)")
        if getattr(st, "balance", None) is None:
            raise StatementIncomplete(detail="OFX: no closing balance (LEDGERBAL)")
        lines = []
        for i, t in enumerate(st.transactions, start=1):
            if t.amount is None or t.date is None:
                raise StatementLineInvalid(line=i, detail="no amount or date", row=i)
            lines.append(
                StatementLine(
                    date=t.date.date() if isinstance(t.date, datetime) else t.date,
                    amount_minor=_minor(t.amount, currency, f"line {i}"),
                    txn_id=(t.id or "").strip(),
                    counterparty_name=(t.payee or "").strip(),
                    remark=(t.memo or "").strip(),
                )
            )
        closing = _minor(st.balance, currency, "closing balance")
        total = sum(ln.amount_minor for ln in lines)
        account = acct.account_id
        bank = getattr(acct, "routing_number", "") or ""
        out.append(
            Statement(
                format="ofx",
                account=f"{bank}/{account}" if bank else account,
                currency=currency,
                # OFX states only the ledger balance at the end; the opening follows from it.
                opening_minor=closing - total,
                closing_minor=closing,
                lines=tuple(lines),
                start_date=_as_date(getattr(st, "start_date", None)),
                end_date=_as_date(getattr(st, "end_date", None)),
                opening_derived=True,
            )
        )
    with_lines = [s for s in out if s.lines]
    if not out:
        raise StatementIncomplete(detail="OFX: no account statement")
    return with_lines or out[:1]


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


# --- camt.053 ----------------------------------------------------------------------------------


def _l(el: Any) -> str:
    return str(el.tag).rsplit("}", 1)[-1]


def _path(el: Any, *names: str) -> Any:
    cur = el
    for name in names:
        if cur is None:
            return None
        cur = next((c for c in cur if _l(c) == name), None)
    return cur


def _t(el: Any) -> str:
    return (el.text or "").strip() if el is not None else ""


def _signed(amount_el: Any, indicator: str, what: str) -> tuple[int, str]:
    ccy = amount_el.get("Ccy", "") if amount_el is not None else ""
    if amount_el is None or not ccy:
        raise StatementIncomplete(detail=f"camt.053: {what} has no amount or currency")
    minor = _minor(_t(amount_el), ccy, what)
    if indicator not in ("CRDT", "DBIT"):
        raise StatementIncomplete(detail=f"camt.053: {what} has no CdtDbtInd")
    return (minor if indicator == "CRDT" else -minor), ccy


def _camt053(data: bytes) -> list[Statement]:
    root = parse_xml(data, "camt.053")
    stmts = [el for el in root.iter() if _l(el) == "Stmt"]
    if not stmts:
        raise UnknownFormat(kind="camt.053", detail="no <Stmt>")
    out = []
    for stmt in stmts:
        acct = _path(stmt, "Acct")
        account = _t(_path(acct, "Id", "IBAN")) or _t(_path(acct, "Id", "Othr", "Id"))
        currency = _t(_path(acct, "Ccy"))
        opening = closing = None
        for bal in (c for c in stmt if _l(c) == "Bal"):
            code = _t(_path(bal, "Tp", "CdOrPrtry", "Cd"))
            value, ccy = _signed(_path(bal, "Amt"), _t(_path(bal, "CdtDbtInd")), f"balance {code}")
            currency = currency or ccy
            if code in ("OPBD", "PRCD") and opening is None:
                opening = value
            elif code == "CLBD":
                closing = value
        if opening is None or closing is None:
            raise StatementIncomplete(detail="camt.053: opening (OPBD) or closing (CLBD) balance missing")
        lines = []
        for i, ntry in enumerate((c for c in stmt if _l(c) == "Ntry"), start=1):
            amount, _ccy = _signed(_path(ntry, "Amt"), _t(_path(ntry, "CdtDbtInd")), f"entry {i}")
            when = _t(_path(ntry, "BookgDt", "Dt")) or _t(_path(ntry, "BookgDt", "DtTm"))[:10]
            when = when or _t(_path(ntry, "ValDt", "Dt"))
            try:
                day = date.fromisoformat(when[:10])
            except ValueError:
                raise StatementLineInvalid(line=i, detail=f"booking date {when!r}", row=i) from None
            tx = _path(ntry, "NtryDtls", "TxDtls")
            credit = amount > 0
            party = _path(tx, "RltdPties", "Dbtr" if credit else "Cdtr")
            party_acct = _path(tx, "RltdPties", "DbtrAcct" if credit else "CdtrAcct")
            txn_id = _t(_path(ntry, "AcctSvcrRef")) or _t(_path(ntry, "NtryRef"))
            txn_id = txn_id or _t(_path(tx, "Refs", "AcctSvcrRef")) or _t(_path(tx, "Refs", "EndToEndId"))
            remark = " ".join(_t(u) for u in (_path(tx, "RmtInf") or []) if _l(u) == "Ustrd")
            lines.append(
                StatementLine(
                    date=day,
                    amount_minor=amount,
                    txn_id="" if txn_id == "NOTPROVIDED" else txn_id,
                    counterparty_name=_t(_path(party, "Nm")) or _t(_path(party, "Pty", "Nm")),
                    counterparty_account=_t(_path(party_acct, "Id", "IBAN"))
                    or _t(_path(party_acct, "Id", "Othr", "Id")),
                    remark=remark or _t(_path(ntry, "AddtlNtryInf")),
                )
            )
        if not account or not currency:
            raise StatementIncomplete(detail="camt.053: no account id or currency")
        out.append(
            Statement(
                format="camt053",
                account=account,
                currency=currency,
                opening_minor=opening,
                closing_minor=closing,
                lines=tuple(lines),
                statement_id=_t(_path(stmt, "Id")),
            )
        )
    return out


# --- MT940 -------------------------------------------------------------------------------------


def _mt940(data: bytes) -> list[Statement]:
    import mt940

    text = _decode(data)
    # One statement per :20: block, so that each is checked and chained on its own.
    blocks = [b for b in re.split(r"(?m)^(?=:20:)", text) if b.strip().startswith(":20:")]
    out = []
    for block in blocks:
        tx = mt940.models.Transactions()
        try:
            tx.parse(block)
        except Exception as exc:  # the library raises plain exceptions on malformed tags
            raise StatementIncomplete(detail=f"MT940: {type(exc).__name__}: {exc}") from None
        opening, closing = tx.data.get("final_opening_balance"), tx.data.get("final_closing_balance")
        if opening is None or closing is None:
            raise StatementIncomplete(detail="MT940: :60F: or :62F: balance missing")
        currency = opening.amount.currency
        lines = []
        for i, t in enumerate(tx, start=1):
            d = t.data
            ref = d.get("bank_reference") or d.get("customer_reference") or ""
            lines.append(
                StatementLine(
                    date=date(d["date"].year, d["date"].month, d["date"].day),
                    amount_minor=_minor(d["amount"].amount, currency, f"line {i}"),
                    txn_id="" if ref in ("NONREF", "") else str(ref),
                    remark=" ".join(str(d.get("transaction_details") or "").split()),
                )
            )
        out.append(
            Statement(
                format="mt940",
                account=str(tx.data.get("account_identification", "")),
                currency=currency,
                opening_minor=_minor(opening.amount.amount, currency, "opening balance"),
                closing_minor=_minor(closing.amount.amount, currency, "closing balance"),
                lines=tuple(lines),
                statement_id=str(tx.data.get("statement_number", "") or ""),
            )
        )
    if not out:
        raise UnknownFormat(kind="MT940", detail="no :20: statement")
    return out


# --- CSV / XLSX of Chinese banks -----------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """Which header names mean what. A profile matches when its ``signature`` headers are all
    present; the generic profile (all aliases) is the fallback."""

    name: str
    signature: tuple[str, ...]
    date: tuple[str, ...] = ("交易日期", "记账日期", "入账日期", "交易时间", "日期")
    amount: tuple[str, ...] = ("交易金额", "发生额", "金额")
    debit: tuple[str, ...] = ("借方发生额", "借方金额", "支出金额", "支出", "付款金额", "转出金额")
    credit: tuple[str, ...] = ("贷方发生额", "贷方金额", "收入金额", "收入", "收款金额", "转入金额")
    direction: tuple[str, ...] = ("借贷标志", "收支标志", "借贷方向", "交易方向")
    balance: tuple[str, ...] = ("余额", "账户余额", "当前余额", "交易后余额", "联机余额")
    party_name: tuple[str, ...] = (
        "对方户名",
        "对方账户名称",
        "对方名称",
        "对方单位名称",
        "收(付)方名称",
        "交易对手名称",
    )
    party_account: tuple[str, ...] = ("对方账号", "对方账户", "收(付)方账号", "对方卡号")
    remark: tuple[str, ...] = ("用途", "摘要", "附言", "备注", "交易用途", "交易附言")
    txn_id: tuple[str, ...] = ("交易流水号", "流水号", "业务流水号", "交易序号", "凭证号")
    currency: tuple[str, ...] = ("币种",)


# Typical headers of each bank's online-banking export ("style": exports vary by channel and
# year; the generic profile catches the rest by alias).
PROFILES = (
    Profile("icbc", ("交易日期", "借方发生额", "贷方发生额", "对方户名", "余额")),
    Profile("ccb", ("交易时间", "借方发生额", "贷方发生额", "对方户名", "账户余额")),
    Profile("abc", ("交易日期", "收入金额", "支出金额", "对方户名", "账户余额")),
    Profile("boc", ("交易日期", "交易金额", "交易后余额", "对方账户名称", "对方账号")),
    Profile("cmb", ("交易日", "借方金额", "贷方金额", "余额", "收(付)方名称"), date=("交易日", "交易日期")),
    Profile("generic", ()),
)


class StatementColumnsMissing(YecaiError):
    code = "intake.statement_columns_missing"
    template = (
        "No header row with a date and an amount (or debit/credit) column was found in the first {rows} rows"
    )


def _decode(data: bytes) -> str:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise UnknownFormat(kind="statement", detail="neither UTF-8 nor GBK text")


def _csv_rows(data: bytes) -> list[list[str]]:
    text = _decode(data)
    sample = text[:4096]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    return [
        [c.strip().strip("\t") for c in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)
    ]


def _xlsx_rows(data: bytes, limits: Limits) -> list[list[str]]:
    SafeZip(data, limits)  # bombs and path tricks before openpyxl sees it
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types on broken workbooks
        raise UnknownFormat(kind="XLSX", detail=type(exc).__name__) from None
    ws = wb.worksheets[0]
    rows = []
    for row in ws.iter_rows(values_only=True):
        rows.append(["" if v is None else _cell(v) for v in row])
        if len(rows) > STATEMENT_LINES_MAX + HEADER_SEARCH_ROWS_MAX:
            break
    wb.close()
    return rows


def _cell(v: Any) -> str:
    if isinstance(v, datetime):
        return v.date().isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, float):
        return repr(v) if v != int(v) else str(int(v))  # Excel numbers: exact enough for 2 places
    return str(v).strip()


def _norm(h: str) -> str:
    return h.replace("（", "(").replace("）", ")").replace(" ", "").replace("\u3000", "").strip("*:：")


def _index(header: list[str], names: tuple[str, ...]) -> int | None:
    normed = [_norm(h) for h in header]
    for name in names:  # exact first, in the profile's order of preference
        if name in normed:
            return normed.index(name)
    return None


def _find_header(rows: list[list[str]]) -> tuple[int, Profile]:
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS_MAX]):
        normed = {_norm(c) for c in row}
        for prof in PROFILES:
            if prof.signature and not set(prof.signature) <= normed:
                continue
            has_date = _index(row, prof.date) is not None
            has_amount = _index(row, prof.amount) is not None or (
                _index(row, prof.debit) is not None and _index(row, prof.credit) is not None
            )
            if has_date and has_amount:
                return i, prof
    raise StatementColumnsMissing(rows=HEADER_SEARCH_ROWS_MAX)


_PREAMBLE = {
    "account": re.compile(r"(?:账号|帐号|账户|卡号)\s*[:：]?\s*([0-9][0-9 \-]{5,40}[0-9])"),
    "opening": re.compile(r"期初余额\s*[:：]?\s*(-?[\d,]+(?:\.\d+)?)"),
    "closing": re.compile(r"期末余额\s*[:：]?\s*(-?[\d,]+(?:\.\d+)?)"),
    "currency": re.compile(r"币\s*种\s*[:：]?\s*(人民币|CNY|USD|美元|EUR|欧元|HKD|港币)"),
}
_CURRENCY_NAMES = {"人民币": "CNY", "美元": "USD", "欧元": "EUR", "港币": "HKD"}


def _parse_day(text: str) -> date | None:
    s = text.strip()
    m = re.match(r"(\d{4})[-/.年]?(\d{1,2})[-/.月]?(\d{1,2})", s)
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _amount(text: str) -> Decimal | None:
    s = text.replace(",", "").replace("¥", "").replace("￥", "").replace(" ", "").strip()
    if s in ("", "-", "--"):
        return None
    try:
        return Decimal(s)
    except InvalidOperation:
        return None


def _table(rows: list[list[str]], kind: str) -> Statement:
    at, prof = _find_header(rows)
    header = rows[at]
    col = {
        key: _index(header, getattr(prof, key))
        for key in ("date", "amount", "debit", "credit", "direction", "balance", "party_name",
                    "party_account", "remark", "txn_id", "currency")
    }  # fmt: skip
    if col["debit"] is not None and col["credit"] is not None:
        col["amount"] = None  # separate columns win over an ambiguous 金额
    other = [" ".join(r) for r in rows[:at]] + [
        " ".join(r) for r in rows[at + 1 :] if not _first_date(r, col)
    ]
    found: dict[str, str] = {}
    for key, pattern in _PREAMBLE.items():
        for text in other:
            m = pattern.search(text)
            if m:
                found.setdefault(key, m.group(1))
    currency = _CURRENCY_NAMES.get(found.get("currency", ""), found.get("currency", "") or "CNY")
    lines: list[StatementLine] = []
    for n, row in enumerate(rows[at + 1 :], start=at + 2):
        day = _first_date(row, col)
        if day is None:
            continue  # totals (合计), blank and footer rows

        def cell(key: str, row: list[str] = row) -> str:
            i = col[key]
            return row[i] if i is not None and i < len(row) else ""

        if col["amount"] is not None:
            value = _amount(cell("amount"))
            if value is None:
                raise StatementLineInvalid(line=n, detail="no amount", row=n)
            flag = cell("direction")
            if flag and (flag.startswith(("借", "支", "出", "D")) and value > 0):
                value = -value
        else:
            debit, credit = _amount(cell("debit")) or Decimal(0), _amount(cell("credit")) or Decimal(0)
            value = credit - debit
        row_ccy = (
            _CURRENCY_NAMES.get(cell("currency"), cell("currency")) if col["currency"] is not None else ""
        )
        balance = _amount(cell("balance")) if col["balance"] is not None else None
        lines.append(
            StatementLine(
                date=day,
                amount_minor=_minor(value, row_ccy or currency, f"row {n}"),
                txn_id=cell("txn_id"),
                counterparty_name=cell("party_name"),
                counterparty_account=cell("party_account").replace(" ", ""),
                remark=cell("remark"),
                balance_minor=None if balance is None else _minor(balance, row_ccy or currency, f"row {n}"),
            )
        )
        currency = row_ccy or currency
    if not lines:
        raise StatementIncomplete(detail="no transaction rows under the header")
    if _descending(lines):
        lines.reverse()  # many banks list the newest first
    opening = _amount(found.get("opening", ""))
    closing = _amount(found.get("closing", ""))
    if opening is not None and closing is not None:
        opening_minor, closing_minor = (
            _minor(opening, currency, "期初余额"),
            _minor(closing, currency, "期末余额"),
        )
    elif lines[0].balance_minor is not None and lines[-1].balance_minor is not None:
        opening_minor = lines[0].balance_minor - lines[0].amount_minor
        closing_minor = lines[-1].balance_minor
    else:
        raise StatementIncomplete(
            detail="no balance column and no 期初余额/期末余额: the statement cannot be checked"
        )
    return Statement(
        format=f"{kind}:{prof.name}",
        account=re.sub(r"[ \-]", "", found.get("account", "")),
        currency=currency,
        opening_minor=opening_minor,
        closing_minor=closing_minor,
        lines=tuple(lines),
        start_date=lines[0].date,
        end_date=lines[-1].date,
    )


def _first_date(row: list[str], col: dict[str, int | None]) -> date | None:
    i = col["date"]
    return _parse_day(row[i]) if i is not None and i < len(row) else None


def _descending(lines: list[StatementLine]) -> bool:
    if lines[0].date != lines[-1].date:
        return lines[0].date > lines[-1].date
    # same day: the running balances tell the order
    if len(lines) > 1 and all(ln.balance_minor is not None for ln in lines[:2]):
        first, second = lines[0], lines[1]
        assert first.balance_minor is not None and second.balance_minor is not None
        ascending_ok = first.balance_minor + second.amount_minor == second.balance_minor
        descending_ok = second.balance_minor + first.amount_minor == first.balance_minor
        return descending_ok and not ascending_ok
    return False
