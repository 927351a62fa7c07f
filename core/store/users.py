"""Users of a shared deployment (``PARITY_AUTH=1``) and their failed sign-ins.

A :class:`User` is a name, a role (:data:`ROLES`: ``viewer`` reads what is shared with them,
``editor`` also saves, ``admin`` also sees every workspace) and a password hash. The store
keeps only the hash string it is given (werkzeug's ``scrypt:...``/``pbkdf2:...`` form, made
by the login layer outside ``core``); it never sees a password.

Failed sign-ins are kept per ``(user name, client address)`` in ``login_failures`` so that
every worker process of a deployment counts the same attempts (a per-process counter would
let each gunicorn worker grant its own allowance). :meth:`UserStore.login_failures` counts
them since a time; :meth:`UserStore.clear_login_failures` forgets a pair after a successful
sign-in; rows older than a day are pruned on each new failure.

The SQL is shared by both backends (``?`` placeholders; backends implement ``_exec``), like
:mod:`core.store.workspaces`.
"""
from __future__ import annotations

import re
from abc import abstractmethod
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from core.errors import DataError
from core.store.runs import stamp as _stamp
from core.store.runs import utc_time as _utc

__all__ = ["User", "UserStore", "ROLES", "USER_NAME", "user_name"]

#: Roles, weakest first.
ROLES = ("viewer", "editor", "admin")
#: What a user name may be: 1-64 letters, digits and ``. _ @ -``, starting with a letter or digit.
USER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
_ADDRESS_LIMIT = 64
_KEEP_FAILURES = timedelta(days=1)


def user_name(value: Any, name: str = "name") -> str:
    """A valid user name (see :data:`USER_NAME`), or :class:`DataError` naming the value.

    Parameters
    ----------
    value : Any
        The candidate name; surrounding whitespace is ignored.
    name : str
        What the value is called in the error message (default ``"name"``).

    Returns
    -------
    str
        ``value`` stripped of surrounding whitespace.

    Raises
    ------
    DataError
        ``value`` is not a string, or not 1-64 letters, digits or ``. _ @ -`` starting with a
        letter or digit.

    Examples
    --------
    >>> user_name("  ada@example.org ")
    'ada@example.org'
    """
    if not isinstance(value, str) or not USER_NAME.match(value.strip()):
        raise DataError(f"{name} must be 1-64 letters, digits or . _ @ - (starting with a letter "
                        f"or digit), got {value!r}")
    return value.strip()


def _role(value: Any) -> str:
    if value not in ROLES:
        raise DataError(f"role must be one of {', '.join(ROLES)}, got {value!r}")
    return value


def _hash(value: Any) -> str:
    # werkzeug's form is "method:params$salt$hash"; never store a password by mistake
    if not isinstance(value, str) or value.count("$") != 2 or ":" not in value.split("$")[0]:
        raise DataError("password_hash must be a werkzeug password hash "
                        "('scrypt:...$salt$hash'), not a password")
    return value


@dataclass(frozen=True, slots=True)
class User:
    """A user account.

    Attributes
    ----------
    name : str
        Sign-in name (see :data:`USER_NAME`).
    role : str
        One of :data:`ROLES`.
    password_hash : str
        werkzeug password hash; never shown by :meth:`to_dict`.
    created, updated : datetime
        UTC; ``updated`` moves on a password or role change.
    """

    name: str
    role: str
    password_hash: str
    created: datetime
    updated: datetime

    @property
    def may_edit(self) -> bool:
        """Editors and admins may save, rename and delete."""
        return self.role in ("editor", "admin")

    @property
    def is_admin(self) -> bool:
        """Admins also see and manage every workspace and user."""
        return self.role == "admin"

    def to_dict(self) -> dict:
        """JSON-ready dict without the password hash.

        Returns
        -------
        dict
            ``name``, ``role``, and ``created``/``updated`` as ISO-8601 UTC text (microseconds).
        """
        return {"name": self.name, "role": self.role, "created": _stamp(self.created),
                "updated": _stamp(self.updated)}

    @classmethod
    def from_dict(cls, data: dict) -> User:
        """Inverse of :meth:`to_dict` plus ``password_hash``.

        Parameters
        ----------
        data : dict
            ``name``, ``role``, ``password_hash`` (werkzeug hash) and ``created``/``updated``
            (datetimes or ISO-8601 text; naive means UTC).

        Returns
        -------
        User
            With aware UTC times.

        Raises
        ------
        DataError
            A bad name, role, hash or time.
        KeyError
            A key is missing.
        """
        return cls(user_name(data["name"]), _role(data["role"]), _hash(data["password_hash"]),
                   _utc(data["created"], "created"), _utc(data["updated"], "updated"))


_USER = "SELECT name, role, password_hash, created, updated FROM users"


def _user(row: tuple) -> User:
    return User(row[0], row[1], row[2], _utc(row[3], "created"), _utc(row[4], "updated"))


class UserStore:
    """User and sign-in-failure methods shared by the store backends (see module docstring)."""

    __slots__ = ()

    @abstractmethod
    def _exec(self, statements: list[tuple[str, tuple]], doing: str) -> Any: ...

    def add_user(self, name: str, password_hash: str, role: str = "viewer") -> User:
        """Create a user.

        Parameters
        ----------
        name : str
            Sign-in name (see :data:`USER_NAME`; surrounding whitespace is ignored).
        password_hash : str
            werkzeug password hash (``"scrypt:...$salt$hash"``), never the password itself.
        role : str
            One of :data:`ROLES` (default ``"viewer"``).

        Returns
        -------
        User
            As stored; ``created == updated`` = now (UTC).

        Raises
        ------
        DataError
            A bad name, role or hash, or a user of that name exists already.
        """
        name, role, hashed = user_name(name), _role(role), _hash(password_hash)
        now = datetime.now(timezone.utc)
        done = self._exec([("INSERT INTO users (name, role, password_hash, created, updated) "
                            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING",
                            (name, role, hashed, _stamp(now), _stamp(now)))], "adding a user")
        if not done:
            raise DataError(f"a user named {name!r} exists already (use set_password or "
                            "set_role to change it)")
        return User(name, role, hashed, now, now)

    def get_user(self, name: str) -> User | None:
        """The user of that name, or None (also for a name that cannot exist).

        Parameters
        ----------
        name : str
            Sign-in name; an invalid one is not an error, just nobody.

        Returns
        -------
        User or None
            None when there is no such user.
        """
        try:
            name = user_name(name)
        except DataError:
            return None
        rows = self._exec([(f"{_USER} WHERE name = ?", (name,))], "reading a user")
        return _user(rows[0]) if rows else None

    def list_users(self) -> list[User]:
        """All users, by name.

        Returns
        -------
        list of User
            Sorted by name (the database's text order); empty when there are none.
        """
        return [_user(r) for r in self._exec([(f"{_USER} ORDER BY name", ())], "listing users")]

    def _update_user(self, name: str, column: str, value: str, doing: str) -> User:
        name = user_name(name)
        rows = self._exec([(f"UPDATE users SET {column} = ?, updated = ? WHERE name = ?",
                            (value, _stamp(datetime.now(timezone.utc)), name)),
                           (f"{_USER} WHERE name = ?", (name,))], doing)
        if not rows:
            raise DataError(f"no user named {name!r}")
        return _user(rows[0])

    def set_password(self, name: str, password_hash: str) -> User:
        """Replace a user's password hash.

        Parameters
        ----------
        name : str
            An existing user's name.
        password_hash : str
            The new werkzeug password hash (not a password).

        Returns
        -------
        User
            As stored after the change (``updated`` = now, UTC).

        Raises
        ------
        DataError
            A bad name or hash, or no user of that name.
        """
        return self._update_user(name, "password_hash", _hash(password_hash), "changing a password")

    def set_role(self, name: str, role: str) -> User:
        """Give a user another role.

        Parameters
        ----------
        name : str
            An existing user's name.
        role : str
            One of :data:`ROLES`.

        Returns
        -------
        User
            As stored after the change (``updated`` = now, UTC).

        Raises
        ------
        DataError
            A bad name or role, or no user of that name.
        """
        return self._update_user(name, "role", _role(role), "changing a role")

    def delete_user(self, name: str) -> None:
        """Delete a user (their workspaces stay, owned by the name; shares with them go).

        Parameters
        ----------
        name : str
            An existing user's name.

        Raises
        ------
        DataError
            A bad name, or no user of that name.
        """
        name = user_name(name)
        if not self._exec([("DELETE FROM workspace_shares WHERE user_name = ?", (name,)),
                           ("DELETE FROM users WHERE name = ?", (name,))], "deleting a user"):
            raise DataError(f"no user named {name!r}")

    # -- failed sign-ins ---------------------------------------------------------------------

    @staticmethod
    def _pair(name: str, address: str) -> tuple[str, str]:
        if not isinstance(name, str) or not isinstance(address, str):
            raise DataError("name and address must be strings")
        return name.strip()[:64].lower(), address.strip()[:_ADDRESS_LIMIT]

    def record_login_failure(self, name: str, address: str) -> None:
        """Note one failed sign-in for ``name`` from ``address`` (any text: unknown names too).

        Failures older than a day are pruned at the same time.

        Parameters
        ----------
        name : str
            The name tried; stripped, lower-cased and cut to 64 characters.
        address : str
            The client address (e.g. ``"127.0.0.1"``); stripped and cut to 64 characters.

        Raises
        ------
        DataError
            ``name`` or ``address`` is not a string.
        """
        name, address = self._pair(name, address)
        now = datetime.now(timezone.utc)
        self._exec([("DELETE FROM login_failures WHERE at < ?", (_stamp(now - _KEEP_FAILURES),)),
                    ("INSERT INTO login_failures (name, address, at) VALUES (?, ?, ?)",
                     (name, address, _stamp(now)))], "recording a failed sign-in")

    def login_failures(self, name: str, address: str, since: datetime) -> tuple[int, int]:
        """``(failures for this name from this address, failures from this address)`` since
        ``since`` (UTC).

        Parameters
        ----------
        name : str
            The name tried (compared stripped, lower-cased, first 64 characters).
        address : str
            The client address (stripped, first 64 characters).
        since : datetime
            Count failures at or after this time (a naive datetime, a date or ISO-8601 text is
            read as UTC). Failures older than a day may already be pruned.

        Returns
        -------
        tuple of int
            ``(for this name from this address, for any name from this address)``, both >= 0.

        Raises
        ------
        DataError
            ``name`` or ``address`` is not a string, or ``since`` is not a time.
        """
        name, address = self._pair(name, address)
        start = _stamp(_utc(since, "since"))
        rows = self._exec([("SELECT COUNT(*), COALESCE(SUM(CASE WHEN name = ? THEN 1 ELSE 0 END),"
                            " 0) FROM login_failures WHERE address = ? AND at >= ?",
                            (name, address, start))], "counting failed sign-ins")
        return int(rows[0][1]), int(rows[0][0])

    def clear_login_failures(self, name: str, address: str) -> None:
        """Forget the failures of ``name`` from ``address`` (after a successful sign-in).

        Parameters
        ----------
        name : str
            The name signed in with (compared stripped, lower-cased, first 64 characters).
        address : str
            The client address (stripped, first 64 characters).

        Raises
        ------
        DataError
            ``name`` or ``address`` is not a string.
        """
        name, address = self._pair(name, address)
        self._exec([("DELETE FROM login_failures WHERE name = ? AND address = ?",
                     (name, address))], "clearing failed sign-ins")
