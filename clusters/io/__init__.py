"""Import and export. Formats are written and read through GDAL (pyogrio)."""
