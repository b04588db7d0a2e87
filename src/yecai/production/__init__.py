"""Production: bills of materials, work orders, material issues, labour and overhead, finished goods."""
