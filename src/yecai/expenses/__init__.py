"""Expenses: employee expense claims (报销) and advances (备用金)."""
