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
