"""Text is text: Markdown and HTML typed into any field or user name stay inert.

Every text field of every layer, a promise, an incident, an account's name and a refused
sign-in's name hold a Markdown image, a Markdown link, HTML and a bare URL pointing at
``evil.example``, and a Jinja expression. Each role (visitor, council, municipality,
police) then opens every page of its menu: no request may leave the machine (the conftest
blocks and records them), no link or image anywhere in the page or its frames may point at
the planted host, no template ran the text, and where the text is shown it reads exactly
as typed.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import geopandas as gpd
import pytest
from playwright.sync_api import expect
from shapely.geometry import Point

from geo.accounts import AccountStore
from geo.i18n import translator
from geo.store import GeoPackageStore
from geo.text import WORD_JOINER
from tests.browser.conftest import ACCOUNTS, open_as, open_sections, running_app, sign_in
from tests.browser.test_roles import menu, settle, wait_for_map
from tests.factories import LIATORP, presence, spot, ts

pytestmark = pytest.mark.browser
T = translator("sv")
HOST = "evil.example"
IMG = f"![x](http://{HOST}/x.png)"
LINK = f"[Läs mer](http://{HOST}/las)"
HTML = f'<a href="http://{HOST}/a">a</a><img src="http://{HOST}/i.png">'
BARE = f"http://{HOST}/bare"
# Jinja: folium re-reads the map's rendered script as a template; evaluated, this would
# show "ran-on-server" (and a quote inside it broke the whole map before it was escaped).
JINJA = '{{ "ran" ~ "-on-server" }}'
# An account name may hold no spaces: the Markdown image alone.
EVIL_USER = (IMG, "ond-användare-lösenord")


def evil(label: str) -> str:
    return f"{label} {IMG} {LINK} {HTML} {BARE} {JINJA}"


def _plant(path: Path) -> None:
    """Markdown and HTML in every text field the app stores."""
    store = GeoPackageStore(path)
    user = EVIL_USER[0]
    store.add(
        "problem_spots",
        spot(
            description=evil("Platsen"),
            response=evil("Svaret"),
            reported="2018-11-15",
            geometry=Point(*LIATORP),
        ),
        user=user,
    )
    store.add(
        "dialogues",
        gpd.GeoDataFrame(
            [
                {
                    "date": "2018-11-10",
                    "place": evil("Mötet"),
                    "participants": 12,
                    "organisers": evil("Arrangör"),
                    "note": evil("Anteckning"),
                }
            ],
            geometry=[Point(*LIATORP)],
            crs=4326,
        ),
        user=user,
    )
    store.add(
        "activities",
        gpd.GeoDataFrame(
            [
                {
                    "date": "2018-11-12",
                    "kind": evil("Slag"),
                    "focus": "narcotics",
                    "target_group": evil("Grupp"),
                    "partners": evil("Partner"),
                    "place": evil("Lokal"),
                    "note": evil("Not"),
                }
            ],
            geometry=[None],
            crs=4326,
        ),
        user=user,
    )
    store.add(
        "presence",
        presence(
            start=ts("2018-11-14 10:00"),
            end=ts("2018-11-14 11:00"),
            unit=evil("Enhet"),
            note=evil("Kontrollplats"),
        ),
        user=user,
    )
    store.add(
        "incidents",
        gpd.GeoDataFrame(
            [
                {
                    "type": evil("Händelse"),
                    "time": ts("2018-11-20 12:00"),
                    "title": evil("Rubrik"),
                    "summary": evil("Sammanfattning"),
                    "url": BARE,
                    "location_precision": "municipality",
                    "source": "polisen",
                }
            ],
            geometry=[Point(14.139, 56.551)],
            crs=4326,
        ),
        user=user,
    )
    promises = store.query("promises")
    row = promises[promises["year"] == 2018].iloc[0]
    items = json.loads(row["commitments"])
    items.append(
        {
            "id": "evil-1",
            "metric": "civil_society_partners",
            "target": 1,
            "sv": evil("Löftet"),
            "en": evil("Promise"),
        }
    )
    store.update(
        "promises",
        row["uid"],
        {"commitments": json.dumps(items, ensure_ascii=False), "signed_by": evil("Signerat")},
        expected_version=int(row["version"]),
        user=user,
    )


@pytest.fixture(scope="module")
def evil_app(demo_store: GeoPackageStore, tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("evil")
    path = folder / "app.gpkg"
    shutil.copy(demo_store.path, path)
    _plant(path)
    accounts = AccountStore(folder / "accounts.db")
    for role, (name, password) in ACCOUNTS.items():
        accounts.add(name, role, password)
    accounts.add(EVIL_USER[0], "municipality", EVIL_USER[1])
    with running_app(path, folder / "accounts.db") as url:
        yield url


PLANTED = """(host) => {
  const found = [];
  for (const el of document.querySelectorAll('[href], [src], [srcset], [action]')) {
    for (const name of ['href', 'src', 'srcset', 'action']) {
      const value = el.getAttribute(name) || '';
      if (value.includes(host)) found.push(el.tagName + ' ' + name + '=' + value);
    }
  }
  return found;
}"""


def planted_links(page) -> list[str]:
    """Links, images and form targets pointing at the planted host, in every frame."""
    found: list[str] = []
    for frame in page.frames:
        found += frame.evaluate(PLANTED, HOST)
    return found


def shown_text(page) -> str:
    """Visible text of the page and its frames (word joiners, which break autolinks
    without showing, removed)."""
    return "\n".join(
        f.evaluate("() => document.body ? document.body.innerText : ''") for f in page.frames
    ).replace(WORD_JOINER, "")


# Pages whose tables or texts show planted user text to every role that sees the page.
SHOWS_TEXT = {"page_overview", "page_coverage", "page_promise", "page_register", "page_audit"}


def _open_everything(page, title: str) -> None:
    """Open every collapsed section and every tab (their content may be drawn only when
    shown), checking the page after each."""
    open_sections(page)
    assert planted_links(page) == [], title
    tabs = page.get_by_role("tab")
    for i in range(tabs.count()):
        tabs.nth(i).click()
        page.wait_for_timeout(300)
        assert planted_links(page) == [], (title, i)


def visit_every_page(page, watch) -> dict[str, tuple[str, str]]:
    """Open each page of the menu and everything on it; check it; return, by page title,
    the visible text and the text of what the server sent for it (tables are drawn on a
    canvas, so their cells are in the data, not in the page's text)."""
    texts = {}
    settle(page)
    for title in menu(page):
        before = len(watch.received)
        page.get_by_role("link", name=title).click()
        expect(page.get_by_role("heading", level=1).first).to_be_visible(timeout=60_000)
        settle(page)
        page.wait_for_timeout(1500)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        assert planted_links(page) == [], title
        visible = shown_text(page)
        _open_everything(page, title)
        visible += shown_text(page)
        sent = "\n".join(
            m.decode("utf-8", "ignore") if isinstance(m, bytes) else str(m)
            for m in watch.received[before:]
        )
        texts[title] = (visible, sent.replace(WORD_JOINER, ""))
        assert "ran-on-server" not in visible + sent, title  # no template ran our text
    assert watch.outside == [], watch.outside
    assert not [e for e in watch.errors if HOST in e], watch.errors
    return texts


def _check_shown(texts: dict[str, tuple[str, str]]) -> None:
    """Every page that shows planted text got it (so the checks above saw it), and the
    promise page, which renders Markdown, shows it as typed."""
    for key in SHOWS_TEXT:
        title = T(key)
        if title in texts:
            visible, sent = texts[title]
            assert LINK in visible + sent or IMG in visible + sent, f"no planted text on {title}"
    assert LINK in texts[T("page_promise")][0]  # the commitment, through st.markdown


def test_visitor_who_types_markdown_as_a_user_name(evil_app, page_and_watch) -> None:
    page, watch = page_and_watch
    open_as(page, evil_app, None)
    wait_for_map(page)
    sign_in(page, None, user=LINK, password="vad-som-helst-123")
    expect(page.get_by_text(T("sign_in_failed"))).to_be_visible(timeout=30_000)
    assert planted_links(page) == []
    texts = visit_every_page(page, watch)
    _check_shown(texts)


@pytest.mark.parametrize("role", ["council", "police"])
def test_signed_in_roles_see_planted_text_as_text(evil_app, page_and_watch, role) -> None:
    page, watch = page_and_watch
    open_as(page, evil_app, role)
    wait_for_map(page)
    texts = visit_every_page(page, watch)
    _check_shown(texts)
    if role == "police":  # the log holds the refused name and the planting account's name
        visible, sent = texts[T("page_audit")]
        assert IMG in visible + sent
        # Options of a select box are drawn only when it opens: open the spot picker.
        page.get_by_role("link", name=T("page_register")).click()
        page.get_by_role("tab", name=T("register_tab_edit")).click()
        picker = page.get_by_role("combobox", name=T("register_pick_spot"), exact=True)
        picker.click()
        picker.fill("Platsen")
        options = page.get_by_role("option")
        expect(options.first).to_be_visible(timeout=30_000)
        assert LINK in options.first.inner_text().replace(WORD_JOINER, "")
        assert planted_links(page) == []


def test_municipality_account_with_a_markdown_name(evil_app, page_and_watch) -> None:
    page, watch = page_and_watch
    open_as(page, evil_app, None)
    wait_for_map(page)
    sign_in(page, None, user=EVIL_USER[0], password=EVIL_USER[1])
    expect(page.get_by_text("Inloggad som")).to_be_visible(timeout=60_000)
    # The menu of the role (not the visitor's, with its sign-in link) before reading it.
    expect(page.get_by_role("link", name=T("page_register"))).to_be_visible(timeout=60_000)
    expect(page.get_by_role("link", name=T("sign_in"))).to_have_count(0)
    sidebar = page.get_by_test_id("stSidebar").inner_text().replace(WORD_JOINER, "")
    assert IMG in sidebar  # the name as typed, not an image
    assert planted_links(page) == []
    texts = visit_every_page(page, watch)
    _check_shown(texts)
    assert any(LINK in visible for visible, _ in texts.values())
