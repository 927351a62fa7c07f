// Workspaces, browser side.
// 1. Every desk page keeps its inputs in its URL query: remember each page's last query in
//    localStorage ("parity.pages"), so coming back to a page (navbar link, a new tab, the next
//    day) shows the last view, and a workspace save can collect every page's inputs.
// 2. collect(): the browser state a save sends (pages, the tab's session stores, the report).
// 3. restore(): write a workspace into the browser (localStorage/sessionStorage) and open its page.
// 4. Inside a shared workspace (/w/<id>) the page drawn is the workspace's: the server gives its
//    stores memory storage seeded with the saved values (components/workspace_view.py); a page
//    script that reads its store straight from sessionStorage gets that saved value too, never
//    the viewer's own copy.
(function () {
  var PAGES = 'parity.pages', LAST = 'parity.last', VISITED = 'parity.visited';
  var HELD = 'ws-view-held';

  function viewing() { return window.location.pathname.indexOf('/w/') === 0; }
  // {store id: saved value or null} of the page the view draws (null: no view on screen)
  function held() {
    var api = window.dash_component_api;
    try {
      var c = api && api.getLayout ? api.getLayout(HELD) : null;
      return (c && c.props && c.props.data && typeof c.props.data === 'object') ? c.props.data : null;
    } catch (e) { return null; }
  }
  var realGetItem = window.Storage.prototype.getItem;
  window.Storage.prototype.getItem = function (key) {
    if (viewing() && this === window.sessionStorage) {
      var h = held();
      if (h && Object.prototype.hasOwnProperty.call(h, key)) {
        return (h[key] === null || h[key] === undefined) ? null : JSON.stringify(h[key]);
      }
    }
    return realGetItem.call(this, key);
  };
  var SKIP = /^\/(w\/|workspaces|report|runs|404|_dash|assets|_reload)/;

  function skip(path) { return !path || path === '/' || SKIP.test(path); }
  function read() {
    try { var v = JSON.parse(window.localStorage.getItem(PAGES)); return (v && typeof v === 'object') ? v : {}; }
    catch (e) { return {}; }
  }
  function record() {
    var p = window.location.pathname;
    if (skip(p)) { return; }
    var all = read();
    all[p] = window.location.search || '';
    try {
      var seenHere = JSON.parse(window.sessionStorage.getItem(VISITED) || '{}');
      seenHere[p] = 1;
      window.sessionStorage.setItem(VISITED, JSON.stringify(seenHere));
    } catch (e) { /* no session storage: every visit is a first visit */ }
    try { window.localStorage.setItem(PAGES, JSON.stringify(all)); window.localStorage.setItem(LAST, p); }
    catch (e) { /* storage full or disabled: the page still works, it is just not remembered */ }
  }
  function visitedHere(path) {
    try { return !!JSON.parse(window.sessionStorage.getItem(VISITED) || '{}')[path]; }
    catch (e) { return false; }
  }
  // a link to a page without a query opens that page's last view. In-app links (inApp) do so on
  // the first visit in this tab only: after that the page's own session stores hold its newer
  // state (edits not yet in its URL, e.g. Portfolio views not yet optimised), which a remembered
  // query would override. A page loaded whole (typed address, new tab, next day) always does.
  function withSaved(url, inApp) {
    var u;
    try { u = new URL(url, window.location.href); } catch (e) { return url; }
    if (u.origin !== window.location.origin || u.search || u.hash || skip(u.pathname)
        || (inApp && visitedHere(u.pathname))) { return url; }
    var q = read()[u.pathname];
    return q ? u.pathname + q : url;
  }
  // in-app links: pushState (the router); pages write their inputs with replaceState, which is
  // left alone (wrapping it disturbed pages' callback chains): its result is picked up by a
  // light poll of the address
  var orig = window.history.pushState;
  window.history.pushState = function (state, title, url) {
    record();      // the page being left, as its address reads now (the poll may not have run)
    if (url !== undefined && url !== null) { url = withSaved(String(url), true); }
    var out = orig.call(this, state, title, url);
    record();
    return out;
  };
  window.addEventListener('popstate', record);
  var seen = window.location.href;
  window.setInterval(function () {
    if (window.location.href !== seen) { seen = window.location.href; record(); }
  }, 300);
  if (!window.location.search) {
    var to = withSaved(window.location.pathname);
    if (to !== window.location.pathname) { window.history.replaceState(window.history.state, '', to); }
  }
  record();

  function json(storage, key) {
    try { return JSON.parse(storage.getItem(key)); } catch (e) { return null; }
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    parityWorkspace: {
      // every session store of this tab (the server keeps only the ones it knows) + the pages
      collect: function (mode) {
        var session = {};
        for (var k = 0; k < window.sessionStorage.length; k++) {
          var key = window.sessionStorage.key(k);
          if (!key || /-timestamp$/.test(key)) { continue; }
          var raw = window.sessionStorage.getItem(key);
          if (raw && raw.length < 600000) { session[key] = json(window.sessionStorage, key); }
        }
        return {mode: mode, nonce: Date.now(), pages: read(),
                last: window.localStorage.getItem(LAST) || '', session: session,
                report_items: session['report-items'] || [], report_meta: session['report-meta'] || {}};
      },

      // menu: Save (over the workspace in use; the dialog when there is none), Save as (dialog),
      // the dialog's Save (a new workspace)
      save: function (s, sa, c, current) {
        var nu = window.dash_clientside.no_update;
        var trig = ((window.dash_clientside.callback_context.triggered || [])[0] || {}).prop_id || '';
        var W = window.dash_clientside.parityWorkspace;
        if (trig.indexOf('ws-save-as.') === 0) { return [nu, true]; }
        if (trig.indexOf('ws-save.') === 0) {
          return (current && current.id) ? [W.collect('save'), nu] : [nu, true];
        }
        if (trig.indexOf('ws-confirm.') === 0) { return [W.collect('new'), nu]; }
        return [nu, nu];
      },

      restore: function (p) {
        if (!p || !p.id) { return window.dash_clientside.no_update; }
        try {
          window.localStorage.setItem(PAGES, JSON.stringify(p.pages || {}));
          window.localStorage.setItem(LAST, p.last || '');
          Object.keys(p.local || {}).forEach(function (k) {
            window.localStorage.setItem(k, JSON.stringify(p.local[k]));
            window.localStorage.setItem(k + '-timestamp', String(Date.now()));
          });
          (p.clear || []).forEach(function (k) {
            window.sessionStorage.removeItem(k); window.sessionStorage.removeItem(k + '-timestamp');
          });
          Object.keys(p.session || {}).forEach(function (k) {
            window.sessionStorage.setItem(k, JSON.stringify(p.session[k]));
            window.sessionStorage.setItem(k + '-timestamp', String(Date.now()));
          });
        } catch (e) {
          return 'This browser refused to store the workspace (' + e.name + '): free some space or allow site storage.';
        }
        window.location.assign(p.to || '/');
        return '';
      },

      label: function (current) {
        return (current && current.name) ? current.name : 'Workspace';
      }
    }
  });
})();
