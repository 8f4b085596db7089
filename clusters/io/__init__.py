"""Import and export.

Export: ``export.collect`` (the filtered clusters with their decisions and history) and
``export.export_bytes`` / ``write_export`` in GeoJSON (``geojson``, RFC 7946 through GDAL),
GeoPackage (``gpkg``), CSV (``tabular``), Excel (``xlsx``) and KML (``kml``); the properties
are defined once in ``frame``.

Import: ``readers.load`` / ``read_vector`` read a file (``parsers`` per format, ``encoding``,
``limits``, ``crs``); ``columns`` matches its headers to fields; ``values`` reads the cells;
``importer.plan_file`` is the dry run and ``importer.commit`` the atomic write. Every problem
a user can fix raises ``errors.ImportFileError`` or is reported by row and field; a damaged
or hostile file is refused the same way, never with a traceback or a hang, and
``limits.read_file`` reads a file from disk only once its size is checked.
"""
