"""The seed registry, installed inside the package as ``clusters.geodata`` (see pyproject)."""
