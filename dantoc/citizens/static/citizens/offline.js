/* Reading the citizen pages offline. Registers the site's service worker (/sw.js, from
   static/js/offline-sw.js), which keeps the pages visited and shows an older copy when the
   network is away; this file adds "Lưu để đọc" (keep an item on the phone until the reader
   lets it go), the list of kept items (/dong-bao/da-luu/), and hides a warning whose time
   is over on a copy read offline. Nothing is sent anywhere: all of it stays on the phone. */
(function () {
  "use strict";
  var now = Date.now();
  Array.prototype.forEach.call(document.querySelectorAll("[data-expires]"), function (el) {
    var until = Date.parse(el.getAttribute("data-expires"));
    if (until && until < now) el.hidden = true;
  });
  if (!("serviceWorker" in navigator) || !window.caches || !window.fetch) return;
  navigator.serviceWorker.register("/sw.js").catch(function () {});
  navigator.serviceWorker.ready.then(function (reg) {
    /* This page's own files, kept by the worker so that copies look the same offline. */
    var keep = [];
    Array.prototype.forEach.call(document.querySelectorAll("link[rel=stylesheet][href], script[src]"), function (el) {
      var u = new URL(el.getAttribute("href") || el.getAttribute("src"), location.href);
      if (u.origin === location.origin) keep.push(u.pathname);
    });
    if (reg.active) reg.active.postMessage({ keep: keep });
  }).catch(function () {});

  /* The same names as in offline-sw.js. */
  var SAVED = "dantoc-citizen-saved", INDEX = "/__dantoc/saved.json";

  function readIndex(cache) {
    return cache.match(INDEX).then(function (r) { return r ? r.json() : []; }).catch(function () { return []; });
  }
  function writeIndex(cache, list) {
    return cache.put(INDEX, new Response(JSON.stringify(list), { headers: { "Content-Type": "application/json" } }));
  }
  function media(doc) {
    /* The recording of the item, if any, is kept with it. */
    var urls = [];
    Array.prototype.forEach.call(doc.querySelectorAll("audio[src], audio source[src]"), function (el) {
      urls.push(el.getAttribute("src"));
    });
    return urls;
  }

  function save(url, title) {
    return caches.open(SAVED).then(function (cache) {
      return fetch(url, { credentials: "same-origin" }).then(function (res) {
        if (!res.ok) throw new Error(String(res.status));
        return cache.put(url, res);
      }).then(function () {
        return Promise.all(media(document).map(function (m) { return cache.add(m).catch(function () {}); }));
      }).then(function () {
        /* The list of kept items opens offline too. */
        var page = document.querySelector(".cz-saved-link a");
        return page ? cache.add(page.getAttribute("href")).catch(function () {}) : null;
      }).then(function () { return readIndex(cache); }).then(function (list) {
        list = list.filter(function (e) { return e.url !== url; });
        list.unshift({ url: url, title: title, saved: new Date().toISOString(), media: media(document) });
        return writeIndex(cache, list);
      });
    });
  }

  function forget(url) {
    return caches.open(SAVED).then(function (cache) {
      return readIndex(cache).then(function (list) {
        var gone = list.filter(function (e) { return e.url === url; });
        var deletes = [cache.delete(url)];
        gone.forEach(function (e) { (e.media || []).forEach(function (m) { deletes.push(cache.delete(m)); }); });
        return Promise.all(deletes).then(function () {
          return writeIndex(cache, list.filter(function (e) { return e.url !== url; }));
        });
      });
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-save-url]"), function (button) {
    button.closest("li").hidden = false;
    var url = button.getAttribute("data-save-url");
    function done() { button.textContent = button.getAttribute("data-saved-text"); button.disabled = true; }
    caches.open(SAVED).then(readIndex).then(function (list) {
      if (list.some(function (e) { return e.url === url; })) done();
    });
    button.addEventListener("click", function () {
      button.disabled = true;
      save(url, button.getAttribute("data-save-title")).then(done, function () { button.disabled = false; });
    });
  });

  Array.prototype.forEach.call(document.querySelectorAll(".cz-saved-link"), function (p) { p.hidden = false; });

  var list = document.getElementById("cz-saved");
  if (!list) return;
  var none = document.getElementById("cz-saved-none");
  if (none) none.hidden = true;
  function two(n) { return (n < 10 ? "0" : "") + n; }
  function show() {
    caches.open(SAVED).then(readIndex).then(function (entries) {
      list.textContent = "";
      if (!entries.length) {
        var empty = document.createElement("li");
        empty.textContent = list.getAttribute("data-empty");
        list.appendChild(empty);
      }
      entries.forEach(function (e) {
        var li = document.createElement("li"), a = document.createElement("a"), when = new Date(e.saved);
        a.href = e.url;
        a.textContent = e.title;
        var note = document.createElement("span");
        note.className = "muted";
        note.textContent = " · " + list.getAttribute("data-saved-on") + " " + two(when.getHours()) + ":" + two(when.getMinutes()) +
          " " + two(when.getDate()) + "/" + two(when.getMonth() + 1) + "/" + when.getFullYear() + " ";
        var drop = document.createElement("button");
        drop.type = "button";
        drop.className = "link";
        drop.textContent = list.getAttribute("data-remove");
        drop.addEventListener("click", function () { forget(e.url).then(show); });
        li.appendChild(a);
        li.appendChild(note);
        li.appendChild(drop);
        list.appendChild(li);
      });
    });
  }
  show();
})();
