"""Import and export of records (CSV and JSON Lines)."""
