/* Parity: a sign-in session that ends while a page is open (PARITY_AUTH=1: it expired, the user
   signed out in another tab, or was deleted) makes the server answer every callback with HTTP
   401. Without this the page would just stop updating. A 401 from one of Dash's own requests
   sends the browser to the sign-in page, which brings the user back to this page (its address,
   query included) once signed in; the tab's session and local storage (the pages' inputs, the
   report draft) are untouched by the round trip. Served from assets/ (no inline script, so the
   Content-Security-Policy stays strict). Without sign-in the server never answers 401 and this
   does nothing. */
(function () {
    if (!window.fetch || window.__paritySessionGuard) { return; }
    window.__paritySessionGuard = true;
    var original = window.fetch;
    var DASH = /\/_dash-(update-component|layout|dependencies)(\?|$)/;
    var leaving = false;

    function signInUrl() {
        var here = window.location.pathname + window.location.search + window.location.hash;
        return '/login?next=' + encodeURIComponent(here);
    }

    window.parityLoginRedirect = function () {
        if (leaving) { return; }
        leaving = true;                      // one redirect, whatever else is still in flight
        window.location.assign(signInUrl());
    };

    window.fetch = function (input, init) {
        return original.apply(window, arguments).then(function (response) {
            var url = typeof input === 'string' ? input : (input && input.url) || '';
            if (response.status === 401 && DASH.test(url.split('#')[0])) {
                window.parityLoginRedirect();
            }
            return response;
        });
    };
})();
