"""Who is using the app, and what they may do: the one place callbacks ask.

Without login (``PARITY_AUTH`` unset, the single-user embedded default) there is one anonymous
user, ``""``, who may read and edit everything. With ``PARITY_AUTH=1`` the login layer
(``callbacks/auth.py``) answers these from the signed-in user and their role:

=============  ==========================================================================
viewer         opens their own workspaces and those shared with them; may not save
editor         also saves, renames, deletes and shares their own workspaces
admin          also opens (and changes) every workspace
=============  ==========================================================================

Outside a request (a background job process) with login on, nobody is signed in: the answers
are ``""`` and ``False``, so a job can never act with more rights than the request that
started it (jobs get what they need as arguments).
"""
from __future__ import annotations

import os

__all__ = ["current_user", "current_role", "may_edit", "may_read", "may_change",
           "list_reader", "enable_login", "login_enabled"]

#: Set once per process by :func:`enable_login` (inherited by forked job processes).
_PROCESS = {"login": False}


def enable_login() -> None:
    """Called by ``install_auth`` when ``PARITY_AUTH=1``: from now on this process has users."""
    _PROCESS["login"] = True


def login_enabled() -> bool:
    """Whether sign-in is on (``PARITY_AUTH=1``) for this app or process.

    Returns
    -------
    bool
        False for the single-user default, where everyone may open everything and sharing
        has no effect yet.
    """
    return _login_on()


def _login_on() -> bool:
    from flask import current_app, has_app_context

    if has_app_context() and "PARITY_AUTH" in current_app.config:
        return bool(current_app.config["PARITY_AUTH"])
    return _PROCESS["login"] or os.environ.get("PARITY_AUTH", "0").strip().lower() in (
        "1", "true", "yes")


def _account():
    """The signed-in account (``.name``, ``.role``), or None."""
    from flask import has_request_context

    if not has_request_context():
        return None
    from flask_login import current_user as account

    try:
        return account if account.is_authenticated else None
    except Exception:  # no login manager on this app (built without PARITY_AUTH)
        return None


def current_user() -> str:
    """The signed-in user's name, or ``""`` without login (or with nobody signed in)."""
    if not _login_on():
        return ""
    account = _account()
    return account.name if account is not None else ""


def current_role() -> str:
    """``"viewer"``, ``"editor"`` or ``"admin"``; ``"admin"`` for the single user without
    login, ``""`` with nobody signed in."""
    if not _login_on():
        return "admin"
    account = _account()
    return account.role if account is not None else ""


def may_edit() -> bool:
    """Whether the current user may save, rename or delete (viewers may not)."""
    return current_role() in ("editor", "admin")


def may_read(owner: str, sharing: object = None) -> bool:
    """Whether the current user may open a workspace owned by ``owner`` with this ``sharing``.

    ``sharing`` is a :class:`core.store.Sharing` (``WorkspaceInfo.sharing``), its dict form,
    a mode string, or None (private). An unreadable value shares nothing.
    """
    if not _login_on():
        return True
    account = _account()
    if account is None:
        return False
    if account.role == "admin" or owner == account.name:
        return True
    from core.errors import DataError
    from core.store import Sharing

    try:
        return Sharing.from_dict(sharing).allows(account.name)
    except (DataError, TypeError, AttributeError):
        return False


def may_change(owner: str) -> bool:
    """Whether the current user may save over, rename, share or delete a workspace owned by
    ``owner``: an editor their own, an admin any (everyone without login)."""
    role = current_role()
    return role == "admin" or (role == "editor" and owner == current_user())


def list_reader() -> str | None:
    """The ``reader=`` argument of ``store.list_workspaces`` for the current user: None (all)
    without login or for an admin, else their name (``""`` with nobody signed in: own none)."""
    if current_role() == "admin":
        return None
    return current_user()
