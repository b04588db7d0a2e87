"""Intake: e-invoices (OFD, XML), text-layer PDF invoices and bank statements into yecai.

Pure readers (guard, words, domain, statement, einvoice, pdftext, bankformats) turn bytes into
values; service.py stores statements; cli.py and api.py are thin shells.
"""
