"""Deterministic, streaming generator of benchmark vouchers.

    python bench/gen_vouchers.py --vouchers N --seed S --out DIR

writes, in constant memory:

* ``DIR/vouchers.csv``   one row per voucher line, the yecai import format;
* ``DIR/dimensions.csv`` every customer, supplier and department used;
* ``DIR/journal.ledger`` the same transactions as a journal that both
  ledger-cli 3.3 and hledger 1.25 parse (accounts named by their code,
  amounts as ``CNY 1234.50``);
* ``DIR/expected.json``  per-account debit/credit totals in fen, computed
  while generating, so every contestant can be checked against an
  independent answer.

The mix of voucher kinds averages exactly three lines per voucher, so a
million vouchers make about three million lines. Every amount is an
integer number of fen, so each voucher balances exactly.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from pathlib import Path

CSV_HEADER = "voucher_no,date,summary,account_code,debit,credit,customer,supplier,department\n"
DIMENSIONS_HEADER = "type,code,name\n"

# The only accounts used; all are leaves in yecai's built-in chart template.
ACCOUNTS = ("1001", "100201", "1122", "1405", "2202", "22210101", "22210102", "6001", "6401", "660202")

N_CUSTOMERS = 500
N_SUPPLIERS = 200
N_DEPARTMENTS = 10
VAT_PERCENT = 13

# (kind, weight out of 100, lines per voucher). Weighted mean = 3.00 lines.
KINDS = (
    ("sale", 20, 3),  # Dr 1122 / Cr 6001 / Cr 22210102
    ("sale2", 15, 4),  # Dr 1122 / Cr 6001 x2 / Cr 22210102
    ("purchase", 5, 3),  # Dr 1405 / Dr 22210101 / Cr 2202
    ("purchase2", 15, 4),  # Dr 1405 x2 / Dr 22210101 / Cr 2202
    ("receipt", 10, 2),  # Dr 100201 / Cr 1122
    ("receipt_fee", 5, 3),  # Dr 100201 / Dr 660202 (bank fee) / Cr 1122
    ("payment", 7, 2),  # Dr 2202 / Cr 100201
    ("withdraw", 3, 2),  # Dr 1001 / Cr 100201
    ("expense2", 10, 3),  # Dr 660202 x2 departments / Cr 1001
    ("cost", 10, 2),  # Dr 6401 / Cr 1405
)
assert sum(w for _, w, _ in KINDS) == 100
assert sum(w * n for _, w, n in KINDS) == 300

YEAR = 2025
CHUNK_VOUCHERS = 20_000


def _kind_table() -> list[str]:
    table: list[str] = []
    for kind, weight, _ in KINDS:
        table.extend([kind] * weight)
    return table


def _fmt(fen: int) -> str:
    """Format a non-negative integer number of fen as a 2-decimal string."""
    return f"{fen // 100}.{fen % 100:02d}"


def _vat(net: int) -> int:
    """13% VAT on an amount in fen, rounded half up to the fen."""
    return (net * VAT_PERCENT + 50) // 100


def customer_name(code: str) -> str:
    return f"客户{code[1:]}有限公司"


def supplier_name(code: str) -> str:
    return f"供应商{code[1:]}有限公司"


def department_name(code: str) -> str:
    return f"部门{code[1:]}"


def generate(n_vouchers: int, seed: int, out: Path) -> dict:
    """Write the four files into ``out``; return the summary written to expected.json."""
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    rand = rng.random
    kinds = _kind_table()

    start = dt.date(YEAR, 1, 1)
    n_days = (dt.date(YEAR, 12, 31) - start).days + 1
    day_csv = [(start + dt.timedelta(days=d)).isoformat() for d in range(n_days)]
    day_jnl = [d.replace("-", "/") for d in day_csv]

    debit_fen = dict.fromkeys(ACCOUNTS, 0)
    credit_fen = dict.fromkeys(ACCOUNTS, 0)
    line_count = dict.fromkeys(ACCOUNTS, 0)
    used_customers: set[str] = set()
    used_suppliers: set[str] = set()
    used_departments: set[str] = set()
    n_lines = 0

    with (
        open(out / "vouchers.csv", "w", encoding="utf-8", newline="") as csv_f,
        open(out / "journal.ledger", "w", encoding="utf-8", newline="") as jnl_f,
    ):
        csv_f.write(CSV_HEADER)
        jnl_f.write(f"; yecai benchmark journal: {n_vouchers} vouchers, seed {seed}\n\n")
        csv_buf: list[str] = []
        jnl_buf: list[str] = []

        for i in range(n_vouchers):
            no = f"V{i + 1:07d}"
            day = i * n_days // n_vouchers
            d_csv = day_csv[day]
            kind = kinds[int(rand() * 100)]

            # Each line: (account, debit_fen, credit_fen, customer, supplier, department).
            if kind == "sale" or kind == "sale2":
                cust = f"C{int(rand() * N_CUSTOMERS) + 1:04d}"
                used_customers.add(cust)
                net1 = 100_000 + int(rand() * 4_900_000)
                if kind == "sale2":
                    net2 = 100_000 + int(rand() * 4_900_000)
                    nets = (net1, net2)
                else:
                    nets = (net1,)
                vat = _vat(sum(nets))
                summary = f"销售 {cust} 发票"
                lines = [("1122", sum(nets) + vat, 0, cust, "", "")]
                lines.extend(("6001", 0, net, "", "", "") for net in nets)
                lines.append(("22210102", 0, vat, "", "", ""))
            elif kind == "purchase" or kind == "purchase2":
                sup = f"S{int(rand() * N_SUPPLIERS) + 1:04d}"
                used_suppliers.add(sup)
                net1 = 50_000 + int(rand() * 3_950_000)
                if kind == "purchase2":
                    net2 = 50_000 + int(rand() * 3_950_000)
                    nets = (net1, net2)
                else:
                    nets = (net1,)
                vat = _vat(sum(nets))
                summary = f"采购 {sup} 入库"
                lines = [("1405", net, 0, "", "", "") for net in nets]
                lines.append(("22210101", vat, 0, "", "", ""))
                lines.append(("2202", 0, sum(nets) + vat, "", sup, ""))
            elif kind == "receipt":
                cust = f"C{int(rand() * N_CUSTOMERS) + 1:04d}"
                used_customers.add(cust)
                amt = 100_000 + int(rand() * 5_900_000)
                summary = f"收款 {cust}"
                lines = [("100201", amt, 0, "", "", ""), ("1122", 0, amt, cust, "", "")]
            elif kind == "receipt_fee":
                cust = f"C{int(rand() * N_CUSTOMERS) + 1:04d}"
                dept = f"D{int(rand() * N_DEPARTMENTS) + 1:02d}"
                used_customers.add(cust)
                used_departments.add(dept)
                amt = 100_000 + int(rand() * 5_900_000)
                fee = 100 + int(rand() * 4_900)
                summary = f"收款 {cust} 扣手续费"
                lines = [
                    ("100201", amt - fee, 0, "", "", ""),
                    ("660202", fee, 0, "", "", dept),
                    ("1122", 0, amt, cust, "", ""),
                ]
            elif kind == "payment":
                sup = f"S{int(rand() * N_SUPPLIERS) + 1:04d}"
                used_suppliers.add(sup)
                amt = 50_000 + int(rand() * 4_950_000)
                summary = f"付款 {sup}"
                lines = [("2202", amt, 0, "", sup, ""), ("100201", 0, amt, "", "", "")]
            elif kind == "withdraw":
                amt = 100_000 + int(rand() * 1_900_000)
                summary = "提取备用金"
                lines = [("1001", amt, 0, "", "", ""), ("100201", 0, amt, "", "", "")]
            elif kind == "expense2":
                d1 = int(rand() * N_DEPARTMENTS)
                d2 = (d1 + 1 + int(rand() * (N_DEPARTMENTS - 1))) % N_DEPARTMENTS
                dept1, dept2 = f"D{d1 + 1:02d}", f"D{d2 + 1:02d}"
                used_departments.add(dept1)
                used_departments.add(dept2)
                a1 = 5_000 + int(rand() * 495_000)
                a2 = 5_000 + int(rand() * 495_000)
                summary = f"费用 {dept1} {dept2} 报销"
                lines = [
                    ("660202", a1, 0, "", "", dept1),
                    ("660202", a2, 0, "", "", dept2),
                    ("1001", 0, a1 + a2, "", "", ""),
                ]
            else:  # cost
                amt = 50_000 + int(rand() * 2_950_000)
                summary = "结转销售成本"
                lines = [("6401", amt, 0, "", "", ""), ("1405", 0, amt, "", "", "")]

            jnl_buf.append(f"{day_jnl[day]} ({no}) {summary}\n")
            prefix = f"{no},{d_csv},{summary},"
            for acct, dr, cr, cust, sup, dept in lines:
                if dr:
                    amount = _fmt(dr)
                    csv_buf.append(f"{prefix}{acct},{amount},,{cust},{sup},{dept}\n")
                    jnl_buf.append(f"    {acct}  CNY {amount}\n")
                    debit_fen[acct] += dr
                else:
                    amount = _fmt(cr)
                    csv_buf.append(f"{prefix}{acct},,{amount},{cust},{sup},{dept}\n")
                    jnl_buf.append(f"    {acct}  CNY -{amount}\n")
                    credit_fen[acct] += cr
                line_count[acct] += 1
            jnl_buf.append("\n")
            n_lines += len(lines)

            if len(jnl_buf) >= CHUNK_VOUCHERS * 4:
                csv_f.write("".join(csv_buf))
                jnl_f.write("".join(jnl_buf))
                csv_buf.clear()
                jnl_buf.clear()

        csv_f.write("".join(csv_buf))
        jnl_f.write("".join(jnl_buf))

    with open(out / "dimensions.csv", "w", encoding="utf-8", newline="") as f:
        f.write(DIMENSIONS_HEADER)
        f.writelines(f"customer,{c},{customer_name(c)}\n" for c in sorted(used_customers))
        f.writelines(f"supplier,{s},{supplier_name(s)}\n" for s in sorted(used_suppliers))
        f.writelines(f"department,{d},{department_name(d)}\n" for d in sorted(used_departments))

    assert sum(debit_fen.values()) == sum(credit_fen.values()), "generated vouchers do not balance"
    summary = {
        "vouchers": n_vouchers,
        "lines": n_lines,
        "seed": seed,
        "accounts": {
            a: {"debit_fen": debit_fen[a], "credit_fen": credit_fen[a], "lines": line_count[a]}
            for a in ACCOUNTS
            if line_count[a]
        },
        "dimensions": {
            "customer": len(used_customers),
            "supplier": len(used_suppliers),
            "department": len(used_departments),
        },
    }
    with open(out / "expected.json", "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=2, ensure_ascii=False)
        f.write("\n")
    return summary


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--vouchers", type=int, required=True, help="number of vouchers")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--out", type=Path, required=True, help="output directory")
    args = p.parse_args(argv)
    if args.vouchers < 1:
        p.error("--vouchers must be at least 1")
    t0 = time.perf_counter()
    s = generate(args.vouchers, args.seed, args.out)
    print(
        f"wrote {s['vouchers']} vouchers, {s['lines']} lines to {args.out} in {time.perf_counter() - t0:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
