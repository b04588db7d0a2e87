"""Purchasing: orders, goods receipts, vendor bills with a three-way match, payments, returns."""
