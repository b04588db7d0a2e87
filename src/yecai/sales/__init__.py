"""Sales: orders → deliveries → invoices → receipts, each posting through the rules."""
