"""Run a page's first-load callbacks over HTTP, as the browser's renderer does, without a browser.

:func:`first_load` takes a layout (component tree), collects every component's props, then POSTs
``/_dash-update-component`` for each server-side, non-background callback whose inputs are all in
the tree and which is not ``prevent_initial_call``, upstream callbacks first (a callback waits
while one of its inputs is the output of a callback still to run). Outputs are merged into the
props, so chained callbacks (a report store, then the figures drawn from it) see their inputs.
Returns ``{"id.prop": value}`` after the run. Clientside callbacks are not run.
"""
from __future__ import annotations

import json

__all__ = ["first_load", "figures"]


def _key(cid) -> str:
    return json.dumps(cid, sort_keys=True, separators=(",", ":")) if isinstance(cid, dict) else str(cid)


def _walk(node, props: dict) -> None:
    if isinstance(node, (list, tuple)):
        for n in node:
            _walk(n, props)
        return
    if not hasattr(node, "to_plotly_json"):
        return
    data = node.to_plotly_json()
    p = data.get("props", {})
    cid = p.get("id")
    if cid is not None:
        for name, value in p.items():
            if name != "children":
                props[f"{_key(cid)}.{name}"] = json.loads(json.dumps(value, default=_plain))
        props.setdefault(f"{_key(cid)}.children", None)
    _walk(p.get("children"), props)


def _plain(v):
    if hasattr(v, "to_plotly_json"):
        return v.to_plotly_json()
    raise TypeError(type(v))


def _outputs(dep) -> list[tuple[str, str]]:
    parts = dep["output"].strip(".").split("...") if dep["output"].startswith("..") else [dep["output"]]
    out = []
    for part in parts:
        cid, prop = part.rsplit(".", 1)
        out.append((cid, prop.split("@")[0]))
    return out


def _decode(cid: str):
    return json.loads(cid) if cid.startswith("{") else cid


def first_load(client, layout, shell_props: dict | None = None) -> dict:
    """Props after the first-load callbacks of ``layout`` (``client``: a Flask test client)."""
    props = dict(shell_props or {})
    _walk(layout, props)
    ids = {k.rsplit(".", 1)[0] for k in props}
    deps = client.get("/_dash-dependencies").get_json()
    todo = [d for d in deps if d.get("clientside_function") is None and not d.get("background")
            and not d.get("prevent_initial_call")
            and all(i["id"] in ids for i in d["inputs"]) and d["inputs"]
            and all(o[0] in ids for o in _outputs(d))]
    for _ in range(len(todo) + 1):
        if not todo:
            break
        pending = {f"{c}.{p}" for d in todo for c, p in _outputs(d)}
        ready = [d for d in todo if not any(f"{i['id']}.{i['property']}" in pending for i in d["inputs"])] \
            or todo[:1]
        for dep in ready:
            todo.remove(dep)
            outs = _outputs(dep)

            def spec(items):
                return [{"id": _decode(i["id"]), "property": i["property"],
                         "value": props.get(f"{i['id']}.{i['property']}")} for i in items]

            o = [{"id": _decode(c), "property": p} for c, p in outs]
            body = {"output": dep["output"], "outputs": o if dep["output"].startswith("..") else o[0],
                    "inputs": spec(dep["inputs"]), "state": spec(dep.get("state", [])),
                    "changedPropIds": []}
            r = client.post("/_dash-update-component", json=body)
            if r.status_code == 204:
                continue
            assert r.status_code == 200, (dep["output"], r.status_code, r.get_data(as_text=True)[:500])
            for cid, values in r.get_json()["response"].items():
                for prop, value in values.items():
                    props[f"{cid}.{prop}"] = value
    return props


def figures(props: dict) -> dict:
    """``{"graph id": figure}`` of every figure set in ``props`` (a plotly figure dict)."""
    return {k.rsplit(".", 1)[0]: v for k, v in props.items()
            if k.endswith(".figure") and isinstance(v, dict) and v.get("data")}
