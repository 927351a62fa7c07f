"""Reusable UI pieces: component IDs, Plotly figure builders, controls and layout chrome."""
