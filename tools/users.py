"""Manage the users of a shared deployment (``PARITY_AUTH=1``) in the store.

Run with the deployment's environment (``DATABASE_URL`` or ``PARITY_DATA_DIR``)::

    python -m tools.users add NAME --role editor     # asks for the password twice
    printf '%s\\n' "$PASSWORD" | python -m tools.users add NAME --role viewer   # from stdin
    python -m tools.users passwd NAME                # new password (also clears nothing else)
    python -m tools.users role NAME admin
    python -m tools.users delete NAME
    python -m tools.users list

Roles: ``viewer`` (reads what is shared with them), ``editor`` (also saves and shares),
``admin`` (also sees and changes every workspace). Passwords are at least 10 characters and
are stored only as werkzeug scrypt hashes. Exit status 0 on success, 2 with a message on a bad
argument or store error.
"""
from __future__ import annotations

import argparse
import getpass
import sys

from core.errors import ParityError
from core.store import ROLES, open_store

__all__ = ["main"]


def _password(stream=None) -> str:
    """A new password: prompted twice on a terminal, else the first line of stdin."""
    stream = sys.stdin if stream is None else stream
    if stream.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != first:
            raise ValueError("the two passwords differ")
        return first
    line = stream.readline()
    return line[:-1] if line.endswith("\n") else line


def _store(url: str | None):
    if url is None:
        from app import Settings

        url = Settings.from_env().database_url
    return open_store(url)


def main(argv: list[str] | None = None, *, stdin=None, stdout=None) -> int:
    """Command-line entry point (see module docstring); returns the exit status."""
    from callbacks.auth import hash_password

    out = sys.stdout if stdout is None else stdout
    parser = argparse.ArgumentParser(prog="python -m tools.users", description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="store URL (default: DATABASE_URL, else the "
                                               "SQLite file in PARITY_DATA_DIR)")
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="create a user (password from the prompt or stdin)")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, default="viewer")
    sub.add_parser("passwd", help="set a new password").add_argument("name")
    role = sub.add_parser("role", help="change a user's role")
    role.add_argument("name")
    role.add_argument("role", choices=ROLES)
    sub.add_parser("delete", help="delete a user").add_argument("name")
    sub.add_parser("list", help="list users and roles")
    args = parser.parse_args(argv)
    try:
        store = _store(args.database_url)
        if args.command == "add":
            user = store.add_user(args.name, hash_password(_password(stdin)), args.role)
            print(f"added {user.name} ({user.role})", file=out)
        elif args.command == "passwd":
            user = store.set_password(args.name, hash_password(_password(stdin)))
            print(f"new password for {user.name}", file=out)
        elif args.command == "role":
            user = store.set_role(args.name, args.role)
            print(f"{user.name} is now {user.role}", file=out)
        elif args.command == "delete":
            store.delete_user(args.name)
            print(f"deleted {args.name}", file=out)
        else:
            for user in store.list_users():
                print(f"{user.name}\t{user.role}\t{user.created:%Y-%m-%d}", file=out)
    except (ParityError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
