// Shelter's only script besides htmx. No inline scripts anywhere (the CSP forbids them).
(function () {
  "use strict";
  // After htmx swaps a form with errors in, move focus to the first invalid field.
  document.addEventListener("htmx:afterSwap", function (event) {
    var invalid = event.detail.target.querySelector("[aria-invalid='true']");
    if (invalid) { invalid.focus(); }
  });
  // Buttons with data-confirm ask before a plain (non-htmx) form submits.
  document.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    var message = submitter && submitter.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });
  // The board's 30-second poll asks "changed since?" with the ETag of the board it shows; a 304
  // ("nothing changed") leaves the board as it is instead of swapping in an empty answer.
  document.addEventListener("htmx:configRequest", function (event) {
    if (!event.detail.headers["X-Background-Poll"]) { return; }
    var tagged = document.querySelector("#board [data-etag]");
    if (tagged) { event.detail.headers["If-None-Match"] = tagged.getAttribute("data-etag"); }
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 304) { event.detail.shouldSwap = false; event.detail.isError = false; }
  });
  // The menu is a <details>: closed behind its button on a phone, open on a wide screen.
  var wide = window.matchMedia("(min-width: 900px)");
  function syncMenu() {
    var menu = document.getElementById("menu");
    if (menu) { menu.open = wide.matches; }
  }
  syncMenu();
  wide.addEventListener("change", syncMenu);
})();
