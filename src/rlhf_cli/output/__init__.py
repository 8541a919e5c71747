"""Records out: tables and machine formats, citations, graphs and exports."""
