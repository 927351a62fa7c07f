"""Dark/light theme: the navbar switch sets Bootstrap's ``data-bs-theme``; figures read the switch."""
from dash import Input, Output
from callbacks.registry import clientside_callback

from components.ids import App

clientside_callback(
    """
    function(dark) {
        document.documentElement.setAttribute('data-bs-theme', dark ? 'dark' : 'light');
        return '';
    }
    """,
    Output(App.THEME_DUMMY, "children"),
    Input(App.THEME_SWITCH, "value"),
)


def theme_name(dark: bool | None) -> str:
    """Figure theme for the switch value."""
    return "dark" if dark else "light"
