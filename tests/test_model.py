import pandas as pd
import pytest
from shapely.geometry import Point

from geo.areas import builtin_municipality
from geo.errors import ValidationError
from geo.model import validate
from tests.factories import presence, spot, track, ts

OUTLINE = builtin_municipality()


def check(layer, frame, field, words):
    with pytest.raises(ValidationError) as info:
        validate(layer, frame, OUTLINE)
    assert info.value.field == field
    assert words in info.value.reason
    assert str(info.value).startswith(f"{layer}: record ")
    return info.value


def test_valid_presence_is_normalised_to_utc():
    out = validate("presence", presence(), OUTLINE)
    assert str(out["start"].dt.tz) == "UTC"
    assert out["start"].iloc[0] == pd.Timestamp("2018-05-03 12:30", tz="UTC")
    assert len(out["uid"].iloc[0]) == 32


def test_outside_the_municipality():
    check("presence", presence(geometry=Point(13.0, 55.6)), "geometry", "outside Älmhult")


def test_latitude_and_longitude_swapped():
    check("problem_spots", spot(geometry=Point(56.551, 14.139)), "geometry", "swapped")


def test_sweref_metres_given_as_degrees():
    check("presence", presence(geometry=Point(450000, 6270000)), "geometry", "not degrees")


def test_end_before_start():
    error = check("presence", presence(end=ts("2018-05-03 13:00")), "end", "is before the start")
    assert error.record == 1


def test_unknown_category():
    check("problem_spots", spot(category="aliens"), "category", "unknown value 'aliens'")


def test_missing_required_value_and_column():
    check("problem_spots", spot(description="  "), "description", "a value is required")
    check("problem_spots", spot().drop(columns="status"), "status", "required column")


def test_time_without_zone():
    check("presence", presence(start=pd.Timestamp("2018-05-03 14:30")), "start", "time zone")


def test_more_violations_than_vehicles():
    check("presence", presence(violations=50), "violations", "only 40 vehicles")


def test_wrong_geometry_type():
    check(
        "problem_spots",
        track().assign(category="narcotics", description="x", reported="2018-01-01", status="new"),
        "geometry",
        "LineString given",
    )


def test_error_names_the_failing_row_among_many():
    frame = pd.concat([presence(), presence(), presence(vehicles_checked=-1)], ignore_index=True)
    error = check("presence", frame, "vehicles_checked", "below the minimum")
    assert error.record == 3


def test_no_crs_is_refused():
    frame = presence().set_crs(None, allow_override=True)
    check("presence", frame, "geometry", "no coordinate reference system")


def test_other_crs_is_reprojected():
    out = validate("presence", presence().to_crs(3006), OUTLINE)
    assert out.crs == "EPSG:4326"
    assert out.geometry.iloc[0].x == pytest.approx(14.266, abs=1e-6)
