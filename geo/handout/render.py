"""PDF and PNG of the handout, printed by one warm Debian Chromium.

Starting Chromium costs about a second, so one browser is kept running in a worker thread
and every render is queued to it (Playwright's sync API belongs to the thread that started
it; the queue makes renders from any number of Streamlit sessions safe). It is closed after
:data:`IDLE_SECONDS` without work and started again on the next render.

The PDF is Chromium's print of the HTML handout (``@page`` sets A4/A3 landscape; table
headers repeat on every page). The PNG is every page of that PDF rasterised by PDFium and
stacked into one tall image, so PNG and PDF always hold the same pages.
"""

from __future__ import annotations

import atexit
import io
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from geo.handout.source import HandoutError

CHROMIUM = "/usr/bin/chromium"  # Debian's package; Playwright's own download is not used
# Without the networking flags Chromium calls home at start, which a closed network refuses.
# Without PreloadTopChromeWebUI off, every new window (a Playwright context) starts a renderer
# for the address bar's popup, which no one sees here: 1-2 s of CPU on a 2-core machine.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-features=PreloadTopChromeWebUI",
]
T = TypeVar("T")
IDLE_SECONDS = 300.0
RENDER_TIMEOUT_S = 120.0
PNG_SCALE = 2.0  # PDF points (1/72 in) to image pixels: 144 dpi
PAGE_GAP_PX = 12
VIEWPORT = {"A4": (1123, 794), "A3": (1587, 1123)}  # landscape paper in CSS pixels


@dataclass(frozen=True)
class Printed:
    """A printed handout: the PDF, the PNG of all its pages (if asked), the page count."""

    pdf: bytes
    png: bytes | None
    pages: int


# Run inside the map's frame: resolves once two frames were painted after the map was made.
TWO_FRAMES = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"


def print_in(browser, doc: str, paper: str, want_png: bool) -> Printed:  # noqa: ANN001
    """Print ``doc`` in a fresh page of ``browser`` (a Playwright Browser)."""
    width, height = VIEWPORT[paper]
    page = browser.new_page(viewport={"width": width, "height": height})
    try:
        # Offline by construction: anything but the document itself is refused.
        page.route(
            "**/*", lambda r: r.abort() if r.request.url.startswith("http") else r.continue_()
        )
        page.set_content(doc, wait_until="load")
        frame = page.frame_locator("iframe.map-frame")
        frame.locator(".leaflet-container").wait_for(timeout=30_000)
        map_frame = next(f for f in page.frames if f != page.main_frame)
        map_frame.wait_for_function("() => window.L !== undefined", timeout=30_000)
        map_frame.evaluate(TWO_FRAMES)
        pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    finally:
        page.close()
    png, pages = rasterise(pdf) if want_png else (None, _page_count(pdf))
    return Printed(pdf, png, pages)


def _page_count(pdf: bytes) -> int:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        return len(doc)
    finally:
        doc.close()


def rasterise(pdf: bytes, scale: float = PNG_SCALE) -> tuple[bytes, int]:
    """Every page of ``pdf`` as one PNG, pages stacked top to bottom with a grey gap."""
    import pypdfium2 as pdfium
    from PIL import Image

    doc = pdfium.PdfDocument(pdf)
    try:
        images = [doc[i].render(scale=scale).to_pil().convert("RGB") for i in range(len(doc))]
    finally:
        doc.close()
    width = max(im.width for im in images)
    height = sum(im.height for im in images) + PAGE_GAP_PX * (len(images) - 1)
    sheet = Image.new("RGB", (width, height), (200, 200, 200))
    y = 0
    for im in images:
        sheet.paste(im, (0, y))
        y += im.height + PAGE_GAP_PX
    out = io.BytesIO()
    sheet.save(out, format="PNG", compress_level=3)
    return out.getvalue(), len(images)


class WarmChromium:
    """One Chromium in a worker thread; :meth:`print` may be called from any thread."""

    def __init__(self, executable: str = CHROMIUM, idle_s: float = IDLE_SECONDS) -> None:
        self.executable = executable
        self.idle_s = idle_s
        self._jobs: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.launches = 0  # how many times a browser was started (for tests and benchmarks)

    def print(self, doc: str, paper: str, want_png: bool) -> Printed:
        """PDF (and PNG) of the handout ``doc``; :class:`HandoutError` when Chromium is
        missing or fails."""
        return self.run(lambda browser: print_in(browser, doc, paper, want_png))

    def run(self, job: Callable[[Any], T]) -> T:
        """``job(browser)`` on the worker thread's browser (a Playwright Browser)."""
        if not Path(self.executable).exists():
            raise HandoutError(
                f"{self.executable} not found: PNG and PDF are printed by Debian's chromium "
                "(apt-get install chromium); the HTML works without it"
            )
        done: Future = Future()
        with self._lock:
            self._jobs.put((job, done))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._work, name="handout-chromium")
                self._thread.daemon = True
                self._thread.start()
        return done.result(timeout=RENDER_TIMEOUT_S)

    def close(self) -> None:
        """Stop the worker (and its browser) once the queued renders are done."""
        with self._lock:
            thread = self._thread
            if thread is not None and thread.is_alive():
                self._jobs.put(None)
        if thread is not None:
            thread.join(timeout=30)

    def _work(self) -> None:
        from playwright.sync_api import Error, sync_playwright

        with sync_playwright() as p:
            browser = None
            try:
                while True:
                    try:
                        job = self._jobs.get(timeout=self.idle_s)
                    except queue.Empty:
                        with self._lock:  # idle: stop, unless a job came in meanwhile
                            if self._jobs.empty():
                                self._thread = None
                                return
                        continue
                    if job is None:
                        return
                    work, done = job
                    if not done.set_running_or_notify_cancel():
                        continue
                    try:
                        if browser is None or not browser.is_connected():
                            browser = p.chromium.launch(
                                executable_path=self.executable, args=CHROMIUM_ARGS
                            )
                            self.launches += 1
                        done.set_result(work(browser))
                    except Error as exc:  # the browser failed: start a new one next time
                        done.set_exception(HandoutError(f"Chromium could not print: {exc}"))
                        if browser is not None:
                            browser.close()
                        browser = None
                    except BaseException as exc:  # noqa: BLE001 - handed to the caller
                        done.set_exception(exc)
            finally:
                if browser is not None and browser.is_connected():
                    browser.close()


_CHROMIUM: WarmChromium | None = None
_CHROMIUM_LOCK = threading.Lock()


def chromium() -> WarmChromium:
    """The process's warm Chromium (created on first use, closed at exit)."""
    global _CHROMIUM
    with _CHROMIUM_LOCK:
        if _CHROMIUM is None or _CHROMIUM.executable != CHROMIUM:
            _CHROMIUM = WarmChromium(CHROMIUM)
            atexit.register(_CHROMIUM.close)
        return _CHROMIUM


def render_in_chromium(
    doc: str, width: int, height: int, formats: tuple[str, ...], *, map_frame: bool = True
) -> tuple[bytes | None, bytes | None]:
    """PNG (first screen) and/or PDF of any standalone HTML document, ``width`` x ``height``
    CSS pixels, offline, in the warm Chromium. ``map_frame``: wait for the Leaflet map in the
    document's iframe first. (Other printouts, e.g. the patrol plan, use this.)"""

    def job(browser) -> tuple[bytes | None, bytes | None]:  # noqa: ANN001
        page = browser.new_page(viewport={"width": width, "height": height})
        try:
            page.route(
                "**/*", lambda r: r.abort() if r.request.url.startswith("http") else r.continue_()
            )
            page.set_content(doc, wait_until="load")
            if map_frame:
                page.frame_locator("iframe").first.locator(".leaflet-container").wait_for(
                    timeout=30_000
                )
            page.evaluate(TWO_FRAMES)
            png = pdf = None
            if "png" in formats:
                png = page.screenshot(clip={"x": 0, "y": 0, "width": width, "height": height})
            if "pdf" in formats:
                pdf = page.pdf(width=f"{width}px", height=f"{height}px", print_background=True)
            return png, pdf
        finally:
            page.close()

    return chromium().run(job)
