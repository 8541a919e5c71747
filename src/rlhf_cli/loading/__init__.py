"""From files to a validated catalogue: finding and reading files, and the SQLite store."""
