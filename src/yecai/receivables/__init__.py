"""Receivables: open items, cash application (matching bank receipts to invoices); aging, dunning
and credit control to come."""
