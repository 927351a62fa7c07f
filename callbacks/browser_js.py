"""Small clientside functions shared by the pages (JavaScript source strings)."""
from __future__ import annotations

__all__ = ["REPLACE_URL_QUERY", "UPLOAD_PARAMS", "upload_guard", "url_upload"]

#: URL parameters naming stored uploads (``callbacks.uploads`` keys): set by :func:`url_upload`,
#: kept by :data:`REPLACE_URL_QUERY` when a page's state query does not name them.
UPLOAD_PARAMS = ("data", "sectors")

#: Writes a page's state into the address bar without a router-visible navigation (a Dash
#: ``Location`` change would re-render the page on every input). Upload keys already in the
#: address (:data:`UPLOAD_PARAMS`) are kept unless the new query sets them. Not inside a shared
#: workspace (``/w/<id>``), whose address names the workspace, not one page.
REPLACE_URL_QUERY = """
function(query) {
    if (query && window.location.pathname.indexOf('/w/') !== 0) {
        const next = new URLSearchParams(query.startsWith('?') ? query.slice(1) : query);
        const now = new URLSearchParams(window.location.search);
        for (const name of %s) {
            if (!next.has(name) && now.get(name)) { next.set(name, now.get(name)); }
        }
        const text = next.toString();
        window.history.replaceState(null, '', window.location.pathname + (text ? '?' + text : ''));
    }
    return '';
}
""" % str(list(UPLOAD_PARAMS)).replace("'", '"')


def url_upload(param: str = "data") -> str:
    """Clientside function ``(record) -> key``: puts an upload record's key into the address bar
    as ``param=<key>`` (removes it for ``None``: the page's default data), so a copied link or a
    reload reopens the same upload on the same server."""
    if param not in UPLOAD_PARAMS:
        raise ValueError(f"param must be one of {UPLOAD_PARAMS}, got {param!r}")
    return f"""
    function(record) {{
        const params = new URLSearchParams(window.location.search);
        const key = (record && record.key) ? record.key : null;
        if (key) {{ params.set('{param}', key); }} else {{ params.delete('{param}'); }}
        const text = params.toString();
        window.history.replaceState(null, '', window.location.pathname + (text ? '?' + text : ''));
        return key;
    }}
    """


def upload_guard(default_bytes: int = 50 * 1024 * 1024) -> str:
    """Clientside check of a ``dcc.Upload``, called with ``(contents, filename, limit)`` where
    ``limit`` is the app-level store of the server's ``PARITY_MAX_UPLOAD_MB`` in bytes
    (``default_bytes`` when the store is empty). The file's decoded size (the data URL's base64
    body, padding removed) is compared: a file over the limit never leaves the browser.
    Returns ``[{contents, filename} or null, message]``."""
    return f"""
    function(contents, filename, limit) {{
        if (!contents) {{ return [null, '']; }}
        const max = (typeof limit === 'number' && limit > 0) ? limit : {int(default_bytes)};
        const body = contents.slice(contents.indexOf(',') + 1);
        const pad = body.endsWith('==') ? 2 : (body.endsWith('=') ? 1 : 0);
        const bytes = Math.floor(body.length * 3 / 4) - pad;
        const size = (n) => n >= 104858 ? (n / 1048576).toFixed(1) + ' MB' : (n / 1024).toFixed(1) + ' kB';
        if (bytes > max) {{
            return [null, filename + ' is ' + size(bytes) + '; the limit is ' + size(max)
                    + '. Upload one quote date, or compress it (.gz/.zip).'];
        }}
        return [{{contents: contents, filename: filename}}, ''];
    }}
    """
