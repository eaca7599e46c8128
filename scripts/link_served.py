"""Make the links nginx sends files from (deploy/nginx/almhult.conf), so a page's scripts
never wait for the app's Python process.

    .venv/bin/python scripts/link_served.py [FOLDER]   (default: served/ in the project)

``FOLDER/streamlit`` -> Streamlit's hashed scripts, styles and fonts (``/static/``),
``FOLDER/streamlit_folium`` -> the map component's build (``/component/...``),
``FOLDER/app`` -> the project's ``static/`` (Leaflet and its plugins, ``/app/static/``).
The links follow the installed packages: run it again after moving the virtualenv or
changing its Python version, not after upgrading a package.
"""

from __future__ import annotations

import sys
from importlib.util import find_spec
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def package_dir(name: str) -> Path:
    """The folder of installed package ``name``."""
    spec = find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"{name} is not installed in this Python ({sys.executable})")
    return Path(next(iter(spec.submodule_search_locations)))


def served_targets() -> dict[str, Path]:
    """Link name -> the folder it points at."""
    return {
        "streamlit": package_dir("streamlit") / "static" / "static",
        "streamlit_folium": package_dir("streamlit_folium") / "frontend" / "build",
        "app": ROOT / "static",
    }


def link_served(folder: Path) -> dict[str, Path]:
    """Create or replace the links in ``folder``; returns them."""
    folder.mkdir(parents=True, exist_ok=True)
    links = {}
    for name, target in served_targets().items():
        if not target.is_dir():
            raise SystemExit(f"{target} is missing (run 'make run' first: it installs it)")
        link = folder / name
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(target, target_is_directory=True)
        links[name] = link
    return links


if __name__ == "__main__":
    where = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "served"
    for link in link_served(where).values():
        print(f"{link} -> {link.resolve()}")
