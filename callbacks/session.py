"""Who is using the app, and what they may do: the one place callbacks ask.

Without login (``PARITY_AUTH`` unset, the single-user embedded default) there is one anonymous
user, ``""``, who may read and edit everything. With ``PARITY_AUTH=1`` the login layer
(``callbacks/auth.py``) answers these from the signed-in user and their role.
"""
from __future__ import annotations

__all__ = ["current_user", "may_edit", "may_read"]


def current_user() -> str:
    """The signed-in user's name, or ``""`` without login."""
    return ""


def may_edit() -> bool:
    """Whether the current user may save, rename or delete (viewers may not)."""
    return True


def may_read(owner: str, sharing: object = None) -> bool:
    """Whether the current user may open a workspace owned by ``owner`` with this ``sharing``."""
    return True
