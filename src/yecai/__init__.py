"""yecai (业财): business documents that keep their own books."""

__version__ = "0.1.0"
