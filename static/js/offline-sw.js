/* dantoc service worker, served at /sw.js so that it controls the whole site (the server puts
   self.SHELL, the hashed URLs of the reporting app shell, before this file). It only keeps
   pages and files to open offline; it never holds data to send: changes wait in the page's
   IndexedDB outbox (static/js/outbox.js), which the page itself sends.
   - /reporting/…: the reports a reporter opened, for entering values offline;
   - the e-learning lessons an official opened (/tap-huan/khoa-hoc/…: the course page and its
     lessons, with their pictures; the latest 60), read again without a network;
   - the citizen pages (/dong-bao/…, the public warnings /canh-bao/…): the pages visited (the
     latest 40) and the items kept with "Lưu để đọc" (citizens/offline.js), shown with a note
     that the copy is older when the network is away; the warnings of the reader's commune in
     every copy are the latest this phone saw (a cancelled warning leaves them on the next
     contact). */
"use strict";
/* The pages cache is also written by the page (outbox.js) and emptied when signing out. */
var PAGES = "dantoc-pages-v1", SHELL_CACHE = "dantoc-shell-" + self.VERSION;
/* Citizen pages: visited (bounded) and kept on purpose (names shared with citizens/offline.js). */
var CZ_PAGES = "dantoc-citizen-pages", CZ_SAVED = "dantoc-citizen-saved", CZ_MAX = 40;
var STATIC = "dantoc-static", WARNINGS_KEY = "/__dantoc/canh-bao.html";
/* Lessons opened (training/offline.js empties it when the official signs out). */
var LESSONS = "dantoc-lessons", LESSONS_MAX = 60;
var MARK_START = "<!--canh-bao-->", MARK_END = "<!--/canh-bao-->";

/* Nothing is fetched at install: a citizen's phone does not download the reporting app.
   A page asks for what it needs kept (its own files) once the worker is ready. */
self.addEventListener("install", function () { self.skipWaiting(); });

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.keep === "reporting-shell") {
    event.waitUntil(caches.open(SHELL_CACHE).then(function (c) { return c.addAll(self.SHELL); }));
  } else if (typeof data.lesson === "string" && lessonPage(data.lesson)) {
    /* A lesson page opened before this worker controlled it (the first visit): keep it too. */
    event.waitUntil(fetch(data.lesson, { credentials: "same-origin" }).then(function (res) {
      return res.ok && !res.redirected ? keepLesson(data.lesson, res) : null;
    }).catch(function () {}));
  } else if (Array.isArray(data.keep)) {
    /* The citizen pages' own files (their CSS and scripts), so a copy looks the same offline. */
    var urls = data.keep.filter(function (u) { return typeof u === "string" && u.indexOf("/static/") === 0; }).slice(0, 20);
    event.waitUntil(caches.open(STATIC).then(function (c) {
      return Promise.all(urls.map(function (u) { return c.match(u).then(function (hit) { return hit || c.add(u); }).catch(function () {}); }));
    }));
  }
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

function citizenPage(path) {
  if (path.indexOf("/dong-bao/") === 0) return path.indexOf("/dong-bao/bien-tap/") !== 0;
  return path === "/canh-bao/" || /^\/canh-bao\/[0-9a-f-]{36}\/$/.test(path);
}

function lessonPage(path) {
  return /^\/tap-huan\/khoa-hoc\/[0-9a-f-]{36}\/(bai\/[0-9]+\/)?$/.test(path);
}

function lessonOfflinePage(path) {
  var course = path.split("/").slice(0, 4).join("/") + "/";
  return new Response('<!doctype html><html lang="vi"><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Không có mạng</title>' +
    '<main><h1>Không có mạng</h1><p>Bài học này chưa được mở trên điện thoại này khi có mạng nên chưa có bản lưu. Các bài đã mở vẫn đọc được.</p><p><a href="' + course + '">Khóa học</a></p></main></html>',
    { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

function trim(cache, max) {
  return cache.keys().then(function (keys) {
    return Promise.all(keys.slice(0, Math.max(0, keys.length - max)).map(function (k) { return cache.delete(k); }));
  });
}

function keepLesson(key, res) {
  return res.text().then(function (html) {
    return caches.open(LESSONS).then(function (c) {
      return c.put(key, new Response(html, { headers: { "Content-Type": "text/html; charset=utf-8", "X-Dantoc-Saved": new Date().toISOString() } }))
        .then(function () { return trim(c, LESSONS_MAX); });
    });
  });
}

function lessonNavigation(event, url) {
  var key = url.pathname;
  event.respondWith(fetch(event.request).then(function (res) {
    if (res.ok && !res.redirected && res.type === "basic") {
      event.waitUntil(keepLesson(key, res.clone()).catch(function () {}));
    }
    return res;
  }).catch(function () {
    return caches.match(key, { cacheName: LESSONS }).then(function (hit) {
      return hit ? olderCopy(hit) : lessonOfflinePage(key);
    });
  }));
}

function two(n) { return (n < 10 ? "0" : "") + n; }

function citizenOfflinePage() {
  return new Response('<!doctype html><html lang="vi"><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Không có mạng</title>' +
    '<main><h1>Không có mạng</h1><p>Trang này chưa được mở trên điện thoại này khi có mạng nên chưa có bản lưu.</p><p><a href="/dong-bao/da-luu/">Tin đã lưu để đọc</a> · <a href="/dong-bao/">Trang đồng bào</a></p></main></html>',
    { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

/* A copy shown offline: a note saying when it was kept, and the latest warnings seen. */
function olderCopy(res) {
  var saved = new Date(res.headers.get("X-Dantoc-Saved") || res.headers.get("Date") || Date.now());
  return Promise.all([res.text(), caches.open(CZ_PAGES).then(function (c) { return c.match(WARNINGS_KEY); })]).then(function (got) {
    var html = got[0], warnings = got[1];
    var note = '<p class="cz-stale" role="status">Đang không có mạng: đây là bản lưu trên máy lúc ' +
      two(saved.getHours()) + ":" + two(saved.getMinutes()) + " ngày " + two(saved.getDate()) + "/" + two(saved.getMonth() + 1) + "/" + saved.getFullYear() + ".</p>";
    html = html.replace(/(<main[^>]*>)/, "$1" + note);
    var done = warnings ? warnings.text() : Promise.resolve(null);
    return done.then(function (latest) {
      var a = html.indexOf(MARK_START), b = html.indexOf(MARK_END);
      if (latest !== null && a >= 0 && b > a) html = html.slice(0, a + MARK_START.length) + latest + html.slice(b);
      return new Response(html, { status: 200, headers: { "Content-Type": "text/html; charset=utf-8" } });
    });
  });
}

function keepCitizenPage(key, res) {
  return res.text().then(function (html) {
    var a = html.indexOf(MARK_START), b = html.indexOf(MARK_END);
    var headers = { "Content-Type": "text/html; charset=utf-8", "X-Dantoc-Saved": new Date().toISOString() };
    return caches.open(CZ_PAGES).then(function (c) {
      var writes = [c.put(key, new Response(html, { headers: headers }))];
      /* The warnings of the reader's commune, as this fresh page shows them. */
      if (a >= 0 && b > a) writes.push(c.put(WARNINGS_KEY, new Response(html.slice(a + MARK_START.length, b), { headers: headers })));
      return Promise.all(writes).then(function () { return c.keys(); }).then(function (keys) {
        var pages = keys.filter(function (k) { return new URL(k.url).pathname !== WARNINGS_KEY; });
        return Promise.all(pages.slice(0, Math.max(0, pages.length - CZ_MAX)).map(function (k) { return c.delete(k); }));
      });
    }).then(function () {
      /* An item kept on purpose is refreshed too when it is read online. */
      return caches.open(CZ_SAVED).then(function (c) {
        return c.match(key).then(function (hit) { return hit ? c.put(key, new Response(html, { headers: headers })) : null; });
      });
    });
  });
}

function citizenNavigation(event, url) {
  var key = url.pathname + url.search;
  event.respondWith(fetch(event.request).then(function (res) {
    if (res.ok && !res.redirected && res.type === "basic") event.waitUntil(keepCitizenPage(key, res.clone()).catch(function () {}));
    return res;
  }).catch(function () {
    return caches.match(key, { cacheName: CZ_SAVED }).then(function (hit) {
      return hit || caches.match(key, { cacheName: CZ_PAGES });
    }).then(function (hit) { return hit ? olderCopy(hit) : citizenOfflinePage(); });
  }));
}

self.addEventListener("fetch", function (event) {
  var req = event.request, url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== location.origin) return;
  if (url.pathname.indexOf("/static/") === 0) {
    /* Files with a content hash in their name never change: kept once; others (a
       development server) from the network, the copy when it does not answer. */
    var hashed = /\.[0-9a-f]{12}\.[a-z0-9]+$/.test(url.pathname);
    event.respondWith(caches.match(req).then(function (hit) {
      if (hit && hashed) return hit;
      return fetch(req).then(function (res) {
        if (res.ok && res.type === "basic") {
          var copy = res.clone();
          event.waitUntil(caches.open(STATIC).then(function (c) { return c.put(req, copy); }));
        }
        return res;
      }).catch(function () { return hit || Response.error(); });
    }));
    return;
  }
  if (req.mode === "navigate" && citizenPage(url.pathname)) { citizenNavigation(event, url); return; }
  if (req.mode === "navigate" && lessonPage(url.pathname)) { lessonNavigation(event, url); return; }
  if (url.pathname.indexOf("/tep-da-phuong-tien/") === 0) {
    /* A recording kept with a saved item plays offline; a lesson's picture shows offline
       (audio and video are asked for in ranges, which a cache cannot keep: they need the
       network). */
    var fromLesson = req.destination === "image" && lessonPage(new URL(req.referrer || location.origin).pathname);
    event.respondWith(fetch(req).then(function (res) {
      if (fromLesson && res.status === 200 && res.type === "basic") {
        var copy = res.clone();
        event.waitUntil(caches.open(LESSONS).then(function (c) { return c.put(url.pathname + url.search, copy); }));
      }
      return res;
    }).catch(function () {
      return caches.match(req, { cacheName: CZ_SAVED }).then(function (hit) {
        return hit || caches.match(url.pathname + url.search, { cacheName: LESSONS });
      }).then(function (hit) { return hit || Response.error(); });
    }));
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
