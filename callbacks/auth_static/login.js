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

// Signed out: what this browser kept of the user's session goes, so the next person at this
// browser finds none of it: this tab's session storage (the Risk book, Strategies legs, Portfolio
// views, the report being built), and in localStorage the report drafts (assets/workspace.js,
// "parity.draft.<user>", "parity.draft-sync.<user>"), the pages' remembered inputs ("parity.pages",
// "parity.last") and the workspace in use ("ws-current"). The theme stays (not the user's data).
// The server's copy of the report stays: it is the user's work, back when they sign in anywhere.
(function () {
  if (!/[?&]signed_out=1(&|$)/.test(window.location.search)) { return; }
  try {
    var gone = [];
    for (var i = 0; i < window.localStorage.length; i++) {
      var key = window.localStorage.key(i);
      if (key && (key.indexOf("parity.") === 0 || key.indexOf("ws-current") === 0)) { gone.push(key); }
    }
    gone.forEach(function (key) { window.localStorage.removeItem(key); });
    window.sessionStorage.clear();
  } catch (e) { /* no storage: nothing kept */ }
})();
