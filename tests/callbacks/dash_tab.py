"""One browser tab simulated over Dash's HTTP protocol, background jobs included, without a browser.

:class:`Tab` loads a page (for the signed ``endId`` token background handles are bound to), takes
a layout's component tree as the tab's props, and runs callbacks as Dash's renderer does:

* on load, every server-side callback whose inputs are all in the tree and which is not
  ``prevent_initial_call`` (upstream callbacks first: a callback waits while one of its inputs
  or states is the output of a callback still to run, as the renderer does);
* afterwards, every callback with an input that a callback just set (``prevent_initial_call``
  or not: that flag only stops the call on the first render), again upstream first;
* :meth:`Tab.click` / :meth:`Tab.set` change a prop as a user would and run what follows;
* a background callback is followed like the renderer follows it: the first answer carries the
  signed ``cacheKey``/``job`` handles, then the same body is POSTed with them until the job's
  result arrives (the job runs in the app's real background manager: a DiskcacheManager process).

Clientside callbacks are not run: a test passes Python stand-ins for the ones its page needs
(``clientside={"output id.prop": fn(inputs, states) -> {"id.prop": value}}``), written from the
JavaScript they stand for. Returned props are kept as the JSON the browser would hold.
"""
from __future__ import annotations

import html
import json
import re
import time

from tests.callbacks.dash_run import _decode, _key, _outputs, _walk

__all__ = ["Tab"]

_CONFIG = re.compile(r'<script id="_dash-config" type="application/json">(.*?)</script>', re.S)


class Tab:
    """A tab of ``client`` (a Flask test client) that opens ``address`` (``"/path?query"``).

    The tab holds the app shell's props (``shell``: the component tree of
    :func:`components.layout.shell`) with Dash's page location set to ``address``, so the page
    arrives as the browser gets it: from the pages router callback, then its own callbacks.
    ``clientside`` maps a part of a clientside callback's output string to a Python stand-in
    ``fn({"id.prop": value of each input and state}) -> {"id.prop": new value}``; clientside
    callbacks without one are not run.
    """

    def __init__(self, client, address: str, shell, *, clientside: dict | None = None,
                 wait: float = 240.0):
        self.client = client
        path, _, query = address.partition("?")
        page = client.get(address)
        assert page.status_code == 200, (address, page.status_code)
        config = json.loads(html.unescape(_CONFIG.search(page.get_data(as_text=True)).group(1)))
        self.end_id = config.get("end_id")
        self.deps = client.get("/_dash-dependencies").get_json()
        self.props: dict = {}
        _walk(shell, self.props)
        self.props.update({"_pages_location.pathname": path,
                           "_pages_location.search": f"?{query}" if query else "",
                           "_pages_location.href": f"http://localhost{address}"})
        self.clientside = dict(clientside or {})
        self.wait = wait
        self.calls: list[str] = []         # output strings of the callbacks run, in order
        self.unchanged: list[int] = []     # indices in ``calls`` answered 204 (PreventUpdate)
        self._inserted: list[dict] = []
        ids = self.ids()
        self._run([d for d in self.deps if self._runnable(d, ids) and not d.get("prevent_initial_call")])
        # dcc.Location reports the address when it mounts: the router draws the page
        where = {"_pages_location.pathname", "_pages_location.search"}
        self._run(self._triggered(where), changed=where)

    # ------------------------------------------------------------------ what the tab holds
    def ids(self) -> set[str]:
        return {k.rsplit(".", 1)[0] for k in self.props}

    def get(self, cid: str, prop: str):
        return self.props.get(f"{cid}.{prop}")

    def figures(self) -> dict:
        """``{"graph id": figure}`` of every drawn figure (with traces) the tab holds."""
        return {k.rsplit(".", 1)[0]: v for k, v in self.props.items()
                if k.endswith(".figure") and isinstance(v, dict) and v.get("data")}

    # ------------------------------------------------------------------ user actions
    def set(self, cid: str, prop: str, value) -> None:
        """The user changes ``cid.prop`` to ``value``; the callbacks it triggers run."""
        self.props[f"{cid}.{prop}"] = value
        self._run(self._triggered({f"{cid}.{prop}"}), changed={f"{cid}.{prop}"})

    def click(self, cid: str) -> None:
        """The user clicks button ``cid``."""
        self.set(cid, "n_clicks", (self.get(cid, "n_clicks") or 0) + 1)

    # ------------------------------------------------------------------ the renderer's loop
    def _runnable(self, dep: dict, ids: set[str]) -> bool:
        return bool(dep["inputs"]) and all(i["id"] in ids for i in dep["inputs"]) \
            and all(o[0] in ids for o in _outputs(dep))

    def _clientside(self, dep: dict):
        if dep.get("clientside_function") is None:
            return None
        return next((fn for part, fn in self.clientside.items() if part in dep["output"]), False)

    def _triggered(self, changed: set[str]) -> list[dict]:
        ids = self.ids()
        return [d for d in self.deps if self._runnable(d, ids)
                and any(f"{i['id']}.{i['property']}" in changed for i in d["inputs"])]

    def _run(self, todo: list[dict], changed: set[str] | None = None) -> None:
        changed = set(changed or ())
        todo = list(todo)
        fired: dict[str, set[str]] = {}   # per queued callback: the inputs set since it was queued
        for _ in range(500):
            todo = [d for d in todo if self._clientside(d) is not False]   # JS with no stand-in
            if not todo:
                return
            pending = {f"{c}.{p}" for d in todo for c, p in _outputs(d)}
            # the renderer waits while an input or a state is the output of a callback to run
            ready = [d for d in todo if not any(f"{i['id']}.{i['property']}" in pending
                                                for i in d["inputs"] + d.get("state", []))] or todo[:1]
            dep = ready[0]
            todo.remove(dep)
            trig = ({f"{i['id']}.{i['property']}" for i in dep["inputs"]} & changed) | fired.pop(dep["output"], set())
            out = self._call(dep, sorted(trig))
            changed = set(out)
            for d in self._triggered(changed) + self._inserted:
                if d is not dep:                        # never re-run by its own outputs
                    # the renderer sends every input changed since the call was queued
                    fired.setdefault(d["output"], set()).update(
                        {f"{i['id']}.{i['property']}" for i in d["inputs"]} & changed)
                    if d not in todo:
                        todo.append(d)
            self._inserted = []
        raise AssertionError("callbacks did not settle after 500 calls")

    def _spec(self, items):
        return [{"id": _decode(i["id"]), "property": i["property"],
                 "value": self.props.get(f"{i['id']}.{i['property']}")} for i in items]

    def _call(self, dep: dict, changed: list[str]) -> dict:
        """Run one callback; its outputs are written into the tab; returns ``{"id.prop": value}``."""
        self.calls.append(dep["output"])
        stand_in = self._clientside(dep)
        if stand_in:
            out = stand_in({f"{i['id']}.{i['property']}": self.props.get(f"{i['id']}.{i['property']}")
                            for i in dep["inputs"] + dep.get("state", [])})
            self.props.update(out)
            return out
        outs = _outputs(dep)
        o = [{"id": _decode(c), "property": p} for c, p in outs]
        body = {"output": dep["output"], "outputs": o if dep["output"].startswith("..") else o[0],
                "inputs": self._spec(dep["inputs"]), "state": self._spec(dep.get("state", [])),
                "changedPropIds": changed}
        params = {"endId": self.end_id} if self.end_id else {}
        r = self.client.post("/_dash-update-component", json=body, query_string=params)
        if dep.get("background") and r.status_code == 200 and "cacheKey" in (r.get_json() or {}):
            handles = r.get_json()
            interval = dep["background"].get("interval", 250) / 1000.0
            deadline = time.monotonic() + self.wait
            while True:
                time.sleep(interval)
                r = self.client.post("/_dash-update-component", json=body, query_string={
                    **params, "cacheKey": handles["cacheKey"], "job": handles["job"]})
                if r.status_code != 200 or "response" in (r.get_json() or {}):
                    break
                assert time.monotonic() < deadline, f"background job {dep['output']} still running"
        if r.status_code == 204:
            self.unchanged.append(len(self.calls) - 1)
            return {}
        assert r.status_code == 200, (dep["output"], r.status_code, r.get_data(as_text=True)[:500])
        out = {}
        for cid, values in (r.get_json().get("response") or {}).items():
            for prop, value in values.items():
                out[f"{cid}.{prop}"] = value
        self.props.update(out)
        found: dict = {}
        for value in out.values():
            _walk_json(value, found)
        self.props.update(found)
        new = {k.rsplit(".", 1)[0] for k in found}
        if new:      # components a callback put on the page: their first-render callbacks run
            self._inserted.extend(d for d in self.deps if self._runnable(d, self.ids())
                                  and not d.get("prevent_initial_call")
                                  and ({i["id"] for i in d["inputs"]} | {c for c, _ in _outputs(d)}) & new)
        return out


def _walk_json(node, props: dict) -> None:
    """The props of every component with an id inside a component tree as JSON (a callback's
    ``children`` output), as :func:`tests.callbacks.dash_run._walk` does for Python trees."""
    if isinstance(node, list):
        for n in node:
            _walk_json(n, props)
        return
    if not (isinstance(node, dict) and "props" in node and "type" in node and "namespace" in node):
        return
    p = node["props"] or {}
    cid = p.get("id")
    if cid is not None:
        for name, value in p.items():
            if name != "children":
                props[f"{_key(cid)}.{name}"] = value
        props.setdefault(f"{_key(cid)}.children", p.get("children"))
    _walk_json(p.get("children"), props)
