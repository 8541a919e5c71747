"""Awesome lists in Markdown (and BibTeX): read, import, lint and export."""
