"""Driving order: 2-opt never longer than the order given or nearest neighbour, and close
to the brute-force optimum on small tours."""

from __future__ import annotations

import numpy as np
import pytest

from geo.plan.route import (
    brute_force,
    cheapest_insertion,
    closed_cost,
    distance_matrix,
    minutes_matrix,
    nearest_neighbour,
    order_tour,
)


def random_cost(seed: int, n: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 30_000, (n + 1, 2))  # metres, a municipality's extent
    return distance_matrix(xy[:, 0], xy[:, 1])


@pytest.mark.parametrize("seed", range(8))
def test_ordered_tour_is_near_optimal_and_never_worse(seed):
    cost = random_cost(seed, 8)
    points = list(range(1, 9))
    ordered = order_tour(points, cost)
    assert sorted(ordered) == points
    best = closed_cost(brute_force(points, cost), cost)
    got = closed_cost(ordered, cost)
    assert got <= closed_cost(points, cost) + 1e-6
    assert got <= closed_cost(nearest_neighbour(points, cost), cost) + 1e-6
    assert got <= best * 1.05


def test_cheapest_insertion_finds_the_gap_on_the_way():
    xy = np.array([[0, 0], [1000, 0], [3000, 0], [2000, 0]], dtype=float)
    cost = distance_matrix(xy[:, 0], xy[:, 1])
    pos, extra = cheapest_insertion([1, 2], 3, cost)
    assert (pos, extra) == (1, 0.0)


def test_foot_patrols_walk_short_legs_and_ride_long_ones():
    dist = np.array([[0.0, 1500.0], [1500.0, 0.0]])
    walk = minutes_matrix(dist, 50.0, 4.5, 2000.0)
    assert walk[0, 1] == 20  # 1.5 km at 4.5 km/h
    ride = minutes_matrix(dist * 10, 50.0, 4.5, 2000.0)
    assert ride[0, 1] == 18  # 15 km at 50 km/h


def test_brute_force_refuses_long_tours():
    with pytest.raises(ValueError, match="too long"):
        brute_force(list(range(1, 11)), random_cost(0, 10))
