"""Imports: each format in its own module, all ending in :func:`prepare` → :class:`ImportResult`.

Nothing is written until :func:`commit`, which adds the accepted rows in one transaction.
Re-importing a file adds nothing twice: records get stable ids from their content (or the
source's own id) and ids already stored are counted as duplicates, not added.
"""

from geo.imports.base import ImportResult, check_upload_size, commit, prepare

__all__ = ["ImportResult", "check_upload_size", "commit", "prepare"]
