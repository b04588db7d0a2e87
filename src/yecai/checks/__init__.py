"""`yecai check`: every invariant of the books, documents and stock, with the amounts."""
