"""Calling a Dash callback through the app's own HTTP endpoint (Flask test client), the way
the browser does, so a test sees the real request body (and its size) and the real response."""
from __future__ import annotations

import json

__all__ = ["DashPoster"]


class DashPoster:
    """``post(output_id_prop, values, changed)``: call the callback whose outputs include
    ``output_id_prop`` (e.g. ``"surface-upload-record.data"``) with ``values`` keyed by
    ``"id.prop"`` (missing ones are ``None``); returns the response's ``response`` dict (outputs
    by id, then property). Every request body is recorded in :attr:`sent` as
    ``(callback output key, body bytes)``. ``client``: a test client of ``app`` to post with
    (e.g. one signed in, with its ``X-CSRFToken`` in ``environ_base``); default a new one."""

    def __init__(self, app, client=None):
        self.app = app
        self.client = client if client is not None else app.server.test_client()
        self.client.get("/")          # runs Dash's first-request setup
        self.sent: list[tuple[str, bytes]] = []

    def _find(self, output: str) -> tuple[str, dict]:
        hits = [(k, v) for k, v in self.app.callback_map.items() if f".{output}." in f".{k}."
                or k == output]
        if len(hits) != 1:
            raise KeyError(f"{len(hits)} callbacks output {output}")
        return hits[0]

    def post(self, output: str, values: dict, changed: list[str] | None = None) -> dict:
        key, spec = self._find(output)
        outputs = [{"id": o.component_id, "property": o.component_property} for o in spec["output"]] \
            if isinstance(spec["output"], list) else spec["output"]
        body = {
            "output": key,
            "outputs": outputs if len(outputs) > 1 else outputs[0],
            "inputs": [{**i, "value": values.get(f"{i['id']}.{i['property']}")} for i in spec["inputs"]],
            "state": [{**s, "value": values.get(f"{s['id']}.{s['property']}")} for s in spec["state"]],
            "changedPropIds": list(changed or []),
        }
        raw = json.dumps(body).encode()
        self.sent.append((key, raw))
        resp = self.client.post("/_dash-update-component", data=raw,
                                content_type="application/json")
        if resp.status_code == 204:
            return {}
        assert resp.status_code == 200, (resp.status_code, resp.data[:500])
        return json.loads(resp.data)["response"]
