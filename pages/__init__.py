"""One module per page: ``dash.register_page`` and a cheap ``layout()``; no callbacks, no compute."""
