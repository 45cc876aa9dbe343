/* dantoc service worker, served at /sw.js so that it controls /reporting/… (the server puts
   self.SHELL, the hashed URLs of the app shell, before this file). It only keeps pages and
   files to open offline; it never holds data to send: changes wait in the page's IndexedDB
   outbox (static/js/outbox.js), which the page itself sends. */
"use strict";
/* The pages cache is also written by the page (outbox.js) and emptied when signing out. */
var PAGES = "dantoc-pages-v1", SHELL_CACHE = "dantoc-shell-" + self.VERSION;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL_CACHE).then(function (c) { return c.addAll(self.SHELL); }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("dantoc-shell-") === 0 && k !== SHELL_CACHE; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function offlinePage() {
  return new Response('<!doctype html><html lang="vi"><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Mất mạng</title>' +
    '<main><h1>Không có mạng</h1><p>Trang này chưa được mở lần nào khi có mạng nên chưa có trên máy. Các thay đổi đã nhập vẫn được giữ trên máy và sẽ được gửi khi có mạng.</p><p><a href="/reporting/">Danh sách báo cáo</a></p></main></html>',
    { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

self.addEventListener("fetch", function (event) {
  var req = event.request, url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== location.origin) return;
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.match(req).then(function (hit) { return hit || fetch(req); }));
    return;
  }
  if (req.mode !== "navigate" || url.pathname.indexOf("/reporting/") !== 0) return;
  /* Pages: the network first (fresh values), a copy kept for offline; the cached copy
     when the network (or the server) does not answer. */
  event.respondWith(fetch(req).then(function (res) {
    if (res.ok && !res.redirected && res.type === "basic") {
      var copy = res.clone();
      caches.open(PAGES).then(function (c) { return c.put(url.pathname, copy); });
    }
    return res;
  }).catch(function () {
    return caches.open(PAGES).then(function (c) { return c.match(url.pathname); }).then(function (hit) {
      return hit || offlinePage();
    });
  }));
});
