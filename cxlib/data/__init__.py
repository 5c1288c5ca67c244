"""Data: reading files and tables, recognising roles and columns, conversion, the canonical Dataset, the engine, exports and the one valid-orders rule. Imports core only."""
