"""Import and export: files in, files out, below the registry.

Export: ``export.export_bytes`` / ``write_export`` write an ``export.ExportSet`` in GeoJSON
(``geojson``, RFC 7946, streamed to the file in batches), GeoPackage (``gpkg``), CSV
(``tabular``), Excel (``xlsx``) and KML (``kml``); the properties are defined once in
``frame``. Which clusters go in is read from the registry by ``clusters.snapshot.collect``.

Import: ``readers.load`` / ``read_vector`` read a file (``parsers`` per format, ``encoding``,
``limits``, ``crs``); ``columns`` matches its headers to fields; ``values`` reads the cells.
The dry run and the atomic write (``clusters.importer``) sit above this package, because
they go through the registry's operations. Every problem a user can fix raises
``errors.ImportFileError`` or is reported by row and field; a damaged or hostile file is
refused the same way, never with a traceback or a hang, and ``limits.read_file`` reads a
file from disk only once its size is checked.
"""
