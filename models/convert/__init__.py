"""Conversion of third-party networks shipped in registry packages into the project's weight files
(``python -m mattestudio.models.convert --help``)."""
