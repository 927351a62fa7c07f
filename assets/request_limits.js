/* Parity: a callback request the server refuses (HTTP 413: larger than PARITY_MAX_UPLOAD_MB) is
   shown to the user as a readable message instead of failing silently. Served from assets/ (no
   inline script, so the Content-Security-Policy stays strict). */
(function () {
    if (!window.fetch || window.__parityFetchGuard) { return; }
    window.__parityFetchGuard = true;
    const original = window.fetch.bind(window);

    function show(text) {
        let box = document.getElementById('parity-request-error');
        if (!box) {
            box = document.createElement('div');
            box.id = 'parity-request-error';
            box.setAttribute('role', 'alert');
            box.className = 'alert alert-danger alert-dismissible shadow';
            box.style.cssText = 'position:fixed;top:4.5rem;left:50%;transform:translateX(-50%);' +
                                'z-index:2000;max-width:46rem;';
            const msg = document.createElement('span');
            msg.className = 'parity-request-error-text';
            const close = document.createElement('button');
            close.type = 'button';
            close.className = 'btn-close';
            close.setAttribute('aria-label', 'Close');
            close.addEventListener('click', function () { box.remove(); });
            box.appendChild(msg);
            box.appendChild(close);
            document.body.appendChild(box);
        }
        box.querySelector('.parity-request-error-text').textContent = text;
    }

    window.fetch = function (input, init) {
        return original(input, init).then(function (response) {
            const url = typeof input === 'string' ? input : (input && input.url) || '';
            if (response.status === 413 && url.indexOf('_dash-update-component') !== -1) {
                response.clone().text().then(function (text) {
                    show(text || 'The upload is larger than this server accepts.');
                });
            }
            return response;
        });
    };
})();
