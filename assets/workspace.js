// Workspaces, browser side.
// 1. Every desk page keeps its inputs in its URL query: remember each page's last query in
//    localStorage ("parity.pages"), so coming back to a page (navbar link, a new tab, the next
//    day) shows the last view, and a workspace save can collect every page's inputs.
// 2. collect(): the browser state a save sends (pages, the tab's session stores, the report).
// 3. restore(): write a workspace into the browser (localStorage/sessionStorage) and open its page.
// 4. The report draft: the tab's report (its two session stores) is also kept in localStorage,
//    per signed-in user ("parity.draft.<user>"), so a new tab, a reopened browser or the next day
//    shows the report being built; a workspace opened in the tab makes its report the draft.
//    It is also kept in the store for the user (callbacks/workspace.py), so it follows them to
//    another browser: a change is sent PUSH_DELAY ms after the last one, only the parts that
//    changed (a title typed sends no charts), and only when they differ from what the store
//    holds ("parity.draft-sync.<user>": the store's time and the fingerprints of its copy). A
//    tab's first page asks the store for its copy when this browser has none, or when the store's
//    is newer than the one this browser last saw.
// 5. Inside a shared workspace (/w/<id>) the page drawn is the workspace's: the server gives its
//    stores memory storage seeded with the saved values (components/workspace_view.py); a page
//    script that reads its store straight from sessionStorage gets that saved value too, never
//    the viewer's own copy.
(function () {
  var PAGES = 'parity.pages', LAST = 'parity.last', VISITED = 'parity.visited';
  var HELD = 'ws-view-held';
  var DRAFT = 'parity.draft.', ADOPTED = 'parity.draft-adopted';
  var SYNC = 'parity.draft-sync.', DIRTY = 'parity.draft-dirty', PUSH = 'report-draft-push';
  var NOTE = 'report-draft-note', PUSH_DELAY = 1500;
  var ITEMS = 'report-items', META = 'report-meta', OWNER = 'report-draft-owner';

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

  // this tab's own stored value (never the shared view's copy: see 5. above)
  function json(storage, key) {
    try { return JSON.parse(realGetItem.call(storage, key)); } catch (e) { return null; }
  }

  function layoutData(id) {
    var api = window.dash_component_api;
    try {
      var c = api && api.getLayout ? api.getLayout(id) : null;
      return c && c.props ? c.props.data : undefined;
    } catch (e) { return undefined; }
  }
  // a report worth keeping: items, or a title/author/summary/note typed
  function hasReport(items, meta) {
    if (Array.isArray(items) && items.length) { return true; }
    meta = meta || {};
    return !!(meta.title || meta.author || meta.summary
              || Object.keys(meta.notes || {}).some(function (k) { return meta.notes[k]; }));
  }
  // write the draft; '' when kept, else why not (the browser's storage is full)
  function writeDraft(owner, items, meta) {
    var text = JSON.stringify({items: items || [], meta: meta || {}, saved: new Date().toISOString()});
    try { window.localStorage.setItem(DRAFT + owner, text); return ''; }
    catch (e) {
      return 'This report (' + (text.length / 1e6).toFixed(1) + ' MB) is too large for this '
        + 'browser to keep beyond this tab: it stays here while the tab is open; save it with '
        + 'the workspace (Workspace → Save) so a closed tab does not lose it.';
    }
  }

  // a short fingerprint of a text (its length and FNV-1a hash): equal texts, equal prints
  function print(text) {
    var h = 0x811c9dc5;
    for (var i = 0; i < text.length; i++) { h ^= text.charCodeAt(i); h = Math.imul(h, 0x01000193); }
    return text.length + ':' + (h >>> 0).toString(16);
  }
  function synced(owner) {
    var s = json(window.localStorage, SYNC + owner);
    return (s && typeof s === 'object') ? s : {};
  }
  function dirty() { try { window.sessionStorage.setItem(DIRTY, '1'); } catch (e) { /* no storage */ } }
  var pushTimer = null, asking = 0;   // asking: when this page asked the store for its copy
  function schedulePush(owner, delay) {
    window.clearTimeout(pushTimer);
    pushTimer = window.setTimeout(function () { pushNow(owner); }, delay === undefined ? PUSH_DELAY : delay);
  }
  // send the tab's report to the store: the parts whose fingerprint differs from the store's copy
  function pushNow(owner) {
    try { if (!window.sessionStorage.getItem(DIRTY)) { return; } } catch (e) { return; }
    if (asking && Date.now() - asking < 20000) { schedulePush(owner); return; }   // its answer first
    var it = realGetItem.call(window.sessionStorage, ITEMS) || '[]';
    var me = realGetItem.call(window.sessionStorage, META) || '{}';
    var fp = {items: print(it), meta: print(me)}, had = synced(owner).fp || {};
    var empty = !hasReport(json(window.sessionStorage, ITEMS), json(window.sessionStorage, META));
    if ((had.items === fp.items && had.meta === fp.meta) || (empty && !had.items)) {
      // the store has this copy, or the store has none and there is nothing to keep
      window.sessionStorage.removeItem(DIRTY);
      return;
    }
    var push = {fp: fp, n: Date.now()};
    try {
      if (had.items !== fp.items) { push.items = JSON.parse(it); }
      if (had.meta !== fp.meta) { push.meta = JSON.parse(me); }
    } catch (e) { return; }
    window.dash_clientside.set_props(PUSH, {data: push});
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    parityDraft: {
      // first page of a tab: a tab with no report of its own takes the user's draft back
      // (and asks the store for its copy: this browser has none, or the store's may be newer)
      restore: function (owner) {
        var nu = window.dash_clientside.no_update, none = [nu, nu, nu, nu, nu];
        if (typeof owner !== 'string') { return none; }
        try {
          var was = window.sessionStorage.getItem(ADOPTED);
          if (was === '1' || was === 'u:' + owner) {
            if (window.sessionStorage.getItem(DIRTY)) { schedulePush(owner); }  // e.g. a workspace opened
            return none;
          }
          window.sessionStorage.setItem(ADOPTED, 'u:' + owner);
          var foreign = was !== null;    // another user signed in in this tab: its report is not theirs
          if (foreign) { window.sessionStorage.removeItem(DIRTY); }
        } catch (e) { return none; }
        var items = foreign ? null : json(window.sessionStorage, ITEMS);
        var meta = foreign ? null : json(window.sessionStorage, META);
        var clear = foreign ? [[], {}] : [nu, nu];
        if (hasReport(items, meta)) { writeDraft(owner, items, meta); dirty(); schedulePush(owner); return none; }
        var d = json(window.localStorage, DRAFT + owner), seen = synced(owner).updated || '';
        var ask = {since: seen, local: !!d, n: Date.now()};
        if (d && Array.isArray(d.items)) {   // what this browser holds: the same as the store's is no news
          ask.fp = {items: print(JSON.stringify(d.items)), meta: print(JSON.stringify(d.meta || {}))};
        }
        asking = Date.now();
        if (!d || !Array.isArray(d.items) || !hasReport(d.items, d.meta)) { return [clear[0], clear[1], nu, nu, ask]; }
        var n = d.items.length;
        return [d.items, d.meta || {}, 'The report you were building is back (' + n + ' item'
                + (n === 1 ? '' : 's') + ', kept in this browser).', true, ask];
      },
      // the store kept the draft (or sent its copy): remember what it holds; resend it whole
      // when the store's copy was not the one the parts sent were meant for
      synced: function (pushed, owner) {
        if (typeof owner !== 'string' || !pushed || typeof pushed !== 'object') { return ''; }
        asking = 0;
        try {
          if (pushed.resend) {
            window.localStorage.removeItem(SYNC + owner);
            schedulePush(owner, 0);
            return 'resend';
          }
          if (pushed.error) { window.dash_clientside.set_props(NOTE, {data: pushed.error}); return 'error'; }
          if (pushed.updated) {
            window.localStorage.setItem(SYNC + owner, JSON.stringify({updated: pushed.updated, fp: pushed.fp || {}}));
          } else {                   // the store keeps no draft for this user
            window.localStorage.removeItem(SYNC + owner);
          }
        } catch (e) { return ''; }
        schedulePush(owner);        // a change made while it was on its way goes next
        return pushed.updated || '';
      },
      // every change of the tab's report, once the tab has its draft back
      keep: function (items, meta, owner) {
        var nu = window.dash_clientside.no_update;
        if (typeof owner !== 'string') { return nu; }
        try { if (!window.sessionStorage.getItem(ADOPTED)) { return nu; } } catch (e) { return nu; }
        dirty();
        schedulePush(owner);
        return writeDraft(owner, items, meta);
      },
      note: function (text) { return text || ''; }
    },
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
          // the opened workspace's report is the report being built now
          var owner = layoutData(OWNER);
          if (typeof owner === 'string') {
            window.sessionStorage.setItem(ADOPTED, 'u:' + owner);
            window.sessionStorage.setItem(DIRTY, '1');      // the next page sends it to the store
            writeDraft(owner, p.session[ITEMS], p.session[META]);
          }
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
