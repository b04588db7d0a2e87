"""Payables: matching outgoing bank lines to vendor bills (付款核销), with a review queue."""
