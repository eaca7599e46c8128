"""Domain, geometry and storage core of the Älmhult presence dashboard.

Never imports streamlit: everything here is plain functions and small classes on
(Geo)DataFrames, so it is fast to test. Stored coordinates are WGS84 (EPSG:4326);
distances and areas are measured in SWEREF 99 TM (EPSG:3006); times are stored in UTC.
"""
