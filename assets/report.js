// Report builder, browser side: "Add to report" collects the current page's rendered view from the
// DOM (no page callback is touched), and meeting mode's arrow keys.
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  parityReport: {
    // Largest report kept in the tab's session storage (characters of JSON; chromium allows ~5 M).
    LIMIT: 4500000,

    _plain: function (v, depth) {
      if (depth > 40) { return null; }
      if (v === null || v === undefined) { return v === undefined ? undefined : null; }
      if (ArrayBuffer.isView(v)) { return Array.from(v); }
      if (Array.isArray(v)) { return v.map(function (x) { var y = window.dash_clientside.parityReport._plain(x, depth + 1); return y === undefined ? null : y; }); }
      if (typeof v === 'function') { return undefined; }
      if (typeof v === 'number') { return isFinite(v) ? v : null; }
      if (typeof v !== 'object') { return v; }
      if (v instanceof Date) { return v.toISOString(); }
      var out = {};
      Object.keys(v).forEach(function (k) {
        if (k.charAt(0) === '_') { return; }
        var y = window.dash_clientside.parityReport._plain(v[k], depth + 1);
        if (y !== undefined) { out[k] = y; }
      });
      return out;
    },

    // On screen: laid out and not hidden with `visibility` (the Greeks page keeps its 3D graph,
    // drawn ahead, under the heatmap with visibility: hidden; it is not part of the view).
    _visible: function (el) {
      return !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length) &&
        window.getComputedStyle(el).visibility !== 'hidden';
    },

    _tables: function (root) {
      var R = window.dash_clientside.parityReport, tables = [];
      root.querySelectorAll('.ag-root-wrapper').forEach(function (grid, k) {
        // AG Grid: the rows rendered in the DOM (virtualised grids show the visible rows)
        var host = grid.closest('[id]'), cols = [], rows = [];
        grid.querySelectorAll('.ag-header-row-column .ag-header-cell').forEach(function (h) {
          cols.push((h.innerText || '').trim());
        });
        grid.querySelectorAll('.ag-center-cols-container .ag-row').forEach(function (r) {
          var cells = [];
          r.querySelectorAll('.ag-cell').forEach(function (c) { cells.push((c.innerText || '').trim()); });
          rows.push(cells);
        });
        if (rows.length) { tables.push({title: host ? host.id : 'table ' + (k + 1), columns: cols, rows: rows}); }
      });
      root.querySelectorAll('table').forEach(function (t, k) {
        if (!R._visible(t) || t.closest('.js-plotly-plot')) { return; }
        var cols = [], rows = [];
        t.querySelectorAll('thead th').forEach(function (h) { cols.push((h.innerText || '').trim()); });
        t.querySelectorAll('tbody tr').forEach(function (tr) {
          var cells = [];
          tr.querySelectorAll('td,th').forEach(function (c) { cells.push((c.innerText || '').trim()); });
          if (rows.length < 500) { rows.push(cells); }
        });
        var cap = t.querySelector('caption');
        if (rows.length) { tables.push({title: cap ? cap.innerText : (t.id || 'table ' + (k + 1)), columns: cols, rows: rows}); }
      });
      return tables;
    },

    _source: function (root) {
      var R = window.dash_clientside.parityReport, seen = [], parts = [];
      root.querySelectorAll('[id*="data-note"],[id*="market-note"],[id*="chain-label"],[id*="source-note"],[id$="chain-info"],[id$="data-info"],.data-source').forEach(function (el) {
        var t = (el.innerText || '').trim();
        if (t && R._visible(el) && t.length < 600 && seen.indexOf(t) < 0) { seen.push(t); parts.push(t); }
      });
      if (!parts.length) {   // figures that carry their source in a subtitle
        root.querySelectorAll('.js-plotly-plot').forEach(function (gd) {
          var title = gd.layout && gd.layout.title, text = title && (title.text || title);
          if (typeof text === 'string' && /source|data:|modelled|cboe/i.test(text)) {
            var t = text.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
            if (seen.indexOf(t) < 0) { seen.push(t); parts.push(t); }
          }
        });
      }
      if (!parts.length) {   // the page's own description under its heading (e.g. the model used)
        var h = root.querySelector('h1,h2,h3'), sub = h && h.nextElementSibling;
        var t = sub ? (sub.innerText || '').trim() : '';
        if (t && t.length < 400) { parts.push(t); }
      }
      return parts.join(' · ');
    },

    add: function (n, items) {
      var R = window.dash_clientside.parityReport, nu = window.dash_clientside.no_update;
      if (!n) { return [nu, nu, nu, nu]; }
      items = Array.isArray(items) ? items : [];
      var root = document.getElementById('_pages_content') || document.body;
      if (window.location.pathname === '/report') {
        return [nu, 'This is the report itself: open another page (Greeks, Vol surface, Strategies...) and add its view.', true, nu];
      }
      var figures = [], shots = [];
      root.querySelectorAll('.js-plotly-plot').forEach(function (gd) {
        if (!R._visible(gd) || !gd.data) { return; }
        var fig = {data: R._plain(gd.data, 0), layout: R._plain(gd.layout || {}, 0)};
        figures.push(fig);
        // WebGL charts (3D surfaces...) print blank and are slow to redraw on the server: keep the
        // browser's own rendering as a PNG for the PDF (the HTML export stays interactive)
        var gl = (gd._fullData || []).some(function (t) { return R.GL.indexOf(t.type) >= 0; });
        if (gl && window.Plotly && Plotly.toImage) {
          shots.push(Plotly.toImage(gd, {format: 'png', width: gd.offsetWidth || 900,
                                         height: gd.offsetHeight || 500, scale: 1.5})
            .then(function (url) { fig.image = url; }, function () {}));
        }
      });
      var tables = R._tables(root);
      var heading = root.querySelector('h1,h2,h3');
      var page = (document.title || '').split('·').pop().trim();
      var item = {
        id: Math.random().toString(16).slice(2, 10) + Date.now().toString(16),
        added: new Date().toISOString(), page: page,
        title: (heading ? heading.innerText.trim() : page) || 'View',
        url: window.location.pathname + window.location.search,
        source: R._source(root), notes: '', figures: figures, tables: tables
      };
      if (!figures.length && !tables.length) {
        return [nu, 'Nothing to add: this page shows no chart or table yet (wait for it to finish, or run it first).', true, nu];
      }
      return Promise.all(shots).then(function () { return R._append(items, item, figures, tables); });
    },

    GL: ['surface', 'scatter3d', 'mesh3d', 'cone', 'streamtube', 'volume', 'isosurface', 'scattergl', 'splom', 'parcoords'],

    _append: function (items, item, figures, tables) {
      var R = window.dash_clientside.parityReport, nu = window.dash_clientside.no_update;
      var next = items.concat([item]);
      var size = JSON.stringify(next).length;
      if (size > R.LIMIT) {
        return [nu, 'The report is full for this browser tab (' + (size / 1e6).toFixed(1) +
                ' M characters): export it or remove items on the Report page, then add again. Nothing was lost.', true, nu];
      }
      var what = figures.length + ' chart' + (figures.length === 1 ? '' : 's') +
                 (tables.length ? ' and ' + tables.length + ' table' + (tables.length === 1 ? '' : 's') : '');
      return [next, 'Added “' + item.title + '” (' + what + '): item ' + next.length + ' of the report.', true, String(next.length)];
    },

    count: function (items) { return String(Array.isArray(items) ? items.length : 0); },

    // Meeting mode: arrow keys / PageUp / PageDown / space move, Escape closes.
    keys: function (open, items) {
      var n = 0;
      (Array.isArray(items) ? items : []).forEach(function (it) { n += Math.max(1, (it.figures || []).length); });
      if (!window._parityMeetingKeys) {
        window._parityMeetingKeys = true;
        document.addEventListener('keydown', function (e) {
          if (!window._parityMeetingOpen) { return; }
          var step = {ArrowRight: 1, ArrowDown: 1, PageDown: 1, ' ': 1, ArrowLeft: -1, ArrowUp: -1, PageUp: -1}[e.key];
          if (e.key === 'Escape') { window.dash_clientside.set_props('report-slides', {is_open: false}); return; }
          if (!step) { return; }
          e.preventDefault();
          var i = Math.max(0, Math.min((window._parityMeetingIndex || 0) + step, (window._parityMeetingCount || 1) - 1));
          if (i !== window._parityMeetingIndex) {
            window._parityMeetingIndex = i;
            window.dash_clientside.set_props('report-slide', {data: i});
          }
        });
      }
      window._parityMeetingOpen = !!open;
      window._parityMeetingCount = n || 0;
      if (open) { window._parityMeetingIndex = 0; }
      return open ? 0 : window.dash_clientside.no_update;
    }
  }
});
