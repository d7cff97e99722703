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
})();
