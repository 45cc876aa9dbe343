/* E-learning offline: registers the site's service worker (/sw.js), which keeps each course
   page and lesson an official opens (static/js/offline-sw.js), so they can be read again
   without a network; asks it to keep this page's own files; and forgets the kept lessons
   when the official signs out on this phone. */
(function () {
  "use strict";
  if (!("serviceWorker" in navigator) || !window.caches) return;
  navigator.serviceWorker.register("/sw.js").catch(function () {});
  navigator.serviceWorker.ready.then(function (reg) {
    var keep = [];
    Array.prototype.forEach.call(document.querySelectorAll("link[rel=stylesheet][href], script[src]"), function (el) {
      var u = new URL(el.getAttribute("href") || el.getAttribute("src"), location.href);
      if (u.origin === location.origin) keep.push(u.pathname);
    });
    if (reg.active) {
      reg.active.postMessage({ keep: keep });
      /* The first visit came before the worker: ask it to keep this page as well. */
      if (!navigator.serviceWorker.controller) reg.active.postMessage({ lesson: location.pathname });
    }
  }).catch(function () {});
  document.addEventListener("submit", function (e) {
    if (/\/accounts\/logout\//.test(e.target.action || "")) caches.delete("dantoc-lessons");
  });
})();
