"""Where a unit can stop, and which stops the gaps ask for first.

Places: problem spots (not done) where they are; the centre of the town and of every
village; for countryside zones a point on a main road in the zone (or the zone's inner
point); and on every through-traffic road a control point at the middle of the stretch.
Each place belongs to the area it lies in (assigned like every record: a place outside
every area is dropped), and says which kinds of unit may use it.

Needs, in priority order: areas without presence longest first, spots whose follow-up
window is open without follow-up, roads without a control in the gap weeks, then spots
left without presence nearby for the gap weeks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import shapely

from geo.crs import SWEREF99TM, to_sweref, to_wgs84
from geo.geography import ROADS_FILE
from geo.model import AreaKind, SpotCategory, SpotStatus
from geo.plan.effect import Situation
from geo.plan.model import CAR, CONTROL, FOOT, PlanRequest
from geo.plan.replay import assign_areas
from geo.snapshot import Snapshot

# Categories a traffic control answers; categories best met in the evening and night.
TRAFFIC = (SpotCategory.SPEEDING.value, SpotCategory.HEAVY_TRAFFIC.value)
EVENING = (
    SpotCategory.NARCOTICS.value,
    SpotCategory.YOUTH_DISTURBANCE.value,
    SpotCategory.VANDALISM.value,
    SpotCategory.UNSAFE_PLACE.value,
)
NIGHT = (SpotCategory.BURGLARY.value,)


@dataclass
class Place:
    """A place a unit can stop at (EPSG:4326 lon/lat, EPSG:3006 x/y metres)."""

    key: str
    what: str  # spot, centre, ne/se/sw/nw (town quarters), zone, road
    area_id: str
    area_kind: str
    lon: float
    lat: float
    x: float
    y: float
    name: str
    kinds: tuple[str, ...]
    category: str | None = None
    asked: str | None = None
    dialogue: str | None = None
    window: tuple[int, int] | None = None  # open follow-up window (UTC s)

    def preferred(self, shift_name: str) -> bool:
        """Whether a shift of this name suits the place (evening for youth and
        narcotics, night for burglary, day and evening for traffic)."""
        if self.category in EVENING:
            return shift_name in ("evening", "night")
        if self.category in NIGHT:
            return shift_name in ("night", "evening")
        if self.category in TRAFFIC or self.what == "road":
            return shift_name in ("day", "evening")
        return True


@dataclass
class Need:
    """A stop the gaps ask for: a place, the kinds that can answer it (first preferred)
    and why (``gap``, ``spot_open``, ``road``, ``spot_stale``)."""

    place: int
    kinds: tuple[str, ...]
    reason: str


@dataclass
class Places:
    """All places (index 0 is the base) and the needs."""

    items: list[Place]
    needs: list[Need] = field(default_factory=list)
    left_out: list[dict[str, str]] = field(default_factory=list)  # gaps in excluded areas

    @property
    def xy(self) -> tuple[np.ndarray, np.ndarray]:
        return (np.array([p.x for p in self.items]), np.array([p.y for p in self.items]))


def _main_roads() -> gpd.GeoDataFrame:
    return gpd.read_file(ROADS_FILE, engine="pyogrio")


def _inner_point(geom: shapely.Geometry) -> shapely.Point:
    c = geom.centroid
    return c if geom.contains(c) else geom.representative_point()


def _zone_point(geom: shapely.Geometry, roads_m: np.ndarray) -> shapely.Point:
    """A point on a main road inside a countryside zone, nearest the zone's inner point
    (EPSG:3006); the inner point when no road crosses the zone."""
    inner = _inner_point(geom)
    on_road = shapely.intersection(roads_m, geom)
    on_road = on_road[~shapely.is_empty(on_road)]
    if on_road.size == 0:
        return inner
    parts = shapely.get_parts(on_road)
    nearest = parts[int(np.argmin(shapely.distance(parts, inner)))]
    point = shapely.line_interpolate_point(nearest, shapely.line_locate_point(nearest, inner))
    return point if geom.contains(point) else inner


def _quarters(geom: shapely.Geometry) -> list[tuple[str, shapely.Point]]:
    """Inner points of the town's four quarters around its centre (EPSG:3006), so a town
    patrol has more places than the centre: ``ne``, ``se``, ``sw``, ``nw``."""
    c = _inner_point(geom)
    minx, miny, maxx, maxy = geom.bounds
    boxes = {
        "ne": (c.x, c.y, maxx, maxy),
        "se": (c.x, miny, maxx, c.y),
        "sw": (minx, miny, c.x, c.y),
        "nw": (minx, c.y, c.x, maxy),
    }
    out = []
    for name, box in boxes.items():
        part = geom.intersection(shapely.box(*box))
        if not part.is_empty and part.area > 0.05 * geom.area:
            out.append((name, _inner_point(max(shapely.get_parts(part), key=lambda g: g.area))))
    return out


def _dialogue_label(snap: Snapshot) -> dict[str, str]:
    d = snap.dialogues
    return {
        u: f"{date} {place}" for u, date, place in zip(d["uid"], d["date"], d["place"], strict=True)
    }


def build_places(snap: Snapshot, before: Situation, req: PlanRequest) -> Places:
    """Places and needs for ``req`` given the situation ``before`` the week."""
    areas = snap.areas
    skip = set(req.exclude)
    kind_of = dict(zip(areas["id"], areas["kind"], strict=True))
    name_of = dict(zip(areas["id"], areas["name"], strict=True))
    bx, by = to_sweref(np.array([req.base[0]]), np.array([req.base[1]]))
    items = [Place("base", "base", "", "", *req.base, float(bx[0]), float(by[0]), "", ())]
    points_m: list[shapely.Point] = []
    meta: list[dict[str, object]] = []

    areas_m = areas.to_crs(SWEREF99TM)
    roads_m = np.asarray(_main_roads().to_crs(SWEREF99TM).geometry.array, dtype=object)
    for aid, kind, geom in zip(areas["id"], areas["kind"], areas_m.geometry.array, strict=True):
        if kind == AreaKind.TOWN.value:
            for quarter, point in _quarters(geom):
                points_m.append(point)
                meta.append(
                    dict(key=f"{quarter}:{aid}", what=quarter, name=name_of[aid], kinds=(CAR, FOOT))
                )
        if kind == AreaKind.COUNTRYSIDE.value:
            points_m.append(_zone_point(geom, roads_m))
            meta.append(dict(key=f"zone:{aid}", what="zone", name=name_of[aid], kinds=(CAR,)))
        else:
            points_m.append(_inner_point(geom))
            meta.append(
                dict(key=f"centre:{aid}", what="centre", name=name_of[aid], kinds=(CAR, FOOT))
            )
    roads = snap.roads
    for uid, road, locality, geom in zip(
        roads["uid"],
        roads["road"],
        roads["locality"],
        roads.to_crs(SWEREF99TM).geometry.array,
        strict=True,
    ):
        points_m.append(shapely.line_interpolate_point(geom, 0.5, normalized=True))
        meta.append(
            dict(key=f"road:{uid}", what="road", name=f"{road}, {locality}", kinds=(CONTROL,))
        )
    spots = snap.problem_spots
    labels = _dialogue_label(snap)
    sx, sy = to_sweref(
        shapely.get_x(np.asarray(spots.geometry.array)),
        shapely.get_y(np.asarray(spots.geometry.array)),
    )
    for row, x, y in zip(spots.itertuples(), sx, sy, strict=True):
        pass_kinds: tuple[str, ...] = (
            (CAR, FOOT) if kind_of.get(row.area_id) != "countryside" else (CAR,)
        )
        if row.category in TRAFFIC:
            pass_kinds = (CONTROL, *pass_kinds)
        points_m.append(shapely.Point(x, y))
        meta.append(
            dict(
                key=f"spot:{row.uid}",
                what="spot",
                name=str(row.description),
                kinds=pass_kinds,
                category=row.category,
                asked=str(row.description),
                dialogue=labels.get(row.dialogue_uid)
                if isinstance(row.dialogue_uid, str)
                else None,
                window=before.open_windows.get(row.uid),
                status=row.status,
            )
        )
    x = shapely.get_x(np.array(points_m, dtype=object))
    y = shapely.get_y(np.array(points_m, dtype=object))
    lon, lat = to_wgs84(x, y)
    lon, lat = np.round(lon, 6), np.round(lat, 6)
    codes = assign_areas(areas, lon, lat)
    index: dict[str, int] = {}
    for m, xi, yi, lo, la, code in zip(meta, x, y, lon, lat, codes, strict=True):
        if code < 0:
            continue
        aid = str(areas["id"].iloc[code])
        if aid in skip:
            continue
        status = m.pop("status", None)
        index[str(m["key"])] = len(items)
        items.append(
            Place(
                area_id=aid,
                area_kind=kind_of[aid],
                lon=float(lo),
                lat=float(la),
                x=float(xi),
                y=float(yi),
                **m,  # type: ignore[arg-type]
            )
        )
        if status == SpotStatus.DONE.value and items[-1].window is None:
            items[-1].kinds = ()  # done: only a need (none) would bring a unit here
    places = Places(items)
    _needs(places, index, before, skip, name_of)
    return places


def _needs(
    places: Places,
    index: dict[str, int],
    before: Situation,
    skip: set[str],
    name_of: dict[str, str],
) -> None:
    gaps = before.gaps.sort_values("days_without", ascending=False, na_position="first")
    for aid, kind in zip(gaps["area_id"], gaps["kind"], strict=True):
        key = f"zone:{aid}" if kind == AreaKind.COUNTRYSIDE.value else f"centre:{aid}"
        if aid in skip or key not in index:
            places.left_out.append(
                {"reason": "left_out", "name": name_of.get(aid, aid), "area_id": aid}
            )
            continue
        places.needs.append(Need(index[key], places.items[index[key]].kinds, "gap"))
    for uid in before.open_spots:
        key = f"spot:{uid}"
        if key in index:
            p = places.items[index[key]]
            places.needs.append(Need(index[key], _spot_need_kinds(p), "spot_open"))
    for uid in before.roads_without:
        key = f"road:{uid}"
        if key in index:
            places.needs.append(Need(index[key], (CONTROL,), "road"))
    for uid in before.stale_spots:
        key = f"spot:{uid}"
        if key in index:
            p = places.items[index[key]]
            places.needs.append(Need(index[key], _spot_need_kinds(p), "spot_stale"))


def _spot_need_kinds(p: Place) -> tuple[str, ...]:
    """Who answers a spot: a foot patrol in a locality for youth and narcotics, else a
    car; the others as fallbacks. Any presence follows a spot up, so the hours of
    traffic controls are kept for the roads, which only a control answers."""
    if p.category in TRAFFIC:
        order: tuple[str, ...] = (CAR, FOOT, CONTROL)
    elif p.category in EVENING and p.area_kind != AreaKind.COUNTRYSIDE.value:
        order = (FOOT, CAR)
    else:
        order = (CAR, FOOT)
    allowed = set(p.kinds) | {CAR} | ({FOOT} if p.area_kind != "countryside" else set())
    return tuple(k for k in order if k in allowed)
