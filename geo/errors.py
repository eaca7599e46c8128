"""Error classes raised by ``geo``: each says which record, which field and why."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


def _shown(value: object, lang: str) -> str:
    """A message parameter as text: whole numbers with a thousands space in Swedish."""
    if isinstance(value, Message):
        return value.text(lang)
    if isinstance(value, (list, tuple)):
        return ", ".join(_shown(v, lang) for v in value)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        text = f"{value:,}"
        return text.replace(",", "\u00a0") if lang == "sv" else text
    if isinstance(value, float):
        text = f"{value:,.5g}" if abs(value) < 1e6 else f"{value:,.0f}"
        return text.replace(",", "\u00a0").replace(".", ",") if lang == "sv" else text
    return str(value)


@dataclass(frozen=True)
class Message:
    """A user-facing text by catalogue key, rendered in the reader's language on demand.

    ``params`` fill the ``{name}`` placeholders; numbers are formatted per language.
    """

    key: str
    params: Mapping[str, object] = field(default_factory=dict)

    def text(self, lang: str = "sv") -> str:
        """The message in ``lang`` (``sv`` or ``en``)."""
        from geo.i18n import translator  # late: geo.i18n reads the catalogue files

        values = {k: _shown(v, lang) for k, v in self.params.items()}
        return translator(lang)(self.key, **values)


class GeoError(Exception):
    """Base class of every error this package raises on purpose."""


class ValidationError(GeoError, ValueError):
    """A record failed validation.

    Parameters
    ----------
    layer : the layer the record was meant for (``presence``, ``problem_spots`` …).
    record : row label or 1-based row number in the input, or an id.
    field : the offending field name.
    reason : why, in words a user can act on (English; rendered from ``message`` if omitted).
    message : the same reason as a catalogue :class:`Message`, for any language.
    position : 0-based position of the record in the validated input, when known.
    """

    def __init__(
        self,
        layer: str,
        record: object,
        field: str,
        reason: str | None = None,
        *,
        message: Message | None = None,
        position: int | None = None,
    ) -> None:
        self.layer = layer
        self.record = record
        self.field = field
        self.message = message
        self.position = position
        self.reason = reason if reason is not None else (message.text("en") if message else "")
        super().__init__(f"{layer}: record {record}, field '{field}': {self.reason}")

    def text(self, lang: str = "sv") -> str:
        """The reason in ``lang`` (the English ``reason`` when no catalogue message)."""
        return self.message.text(lang) if self.message else self.reason


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
    """A whole file was refused (wrong type, empty, too large, unreadable); nothing written.

    Raised with a catalogue key and its parameters: ``ImportRejected("imp_file_empty",
    name="a.csv")``; :meth:`text` gives the message in a language, ``str()`` in English.
    """

    def __init__(self, key: str, **params: object) -> None:
        self.message = Message(key, params)
        super().__init__(self.message.text("en"))

    def text(self, lang: str = "sv") -> str:
        """The reason in ``lang``."""
        return self.message.text(lang)


class OverBudget(ImportRejected):
    """An upload would cost more to read than its budget (rows, features, points, CPU,
    memory); refused before or while reading, never after a full parse."""


class LayerFileError(ImportRejected):
    """A file meant to replace a geography layer was refused; nothing was changed.

    ``key`` names the reason in the ``geography.json`` catalogues and ``values`` fill its
    placeholders, so a page can say it in the user's language; the message is English.
    """

    def __init__(self, message: str, key: str, **values: object) -> None:
        self.key, self.values = key, values
        self.message = Message(key, values)
        GeoError.__init__(self, message)  # the English text is given, not rendered
