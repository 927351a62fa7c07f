"""The short notes a page shows under a result about the runs registry: loaded from it, saved to
it (the page's link now brings the result back), or not saved (and why)."""
from __future__ import annotations

from dash import html

__all__ = ["loaded_note", "saved_note", "not_saved_note"]


def _registry_link() -> html.A:
    return html.A("runs registry", href="/runs")


def loaded_note(what: str = "") -> html.Span:
    """"Loaded [what ]from the runs registry."

    Parameters
    ----------
    what : str
        What was loaded, e.g. ``"3 run(s)"``; empty for "the result".

    Returns
    -------
    dash.html.Span
    """
    return html.Span([f"Loaded {what + ' ' if what else ''}from the ", _registry_link(), "."])


def saved_note(what: str = "", *, them: bool = False) -> html.Span:
    """"Saved [what ]to the runs registry; this page's link now brings it (them) back."

    Parameters
    ----------
    what : str
        What was saved, e.g. ``"3 run(s)"``; empty for "the result".
    them : bool
        Say "them" (several runs) instead of "it".

    Returns
    -------
    dash.html.Span
    """
    return html.Span([f"Saved {what + ' ' if what else ''}to the ", _registry_link(),
                      f"; this page's link now brings {'them' if them else 'it'} back."])


def not_saved_note(what: str, reason: object | None = None) -> html.Span:
    """"<What> could not be saved to the registry: <reason>" (or "; the error was logged."), in
    the danger colour.

    Parameters
    ----------
    what : str
        The subject, e.g. ``"The backtest"``.
    reason : object, optional
        What the store said (a :class:`~core.errors.ParityError`); ``None`` for an unexpected
        error that was logged.

    Returns
    -------
    dash.html.Span
    """
    tail = f": {reason}" if reason is not None else "; the error was logged."
    return html.Span(f"{what} could not be saved to the registry{tail}", className="text-danger")
