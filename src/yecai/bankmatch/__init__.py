"""What matching bank statement lines to open items has in common, whichever side it is on.

Receivables matches incoming lines to customers' invoices (核销复核), payables matches outgoing
lines to vendor bills (付款核销复核). Each keeps its engine, its memory of counterparties, how a
decision is booked and its error codes; the review queue around them (threshold setting, listing,
locking, deciding, the rows people read, the CLI and web shells) is written once here and in
``yecai.web.bank_review``. Neither side imports the other's internals: both import this package.
"""
