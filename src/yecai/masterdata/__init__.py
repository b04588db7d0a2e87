"""Master data: customers, suppliers, items, warehouses and tax codes (主数据)."""
