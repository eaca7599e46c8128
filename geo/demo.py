"""A seeded, realistic demo year (2018) for Älmhult, written through the normal store API.

Car patrols are GPS tracks along the built-in main roads (which pass SCB's tätort points and
the parish churches) in shifts with stops at the villages' points; foot patrols walk the
town centre and the station; traffic controls stand on Rv 23, Lv 120, Lv 124, väg 600,
väg 592 and in villages. The town gets more presence than the countryside and some villages
get none for weeks (Hallaryd in spring, Göteryd and Hallaryd in December, Häradsbäck
until summer), so the dashboard has real gaps to find. Virestad and Hallaryd have no road
in the built-in set: their beats drive straight from Liatorp and Delary. Everything here is
example data.

``python -m geo.demo [--fix-interval S] [--store PATH]`` fills a store; a smaller
``fix_interval_s`` gives more GPS points (5 s gives about a million, for benchmarks).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, Point

from geo.crs import WGS84, to_sweref, to_wgs84
from geo.geography import LOCALITIES, main_roads
from geo.model import LOCAL_TZ, ControlType, PresenceKind, SpotCategory, SpotStatus
from geo.store.base import Store

YEAR = 2018
STATION = (14.1372, 56.5510)  # lon, lat: Älmhult police station / railway station, approx.
CENTRE = (14.1380, 56.5520)
_LOC = {loc.id: (loc.lon, loc.lat) for loc in LOCALITIES}


@dataclass
class DemoYear:
    """Frames of a demo year, ready for :meth:`Store.add` (EPSG:4326, tz-aware times)."""

    presence: gpd.GeoDataFrame
    vertex_times: dict[str, np.ndarray]
    problem_spots: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame
    dialogues: gpd.GeoDataFrame
    activities: gpd.GeoDataFrame
    promises: pd.DataFrame

    @property
    def n_fixes(self) -> int:
        pts = int((shapely.get_type_id(self.presence.geometry.array) == 0).sum()) * 2
        return pts + sum(len(t) for t in self.vertex_times.values())


def _road_xy(road_id: str) -> np.ndarray:
    """A built-in road's vertices in EPSG:3006 metres."""
    line = main_roads().set_index("id").geometry[road_id]
    lon, lat = shapely.get_coordinates(line).T
    x, y = to_sweref(lon, lat)
    return np.column_stack([x, y])


def _road_name(road_id: str) -> str:
    return str(main_roads().set_index("id")["road"][road_id])


def _on_road(road_id: str, place: str, offset_m: float) -> tuple[float, float]:
    """The point ``offset_m`` along a road from where it passes ``place`` (lon, lat)."""
    line = LineString(_road_xy(road_id))
    at = line.project(Point(_xy(_PLACES[place]))) + offset_m
    p = line.interpolate(min(max(at, 0.0), line.length))
    (lon,), (lat,) = to_wgs84(np.array([p.x]), np.array([p.y]))
    return float(lon), float(lat)


def _xy(lonlat: tuple[float, float]) -> np.ndarray:
    x, y = to_sweref(np.array([lonlat[0]]), np.array([lonlat[1]]))
    return np.array([x[0], y[0]])


def _sub_path(path: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The part of a polyline (metres) between the vertices nearest to ``a`` and ``b``."""
    ia = int(np.argmin(np.hypot(*(path - a).T)))
    ib = int(np.argmin(np.hypot(*(path - b).T)))
    return path[ia : ib + 1] if ia <= ib else path[ib : ia + 1][::-1]


# A beat: (name, legs of (road, from-locality, to-locality), villages stopped at)
_BEATS: dict[str, list[tuple[str, str, str]]] = {
    "north": [
        ("rv23", "almhult", "liatorp"),
        ("rv23", "liatorp", "eneryda"),
        ("rv23", "eneryda", "liatorp"),
        ("v600", "liatorp", "dio"),
        ("v600", "dio", "stenbrohult"),
        ("v600", "stenbrohult", "almhult"),
    ],
    "west": [
        ("lv120", "almhult", "delary"),
        ("lv120", "delary", "goteryd"),
        ("lv120", "goteryd", "almhult"),
    ],
    "pjatteryd": [("v592", "almhult", "pjatteryd"), ("v592", "pjatteryd", "almhult")],
    "east": [("lv120", "almhult", "haradsback"), ("lv120", "haradsback", "almhult")],
    "lv124": [
        ("rv23", "almhult", "liatorp"),
        ("lv124", "liatorp", "lv124_n"),
        ("lv124", "lv124_n", "liatorp"),
        ("rv23", "liatorp", "almhult"),
    ],
    "virestad": [
        ("rv23", "almhult", "liatorp"),
        ("line", "liatorp", "virestad"),
        ("line", "virestad", "liatorp"),
        ("rv23", "liatorp", "almhult"),
    ],
    "hallaryd": [
        ("lv120", "almhult", "delary"),
        ("line", "delary", "hallaryd"),
        ("line", "hallaryd", "delary"),
        ("lv120", "delary", "almhult"),
    ],
    "stenbrohult": [("v600", "almhult", "stenbrohult"), ("v600", "stenbrohult", "almhult")],
}
_BEAT_WEIGHT = {
    "north": 5,
    "west": 3,
    "pjatteryd": 2,
    "east": 3,
    "lv124": 2,
    "virestad": 1,
    "hallaryd": 1,
    "stenbrohult": 2,
}
_PLACES = {**_LOC, "lv124_n": (14.230, 56.690)}  # a vertex of Lv 124 north of Liatorp


def _beat_allowed(beat: str, day: pd.Timestamp) -> bool:
    """Gaps on purpose: some villages get no presence for weeks."""
    week = day.isocalendar().week
    if beat == "hallaryd" and (10 <= week <= 22 or day.month == 12):
        return False
    if beat == "west" and day.month == 12:
        return False
    return not (beat == "east" and day.month < 7)


def _leg(road: str, a: str, b: str) -> np.ndarray:
    pa, pb = _xy(_PLACES[a]), _xy(_PLACES[b])
    if road == "line":
        return np.vstack([pa, pb])
    return _sub_path(_road_xy(road), pa, pb)


class _Tracker:
    """Builds one GPS track (metres, seconds) by driving, walking and stopping."""

    def __init__(self, rng: np.random.Generator, start_xy: np.ndarray, t0: int, step_s: int):
        self.rng, self.step = rng, step_s
        self.xy: list[np.ndarray] = [start_xy[None, :]]
        self.t: list[np.ndarray] = [np.array([t0])]

    @property
    def now(self) -> int:
        return int(self.t[-1][-1])

    @property
    def here(self) -> np.ndarray:
        return self.xy[-1][-1]

    def move(self, path: np.ndarray, speed_ms: float) -> None:
        path = np.vstack([self.here, path])
        seg = np.hypot(*np.diff(path, axis=0).T)
        dist = np.r_[0, np.cumsum(seg)]
        if dist[-1] < 1:
            return
        n = max(1, int(dist[-1] / (speed_ms * self.step)))
        d = np.linspace(0, dist[-1], n + 1)[1:]
        x, y = np.interp(d, dist, path[:, 0]), np.interp(d, dist, path[:, 1])
        jitter = self.rng.normal(0, 4, (n, 2))
        self.xy.append(np.column_stack([x, y]) + jitter)
        self.t.append(self.now + np.round(d / speed_ms).astype(np.int64))

    def stay(self, minutes: float) -> None:
        n = max(1, int(minutes * 60 / self.step))
        self.xy.append(self.here + self.rng.normal(0, 6, (n, 2)))
        self.t.append(self.now + self.step * np.arange(1, n + 1))

    def result(self) -> tuple[LineString, np.ndarray]:
        xy, t = np.vstack(self.xy), np.concatenate(self.t)
        lon, lat = to_wgs84(xy[:, 0], xy[:, 1])
        return LineString(np.column_stack([lon, lat])), t


def _inside(rng: np.random.Generator, poly: shapely.Polygon, n: int) -> np.ndarray:
    """``n`` random lon/lat points inside ``poly`` (EPSG:4326)."""
    minx, miny, maxx, maxy = poly.bounds
    out: list[np.ndarray] = []
    while sum(len(o) for o in out) < n:
        x, y = rng.uniform(minx, maxx, 4 * n), rng.uniform(miny, maxy, 4 * n)
        ok = shapely.contains_xy(poly, x, y)
        out.append(np.column_stack([x[ok], y[ok]]))
    return np.vstack(out)[:n]


def _local(day: pd.Timestamp, hour: float) -> pd.Timestamp:
    return (day + pd.Timedelta(hours=hour)).tz_localize(
        LOCAL_TZ, nonexistent="shift_forward", ambiguous=False
    )


def build_demo_year(
    areas: gpd.GeoDataFrame, *, seed: int = 2018, fix_interval_s: int = 60
) -> DemoYear:
    """Generate the demo year. Same ``seed`` and interval: the same records, uids included."""
    rng = np.random.default_rng(seed)
    town = areas.set_index("id").geometry["almhult"]
    rows: list[dict[str, object]] = []
    vtimes: dict[str, np.ndarray] = {}
    beats = list(_BEATS)
    weights = np.array([_BEAT_WEIGHT[b] for b in beats], dtype=float)
    uid_n = 0

    def uid(prefix: str) -> str:
        nonlocal uid_n
        uid_n += 1
        return f"demo-{prefix}-{uid_n:06d}"

    def add_track(kind: str, tr: _Tracker, unit: str, note: str) -> None:
        line, t = tr.result()
        u = uid("p")
        rows.append(
            dict(
                uid=u,
                kind=kind,
                start=pd.Timestamp(t[0], unit="s", tz="UTC"),
                end=pd.Timestamp(t[-1], unit="s", tz="UTC"),
                unit=unit,
                note=note,
                source="demo",
                geometry=line,
            )
        )
        vtimes[u] = t

    controls = [  # (lon, lat, label): on the roads where they pass the places, or in a village
        (*_on_road("rv23", "almhult", 0), "Rv 23 vid Älmhult"),
        (*_on_road("rv23", "stenbrohult", 0), "Rv 23 vid Stenbrohult"),
        (*_on_road("rv23", "liatorp", -600), "Rv 23 vid Liatorp"),
        (*_on_road("rv23", "eneryda", 300), "Rv 23 Eneryda"),
        (*_on_road("lv120", "delary", 200), "Lv 120 Delary"),
        (*_on_road("lv120", "almhult", -5000), "Lv 120 väst"),
        (*_on_road("lv124", "liatorp", -2500), "Lv 124 norr om Liatorp"),
        (*_on_road("v600", "dio", 0), "Väg 600 Diö"),
        (*_on_road("lv120", "almhult", 5000), "Lv 120 Brokhult"),
        (*_on_road("v592", "pjatteryd", 300), "Väg 592 Pjätteryd"),
        (*_PLACES["virestad"], "Virestad"),
    ]
    ctrl_w = np.array([5, 2, 3, 2, 2, 2, 2, 2, 1, 1, 1], dtype=float)
    days = pd.date_range(f"{YEAR}-01-01", f"{YEAR}-12-31", freq="D")
    for day in days:
        weekend = day.day_of_week >= 4
        # Town car patrol: a loop through town streets (approximated by random waypoints).
        if rng.random() < 0.9:
            t0 = int(_local(day, rng.choice([8, 14, 19]) + rng.random()).timestamp())
            tr = _Tracker(rng, _xy(STATION), t0, fix_interval_s)
            for lon, lat in _inside(rng, town, int(rng.integers(8, 14))):
                tr.move(_xy((lon, lat))[None, :], 8.0)
                if rng.random() < 0.4:
                    tr.stay(rng.uniform(5, 20))
            tr.move(_xy(STATION)[None, :], 8.0)
            add_track(PresenceKind.CAR_PATROL, tr, "Patrull 1", "Tätortspatrull")
        # Countryside car patrol along one beat, with stops in the villages.
        for _ in range(int(rng.random() < 0.55) + int(weekend and rng.random() < 0.3)):
            allowed = np.array([_beat_allowed(b, day) for b in beats])
            w = weights * allowed
            beat = beats[int(rng.choice(len(beats), p=w / w.sum()))]
            t0 = int(_local(day, rng.choice([9, 13, 18]) + rng.random()).timestamp())
            tr = _Tracker(rng, _xy(STATION), t0, fix_interval_s)
            for road, a, b in _BEATS[beat]:
                tr.move(_leg(road, a, b), 19.0)
                if b in _LOC and b != "almhult" and rng.random() < 0.6:
                    tr.stay(rng.uniform(4, 25))
            add_track(PresenceKind.CAR_PATROL, tr, "Patrull 2", f"Landsbygd: {beat}")
        # Foot patrol: town centre and station, mostly Friday and Saturday evenings.
        if rng.random() < (0.8 if weekend else 0.3):
            t0 = int(_local(day, 20 + rng.random() * 2).timestamp())
            tr = _Tracker(rng, _xy(STATION), t0, fix_interval_s)
            centre = _xy(CENTRE)
            for _ in range(int(rng.integers(4, 8))):
                tr.move((centre + rng.normal(0, 250, 2))[None, :], 1.3)
                tr.stay(rng.uniform(2, 12))
            tr.move(_xy(STATION)[None, :], 1.3)
            add_track(PresenceKind.FOOT_PATROL, tr, "Fotpatrull", "Centrum och stationen")
        # Traffic controls: about four a week.
        for _ in range(int(rng.poisson(0.55))):
            lon, lat, label = controls[int(rng.choice(len(controls), p=ctrl_w / ctrl_w.sum()))]
            start = _local(day, float(rng.uniform(7, 21)))
            checked = int(rng.integers(8, 90))
            ctype = rng.choice([c.value for c in ControlType], p=[0.4, 0.3, 0.15, 0.15])
            rows.append(
                dict(
                    uid=uid("p"),
                    kind=PresenceKind.TRAFFIC_CONTROL,
                    start=start,
                    end=start + pd.Timedelta(minutes=int(rng.integers(30, 120))),
                    unit="Trafikgrupp",
                    note=label,
                    control_type=ctype,
                    vehicles_checked=checked,
                    violations=int(rng.binomial(checked, 0.08)),
                    source="demo",
                    geometry=Point(lon + rng.normal(0, 2e-4), lat + rng.normal(0, 1e-4)),
                )
            )
    presence = gpd.GeoDataFrame(rows, crs=WGS84)
    presence["start"] = pd.to_datetime(presence["start"], utc=True)
    presence["end"] = pd.to_datetime(presence["end"], utc=True)
    presence["kind"] = presence["kind"].astype(str)
    # The demo year is the ISO year 2018 (Monday 1 January to Sunday 30 December), so its
    # weeks and its whole-week months are complete: Monday 31 December is week 1 of 2019
    # and would count in January 2019's public cell, a month of one day. Its draws are made
    # and dropped, so the rest of the year (and the spots drawn after it) stay the same.
    last_day = presence["start"].dt.tz_convert(LOCAL_TZ).dt.strftime("%m-%d") == "12-31"
    for u in presence.loc[last_day, "uid"]:
        vtimes.pop(u, None)  # a traffic control (a point) has no vertex times
    presence = presence[~last_day.to_numpy()].reset_index(drop=True)

    dialogues = gpd.GeoDataFrame(
        [
            dict(
                uid="demo-d-1",
                date="2018-03-15",
                place="Kommunhuset, Älmhult",
                participants=64,
                organisers="Älmhults kommun; Lokalpolisområde Ljungby",
                note="Öppen medborgardialog om trygghet",
                geometry=Point(14.1405, 56.5530),
            ),
            dict(
                uid="demo-d-2",
                date="2018-09-20",
                place="Samlingslokalen, Diö",
                participants=38,
                organisers="Älmhults kommun; Lokalpolisområde Ljungby; Grannsamverkan",
                note="Dialog för byarna norr om Älmhult",
                geometry=Point(*_PLACES["dio"]),
            ),
        ],
        crs=WGS84,
    )
    spots = _problem_spots(rng, areas)
    return DemoYear(presence, vtimes, spots, _through_roads(), dialogues, _activities(), _promise())


# (area, category, description) named by residents; dialogue 1 town and south, 2 north.
_SPOTS: list[tuple[str, str, str, int]] = [
    ("almhult", "narcotics", "Ungdomar samlas och langning misstänks vid stationen", 1),
    ("almhult", "narcotics", "Narkotikaförsäljning i parken kvällstid", 1),
    ("almhult", "narcotics", "Skolgården används på kvällarna, sprutor hittade", 1),
    ("almhult", "youth_disturbance", "Mopedåkning och bråk vid centrumparkeringen", 1),
    ("almhult", "youth_disturbance", "Stök vid busshållplatsen fredagskvällar", 1),
    ("almhult", "unsafe_place", "Mörk gångtunnel under järnvägen", 1),
    ("almhult", "unsafe_place", "Dålig belysning på gångvägen mot idrottsplatsen", 1),
    ("almhult", "unsafe_place", "Otrygg cykelparkering vid stationen", 1),
    ("almhult", "vandalism", "Klotter och krossade rutor vid skolan", 1),
    ("almhult", "vandalism", "Skadegörelse på lekplatsen", 1),
    ("almhult", "speeding", "Höga hastigheter på genomfartsgatan", 1),
    ("almhult", "speeding", "Fortkörning förbi förskolan", 1),
    ("almhult", "burglary", "Cykelstölder vid stationen", 1),
    ("almhult", "heavy_traffic", "Lastbilar genom centrum trots förbifarten", 1),
    ("delary", "heavy_traffic", "Tung trafik på Lv 120 genom byn", 1),
    ("delary", "speeding", "Fortkörning förbi skolan i Delary", 1),
    ("hallaryd", "burglary", "Inbrott i fritidshus längs Helge å", 1),
    ("hallaryd", "burglary", "Stölder av båtmotorer", 1),
    ("goteryd", "burglary", "Inbrott i lantbruksmaskiner", 1),
    ("land_hallaryd", "burglary", "Dieselstölder på gårdar", 1),
    ("land_goteryd", "unsafe_place", "Okända fordon som kör runt på nätterna", 1),
    ("haradsback", "speeding", "Fortkörning på Lv 120 genom Häradsbäck", 1),
    ("land_harlunda", "burglary", "Inbrott i ödehus och lador", 1),
    ("dio", "heavy_traffic", "Tung genomfartstrafik på väg 600", 2),
    ("dio", "speeding", "Fortkörning vid stationen i Diö", 2),
    ("dio", "youth_disturbance", "Ungdomar med mopeder vid skolan", 2),
    ("dio", "narcotics", "Misstänkt narkotikahandel vid badplatsen", 2),
    ("liatorp", "heavy_traffic", "Lastbilar på Lv 124 genom Liatorp", 2),
    ("liatorp", "heavy_traffic", "Korsningen Bergkvistavägen/Växjövägen farlig för gående", 2),
    ("liatorp", "speeding", "Fortkörning på Rv 23 vid avfarten", 2),
    ("eneryda", "heavy_traffic", "Tung trafik på Rv 23 nära bostäderna", 2),
    ("eneryda", "burglary", "Inbrott i villor", 2),
    ("virestad", "burglary", "Inbrott i kyrkans förråd", 2),
    ("virestad", "speeding", "Fortkörning genom kyrkbyn", 2),
    ("pjatteryd", "speeding", "Fortkörning på väg 592", 2),
    ("pjatteryd", "burglary", "Stölder från gårdar", 2),
    ("stenbrohult", "unsafe_place", "Parkeringen vid Råshult är otrygg", 2),
    ("land_stenbrohult", "burglary", "Inbrott i sommarstugor vid Möckeln", 2),
    ("land_virestad", "vandalism", "Skadegörelse på busskurer", 2),
    ("land_pjatteryd", "burglary", "Stölder av jaktvapen misstänks", 2),
]


def _problem_spots(rng: np.random.Generator, areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    polys = areas.set_index("id").geometry
    statuses = [s.value for s in SpotStatus]
    responses = {
        "done": "Åtgärdat: riktade insatser och uppföljning på platsen.",
        "action_planned": "Planerat: kontroller och patrullering under kommande månader.",
        "acknowledged": "Mottaget; kommunen och polisen utreder.",
        "new": None,
    }
    rows = []
    for i, (area, cat, text, dlg) in enumerate(_SPOTS, 1):
        poly = polys[area]
        if area.startswith("land_"):
            lon, lat = _inside(rng, poly, 1)[0]
        else:  # near the locality centre
            c = poly.centroid
            lon, lat = _inside(rng, poly.intersection(c.buffer(0.004)), 1)[0]
        status = statuses[int(rng.choice(4, p=[0.2, 0.3, 0.25, 0.25]))]
        rows.append(
            dict(
                uid=f"demo-s-{i:03d}",
                category=SpotCategory(cat).value,
                description=text,
                dialogue_uid=f"demo-d-{dlg}",
                reported="2018-03-15" if dlg == 1 else "2018-09-20",
                residents=int(rng.integers(1, 25)),
                status=status,
                response=responses[status],
                geometry=Point(lon, lat),
            )
        )
    return gpd.GeoDataFrame(rows, crs=WGS84)


def _through_roads() -> gpd.GeoDataFrame:
    """Road stretches where heavy traffic passes a locality (per-day figures: examples)."""
    stretches = [
        ("rv23", "liatorp", 1400),
        ("rv23", "eneryda", 1300),
        ("lv124", "liatorp", 450),
        ("lv120", "delary", 380),
        ("v600", "dio", 160),
        ("lv120", "haradsback", 220),
        ("lv120", "goteryd", 300),
    ]
    rows = []
    for i, (road, loc, heavy) in enumerate(stretches, 1):
        path = _road_xy(road)
        c = _xy(_LOC[loc])
        line = LineString(path).intersection(Point(c).buffer(1500))
        if line.geom_type != "LineString":
            line = shapely.line_merge(line)
        xs, ys = np.asarray(line.coords).T
        lon, lat = to_wgs84(xs, ys)
        rows.append(
            dict(
                uid=f"demo-r-{i}",
                road=_road_name(road),
                locality=next(x.name for x in LOCALITIES if x.id == loc),
                heavy_per_day=heavy,
                heavy_per_day_is_example=1,
                note="Exempelvärde, inte Trafikverkets mätning",
                geometry=LineString(np.column_stack([lon, lat])),
            )
        )
    return gpd.GeoDataFrame(rows, crs=WGS84)


def _activities() -> gpd.GeoDataFrame:
    items = [
        (
            "2018-02-08",
            "Skolinformation",
            "narcotics",
            "youth",
            "Polisen; Älmhults kommun (elevhälsan)",
            "Högstadieskolan, Älmhult",
        ),
        (
            "2018-04-20",
            "Narkotikahundsökning",
            "narcotics",
            "youth",
            "Polisen; Älmhults kommun",
            "Stationsområdet, Älmhult",
        ),
        (
            "2018-05-25",
            "Föräldravandring",
            "narcotics",
            "youth",
            "Föräldranätverket; Polisen; Svenska kyrkan",
            "Centrum, Älmhult",
        ),
        (
            "2018-08-30",
            "Föräldramöte om droger",
            "narcotics",
            "parents",
            "Polisen; Älmhults kommun (fritid)",
            "Kommunhuset, Älmhult",
        ),
        (
            "2018-10-12",
            "Drogfri fritidskväll",
            "narcotics",
            "youth",
            "Älmhults kommun (fritid); Idrottsförening; Polisen",
            "Fritidsgården, Älmhult",
        ),
        (
            "2018-06-14",
            "Grannsamverkan startmöte",
            "burglary",
            "residents",
            "Grannsamverkan; Polisen",
            "Liatorp",
        ),
        (
            "2018-11-08",
            "Trafiksäkerhetsdag",
            "traffic",
            "youth",
            "NTF; Polisen; Älmhults kommun",
            "Diö",
        ),
    ]
    return gpd.GeoDataFrame(
        [
            dict(uid=f"demo-a-{i}", date=d, kind=k, focus=f, target_group=tg, partners=p, place=pl)
            for i, (d, k, f, tg, p, pl) in enumerate(items, 1)
        ],
        geometry=[None] * len(items),
        crs=WGS84,
    )


PROMISE_2018 = [
    {
        "id": "dialogue",
        "metric": "dialogues",
        "target": 1,
        "sv": "Minst en gemensam öppen medborgardialog om trygghet",
        "en": "At least one joint open citizens' dialogue on safety",
    },
    {
        "id": "presence",
        "metric": "presence_town_and_countryside",
        "target": None,
        "sv": "Ökad polisiär närvaro i såväl tätort som på landsbygd (bil, fot, trafikkontroller)",
        "en": "More police presence in both town and countryside (car, foot, traffic controls)",
    },
    {
        "id": "narcotics",
        "metric": "narcotics_activities",
        "target": 4,
        "target_group": "youth",
        "sv": "Minst 4 brottsförebyggande insatser mot narkotika, ungdomar prioriterade",
        "en": "At least 4 crime-prevention actions against narcotics, youth the priority",
    },
    {
        "id": "civil_society",
        "metric": "civil_society_partners",
        "target": 1,
        "sv": "Samverkan som inkluderar lokala aktörer från civilsamhället",
        "en": "Cooperation that includes local civil-society actors",
    },
]


def _promise() -> pd.DataFrame:
    return pd.DataFrame(
        [
            dict(
                uid="promise-2018",
                year=YEAR,
                commitments=json.dumps(PROMISE_2018, ensure_ascii=False),
                signed_by="Älmhults kommun (KS ordförande); Lokalpolisområde Ljungby (chef)",
            )
        ]
    )


def load_demo_year(store: Store, *, seed: int = 2018, fix_interval_s: int = 60) -> DemoYear:
    """Build the demo year and write it to ``store`` (all layers)."""
    demo = build_demo_year(store.areas(), seed=seed, fix_interval_s=fix_interval_s)
    store.add("presence", demo.presence, user="demo", vertex_times=demo.vertex_times)
    for layer in ("problem_spots", "roads", "dialogues", "activities", "promises"):
        store.add(layer, getattr(demo, layer), user="demo")
    return demo


def main(argv: list[str] | None = None) -> None:
    from geo.config import Settings
    from geo.store import open_store

    parser = argparse.ArgumentParser(description="Write the seeded 2018 demo year to a store.")
    settings = Settings.from_env()
    parser.add_argument("--store", default=settings.store, help="file or PostgreSQL")
    parser.add_argument("--seed", type=int, default=2018)
    parser.add_argument("--fix-interval", type=int, default=60, help="seconds between GPS fixes")
    args = parser.parse_args(argv)
    store = open_store(args.store, schema=settings.store_schema)
    demo = load_demo_year(store, seed=args.seed, fix_interval_s=args.fix_interval)
    print(f"{len(demo.presence)} presence records, {demo.n_fixes} GPS fixes -> {args.store}")


DEMO_MUNICIPALITY = "0765"


def load_if_empty(store: Store, code: str = DEMO_MUNICIPALITY) -> bool:
    """Load the demo year into a store that has never been written to; True if loaded.

    A store whose records were all deleted stays empty: its audit log is not empty. The demo
    year is Älmhult's: a store for another municipality (``code``) starts empty.
    """
    if code != DEMO_MUNICIPALITY or not store.audit_log(limit=1).empty:
        return False
    load_demo_year(store)
    return True


if __name__ == "__main__":
    main()
