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
  // So are the board's filters and each facility's rooms (details marked data-wide-open).
  function syncMenu() {
    var menu = document.getElementById("menu");
    if (menu) { menu.open = wide.matches; }
    openWide(document);
  }
  function openWide(root) {
    if (!wide.matches) { return; }
    root.querySelectorAll("details[data-wide-open]").forEach(function (d) { d.open = true; });
  }
  syncMenu();
  wide.addEventListener("change", syncMenu);
  // The board's poll and filters replace it: rooms a phone user opened stay open.
  var openRooms = [];
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (target && target.id === "board") {
      openRooms = Array.prototype.map.call(target.querySelectorAll("details[open][id]"), function (d) { return d.id; });
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target) { return; }
    openWide(target);
    if (target.id === "board") {
      openRooms.forEach(function (id) { var d = document.getElementById(id); if (d) { d.open = true; } });
    }
  });
  // Offline: signed in, the service worker keeps the board's counts (static/js/sw.js); signed out (the
  // login page after logout), everything it kept is deleted and it is unregistered.
  var body = document.body;
  if ("serviceWorker" in navigator && body.hasAttribute("data-service-worker")) {
    navigator.serviceWorker.register(body.getAttribute("data-service-worker"), {scope: "/"}).catch(function () {});
  }
  if (body.hasAttribute("data-offline-clear")) {
    if (window.caches) {
      caches.keys().then(function (keys) { keys.forEach(function (key) { caches.delete(key); }); });
    }
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.getRegistrations().then(function (regs) {
        regs.forEach(function (reg) { reg.unregister(); });
      }).catch(function () {});
    }
  }
  document.addEventListener("submit", function (event) {
    if (event.target.classList.contains("logout-form") && navigator.serviceWorker && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage("logout");
    }
  });
  // A table wider than a phone scrolls sideways in its own box: a keyboard can reach and scroll it.
  function markScrollable(root) {
    root.querySelectorAll(".table-scroll, main table").forEach(function (el) {
      if (el.scrollWidth > el.clientWidth + 1 && !el.hasAttribute("tabindex")) { el.setAttribute("tabindex", "0"); }
    });
  }
  markScrollable(document);
  document.addEventListener("htmx:afterSettle", function (event) { markScrollable(event.detail.target || document); });
})();
