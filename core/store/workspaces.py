"""Workspaces: named, saved snapshots of the desk, and uploaded data stored once by content hash.

A :class:`Workspace` is a name, an owner, a short description, a JSON ``state`` (every page's
inputs, the book, the chosen run ids, notes, and the blob keys of uploaded files), the
``report`` items (a JSON list, filled by the report builder) and the document ``version``.
Uploaded files live in a ``blobs`` table keyed by the SHA-256 of their bytes
(:meth:`WorkspaceStore.put_blob` / :meth:`WorkspaceStore.get_blob`), so the same file saved in
ten workspaces is stored once.

Ids are ``secrets.token_urlsafe(24)``: 32 URL-safe characters, 192 random bits, so a link
``/w/<id>`` cannot be guessed.

Document versions
-----------------
:data:`WORKSPACE_VERSION` is the version this code writes. :func:`migrate_document` brings an
older document forward through :data:`DOCUMENT_MIGRATIONS` (``{from_version: function}``, each
returning the document of the next version), or raises :class:`~core.errors.DataError` naming
exactly what is missing; a document from a newer Parity is refused with the two versions named.

The SQL here is shared by both backends (``?`` placeholders; backends implement ``_exec``):
times are fixed-width ISO text in UTC and documents are JSON text, as in the runs table's
SQLite form, so the two backends return identical workspaces.
"""
from __future__ import annotations

import secrets
from abc import abstractmethod
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from core.errors import DataError
from core.store.runs import StoreError
from core.store.runs import encode_json as _encode
from core.store.runs import stamp as _stamp
from core.store.workspace_docs import (DOCUMENT_MIGRATIONS, MAX_BLOB_BYTES, SHARING_MODES,
                                      STATE_KEYS, WORKSPACE_VERSION, Sharing, Workspace,
                                      WorkspaceInfo, blob_key, migrate_document)
from core.store.workspace_docs import FIELDS as _FIELDS
from core.store.workspace_docs import ID_BYTES as _ID_BYTES
from core.store.workspace_docs import SELECT_INFO as _INFO
from core.store.workspace_docs import SELECT_WORKSPACE as _SELECT
from core.store.workspace_docs import check_report as _report
from core.store.workspace_docs import check_state as _state
from core.store.workspace_docs import check_text as _short
from core.store.workspace_docs import info_from_row as _info
from core.store.workspace_docs import workspace_from_row as _workspace

__all__ = ["Workspace", "WorkspaceInfo", "WorkspaceStore", "WORKSPACE_VERSION",
           "DOCUMENT_MIGRATIONS", "STATE_KEYS", "MAX_BLOB_BYTES", "migrate_document",
           "blob_key", "Sharing", "SHARING_MODES"]

class WorkspaceStore:
    """Workspace and blob methods shared by the store backends.

    A backend implements ``_exec(statements, doing)``: run ``(sql, args)`` pairs with ``?``
    placeholders in ONE transaction and return the last statement's rows (a list of tuples),
    or its rowcount when it returns no rows; raise ``StoreError``/``DataError`` on failure.
    """

    __slots__ = ()

    @abstractmethod
    def _exec(self, statements: list[tuple[str, tuple]], doing: str) -> Any: ...

    # -- blobs -----------------------------------------------------------------------------

    def put_blob(self, data: bytes, name: str = "") -> str:
        """Store uploaded bytes once; return their key (SHA-256 hex, see :func:`blob_key`).

        Storing the same bytes again (under any name) stores nothing new and returns the same
        key; the first name is kept.

        Parameters
        ----------
        data : bytes
            The upload's content (``bytearray``/``memoryview`` accepted), at most
            :data:`MAX_BLOB_BYTES` bytes (64 MiB).
        name : str, optional
            The file name shown for it, at most 255 characters; default ``""``.

        Returns
        -------
        str
            The blob key: SHA-256 of ``data``, 64 lower-case hex characters.

        Raises
        ------
        DataError
            ``data`` is not bytes or is larger than :data:`MAX_BLOB_BYTES`, or ``name`` is
            not a string of at most 255 characters.
        StoreError
            The database could not be written.
        """
        if isinstance(data, (bytearray, memoryview)):
            data = bytes(data)
        if not isinstance(data, bytes):
            raise DataError(f"data must be bytes, got {type(data).__name__}")
        if len(data) > MAX_BLOB_BYTES:
            raise DataError(f"data is {len(data) / 2**20:.1f} MB, larger than the "
                            f"{MAX_BLOB_BYTES // 2**20} MB a stored upload may be")
        name = _short(name, "blob name")
        key = blob_key(data)
        self._exec([("INSERT INTO blobs (key, name, size, created, data) VALUES (?, ?, ?, ?, ?) "
                     "ON CONFLICT (key) DO NOTHING",
                     (key, name, len(data), _stamp(datetime.now(timezone.utc)), data))],
                   "saving an upload")
        return key

    def get_blob(self, key: str) -> bytes:
        """The bytes stored under ``key``; :class:`DataError` ``"no stored upload ..."`` if none.

        Parameters
        ----------
        key : str
            A blob key from :meth:`put_blob` (64 hex characters; case is ignored).

        Returns
        -------
        bytes
            The stored content, checked against its SHA-256.

        Raises
        ------
        DataError
            ``key`` is empty, longer than 64 characters, or no upload is stored under it.
        StoreError
            The stored bytes do not hash to their key (the database was damaged).
        """
        key = _short(key, "key", empty=False).lower()
        rows = self._exec([("SELECT data FROM blobs WHERE key = ?", (key,))], "reading an upload")
        if not rows:
            raise DataError(f"no stored upload with key {key!r}")
        data = bytes(rows[0][0])
        if blob_key(data) != key:
            raise StoreError(f"the stored upload {key[:12]}... is damaged (its bytes no longer "
                             "match their SHA-256); upload the file again")
        return data

    def blob_name(self, key: str) -> tuple[str, int]:
        """``(name, size in bytes)`` of a stored upload.

        Parameters
        ----------
        key : str
            A blob key from :meth:`put_blob` (64 hex characters; case is ignored).

        Returns
        -------
        tuple of (str, int)
            The name it was first stored under, and its size in bytes.

        Raises
        ------
        DataError
            ``key`` is empty, longer than 64 characters, or no upload is stored under it.
        """
        key = _short(key, "key", empty=False).lower()
        rows = self._exec([("SELECT name, size FROM blobs WHERE key = ?", (key,))],
                          "reading an upload")
        if not rows:
            raise DataError(f"no stored upload with key {key!r}")
        return str(rows[0][0]), int(rows[0][1])

    # -- workspaces ------------------------------------------------------------------------

    def save_workspace(self, name: str, state: Mapping, *, report: list | None = None,
                       owner: str = "", description: str = "",
                       workspace_id: str | None = None) -> Workspace:
        """Save a workspace: a new one (``workspace_id=None``: *save as*) or over an existing one.

        Parameters
        ----------
        name : str
            Non-empty, at most 200 characters.
        state : dict
            JSON document; keys of :data:`STATE_KEYS` are added empty when missing.
        report : list, optional
            Report items (JSON); default none.
        owner, description : str
            User name (at most 200 characters) and short description (at most 2000).
        workspace_id : str, optional
            Overwrite this workspace (*save*): it keeps its id and creation time.

        Returns
        -------
        Workspace
            As stored (times in UTC, documents JSON-clean).

        Raises
        ------
        DataError
            A bad argument, or no workspace with ``workspace_id``.
        StoreError
            The database could not be written; the previous version is kept (one statement,
            one transaction).
        """
        now = datetime.now(timezone.utc)
        fields = dict(name=_short(name, "name", empty=False), owner=_short(owner, "owner"),
                      description=_short(description, "description"), state=_state(state),
                      report=_report(report))
        docs = (_encode(fields["state"], "state"), _encode(fields["report"], "report"))
        if workspace_id is None:
            ws = Workspace(id=secrets.token_urlsafe(_ID_BYTES), created=now, updated=now,
                           version=WORKSPACE_VERSION, **fields)
            self._exec([(f"INSERT INTO workspaces ({', '.join(_FIELDS)}) VALUES "
                         f"({', '.join('?' * len(_FIELDS))})",
                         (ws.id, ws.name, ws.owner, ws.description, _stamp(now), _stamp(now),
                          ws.version, *docs))], "saving a workspace")
            return ws
        wid = _short(workspace_id, "workspace_id", empty=False)
        rows = self._exec([("UPDATE workspaces SET name = ?, owner = ?, description = ?, "
                            "updated = ?, version = ?, state = ?, report = ? WHERE id = ?",
                            (fields["name"], fields["owner"], fields["description"], _stamp(now),
                             WORKSPACE_VERSION, *docs, wid)),
                           (f"{_INFO} WHERE id = ?", (wid,))], "saving a workspace")
        if not rows:
            raise DataError(f"no workspace with id {wid!r} (deleted?); use save as to keep "
                            "this one under a new id")
        info = self._with_users([rows[0]])[0]
        return Workspace(id=wid, created=info.created, updated=info.updated,
                         version=WORKSPACE_VERSION, sharing=info.sharing, **fields)

    def open_workspace(self, workspace_id: str) -> Workspace:
        """The saved workspace, migrated to :data:`WORKSPACE_VERSION` when older.

        Parameters
        ----------
        workspace_id : str
            Its id (non-empty, at most 64 characters).

        Returns
        -------
        Workspace
            As stored, with its current sharing.

        Raises
        ------
        DataError
            No such workspace, or a document that cannot be migrated (the message says what
            is missing).
        """
        wid = _short(workspace_id, "workspace_id", empty=False)
        rows = self._exec([(f"{_SELECT} WHERE id = ?", (wid,))], "opening a workspace")
        if not rows:
            raise DataError(f"no workspace with id {wid!r}")
        return _workspace(rows[0], self._shared_users([wid]).get(wid, ()))

    def copy_workspace(self, workspace_id: str, name: str | None = None, *,
                       owner: str | None = None) -> Workspace:
        """A new workspace with the same state and report (e.g. to edit a shared one); the
        copy is private.

        Parameters
        ----------
        workspace_id : str
            The workspace to copy.
        name : str, optional
            The copy's name; default the original's with `` (copy)`` appended.
        owner : str, optional
            The copy's owner (user name); default the original's owner.

        Returns
        -------
        Workspace
            The new workspace (new id, created and updated now, private).

        Raises
        ------
        DataError
            No such workspace, or a bad ``name``/``owner`` (see :meth:`save_workspace`).
        StoreError
            The database could not be written.
        """
        ws = self.open_workspace(workspace_id)
        return self.save_workspace(name if name is not None else f"{ws.name} (copy)", ws.state,
                                   report=ws.report, description=ws.description,
                                   owner=ws.owner if owner is None else owner)

    def rename_workspace(self, workspace_id: str, name: str) -> WorkspaceInfo:
        """Give a workspace a new name (its ``updated`` time moves to now).

        Parameters
        ----------
        workspace_id : str
            The workspace to rename.
        name : str
            The new name: non-empty, at most 200 characters (surrounding spaces stripped).

        Returns
        -------
        WorkspaceInfo
            Its list entry after the rename.

        Raises
        ------
        DataError
            An empty or too-long ``name`` or ``workspace_id``, or no such workspace.
        """
        wid = _short(workspace_id, "workspace_id", empty=False)
        name = _short(name, "name", empty=False)
        rows = self._exec([("UPDATE workspaces SET name = ?, updated = ? WHERE id = ?",
                            (name, _stamp(datetime.now(timezone.utc)), wid)),
                           (f"{_INFO} WHERE id = ?", (wid,))], "renaming a workspace")
        if not rows:
            raise DataError(f"no workspace with id {wid!r}")
        return self._with_users([rows[0]])[0]

    def delete_workspace(self, workspace_id: str) -> None:
        """Delete a workspace (its uploads stay: other workspaces may use them).

        Parameters
        ----------
        workspace_id : str
            The workspace to delete, with its sharing entries.

        Raises
        ------
        DataError
            An empty or too-long ``workspace_id``, or no such workspace.
        """
        wid = _short(workspace_id, "workspace_id", empty=False)
        if not self._exec([("DELETE FROM workspace_shares WHERE workspace_id = ?", (wid,)),
                           ("DELETE FROM workspaces WHERE id = ?", (wid,))],
                          "deleting a workspace"):
            raise DataError(f"no workspace with id {wid!r}")

    def list_workspaces(self, *, owner: str | None = None, limit: int | None = 200,
                        reader: str | None = None) -> list[WorkspaceInfo]:
        """Workspaces, most recently updated first.

        Parameters
        ----------
        owner : str, optional
            Keep only this owner's workspaces.
        limit : int or None
            At most this many (None: all).
        reader : str, optional
            Keep only those this user may open: their own, those shared with everyone, and
            those shared with them by name. None (single user, or an admin): all.

        Returns
        -------
        list of WorkspaceInfo
            Newest ``updated`` first, each with its sharing.

        Raises
        ------
        DataError
            ``limit`` is not an integer >= 1 (or None), or a bad ``owner``/``reader`` name.
        """
        sql, args, where = _INFO, [], []
        if owner is not None:
            where.append("owner = ?")
            args.append(_short(owner, "owner"))
        if reader is not None:
            where.append("(owner = ? OR sharing = 'all' OR (sharing = 'users' AND id IN "
                         "(SELECT workspace_id FROM workspace_shares WHERE user_name = ?)))")
            args += [_short(reader, "owner")] * 2
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY updated DESC, seq DESC"
        if limit is not None:
            if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
                raise DataError(f"limit must be an integer >= 1, got {limit!r}")
            sql += " LIMIT ?"
            args.append(limit)
        return self._with_users(self._exec([(sql, tuple(args))], "listing workspaces"))

    # -- sharing -----------------------------------------------------------------------------

    def share_workspace(self, workspace_id: str, mode: str | Sharing | Mapping,
                        users: list[str] | tuple[str, ...] = ()) -> Sharing:
        """Set who may open a workspace besides its owner and admins.

        Parameters
        ----------
        workspace_id : str
        mode : str
            ``"private"``, ``"users"`` (only ``users``) or ``"all"`` (everyone signed in); a
            :class:`Sharing` or its dict form is accepted too.
        users : list of str
            With ``"users"``: the user names (each must exist).

        Returns
        -------
        Sharing
            As stored.

        Raises
        ------
        DataError
            No such workspace, an unknown mode, no users for ``"users"``, or unknown users
            (named).
        """
        wid = _short(workspace_id, "workspace_id", empty=False)
        sharing = Sharing.from_dict(mode if not isinstance(mode, str) else
                                    {"mode": mode, "users": list(users)})
        if sharing.users:
            marks = ", ".join("?" * len(sharing.users))
            known = {r[0] for r in self._exec([(f"SELECT name FROM users WHERE name IN ({marks})",
                                                sharing.users)], "checking user names")}
            unknown = [u for u in sharing.users if u not in known]
            if unknown:
                raise DataError(f"no user named {', '.join(map(repr, unknown))}; create the "
                                "user first (python -m tools.users add NAME)")
        statements = [("DELETE FROM workspace_shares WHERE workspace_id = ?", (wid,))]
        statements += [("INSERT INTO workspace_shares (workspace_id, user_name) SELECT ?, ? "
                        "WHERE EXISTS (SELECT 1 FROM workspaces WHERE id = ?)", (wid, u, wid))
                       for u in sharing.users]
        statements.append(("UPDATE workspaces SET sharing = ? WHERE id = ?", (sharing.mode, wid)))
        if not self._exec(statements, "sharing a workspace"):   # one transaction: all or nothing
            raise DataError(f"no workspace with id {wid!r}")
        return sharing

    def _shared_users(self, ids: list[str]) -> dict[str, tuple[str, ...]]:
        if not ids:
            return {}
        out: dict[str, list[str]] = {}
        for start in range(0, len(ids), 500):
            chunk = tuple(ids[start:start + 500])
            rows = self._exec([("SELECT workspace_id, user_name FROM workspace_shares WHERE "
                                f"workspace_id IN ({', '.join('?' * len(chunk))})", chunk)],
                              "reading workspace shares")
            for wid, user in rows:
                out.setdefault(wid, []).append(user)
        return {wid: tuple(sorted(users)) for wid, users in out.items()}

    def _with_users(self, rows: list[tuple]) -> list[WorkspaceInfo]:
        users = self._shared_users([r[0] for r in rows if r[7] == "users"])
        return [_info(r, users.get(r[0], ())) for r in rows]
