// The sign-in page follows the app's theme: the navbar switch's saved value (Dash persistence
// in localStorage: key "_dash_persistence.<id>.<prop>.<persistence>", value [new, original]),
// else the system's light/dark preference.
(function () {
  var dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  try {
    var saved = window.localStorage.getItem("_dash_persistence.app-theme-switch.value.true");
    if (saved) { dark = JSON.parse(saved)[0] === true; }
  } catch (e) { /* no storage: keep the system preference */ }
  document.documentElement.setAttribute("data-bs-theme", dark ? "dark" : "light");
})();

// Signed out: the report drafts kept in this browser (assets/workspace.js, "parity.draft.<user>"
// and "parity.draft-sync.<user>") go too, so the next person at this browser does not find them.
(function () {
  if (!/[?&]signed_out=1(&|$)/.test(window.location.search)) { return; }
  try {
    var gone = [];
    for (var i = 0; i < window.localStorage.length; i++) {
      var key = window.localStorage.key(i);
      if (key && key.indexOf("parity.draft") === 0) { gone.push(key); }
    }
    gone.forEach(function (key) { window.localStorage.removeItem(key); });
    // and this tab's report (its session stores): the next user signing in here starts clean.
    // The server's copy stays: it is the user's work, back when they sign in again anywhere.
    ["report-items", "report-meta", "parity.draft-adopted", "parity.draft-dirty"].forEach(function (key) {
      window.sessionStorage.removeItem(key);
      window.sessionStorage.removeItem(key + "-timestamp");
    });
  } catch (e) { /* no storage: nothing kept */ }
})();
