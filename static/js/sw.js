// Shelter's service worker: the bed board's counts, and nothing else, offline.
// It caches the static files, an offline notice (no data), and a snapshot of the board's COUNTS per
// facility (/board/offline: names of facilities and numbers; never a resident, never an address). Any
// other page offline gets the notice, not a cached copy. The login page (after logout) clears it all.
"use strict";
var STATIC = "shelter-static-v1";
var BOARD = "shelter-board-v1";
var OFFLINE_URL = "/offline";
var SNAPSHOT_URL = "/board/offline";
var PRECACHE = [OFFLINE_URL, "/static/css/app.css", "/static/js/app.js", "/static/manifest.webmanifest"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(STATIC).then(function (cache) { return cache.addAll(PRECACHE); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

function clearAll() {
  return caches.keys().then(function (keys) {
    return Promise.all(keys.map(function (key) { return caches.delete(key); }));
  });
}

self.addEventListener("message", function (event) {
  if (event.data === "logout") { event.waitUntil(clearAll()); }
});

function staticFile(request) {
  return fetch(request).then(function (response) {
    if (response.ok) {
      var copy = response.clone();
      caches.open(STATIC).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(request, {ignoreSearch: true}).then(function (hit) { return hit || Response.error(); });
  });
}

function offlineNotice() {
  return caches.match(OFFLINE_URL).then(function (hit) { return hit || Response.error(); });
}

function refreshSnapshot() {
  return fetch(SNAPSHOT_URL, {credentials: "same-origin"}).then(function (response) {
    if (response.ok && !response.redirected) {
      return caches.open(BOARD).then(function (cache) { return cache.put(SNAPSHOT_URL, response); });
    }
    return undefined;
  }).catch(function () { return undefined; });
}

function boardPage(event) {
  return fetch(event.request).then(function (response) {
    if (response.ok && !response.redirected) { event.waitUntil(refreshSnapshot()); }
    return response;
  }).catch(function () {
    return caches.open(BOARD).then(function (cache) { return cache.match(SNAPSHOT_URL); })
      .then(function (hit) { return hit || offlineNotice(); });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(staticFile(request));
  } else if (request.mode === "navigate") {
    if (url.pathname === "/board/") {
      event.respondWith(boardPage(event));
    } else {
      event.respondWith(fetch(request).catch(offlineNotice));
    }
  }
});
