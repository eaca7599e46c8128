import numpy as np
import pytest
import shapely

from geo.aggregate import hex_cells, hexbin, simplify_tracks
from geo.crs import to_sweref, to_wgs84


def test_hexbin_keeps_every_point_and_weight():
    rng = np.random.default_rng(1)
    x, y = rng.uniform(430_000, 440_000, 5000), rng.uniform(6_260_000, 6_270_000, 5000)
    w = rng.uniform(0, 2, 5000)
    bins = hexbin(x, y, w, 250)
    assert bins["count"].sum() == 5000
    assert np.isclose(bins["value"].sum(), w.sum())
    assert not bins[["q", "r"]].duplicated().any()


def test_each_point_lies_in_its_hexagon():
    rng = np.random.default_rng(2)
    x, y = rng.uniform(430_000, 440_000, 2000), rng.uniform(6_260_000, 6_270_000, 2000)
    bins = hexbin(x, y, np.ones(2000), 250).set_index(["q", "r"])
    q, r = hex_cells(x, y, 250)
    polys = bins.loc[list(zip(q, r, strict=True)), "geometry"].to_numpy()
    lon, lat = to_wgs84(x, y)
    # within 2 m: hexagon corners are rounded to 1e-5° (about 1 m)
    polys_m = shapely.transform(polys, lambda c: np.column_stack(to_sweref(c[:, 0], c[:, 1])))
    assert (shapely.distance(polys_m, shapely.points(x, y)) < 2).all()
    assert shapely.contains_xy(polys, lon, lat).mean() > 0.99


def test_hexagon_size():
    bins = hexbin(np.array([450_000.0]), np.array([6_270_000.0]), np.ones(1), 250)
    poly_m = shapely.transform(
        bins["geometry"].iloc[0], lambda c: np.column_stack(to_sweref(c[:, 0], c[:, 1]))
    )
    assert abs(poly_m.area - 1.5 * np.sqrt(3) * 250**2) / poly_m.area < 0.01


def test_simplify_tracks_drops_vertices_within_tolerance():
    lon = np.r_[np.linspace(14.10, 14.20, 200), np.linspace(14.10, 14.11, 3)]
    lat = np.r_[
        np.full(200, 56.55) + np.random.default_rng(0).normal(0, 2e-5, 200),
        np.array([56.60, 56.61, 56.62]),
    ]
    rec = np.r_[np.zeros(200, dtype=int), np.ones(3, dtype=int)]
    recs, lines = simplify_tracks(lon, lat, rec, 10.0)
    assert recs.tolist() == [0, 1]
    assert shapely.get_num_coordinates(lines[0]) < 20
    assert shapely.get_num_coordinates(lines[1]) == 2  # collinear middle point dropped


def test_simplify_tracks_leaves_out_single_fix_records():
    lon = np.array([14.10, 14.11, 14.20, 14.30, 14.31])
    lat = np.array([56.55, 56.56, 56.60, 56.62, 56.63])
    recs, lines = simplify_tracks(lon, lat, np.array([0, 0, 1, 2, 2]), 10.0)
    assert recs.tolist() == [0, 2]
    assert [shapely.get_num_coordinates(g) for g in lines] == [2, 2]


def test_hexbin_cells_in_every_quadrant_come_out_once_and_summed():
    """Cells left of and below the origin (negative q and r) keep their sign, come out
    once each, and carry the sums of exactly their points."""
    rng = np.random.default_rng(3)
    x, y = rng.uniform(-5_000, 5_000, 20_000), rng.uniform(-5_000, 5_000, 20_000)
    w = rng.random(20_000)
    bins = hexbin(x, y, w, size_m=250.0)
    q, r = hex_cells(x, y, 250.0)
    assert (bins["q"] < 0).any() and (bins["r"] < 0).any()
    cells = list(zip(bins["q"], bins["r"], strict=True))
    assert len(cells) == len(set(cells)) == len(set(zip(q.tolist(), r.tolist(), strict=True)))
    assert set(cells) == set(zip(q.tolist(), r.tolist(), strict=True))
    for i in rng.choice(len(bins), 20, replace=False):
        mine = (q == bins["q"].iloc[i]) & (r == bins["r"].iloc[i])
        assert bins["count"].iloc[i] == mine.sum()
        assert bins["value"].iloc[i] == pytest.approx(w[mine].sum())
