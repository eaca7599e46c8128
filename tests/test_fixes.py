import numpy as np
import pandas as pd

from geo.fixes import fixes_from_presence
from geo.model import validate
from tests.factories import presence, track


def test_point_presence_gives_fixes_at_start_and_end():
    fixes = fixes_from_presence(validate("presence", presence()))
    assert len(fixes) == 2
    assert fixes["t"].tolist() == [
        int(pd.Timestamp("2018-05-03 12:30", tz="UTC").timestamp()),
        int(pd.Timestamp("2018-05-03 13:30", tz="UTC").timestamp()),
    ]


def test_track_times_are_interpolated_by_distance():
    clean = validate("presence", track())
    fixes = fixes_from_presence(clean)
    assert fixes["seq"].tolist() == [0, 1, 2]
    t = fixes["t"].to_numpy()
    assert t[0] == clean["start"].iloc[0].timestamp()
    assert t[-1] == clean["end"].iloc[0].timestamp()
    assert t[0] < t[1] < t[2]


def test_given_vertex_times_are_kept():
    clean = validate("presence", track())
    uid = clean["uid"].iloc[0]
    given = np.array([100, 200, 300])
    fixes = fixes_from_presence(clean, {uid: given})
    assert fixes["t"].tolist() == [100, 200, 300]
