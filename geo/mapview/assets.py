"""Leaflet assets from our own server or inlined, never from a CDN.

folium elements declare the JS/CSS they need (``default_js``/``default_css``) as CDN URLs.
:func:`localise` rewrites them, per element instance, to files installed by npm into
``static/node_modules`` at set-up: served by Streamlit at ``/app/static/...``, or inlined
as ``data:`` URIs for a standalone HTML file that opens offline. Assets we do not use
(bootstrap, awesome-markers, font-awesome: our markers are CircleMarkers and DivIcons)
are dropped, and so is jQuery unless an element's code calls it (:func:`needs_jquery`):
inside the live map's frame every script is fetched one after another before the map is
drawn. An unknown asset raises, so no CDN request can slip in unnoticed.
"""

from __future__ import annotations

import base64
from enum import Enum
from functools import cache
from pathlib import Path

import folium
from branca.element import Element

from geo.config import PROJECT_ROOT

STATIC_DIR = PROJECT_ROOT / "static"
STATIC_URL = "/app/static"

LOCAL_FILES: dict[str, str] = {
    "leaflet": "node_modules/leaflet/dist/leaflet.js",
    "leaflet_css": "node_modules/leaflet/dist/leaflet.css",
    "jquery": "node_modules/jquery/dist/jquery.min.js",
    "leaflet_draw_js": "node_modules/leaflet-draw/dist/leaflet.draw.js",
    "leaflet_draw_css": "node_modules/leaflet-draw/dist/leaflet.draw.css",
    "leaflet_gesture_handling": (
        "node_modules/leaflet-gesture-handling/dist/leaflet-gesture-handling.min.js"
    ),
    "leaflet_gesture_handling_css": (
        "node_modules/leaflet-gesture-handling/dist/leaflet-gesture-handling.min.css"
    ),
}
UNUSED = {
    "bootstrap",
    "bootstrap_css",
    "awesome_markers",
    "awesome_markers_font_css",
    "awesome_markers_css",
    "awesome_rotate_css",
    "glyphicons_css",
}


class AssetMode(Enum):
    SERVED = "served"  # URLs on the app's own server
    INLINE = "inline"  # data: URIs inside the HTML


class MissingAssetError(FileNotFoundError):
    """A map asset is not installed (run the set-up command: it runs ``npm ci``)."""


def asset_path(name: str) -> Path:
    """The installed file of asset ``name``."""
    path = STATIC_DIR / LOCAL_FILES[name]
    if not path.exists():
        raise MissingAssetError(f"{path} is missing: run 'make run' or 'cd static && npm ci'")
    return path


@cache
def _data_uri(name: str) -> str:
    path = asset_path(name)
    mime = "text/css" if path.suffix == ".css" else "text/javascript"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode()}"


def asset_url(name: str, mode: AssetMode) -> str:
    """Where the browser gets asset ``name`` in ``mode``."""
    if mode is AssetMode.INLINE:
        return _data_uri(name)
    asset_path(name)  # fail early and clearly when npm ci has not run
    return f"{STATIC_URL}/{LOCAL_FILES[name]}"


def _walk(element: Element):  # noqa: ANN202 - generator over folium's element tree
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


def needs_jquery(element: Element) -> bool:
    """Whether code in ``element``'s tree calls jQuery: folium's ``Popup`` (``$(...)``) and
    a map keeping layers in front (``$(document).ready``). Our layers use ``GeoJsonPopup``
    and tooltips, which do not."""
    return any(
        isinstance(el, folium.Popup) or getattr(el, "objects_to_stay_in_front", None)
        for el in _walk(element)
    )


def localise(element: Element, mode: AssetMode = AssetMode.SERVED) -> Element:
    """Point every asset of ``element`` and its children at local copies (in place)."""
    unused = UNUSED if needs_jquery(element) else UNUSED | {"jquery"}
    for el in _walk(element):
        for attr in ("default_js", "default_css"):
            # What the element declared, kept from the first call: a later call (more
            # elements added, say a Popup) may need an asset an earlier one left out.
            assets = el.__dict__.setdefault(f"_declared_{attr}", getattr(el, attr, None))
            if not assets:
                continue
            local = []
            for name, _url in assets:
                if name in unused:
                    continue
                if name not in LOCAL_FILES:
                    raise MissingAssetError(
                        f"{type(el).__name__} needs asset '{name}' that has no local copy"
                    )
                local.append((name, asset_url(name, mode)))
            setattr(el, attr, local)  # on the instance, never the class
    return element


def check_offline(html: str) -> list[str]:
    """The external ``src``/``href`` URLs in ``html`` that a browser would fetch for assets."""
    import re

    return re.findall(r'(?:src|href)=["\'](https?://[^"\']+\.(?:js|css))', html)


__all__ = ["AssetMode", "asset_url", "check_offline", "folium", "localise", "needs_jquery"]
