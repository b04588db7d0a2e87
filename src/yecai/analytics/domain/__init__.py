"""Pure analytics code: no database, no framework. Money in integer minor units."""
