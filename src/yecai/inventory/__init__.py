"""Inventory: stock moves, costing (moving weighted average first), on-hand and valuation."""
