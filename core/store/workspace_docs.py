"""Workspace documents: the frozen :class:`Workspace` and :class:`WorkspaceInfo`, their
:class:`Sharing`, document versions and migration, blob keys, and the checks and row readers the
store backends share. The store methods are in :mod:`core.store.workspaces`, which re-exports the
public names here.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from core.errors import DataError
from core.store.runs import clean_json as _clean
from core.store.runs import decode_json as _decode
from core.store.runs import stamp as _stamp
from core.store.runs import utc_time as _utc

__all__ = ["Workspace", "WorkspaceInfo", "Sharing", "SHARING_MODES", "WORKSPACE_VERSION",
           "DOCUMENT_MIGRATIONS", "STATE_KEYS", "MAX_BLOB_BYTES", "ID_BYTES", "TEXT_LIMITS",
           "FIELDS", "SELECT_WORKSPACE", "SELECT_INFO", "migrate_document", "blob_key",
           "check_text", "check_state", "check_report", "info_from_row", "workspace_from_row"]


#: Version of the workspace document this code writes.
WORKSPACE_VERSION = 1
#: Keys of ``Workspace.state`` and their JSON types (a missing key is filled with an empty one).
STATE_KEYS: dict[str, type] = {"pages": dict, "book": dict, "runs": list, "notes": str,
                               "uploads": dict}
#: ``{version: function(document) -> document of version + 1}``; append one per new version.
DOCUMENT_MIGRATIONS: dict[int, Callable[[dict], dict]] = {}
#: Largest blob accepted (bytes).
MAX_BLOB_BYTES = 64 * 2**20
ID_BYTES = 24
TEXT_LIMITS = {"name": 200, "owner": 200, "description": 2000, "workspace_id": 64, "key": 64,
           "blob name": 255}
FIELDS = ("id", "name", "owner", "description", "created", "updated", "version", "state",
           "report")
SELECT_WORKSPACE = f"SELECT {', '.join(FIELDS)}, sharing FROM workspaces"
SELECT_INFO = ("SELECT id, name, owner, description, created, updated, version, sharing "
         "FROM workspaces")
#: Who may open a workspace besides its owner (and admins): nobody, the named users, everyone
#: signed in.
SHARING_MODES = ("private", "users", "all")


def check_text(value: Any, name: str, *, empty: bool = True) -> str:
    """A stripped text field within its length limit (:data:`TEXT_LIMITS`).

    Parameters
    ----------
    value : Any
        The value given.
    name : str
        The field's name, a key of :data:`TEXT_LIMITS` (named in the message).
    empty : bool
        Whether an empty string is allowed.

    Returns
    -------
    str
        ``value`` stripped.

    Raises
    ------
    DataError
        Not a string, empty when not allowed, or too long.
    """
    if not isinstance(value, str):
        raise DataError(f"{name} must be a string, got {type(value).__name__} {value!r}")
    value = value.strip()
    if not empty and not value:
        raise DataError(f"{name} must not be empty")
    if len(value) > TEXT_LIMITS[name]:
        raise DataError(f"{name} must be at most {TEXT_LIMITS[name]} characters, got {len(value)}")
    return value


def check_state(value: Any) -> dict:
    """A workspace state as clean JSON with every key of :data:`STATE_KEYS` (missing ones empty).

    Parameters
    ----------
    value : Any
        The state given (a mapping).

    Returns
    -------
    dict
        The state, JSON-clean.

    Raises
    ------
    DataError
        Not a mapping, not JSON, or a key of the wrong JSON type.
    """
    if not isinstance(value, Mapping):
        raise DataError(f"state must be a dict, got {type(value).__name__}")
    state = _clean(value, "state")
    for key, kind in STATE_KEYS.items():
        state.setdefault(key, kind())
        if not isinstance(state[key], kind):
            raise DataError(f"state[{key!r}] must be a {kind.__name__} (JSON "
                            f"{'object' if kind is dict else 'array' if kind is list else 'string'}"
                            f"), got {type(state[key]).__name__}")
    return state


def check_report(value: Any) -> list:
    """A report as a clean JSON list of items (``None`` is an empty report).

    Parameters
    ----------
    value : Any
        The report given (a list or tuple of items, or ``None``).

    Returns
    -------
    list
        The items, JSON-clean.

    Raises
    ------
    DataError
        Not a list of items, or not JSON.
    """
    if value is None:
        return []
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        raise DataError(f"report must be a list of items, got {type(value).__name__}")
    return _clean(list(value), "report")


def blob_key(data: bytes) -> str:
    """The key a blob is stored under: the SHA-256 of its bytes, 64 hex characters.

    Parameters
    ----------
    data : bytes
        The blob's content (any length, bytes).

    Returns
    -------
    str
        Lower-case hex SHA-256 digest of ``data``, 64 characters.
    """
    return hashlib.sha256(data).hexdigest()


def migrate_document(doc: Mapping) -> dict:
    """A workspace document (``Workspace.to_dict()`` form) brought to :data:`WORKSPACE_VERSION`.

    Parameters
    ----------
    doc : Mapping
        The document, with an integer ``version`` >= 1 (not modified; a copy is migrated).

    Returns
    -------
    dict
        A new dict of version :data:`WORKSPACE_VERSION`, with at least ``id``, ``name`` and
        ``state``.

    Raises
    ------
    DataError
        Not a dict, no usable ``version``, a version newer than this code, no migration from
        an older version, or (after migration) missing fields - each named.
    """
    if not isinstance(doc, Mapping):
        raise DataError(f"a workspace document must be a dict, got {type(doc).__name__}")
    doc = dict(doc)
    version = doc.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise DataError(f"the workspace document has no valid 'version' (got {version!r}); it "
                        f"was not written by Parity's workspace store (version "
                        f"{WORKSPACE_VERSION} documents have: {', '.join(FIELDS)})")
    if version > WORKSPACE_VERSION:
        raise DataError(f"the workspace was saved by a newer Parity (document version {version}; "
                        f"this one reads up to {WORKSPACE_VERSION}); upgrade Parity to open it")
    while version < WORKSPACE_VERSION:
        step = DOCUMENT_MIGRATIONS.get(version)
        if step is None:
            raise DataError(f"the workspace document version {version} cannot be opened: no "
                            f"migration from version {version} to {version + 1}")
        doc = dict(step(dict(doc)))
        if doc.get("version") != version + 1:
            raise DataError(f"the migration from workspace version {version} did not produce "
                            f"version {version + 1}")
        version += 1
    missing = [k for k in ("id", "name", "state") if k not in doc]
    if missing:
        raise DataError(f"the workspace document (version {version}) is missing "
                        f"{', '.join(repr(k) for k in missing)}")
    return doc


@dataclass(frozen=True, slots=True)
class Sharing:
    """Who may open a workspace besides its owner and admins.

    Attributes
    ----------
    mode : str
        ``"private"`` (nobody), ``"users"`` (the named ``users``) or ``"all"`` (every signed-in
        user); see :data:`SHARING_MODES`.
    users : tuple of str
        Names the workspace is shared with (sorted; empty unless ``mode == "users"``).
    """

    mode: str = "private"
    users: tuple[str, ...] = ()

    def allows(self, user: str) -> bool:
        """Whether ``user`` (not the owner) may open a workspace shared this way.

        Parameters
        ----------
        user : str
            The reader's user name (owners and admins are decided by the caller).

        Returns
        -------
        bool
            True for ``mode == "all"``, or ``mode == "users"`` with ``user`` among
            :attr:`users`; False otherwise (always for ``"private"``).
        """
        return self.mode == "all" or (self.mode == "users" and user in self.users)

    def to_dict(self) -> dict:
        """JSON-ready form, read back by :meth:`from_dict`.

        Returns
        -------
        dict
            ``{"mode": str, "users": list of str}``.
        """
        return {"mode": self.mode, "users": list(self.users)}

    @classmethod
    def from_dict(cls, data: Any) -> Sharing:
        """From ``{"mode": ..., "users": [...]}``, a bare mode string, a Sharing, or None
        (private).

        Parameters
        ----------
        data : dict, str, Sharing or None
            ``mode`` one of :data:`SHARING_MODES` (default ``"private"``); ``users`` a list of
            user names, needed for ``"users"`` and dropped for the other modes.

        Returns
        -------
        Sharing
            With ``users`` deduplicated and sorted.

        Raises
        ------
        DataError
            An unknown mode, or user names that are not valid names.
        """
        from core.store.users import user_name

        if data is None:
            return cls()
        if isinstance(data, Sharing):
            return data
        if isinstance(data, str):
            data = {"mode": data}
        if not isinstance(data, Mapping):
            raise DataError(f"sharing must be a mode or {{'mode': ..., 'users': [...]}}, got "
                            f"{type(data).__name__}")
        mode = data.get("mode", "private")
        if mode not in SHARING_MODES:
            raise DataError(f"sharing mode must be one of {', '.join(SHARING_MODES)}, got {mode!r}")
        users = data.get("users") or ()
        if isinstance(users, str) or not isinstance(users, (list, tuple, set, frozenset)):
            raise DataError(f"sharing users must be a list of user names, got {users!r}")
        names = tuple(sorted({user_name(u, "shared user") for u in users}))
        if mode == "users" and not names:
            raise DataError("sharing with named users needs at least one user name")
        return cls(mode, names if mode == "users" else ())


@dataclass(frozen=True, slots=True)
class WorkspaceInfo:
    """A workspace as listed: everything but the state and the report."""

    id: str
    name: str
    owner: str
    description: str
    created: datetime
    updated: datetime
    version: int
    sharing: Sharing = Sharing()

    def to_dict(self) -> dict:
        """JSON-ready dict; times as ISO-8601 text with ``+00:00``.

        Returns
        -------
        dict
            ``id``, ``name``, ``owner``, ``description`` (str), ``created``, ``updated``
            (ISO-8601 UTC text), ``version`` (int) and ``sharing`` (:meth:`Sharing.to_dict`).
        """
        return {"id": self.id, "name": self.name, "owner": self.owner,
                "description": self.description, "created": _stamp(self.created),
                "updated": _stamp(self.updated), "version": self.version,
                "sharing": self.sharing.to_dict()}


@dataclass(frozen=True, slots=True)
class Workspace:
    """A saved desk: the inputs of every page, the book, chosen runs, notes, report items.

    Attributes
    ----------
    id : str
        Unguessable id (32 URL-safe characters, 192 random bits).
    name, owner, description : str
        Shown in the list; the owner is a user name (``""`` without login).
    created, updated : datetime
        UTC; ``updated`` is the time of the last save or rename.
    version : int
        Document version (:data:`WORKSPACE_VERSION` once opened).
    sharing : Sharing
        Who else may open it (:meth:`WorkspaceStore.share_workspace`); private by default.
    state : dict
        ``pages`` (page name -> its inputs), ``book`` (e.g. ``{"csv": ...}``), ``runs`` (run
        ids), ``notes`` (text), ``uploads`` (file name -> blob key), plus any other JSON keys.
    report : list
        Report items (JSON), in order.
    """

    id: str
    name: str
    owner: str
    description: str
    created: datetime
    updated: datetime
    version: int
    state: dict
    report: list
    sharing: Sharing = Sharing()

    @property
    def info(self) -> WorkspaceInfo:
        """The list entry of this workspace."""
        return WorkspaceInfo(self.id, self.name, self.owner, self.description, self.created,
                             self.updated, self.version, self.sharing)

    def to_dict(self) -> dict:
        """JSON-ready document (the form stored and exported).

        Returns
        -------
        dict
            The fields of :meth:`WorkspaceInfo.to_dict` plus ``state`` (dict) and ``report``
            (list); read back by :meth:`from_dict`.
        """
        return {**self.info.to_dict(), "state": self.state, "report": self.report}

    @classmethod
    def from_dict(cls, data: Mapping) -> Workspace:
        """Inverse of :meth:`to_dict`; older document versions are migrated first.

        Parameters
        ----------
        data : Mapping
            A workspace document; ``owner``, ``description``, ``report`` and ``sharing`` may
            be missing (empty/private), ``created``/``updated`` too (now, UTC).

        Returns
        -------
        Workspace
            Of version :data:`WORKSPACE_VERSION`, fields validated and times in UTC.

        Raises
        ------
        DataError
            See :func:`migrate_document`, or an invalid field value (named).
        """
        doc = migrate_document(data)
        now = datetime.now(timezone.utc)
        return cls(id=check_text(doc["id"], "workspace_id", empty=False),
                   name=check_text(doc["name"], "name", empty=False),
                   owner=check_text(doc.get("owner", ""), "owner"),
                   description=check_text(doc.get("description", ""), "description"),
                   created=_utc(doc.get("created", now), "created"),
                   updated=_utc(doc.get("updated", now), "updated"),
                   version=WORKSPACE_VERSION, state=check_state(doc["state"]),
                   report=check_report(doc.get("report")),
                   sharing=Sharing.from_dict(doc.get("sharing")))


def info_from_row(row: tuple, users: tuple[str, ...] = ()) -> WorkspaceInfo:
    """A :class:`WorkspaceInfo` from a row of :data:`SELECT_INFO`.

    Parameters
    ----------
    row : tuple
        id, name, owner, description, created, updated, version, sharing mode.
    users : tuple of str
        The users it is shared with (mode ``users``); an unknown mode, or ``users`` with none,
        shares nothing.

    Returns
    -------
    WorkspaceInfo
    """
    mode = row[7] if row[7] in SHARING_MODES else "private"   # an unknown mode shares nothing
    sharing = Sharing(mode, users) if mode == "users" and users else \
        Sharing("private" if mode == "users" else mode)
    return WorkspaceInfo(row[0], row[1], row[2], row[3], _utc(row[4], "created"),
                         _utc(row[5], "updated"), int(row[6]), sharing)


def workspace_from_row(row: tuple, users: tuple[str, ...] = ()) -> Workspace:
    """A :class:`Workspace` from a row of :data:`SELECT_WORKSPACE`.

    Parameters
    ----------
    row : tuple
        The :data:`FIELDS` columns, then the sharing mode.
    users : tuple of str
        The users it is shared with.

    Returns
    -------
    Workspace
        Migrated to :data:`WORKSPACE_VERSION` by :meth:`Workspace.from_dict`.
    """
    wid = row[0]
    doc = {**info_from_row(row[:7] + row[9:10], users).to_dict(),
           "state": _decode(row[7], f"workspace {wid} state"),
           "report": _decode(row[8], f"workspace {wid} report")}
    return Workspace.from_dict(doc)
