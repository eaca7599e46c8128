"""Folium map building: layers, legend and local (offline) assets."""
