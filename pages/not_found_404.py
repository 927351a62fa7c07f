"""Shown for unknown paths."""
import dash
from dash import html
import dash_bootstrap_components as dbc

dash.register_page(__name__, path="/404", name="Not found", order=99, title="Parity · not found")


def layout(**_query):
    return dbc.Container([html.H3("Page not found"),
                          html.P(["Nothing lives at this address. ", html.A("Back to the home page", href="/")])],
                         class_name="py-4")
