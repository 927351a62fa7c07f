"""The browser's upload limit is the server's PARITY_MAX_UPLOAD_MB: the app shell hands the
same setting (in bytes) to the clientside guard that the request limit is built from."""
from __future__ import annotations

from app import Settings, create_app, request_limit_bytes
from components.ids import Wiring


def _store(layout):
    for c in layout.children:
        if getattr(c, "id", None) == Wiring.UPLOAD_LIMIT:
            return c
    raise AssertionError("no upload-limit store in the shell")


def test_the_shell_carries_the_servers_upload_setting(tmp_path):
    app = create_app(Settings(data_dir=str(tmp_path), warm_numba=False, max_upload_mb=3.5))
    with app.server.app_context():
        store = _store(app.layout())
    assert store.data == int(3.5 * 1024 * 1024)
    # the server refuses only bodies above the base64 of that file (+ room for the request)
    assert app.server.config["MAX_CONTENT_LENGTH"] == request_limit_bytes(3.5) > store.data * 4 / 3
    from components.layout import shell
    assert _store(shell()).data == 50 * 1024 * 1024    # outside a request: the documented default


def test_the_guard_reads_the_store_and_the_decoded_size():
    import callbacks  # noqa: F401  (declares every page's callbacks)
    from callbacks import registry

    guards = [(a, kw) for kind, a, kw, _f in registry._DECLARED
              if kind == "clientside" and "the limit is" in str(a[0])]
    assert len(guards) == 5      # Vol surface, Calibration, Portfolio prices + sectors, Risk book
    for args, _kw in guards:
        js = args[0]
        assert "indexOf(',')" in js and "pad" in js                  # base64 body, padding removed
        states = [x for x in args[1:] if getattr(x, "component_id", None) == Wiring.UPLOAD_LIMIT]
        assert states and states[0].component_property == "data"
