"""Driving order of a tour's stops: straight-line travel times, cheapest insertion,
nearest neighbour and 2-opt, and a brute-force optimum for small tours (the reference).

Positions are SWEREF 99 TM (EPSG:3006) metres; travel times minutes (tenths, rounded
up). Index 0 of a cost matrix is the base every tour starts and ends at. No road network
is used: the straight line at an effective speed is a fair stand-in for ordering stops in
a rural municipality, and the stated times say so.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np


def distance_matrix(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Straight-line distances (metres) between all points (EPSG:3006 coordinates)."""
    return np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])


def minutes_matrix(
    dist_m: np.ndarray, kmh: float, walk_kmh: float | None = None, walk_max_m: float = 0.0
) -> np.ndarray:
    """Travel minutes (rounded up to a tenth) for distances: at ``kmh``, or walking at
    ``walk_kmh`` for legs up to ``walk_max_m`` (a foot patrol is driven further)."""
    minutes = dist_m / (kmh * 1000 / 60)
    if walk_kmh:
        walk = dist_m / (walk_kmh * 1000 / 60)
        minutes = np.where(dist_m <= walk_max_m, walk, minutes)
    return np.ceil(minutes * 10 - 1e-6) / 10


def _closed(route: Sequence[int] | np.ndarray) -> np.ndarray:
    """base, route..., base as an index array (np.r_ costs more than the work here)."""
    path = np.zeros(len(route) + 2, dtype=np.intp)
    path[1:-1] = route
    return path


def closed_cost(route: Sequence[int] | np.ndarray, cost: np.ndarray) -> float:
    """Cost of base -> route -> base (``route`` without the base)."""
    path = _closed(route)
    return float(cost[path[:-1], path[1:]].sum())


def cheapest_insertion(route: list[int], p: int, cost: np.ndarray) -> tuple[int, float]:
    """Where to insert point ``p`` into ``route`` (base implied at both ends) at least
    extra cost: (position in ``route``, extra cost)."""
    path = _closed(route)
    a, b = path[:-1], path[1:]
    extra = cost[a, p] + cost[p, b] - cost[a, b]
    i = int(np.argmin(extra))
    return i, float(extra[i])


def nearest_neighbour(points: list[int], cost: np.ndarray) -> list[int]:
    """Visit order from the base, always to the nearest unvisited point."""
    left = list(points)
    order: list[int] = []
    here = 0
    while left:
        j = int(np.argmin(cost[here, left]))
        here = left.pop(j)
        order.append(here)
    return order


def two_opt(route: list[int], cost: np.ndarray) -> list[int]:
    """Improve a closed tour (base at both ends) by reversing segments while that
    shortens it (first improvement, vectorised over the second cut)."""
    path = _closed(route)
    n = path.size
    if n < 5:
        return list(path[1:-1])
    improved = True
    while improved:
        improved = False
        for i in range(1, n - 2):
            a, b = path[i - 1], path[i]
            js = np.arange(i + 1, n - 1)
            c, d = path[js], path[js + 1]
            delta = cost[a, c] + cost[b, d] - cost[a, b] - cost[c, d]
            k = int(np.argmin(delta))
            if delta[k] < -1e-9:
                j = int(js[k])
                path[i : j + 1] = path[i : j + 1][::-1]
                improved = True
    return [int(v) for v in path[1:-1]]


def order_tour(points: list[int], cost: np.ndarray) -> list[int]:
    """A good driving order: the better of the given order and nearest neighbour, then
    2-opt."""
    nn = nearest_neighbour(points, cost)
    start = nn if closed_cost(nn, cost) < closed_cost(points, cost) else list(points)
    return two_opt(start, cost)


def brute_force(points: list[int], cost: np.ndarray) -> list[int]:
    """The optimal order by trying every permutation (reference; ≤ 9 points)."""
    if len(points) > 9:
        raise ValueError(f"brute force over {len(points)} points would take too long")
    best, best_cost = list(points), closed_cost(points, cost)
    for perm in itertools.permutations(points):
        c = closed_cost(perm, cost)
        if c < best_cost - 1e-9:
            best, best_cost = list(perm), c
    return best
