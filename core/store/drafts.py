"""Report drafts: the report a user is building, kept per user so it follows them to another
browser or machine.

One row per owner in ``report_drafts``: the report's ``items`` (a list) and ``meta`` (a dict) as
JSON text, the browser's ``fingerprint`` of what it sent (opaque short strings, so a browser can
tell that the copy it holds is the stored one without downloading it) and the ``updated`` time.
The owner is the signed-in user's name, or ``""`` for the single local user without sign-in.

:meth:`DraftStore.put_draft` replaces the parts it is given and keeps the others, so a browser
that changed only the title sends only ``meta`` (a few hundred bytes), never the charts again.
An empty report is stored as such (not deleted): a report cleared on one machine is cleared on
the next one too. The SQL is shared by both backends (``?`` placeholders; backends implement
``_exec``), like :mod:`core.store.users`.
"""
from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from core.errors import DataError
from core.store.runs import clean_json as _clean
from core.store.runs import decode_json as _decode
from core.store.runs import encode_json as _encode
from core.store.runs import stamp as _stamp
from core.store.runs import utc_time as _utc
from core.store.users import user_name

__all__ = ["Draft", "DraftStore", "MAX_DRAFT_CHARS", "draft_owner_name"]

#: Largest draft kept (characters of JSON, items and meta together): above the browser tab's
#: own limit for a report (``assets/report.js``, 4.5 M), so what a tab holds can be kept.
MAX_DRAFT_CHARS = 8_000_000
_MAX_FINGERPRINT = 200
_SELECT = "SELECT owner, items, meta, fingerprint, updated FROM report_drafts"


def draft_owner_name(owner: Any) -> str:
    """A valid draft owner: ``""`` (the single local user) or a user name.

    Parameters
    ----------
    owner : Any
        The candidate owner.

    Returns
    -------
    str
        ``""`` or the user name, stripped.

    Raises
    ------
    DataError
        Not a string, or not ``""`` nor a valid user name (:data:`core.store.users.USER_NAME`).
    """
    if owner == "":
        return ""
    return user_name(owner, "owner")


@dataclass(frozen=True, slots=True)
class Draft:
    """A user's report draft.

    Attributes
    ----------
    owner : str
        User name, ``""`` for the single local user.
    items : list
        The report items (each a dict: title, url, figures, tables...).
    meta : dict
        Title, author, date, summary and per-item notes.
    fingerprint : dict
        What the browser that sent it said identifies ``items`` and ``meta`` (short strings).
    updated : datetime
        UTC time of the last change.
    """

    owner: str
    items: list
    meta: dict
    fingerprint: dict
    updated: datetime

    @property
    def is_empty(self) -> bool:
        """No item and no title, author, summary or note typed."""
        meta = self.meta or {}
        notes = meta.get("notes") or {}
        return not self.items and not any(meta.get(k) for k in ("title", "author", "summary")) \
            and not any(notes.values() if isinstance(notes, dict) else [])

    def to_dict(self) -> dict:
        """JSON-ready dict.

        Returns
        -------
        dict
            ``owner``, ``items``, ``meta``, ``fingerprint`` and ``updated`` (ISO-8601 UTC text,
            microseconds: later drafts sort after earlier ones as text).
        """
        return {"owner": self.owner, "items": self.items, "meta": self.meta,
                "fingerprint": self.fingerprint, "updated": _stamp(self.updated)}


def _draft(row: tuple) -> Draft:
    where = f"the report draft of {row[0]!r}"
    return Draft(row[0], _decode(row[1], where) or [], _decode(row[2], where) or {},
                 _decode(row[3], where) or {}, _utc(row[4], "updated"))


def _fingerprint(value: Any) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and len(k) + len(v) <= _MAX_FINGERPRINT
            for k, v in value.items()) or len(value) > 4:
        raise DataError("fingerprint must be a dict of at most 4 short strings")
    return dict(value)


class DraftStore:
    """Report-draft methods shared by the store backends (see module docstring)."""

    __slots__ = ()

    @abstractmethod
    def _exec(self, statements: list[tuple[str, tuple]], doing: str) -> Any: ...

    def put_draft(self, owner: str, *, items: list | None = None, meta: dict | None = None,
                  fingerprint: dict | None = None) -> Draft:
        """Keep ``owner``'s report draft: the parts given replace the stored ones.

        Parameters
        ----------
        owner : str
            User name, or ``""`` for the single local user.
        items : list, optional
            The report items; None keeps the stored ones (``[]`` for a new draft).
        meta : dict, optional
            Title, author, date, summary, notes; None keeps the stored ones (``{}`` when new).
        fingerprint : dict, optional
            The sender's identification of what it sent (at most 4 short strings); replaces
            the stored one.

        Returns
        -------
        Draft
            As stored, ``updated`` = now (UTC), always later than the previous ``updated``.

        Raises
        ------
        DataError
            A bad owner, items that are not a list, meta that is not a dict, values that are
            not JSON, or a draft larger than :data:`MAX_DRAFT_CHARS`.
        """
        owner = draft_owner_name(owner)
        if items is not None and not isinstance(items, list):
            raise DataError(f"items must be a list, got {type(items).__name__}")
        if meta is not None and not isinstance(meta, dict):
            raise DataError(f"meta must be a dict, got {type(meta).__name__}")
        items_text = None if items is None else _encode(_clean(items, "items"), "items")
        meta_text = None if meta is None else _encode(_clean(meta, "meta"), "meta")
        size = len(items_text or "") + len(meta_text or "")
        if size > MAX_DRAFT_CHARS:
            raise DataError(f"the report is too large to keep on the server ({size / 1e6:.1f} M "
                            f"characters, at most {MAX_DRAFT_CHARS / 1e6:.0f} M): remove items "
                            "or export it")
        fp = _encode(_fingerprint(fingerprint), "fingerprint")
        previous = self._exec([(f"{_SELECT} WHERE owner = ?", (owner,))], "reading a report draft")
        now = datetime.now(timezone.utc)
        if previous and _utc(previous[0][4], "updated") >= now:   # a clock step back: still later
            now = _utc(previous[0][4], "updated") + timedelta(microseconds=1)
        rows = self._exec([
            ("INSERT INTO report_drafts (owner, items, meta, fingerprint, updated) "
             "VALUES (?, '[]', '{}', '{}', ?) ON CONFLICT (owner) DO NOTHING", (owner, _stamp(now))),
            ("UPDATE report_drafts SET items = COALESCE(?, items), meta = COALESCE(?, meta), "
             "fingerprint = ?, updated = ? WHERE owner = ?",
             (items_text, meta_text, fp, _stamp(now), owner)),
            (f"{_SELECT} WHERE owner = ?", (owner,))], "keeping the report draft")
        return _draft(rows[0])

    def get_draft(self, owner: str) -> Draft | None:
        """``owner``'s report draft, or None when none was kept.

        Parameters
        ----------
        owner : str
            User name, or ``""`` for the single local user.

        Returns
        -------
        Draft or None

        Raises
        ------
        DataError
            A bad owner.
        """
        rows = self._exec([(f"{_SELECT} WHERE owner = ?", (draft_owner_name(owner),))],
                          "reading a report draft")
        return _draft(rows[0]) if rows else None

    def delete_draft(self, owner: str) -> bool:
        """Forget ``owner``'s report draft.

        Parameters
        ----------
        owner : str
            User name, or ``""`` for the single local user.

        Returns
        -------
        bool
            Whether there was one.

        Raises
        ------
        DataError
            A bad owner.
        """
        return bool(self._exec([("DELETE FROM report_drafts WHERE owner = ?",
                                 (draft_owner_name(owner),))], "deleting a report draft"))
