"""Adapters between files and the domain core: ``read_*`` and ``write_*`` functions."""

from greenmfg.io.activities import ActivityFileError, read_activities

__all__ = ["ActivityFileError", "read_activities"]
