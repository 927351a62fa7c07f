"""The runs registry's record, :class:`Run`, and its backend-neutral interface, :class:`RunStore`.

A *run* is one finished computation worth keeping: a calibration, a surface fit, a backtest.
It is stored as a handful of indexed scalar columns (id, created, kind, model, fingerprint,
label, elapsed) plus four JSON documents (params, metrics, settings and the optional full
``result``, e.g. ``CalibrationResult.to_dict()``).

JSON rules (identical for every backend)
----------------------------------------
* Finite floats round-trip exactly (``json`` writes ``repr(float)``, the shortest string that
  reads back to the same double); numpy scalars and arrays are converted to Python numbers and
  lists first.
* **NaN and +/-inf are stored as JSON ``null`` and read back as ``None``** - the same convention
  as the result objects' ``to_dict()`` - so a stored document is always strict JSON that
  PostgreSQL's ``jsonb`` also accepts.
* Tuples become lists. Mapping keys must be strings (JSON would silently turn ``1`` into
  ``"1"``). Anything else (sets, datetimes, arbitrary objects) raises :class:`DataError` naming
  where it was found, e.g. ``params['start'][2]``.

:class:`RunStore` validates every argument and encodes/decodes rows; a backend (SQLite in
:mod:`core.store.sqlite`, PostgreSQL later) only implements a few primitives that move row
tuples in :data:`COLUMNS` order: ``_insert``, ``_fetch``, ``_select``, ``_count``, ``_remove``
and :meth:`RunStore.schema_version`.
"""
from __future__ import annotations

import json
import math
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, NamedTuple

import numpy as np

from core.errors import DataError, ParityError

__all__ = ["Run", "RunStore", "RunQuery", "StoreError", "COLUMNS", "ORDER_FIELDS",
           "MAX_JSON_BYTES", "clean_json", "encode_json", "decode_json", "utc_time", "stamp",
           "where_clause"]

#: Column order of the row tuples a backend reads and writes.
COLUMNS = ("id", "created", "kind", "model", "fingerprint", "label", "params", "metrics",
           "settings", "elapsed", "result")
#: Fields :meth:`RunStore.list_runs` can order by (prefix ``-`` for descending).
ORDER_FIELDS = ("created", "kind", "model", "fingerprint", "label", "elapsed")
#: Largest JSON document accepted for one column (bytes of UTF-8).
MAX_JSON_BYTES = 32 * 1024 * 1024
_MAX_DEPTH = 64
_MAX_TEXT = {"kind": 64, "model": 64, "fingerprint": 256, "label": 500, "run_id": 64}


class StoreError(ParityError):
    """The store could not complete an operation (locked too long, disk full, I/O error)."""


def _clean(value: Any, where: str, depth: int = 0) -> Any:
    """JSON-ready copy of ``value``: non-finite floats become None (see the module docstring)."""
    if depth > _MAX_DEPTH:
        raise DataError(f"{where} is nested more than {_MAX_DEPTH} levels deep")
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        x = float(value)
        return x if math.isfinite(x) else None
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise DataError(f"{where} keys must be strings, got {type(k).__name__} {k!r}")
            out[k] = _clean(v, f"{where}[{k!r}]", depth + 1)
        return out
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [_clean(v, f"{where}[{i}]", depth + 1) for i, v in enumerate(value)]
    text = repr(value)
    text = text if len(text) <= 60 else text[:57] + "..."
    raise DataError(f"{where} is not JSON-serialisable: {type(value).__name__} {text}")


def _encode(value: Any, where: str) -> str:
    """Strict JSON text of an already cleaned value, size-checked."""
    text = json.dumps(value, allow_nan=False, ensure_ascii=False, separators=(",", ":"))
    if len(text) > MAX_JSON_BYTES // 4 and len(text.encode("utf-8")) > MAX_JSON_BYTES:
        raise DataError(f"{where} is larger than {MAX_JSON_BYTES // 2**20} MB of JSON")
    return text


def _decode(text: str | None, where: str) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except (TypeError, ValueError) as exc:
        raise StoreError(f"{where} holds malformed JSON: {exc}") from exc


def _text(value: Any, name: str, *, empty: bool = True) -> str:
    if not isinstance(value, str):
        raise DataError(f"{name} must be a string, got {type(value).__name__} {value!r}")
    value = value.strip()
    if not empty and not value:
        raise DataError(f"{name} must not be empty")
    limit = _MAX_TEXT.get(name, 500)
    if len(value) > limit:
        raise DataError(f"{name} must be at most {limit} characters, got {len(value)}")
    return value


def _document(value: Any, name: str, *, optional: bool = False) -> dict | None:
    if value is None and optional:
        return None
    if not isinstance(value, Mapping):
        raise DataError(f"{name} must be a dict, got {type(value).__name__}")
    return _clean(value, name)


def _utc(value: Any, name: str) -> datetime:
    """An aware UTC datetime from a datetime (naive = UTC), a date (midnight UTC) or ISO text."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise DataError(f"{name} must be an ISO-8601 date/time, got {value!r}") from None
    if isinstance(value, datetime):
        pass
    elif isinstance(value, date):
        value = datetime(value.year, value.month, value.day)
    else:
        raise DataError(f"{name} must be a datetime, got {type(value).__name__} {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def _stamp(value: datetime) -> str:
    """Fixed-width ISO text of a UTC datetime: sorts as text in time order."""
    return value.isoformat(timespec="microseconds")


def _elapsed(value: Any) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise DataError(f"elapsed must be a number of seconds, got {value!r}") from None
    if not math.isfinite(x) or x < 0:
        raise DataError(f"elapsed must be a finite number of seconds >= 0, got {value!r}")
    return x


#: JSON and time helpers shared with the other record types of the store (workspaces).
clean_json, encode_json, decode_json, utc_time, stamp = _clean, _encode, _decode, _utc, _stamp


def _run_id(value: Any) -> str:
    return _text(value, "run_id", empty=False)


@dataclass(frozen=True, slots=True)
class Run:
    """One stored run.

    Attributes
    ----------
    id : str
        Run id (32 hex characters of a uuid4 for runs made by :meth:`RunStore.add_run`).
    created : datetime
        Creation time, timezone-aware UTC, microsecond resolution.
    kind : str
        What was run, e.g. ``"calibration"``.
    model : str
        Model or method name (``"heston"``, ``"svi"``...), ``""`` when not applicable.
    fingerprint : str
        Hash of the input data (e.g. ``CalibrationResult.fingerprint``), to match runs to data.
    label : str
        Free text given by the user.
    params : dict
        Fitted parameters (JSON document; NaN/inf read back as None).
    metrics : dict
        Scalar quality figures, e.g. ``rmse_iv``, ``n_quotes``, ``iterations``, ``feller``.
    settings : dict
        Settings the run used.
    elapsed : float
        Wall time of the computation, seconds.
    result : dict or None
        The full ``to_dict()`` payload of the result object, or None.
    """

    id: str
    created: datetime
    kind: str
    model: str
    fingerprint: str
    label: str
    params: dict
    metrics: dict
    settings: dict
    elapsed: float
    result: dict | None = None

    @property
    def short_id(self) -> str:
        """The first 8 characters of :attr:`id`."""
        return self.id[:8]

    def to_dict(self) -> dict:
        """JSON-ready dict; ``created`` as ISO-8601 text with ``+00:00``.

        Returns
        -------
        dict
            The fields as plain Python data (what crosses a ``dcc.Store``); :meth:`from_dict`
            reads it back.
        """
        return {"id": self.id, "created": _stamp(self.created), "kind": self.kind,
                "model": self.model, "fingerprint": self.fingerprint, "label": self.label,
                "params": self.params, "metrics": self.metrics, "settings": self.settings,
                "elapsed": self.elapsed, "result": self.result}

    @classmethod
    def from_dict(cls, data: Mapping) -> Run:
        """Inverse of :meth:`to_dict`; validates like :meth:`RunStore.add_run`.

        Parameters
        ----------
        data : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        Run

        Raises
        ------
        DataError
            Not a mapping, a missing key (``id``, ``created``, ``kind``) or an invalid value.
        """
        if not isinstance(data, Mapping):
            raise DataError(f"a Run dict must be a dict, got {type(data).__name__}")
        missing = [k for k in ("id", "created", "kind") if k not in data]
        if missing:
            raise DataError(f"malformed Run dict: missing {', '.join(missing)}")
        return _make_run(data["id"], data["created"], data["kind"], data.get("model", ""),
                         data.get("fingerprint", ""), data.get("label", ""),
                         data.get("params", {}), data.get("metrics", {}),
                         data.get("settings", {}), data.get("elapsed", 0.0), data.get("result"))


def _make_run(run_id, created, kind, model, fingerprint, label, params, metrics, settings,
              elapsed, result) -> Run:
    """Validated :class:`Run` with JSON-clean documents."""
    return Run(id=_run_id(run_id), created=_utc(created, "created"),
               kind=_text(kind, "kind", empty=False), model=_text(model, "model"),
               fingerprint=_text(fingerprint, "fingerprint"), label=_text(label, "label"),
               params=_document(params, "params"), metrics=_document(metrics, "metrics"),
               settings=_document(settings, "settings"), elapsed=_elapsed(elapsed),
               result=_document(result, "result", optional=True))


def _row(run: Run) -> tuple:
    """The row tuple of a run, in :data:`COLUMNS` order."""
    docs = {name: _encode(getattr(run, name), name)
            for name in ("params", "metrics", "settings")}
    result = None if run.result is None else _encode(run.result, "result")
    return (run.id, _stamp(run.created), run.kind, run.model, run.fingerprint, run.label,
            docs["params"], docs["metrics"], docs["settings"], run.elapsed, result)


def _from_row(row: tuple) -> Run:
    """A :class:`Run` from a row tuple in :data:`COLUMNS` order (trusted: written by us)."""
    values = dict(zip(COLUMNS, row))
    rid = values["id"]
    docs = {name: _decode(values[name], f"run {rid} column {name}")
            for name in ("params", "metrics", "settings", "result")}
    created = values["created"]
    created = _utc(created if isinstance(created, (str, datetime)) else str(created), "created")
    return Run(id=rid, created=created, kind=values["kind"], model=values["model"] or "",
               fingerprint=values["fingerprint"] or "", label=values["label"] or "",
               params=docs["params"] or {}, metrics=docs["metrics"] or {},
               settings=docs["settings"] or {}, elapsed=float(values["elapsed"]),
               result=docs["result"])


class RunQuery(NamedTuple):
    """Validated filters of :meth:`RunStore.list_runs` and :meth:`RunStore.count`.

    Each of ``kinds``, ``models``, ``fingerprints`` is None (no filter) or a tuple of accepted
    values (an empty tuple matches nothing); ``since`` is fixed-width ISO text (inclusive).
    """

    kinds: tuple[str, ...] | None = None
    models: tuple[str, ...] | None = None
    fingerprints: tuple[str, ...] | None = None
    since: str | None = None
    order: str = "created"
    descending: bool = True
    limit: int | None = 200
    offset: int = 0


def where_clause(query: RunQuery, member: Callable[[str, tuple[str, ...]], tuple[str, list]], *,
                 never: str, since: str) -> tuple[str, list]:
    """The SQL ``WHERE`` clause (or ``""``) and its arguments of a :class:`RunQuery`, in a
    backend's dialect.

    Parameters
    ----------
    query : RunQuery
        Validated filters.
    member : callable
        ``member(column, values) -> (sql, args)``: the clause "column is one of values" and its
        arguments (``IN (?, ?)`` with one argument per value, or ``= ANY(%s)`` with one list).
    never : str
        A clause that matches no row (for an empty tuple of accepted values).
    since : str
        The clause ``created >= <placeholder>`` (one argument: ``query.since``).

    Returns
    -------
    sql : str
        ``" WHERE a AND b"``, or ``""`` without filters.
    args : list
        The placeholders' arguments, in order.
    """
    clauses, args = [], []
    for column, values in (("kind", query.kinds), ("model", query.models),
                           ("fingerprint", query.fingerprints)):
        if values is None:
            continue
        if not values:
            clauses.append(never)
            continue
        sql, extra = member(column, values)
        clauses.append(sql)
        args.extend(extra)
    if query.since is not None:
        clauses.append(since)
        args.append(query.since)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", args


def _choices(value: Any, name: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return (_text(value, name),)
    if isinstance(value, Iterable):
        return tuple(dict.fromkeys(_text(v, name) for v in value))
    raise DataError(f"{name} must be a string or a list of strings, got {type(value).__name__}")


def _count_arg(value: Any, name: str, lowest: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < lowest:
        raise DataError(f"{name} must be an integer >= {lowest}, got {value!r}")
    return int(value)


def _query(kind=None, model=None, fingerprint=None, since=None, limit=None, order="-created",
           offset=0) -> RunQuery:
    if not isinstance(order, str) or order.lstrip("-") not in ORDER_FIELDS:
        raise DataError(f"order must be one of {', '.join(ORDER_FIELDS)} (prefix '-' for "
                        f"descending), got {order!r}")
    return RunQuery(kinds=_choices(kind, "kind"), models=_choices(model, "model"),
                    fingerprints=_choices(fingerprint, "fingerprint"),
                    since=None if since is None else _stamp(_utc(since, "since")),
                    order=order.lstrip("-"), descending=order.startswith("-"),
                    limit=None if limit is None else _count_arg(limit, "limit", 1),
                    offset=_count_arg(offset, "offset", 0))


class RunStore(ABC):
    """The runs registry: one small interface over SQLite (embedded) or PostgreSQL (shared).

    Get one with :func:`core.store.open_store`. A store object holds only where the database
    is, never an open connection (the in-memory SQLite store for tests excepted): every call
    opens its own short connection and transaction, so one object may be used from any thread,
    and any worker process can open the same URL and see the same runs.

    Backends implement ``_insert(row)``, ``_fetch(run_id) -> row | None``,
    ``_select(query) -> list[row]``, ``_count(query) -> int``, ``_remove(run_id) -> bool``
    and :meth:`schema_version`, with rows as tuples in :data:`COLUMNS` order.
    """

    __slots__ = ()
    #: Backend name, e.g. ``"sqlite"``.
    backend: str = ""

    @property
    @abstractmethod
    def url(self) -> str:
        """The database URL, with any password masked."""

    @abstractmethod
    def schema_version(self) -> int:
        """The schema version of the database (the number of the last migration applied).

        Returns
        -------
        int
        """

    @abstractmethod
    def _insert(self, row: tuple) -> None: ...

    @abstractmethod
    def _fetch(self, run_id: str) -> tuple | None: ...

    @abstractmethod
    def _select(self, query: RunQuery) -> list[tuple]: ...

    @abstractmethod
    def _count(self, query: RunQuery) -> int: ...

    @abstractmethod
    def _remove(self, run_id: str) -> bool: ...

    def add_run(self, kind: str, model: str, fingerprint: str, params: dict, metrics: dict,
                settings: dict, elapsed: float, result: dict | None = None, label: str = "",
                created: datetime | None = None) -> str:
        """Store a run and return its id.

        Parameters
        ----------
        kind : str
            What was run, e.g. ``"calibration"`` (non-empty, at most 64 characters).
        model : str
            Model or method name; ``""`` when not applicable.
        fingerprint : str
            Hash of the input data.
        params, metrics, settings : dict
            JSON documents (rules in the module docstring: NaN/inf are stored as null).
        elapsed : float
            Wall time of the computation, seconds (finite, >= 0).
        result : dict, optional
            The full ``to_dict()`` payload of the result.
        label : str
            Free text (at most 500 characters). Surrounding spaces are removed from every
            text field.
        created : datetime, optional
            Creation time (default now); naive datetimes are taken as UTC.

        Returns
        -------
        str
            The new run id, 32 hex characters.

        Raises
        ------
        DataError
            An invalid argument or a value that is not JSON-serialisable.
        StoreError
            The database could not be written (e.g. locked for longer than the busy timeout).
        """
        run = _make_run(uuid.uuid4().hex, datetime.now(timezone.utc) if created is None
                        else created, kind, model, fingerprint, label, params, metrics, settings,
                        elapsed, result)
        self._insert(_row(run))
        return run.id

    def get_run(self, run_id: str) -> Run:
        """The run with id ``run_id``; :class:`DataError` ``"no run with id ..."`` if none.

        Parameters
        ----------
        run_id : str
            The run's id (as :attr:`Run.id`).

        Returns
        -------
        Run
        """
        rid = _run_id(run_id)
        row = self._fetch(rid)
        if row is None:
            raise DataError(f"no run with id {rid!r}")
        return _from_row(row)

    def list_runs(self, *, kind: str | Iterable[str] | None = None,
                  model: str | Iterable[str] | None = None,
                  fingerprint: str | Iterable[str] | None = None,
                  since: datetime | date | str | None = None, limit: int | None = 200,
                  order: str = "-created", offset: int = 0) -> list[Run]:
        """Runs matching every given filter.

        Parameters
        ----------
        kind, model, fingerprint : str or list of str, optional
            Keep runs whose field equals the value (or one of the values).
        since : datetime, date or ISO text, optional
            Keep runs created at or after this time (naive = UTC; a date means midnight UTC).
        limit : int or None
            At most this many runs (None: all).
        order : str
            A field of :data:`ORDER_FIELDS`, ``-`` prefix for descending (default newest first);
            ties are broken by insertion order in the same direction.
        offset : int
            Skip this many runs first (paging).

        Returns
        -------
        list of Run
        """
        query = _query(kind, model, fingerprint, since, limit, order, offset)
        return [_from_row(row) for row in self._select(query)]

    def count(self, *, kind: str | Iterable[str] | None = None,
              model: str | Iterable[str] | None = None,
              fingerprint: str | Iterable[str] | None = None,
              since: datetime | date | str | None = None) -> int:
        """Number of stored runs matching the filters of :meth:`list_runs` (all by default).

        Parameters
        ----------
        kind, model, fingerprint : str or iterable of str, optional
            Accepted values of each column (``None``: any).
        since : datetime, date or ISO str, optional
            Only runs created at or after this time (UTC when naive).

        Returns
        -------
        int
        """
        return int(self._count(_query(kind, model, fingerprint, since)))

    def delete_run(self, run_id: str) -> None:
        """Delete a run; :class:`DataError` ``"no run with id ..."`` if there is none.

        Parameters
        ----------
        run_id : str
            The run's id.
        """
        rid = _run_id(run_id)
        if not self._remove(rid):
            raise DataError(f"no run with id {rid!r}")

    def restore_run(self, run: Run | Mapping) -> str:
        """Put back a run exactly as it was (same id and creation time), e.g. to undo a delete.

        Parameters
        ----------
        run : Run or dict
            A :class:`Run` or its :meth:`Run.to_dict`.

        Returns
        -------
        str
            The run's id.

        Raises
        ------
        DataError
            A malformed run, or a run with that id is already stored.
        StoreError
            The database could not be written.
        """
        run = run if isinstance(run, Run) else Run.from_dict(run)
        if self._fetch(run.id) is not None:
            raise DataError(f"a run with id {run.id!r} is already stored")
        self._insert(_row(run))
        return run.id

    def set_label(self, run_id: str, label: str) -> Run:
        """Give a run a new label (free text, at most 500 characters); returns the updated run.

        Written with the backend's delete and insert (every backend has them); if the insert
        fails the original run is put back before the error is raised.

        Parameters
        ----------
        run_id : str
            The run's id.
        label : str
            The new label.

        Returns
        -------
        Run

        Raises
        ------
        DataError
            No run with that id, or an invalid label.
        StoreError
            The database could not be written.
        """
        old = self.get_run(run_id)
        new = _make_run(old.id, old.created, old.kind, old.model, old.fingerprint, label,
                        old.params, old.metrics, old.settings, old.elapsed, old.result)
        self._remove(old.id)
        try:
            self._insert(_row(new))
        except Exception:
            self._insert(_row(old))
            raise
        return new

    def close(self) -> None:
        """Release resources held by the store object (nothing for file-backed stores)."""

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url!r})"
