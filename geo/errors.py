"""Error classes raised by ``geo``: each says which record, which field and why."""

from __future__ import annotations


class GeoError(Exception):
    """Base class of every error this package raises on purpose."""


class ValidationError(GeoError, ValueError):
    """A record failed validation.

    Parameters
    ----------
    layer : the layer the record was meant for (``presence``, ``problem_spots`` …).
    record : row label or 1-based row number in the input, or an id.
    field : the offending field name.
    reason : why, in words a user can act on.
    """

    def __init__(self, layer: str, record: object, field: str, reason: str) -> None:
        self.layer = layer
        self.record = record
        self.field = field
        self.reason = reason
        super().__init__(f"{layer}: record {record}, field '{field}': {reason}")


class ConflictError(GeoError):
    """Someone else saved the record since it was read (optimistic concurrency)."""

    def __init__(self, layer: str, uid: str, expected: int, found: int | None) -> None:
        self.layer, self.uid, self.expected, self.found = layer, uid, expected, found
        state = "was deleted" if found is None else f"is now at version {found}"
        super().__init__(
            f"{layer}: record {uid} was changed by someone else (you edited version "
            f"{expected}, it {state}); reload and apply your change again"
        )


class NotFoundError(GeoError, KeyError):
    """No record with that id in that layer."""

    def __init__(self, layer: str, uid: str) -> None:
        self.layer, self.uid = layer, uid
        super().__init__(f"{layer}: no record with id {uid}")

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class StoreBusyError(GeoError):
    """The store stayed locked by another writer longer than the retry budget."""


class ImportRejected(GeoError):
    """A whole file was refused (wrong type, empty, too large, unreadable); nothing written."""


class LayerFileError(ImportRejected):
    """A file meant to replace a geography layer was refused; nothing was changed.

    ``key`` names the reason in the ``geography.json`` catalogues and ``values`` fill its
    placeholders, so a page can say it in the user's language; the message is English.
    """

    def __init__(self, message: str, key: str, **values: object) -> None:
        self.key, self.values = key, values
        super().__init__(message)
