"""Small clientside functions shared by the pages (JavaScript source strings)."""
from __future__ import annotations

__all__ = ["REPLACE_URL_QUERY", "upload_guard"]

#: Writes a page's state into the address bar without a router-visible navigation (a Dash
#: ``Location`` change would re-render the page on every input).
REPLACE_URL_QUERY = """
function(query) {
    if (query) { window.history.replaceState(null, '', window.location.pathname + query); }
    return '';
}
"""


def upload_guard(max_bytes: int) -> str:
    """Clientside check of a ``dcc.Upload``: files over ``max_bytes`` never leave the browser;
    returns ``[{contents, filename} or null, message]``."""
    return f"""
    function(contents, filename) {{
        if (!contents) {{ return [null, '']; }}
        const bytes = Math.floor(contents.length * 3 / 4);
        if (bytes > {max_bytes}) {{
            return [null, filename + ' is ' + (bytes / 1e6).toFixed(0) + ' MB; the limit is '
                    + ({max_bytes} / 1e6).toFixed(0) + ' MB. Upload one quote date, or compress it (.gz/.zip).'];
        }}
        return [{{contents: contents, filename: filename}}, ''];
    }}
    """
