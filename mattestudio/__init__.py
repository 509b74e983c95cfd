"""MatteStudio: interactive image matting.

The sub-packages live in the repository's top-level folders: ``app/`` (Qt and the command line),
``interaction/`` (session, prompts, export) and ``models/`` (back-ends), mapped here by setuptools.
"""

__version__ = "0.1.0"
