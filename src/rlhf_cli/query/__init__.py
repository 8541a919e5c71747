"""Questions to the catalogue: the query language, search, relations, counts, completion."""
