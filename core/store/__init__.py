"""Persistence behind one small interface: the runs registry, workspaces and uploads.

``open_store(url)`` opens the store named by a database URL (``DATABASE_URL``): a SQLite file
in WAL mode by default (``sqlite:////abs/path/parity.db``), PostgreSQL
(``postgresql://user:pw@host:port/db``, psycopg 3) when users outgrow one machine. A store holds no open connection and no state
beyond its location, so every worker process can open the same URL and answer any request. Request handlers call
``shared_store(url)``: the same store, opened (and its schema checked) once per process.

``RunStore.add_run / get_run / list_runs / delete_run / count`` manage :class:`Run` records;
``record_calibration`` files a ``CalibrationResult``; ``compare_runs`` tabulates runs side by
side. ``save_workspace / open_workspace / copy_workspace / rename_workspace /
delete_workspace / list_workspaces`` manage :class:`Workspace` documents, and
``put_blob / get_blob`` store uploaded files once by SHA-256; ``put_draft / get_draft /
delete_draft`` keep each user's report draft (:class:`Draft`).
"""
from core.store.drafts import MAX_DRAFT_CHARS, Draft, DraftStore
from core.store.compare import (CALIBRATION, CALIBRATION_METRICS, calibration_from_run,
                                compare_runs, record_calibration)
from core.store.factory import open_store, redact_url, shared_store
from core.store.runs import COLUMNS, ORDER_FIELDS, Run, RunQuery, RunStore, StoreError
from core.store.sqlite import SCHEMA_VERSION, SqliteRunStore
from core.store.users import ROLES, User, UserStore
from core.store.workspaces import (MAX_BLOB_BYTES, SHARING_MODES, WORKSPACE_VERSION, Sharing,
                                   Workspace, WorkspaceInfo,
                                   WorkspaceStore, blob_key, migrate_document)

__all__ = ["open_store", "shared_store", "redact_url", "RunStore", "Run", "RunQuery", "StoreError",
           "SqliteRunStore", "SCHEMA_VERSION", "COLUMNS", "ORDER_FIELDS", "record_calibration",
           "calibration_from_run", "compare_runs", "CALIBRATION", "CALIBRATION_METRICS", "Workspace", "WorkspaceInfo",
           "WorkspaceStore", "WORKSPACE_VERSION", "MAX_BLOB_BYTES", "blob_key", "migrate_document",
           "Sharing", "SHARING_MODES", "User", "UserStore", "ROLES", "Draft", "DraftStore",
           "MAX_DRAFT_CHARS"]
