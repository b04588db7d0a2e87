"""The receivables domain core: pure Python, no framework, no I/O."""
