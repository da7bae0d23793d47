// Light or dark as the phone is set (prefers-color-scheme), following it when it changes, as
// Bootstrap 5.3 reads it: data-bs-theme on <html>. Loaded in <head>, before the page is drawn,
// so a dark phone never flashes a white page. Printing is always light: ink on white paper.
// Without JavaScript the site stays light. A static file: the site's Content-Security-Policy
// runs no inline script.
(function () {
  "use strict";

  var root = document.documentElement;
  var dark = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function follow() {
    root.setAttribute("data-bs-theme", dark && dark.matches ? "dark" : "light");
  }

  follow();
  if (dark && dark.addEventListener) {
    dark.addEventListener("change", follow);
  }
  window.addEventListener("beforeprint", function () {
    root.setAttribute("data-bs-theme", "light");
  });
  window.addEventListener("afterprint", follow);
})();
