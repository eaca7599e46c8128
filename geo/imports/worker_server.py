"""Imported only in the import worker's fork server, never in the app: no main script there.

``multiprocessing`` prepares every child it starts by running the parent's main script again
(``sys.modules["__main__"].__file__``) unless that is already the child's main module.
Under ``streamlit run`` the main script is the app itself, so each upload's reader would
first run the whole app in bare mode – measured 1.6 s per read and 1.25 GB more address
space (against which the memory ceiling is then set), and the app's code and connections in
the process that parses untrusted files. The reader's target lives in
:mod:`geo.imports.worker` and needs nothing from the main script, so the fork server (and
every reader forked from it) skips that step. Listed first in the fork server's preload.
"""

from __future__ import annotations

import multiprocessing.spawn


def _skip_main(*_args: object) -> None:
    """Leave the reader's own main module as it is (the fork server's)."""


setattr(multiprocessing.spawn, "_fixup_main_from_path", _skip_main)  # noqa: B010
setattr(multiprocessing.spawn, "_fixup_main_from_name", _skip_main)  # noqa: B010
