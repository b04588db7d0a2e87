"""Posting rules (业财映射): document events → vouchers, as data."""
