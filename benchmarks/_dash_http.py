"""A small HTTP client that speaks Dash's callback protocol, as the browser's renderer does.

It loads a page (for the per-page-load ``end_id`` token that background handles are bound to),
reads ``/_dash-dependencies`` and POSTs ``/_dash-update-component`` bodies built from it: the
``output`` string, ``outputs``, ``inputs`` and ``state`` as ``{id, property, value}`` and
``changedPropIds``. Background callbacks are followed like the renderer follows them: the first
answer carries signed ``cacheKey``/``job`` handles, then the same body is POSTed with them until
a result arrives. Used by the load benchmark and the deployment tests (loopback only).
"""
from __future__ import annotations

import html
import json
import re
import time
from dataclasses import dataclass

import requests

__all__ = ["DashClient", "CallbackAnswer"]

_CONFIG = re.compile(r'<script id="_dash-config" type="application/json">(.*?)</script>', re.S)


@dataclass
class CallbackAnswer:
    status: int
    body: dict | None
    size: int            # bytes of the final response body
    seconds: float
    polls: int = 0

    def output(self, component: str, prop: str):
        """Value the callback set on ``component.prop`` (KeyError when it set none)."""
        return self.body["response"][component][prop]


class DashClient:
    """One simulated browser tab on ``base_url`` (e.g. ``http://127.0.0.1:PORT``)."""

    def __init__(self, base_url: str, page: str = "/", *, timeout: float = 60.0):
        self.base = base_url.rstrip("/")
        self.http = requests.Session()
        self.timeout = timeout
        self.load(page)
        self.deps = self.http.get(self.base + "/_dash-dependencies", timeout=timeout).json()

    def load(self, page: str) -> None:
        """GET a page (a new page load: a fresh ``end_id``)."""
        r = self.http.get(self.base + page, timeout=self.timeout)
        r.raise_for_status()
        config = json.loads(html.unescape(_CONFIG.search(r.text).group(1)))
        self.end_id = config.get("end_id")

    def dependency(self, output_part: str) -> dict:
        """The first registered (server-side) callback whose output string contains ``output_part``."""
        for dep in self.deps:
            if output_part in dep["output"] and dep.get("clientside_function") is None:
                return dep
        raise KeyError(f"no server callback with output containing {output_part!r}")

    def body(self, dep: dict, values: dict, changed: list[str]) -> dict:
        """An update body for ``dep``; ``values`` maps ``"id.prop"`` to the value sent."""
        def spec(items, with_value):
            out = []
            for item in items:
                entry = {"id": item["id"], "property": item["property"]}
                if with_value:
                    entry["value"] = values.get(f"{item['id']}.{item['property']}")
                out.append(entry)
            return out

        outputs = [dict(zip(("id", "property"), part.rsplit(".", 1)))
                   for part in dep["output"].strip(".").split("...")]
        outputs = [{"id": o["id"], "property": o["property"].split("@")[0]} for o in outputs]
        return {"output": dep["output"], "outputs": outputs if dep["output"].startswith("..") else outputs[0],
                "inputs": spec(dep["inputs"], True), "state": spec(dep.get("state", []), True),
                "changedPropIds": changed}

    def post(self, body: dict, params: dict | None = None) -> requests.Response:
        q = {"endId": self.end_id} if self.end_id else {}
        q.update(params or {})
        return self.http.post(self.base + "/_dash-update-component", params=q, json=body,
                              timeout=self.timeout)

    def call(self, output_part: str, values: dict, changed: list[str], *,
             wait: float = 300.0) -> CallbackAnswer:
        """Run one callback to its end (following a background job) and return the answer."""
        dep = self.dependency(output_part)
        body = self.body(dep, values, changed)
        t0 = time.perf_counter()
        r = self.post(body)
        polls = 0
        if dep.get("background") and r.status_code == 200 and "cacheKey" in (r.json() or {}):
            handles = r.json()
            interval = dep["background"].get("interval", 250) / 1000.0
            deadline = time.monotonic() + wait
            while True:
                time.sleep(interval)
                polls += 1
                r = self.post(body, {"cacheKey": handles["cacheKey"], "job": handles["job"]})
                if r.status_code != 200:
                    break
                data = r.json()
                if "response" in data or "sideUpdate" in data:
                    break
                if time.monotonic() > deadline:
                    raise TimeoutError(f"background callback {output_part} still running after {wait} s")
        data = r.json() if r.status_code == 200 and r.content else None
        return CallbackAnswer(r.status_code, data, len(r.content), time.perf_counter() - t0, polls)
