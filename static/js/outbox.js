/* dantoc outbox: changes a reporter made while the network (or the server) was away wait in
   IndexedDB — persistent storage asked for, no expiry — and are sent by the page itself: on
   `online`, when a page opens and every 30 s (Background Sync does not exist in Zalo's
   in-app browser nor on iOS). Each change carries an idempotency key and the value it was
   made on; the server applies a key once (dantoc/reporting/services/outbox.py).
   A change leaves the outbox only when the server has applied it or the reporter discards it
   on purpose; a refusal stays, with its reason, until the reporter deals with it. */
(function () {
  "use strict";
  if (!window.indexedDB || !window.fetch) return;
  var PAGES = "dantoc-pages-v1", dbp = null, listeners = [], sending = false;

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").catch(function () {});
    /* The reports' app shell is kept once the worker runs (it fetches nothing by itself). */
    navigator.serviceWorker.ready.then(function (reg) {
      if (reg.active) reg.active.postMessage({ keep: "reporting-shell" });
    }).catch(function () {});
  }
  if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(function () {});

  function db() {
    return dbp = dbp || new Promise(function (ok, fail) {
      var open = indexedDB.open("dantoc-outbox", 1);
      open.onupgradeneeded = function () { open.result.createObjectStore("changes", { keyPath: "key" }); };
      open.onsuccess = function () { ok(open.result); };
      open.onerror = function () { fail(open.error); };
    });
  }
  function store(mode, work) {
    return db().then(function (d) {
      return new Promise(function (ok, fail) {
        var tx = d.transaction("changes", mode), out = work(tx.objectStore("changes"));
        tx.oncomplete = function () { ok(out && "result" in out ? out.result : undefined); };
        tx.onerror = function () { fail(tx.error); };
      });
    });
  }
  function all() {
    return store("readonly", function (s) { return s.getAll(); }).then(function (list) {
      return list.sort(function (a, b) { return a.seq - b.seq; });
    });
  }
  function put(change) { return store("readwrite", function (s) { s.put(change); }).then(changed); }
  function remove(key) { return store("readwrite", function (s) { s.delete(key); }).then(changed); }
  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  /* A new change: {api, page, kind, cell, label, value, comment, base, base_comment, requires}. */
  function add(change) {
    change.key = uuid();
    change.seq = Date.now() + Math.random();
    change.state = "queued";
    return put(change).then(function () { return change; });
  }
  function changed() { return all().then(function (list) { listeners.forEach(function (f) { f(list, null); }); return list; }); }
  function notify(results) { listeners.forEach(function (f) { f(null, results); }); }

  var SESSION = "Phiên đăng nhập đã hết hạn: hãy đăng nhập lại, các thay đổi sẽ được gửi lại.";
  /* Send what waits, report by report, in the order entered. Refusals for an expired session
     are sent again (the reporter may have signed in since); other refusals wait for them. */
  function flush() {
    if (sending) return Promise.resolve();
    sending = true;
    return all().then(function (list) {
      var todo = list.filter(function (c) { return c.state === "queued" || c.reason === "session" || c.reason === "waiting"; }), byApi = {};
      todo.forEach(function (c) { (byApi[c.api] = byApi[c.api] || []).push(c); });
      return Object.keys(byApi).reduce(function (p, api) {
        return p.then(function () { return sendBatches(api, byApi[api]); });
      }, Promise.resolve());
    }).catch(function () { /* the network is still away: everything stays queued */ })
      .then(function () { sending = false; return changed(); });
  }
  /* A batch of up to 100 changes a request (300 changes: 3 round trips, not 300); the
     server applies a batch in one transaction and answers for each change. Only what
     differs from the server's defaults is sent. */
  var BATCH = 100;
  function wire(c) {
    var out = { key: c.key, kind: c.kind };
    ["cell", "value", "base"].forEach(function (f) { if (c[f]) out[f] = c[f]; });
    /* A comment: null (left as it is) is not "" (emptied). */
    ["comment", "base_comment"].forEach(function (f) { if (c[f] !== null && c[f] !== undefined) out[f] = c[f]; });
    if (c.requires && c.requires.length) out.requires = c.requires;
    return out;
  }
  function sendBatches(api, changes) {
    var batch = changes.slice(0, BATCH), rest = changes.slice(BATCH);
    if (!batch.length) return Promise.resolve();
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    var csrf = (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || (field ? field.value : "");
    return fetch(api, {
      method: "POST", credentials: "same-origin", redirect: "manual",
      headers: { "Content-Type": "application/json", "X-CSRFToken": decodeURIComponent(csrf) },
      body: JSON.stringify({ changes: batch.map(wire) })
    }).then(function (res) {
      if (res.status === 401 || res.status === 403 || res.type === "opaqueredirect") {
        return res.json().catch(function () { return {}; }).then(function (body) {
          var session = res.status !== 403 || /xác thực|authentication|CSRF/i.test(body.detail || "") || !body.detail;
          batch.forEach(function (c) { c.state = "refused"; c.reason = session ? "session" : "forbidden"; c.message = session ? SESSION : body.detail; });
          return store("readwrite", function (s) { batch.forEach(function (c) { s.put(c); }); })
            .then(function () { notify(batch.map(function (c) { return { key: c.key, status: "refused", reason: c.reason, message: c.message }; })); });
        });
      }
      if (res.status >= 500) throw new Error("server");
      return res.json().then(function (body) {
        var results = body.results || batch.map(function (c) {
          return { key: c.key, status: "refused", reason: "invalid", message: body.detail || "Máy chủ không nhận thay đổi này (" + res.status + ")." };
        });
        var byKey = {};
        batch.forEach(function (c) { byKey[c.key] = c; });
        /* One IndexedDB transaction for the whole answer. */
        return store("readwrite", function (s) {
          results.forEach(function (r) {
            var c = byKey[r.key];
            if (!c) return;
            if (r.status === "applied") { s.delete(c.key); return; }
            c.state = "refused"; c.reason = r.reason; c.message = r.message; c.stored = r.stored || null;
            s.put(c);
          });
        }).then(function () { notify(results); return sendBatches(api, rest); });
      });
    });
  }

  /* A refusal dealt with: sent again as it is (fixed, or the period reopened), or with the
     reporter's own value over the one now stored (a conflict: a new change, a new key). */
  function resend(c, keepMine) {
    var old = c.key;
    c.reason = ""; c.message = "";
    if (!keepMine) { c.state = "queued"; return put(c).then(flush); }
    var mine = Object.assign({}, c, { base: c.stored.display, base_comment: c.stored.comment, stored: null });
    return add(mine).then(function () { return retarget(old, mine.key); }).then(function () { return remove(old); }).then(flush);
  }
  /* A submit waits for the value changes it names: follow a change sent again under a new
     key, forget one discarded. */
  function retarget(old, key) {
    return all().then(function (list) {
      return Promise.all(list.filter(function (c) { return c.kind === "submit" && (c.requires || []).indexOf(old) >= 0; }).map(function (c) {
        c.requires = c.requires.filter(function (k) { return k !== old; }).concat(key ? [key] : []);
        return put(c);
      }));
    });
  }
  function discard(key) { return remove(key).then(function () { return retarget(key, null); }); }

  window.dantocOutbox = {
    add: add, all: all, flush: flush, discard: discard, resend: resend, uuid: uuid,
    on: function (f) { listeners.push(f); },
    /* Keep the page as it now is for opening offline (the service worker refreshes it on
       each visit; this covers values saved since). */
    keepPage: function (path) { if (window.caches) caches.open(PAGES).then(function (c) { return c.add(path); }).catch(function () {}); }
  };

  /* The banner: offline or not, how many changes wait, each refusal with what to do. */
  var banner = document.createElement("section");
  banner.id = "outbox";
  banner.className = "outbox";
  banner.setAttribute("aria-live", "polite");
  banner.hidden = true;
  var main = document.getElementById("main");
  if (main) main.insertBefore(banner, main.firstChild);
  var REASONS = { conflict: "Giá trị đã bị sửa", closed: "Kỳ báo cáo không mở nhập", submitted: "Báo cáo đã nộp",
    invalid: "Giá trị không hợp lệ", waiting: "Chờ các thay đổi khác", blocked: "Chưa nộp được", reused: "Trùng mã thay đổi",
    session: "Hết phiên đăng nhập", forbidden: "Không có quyền" };
  function button(text, act, cls) {
    var b = document.createElement("button");
    b.type = "button"; b.textContent = text; if (cls) b.className = cls;
    b.addEventListener("click", act);
    return b;
  }
  function render(list) {
    var waiting = list.filter(function (c) { return c.state === "queued"; }), refused = list.filter(function (c) { return c.state === "refused"; });
    var offline = !navigator.onLine;
    banner.hidden = !offline && !list.length && !confirmed;
    banner.innerHTML = "";
    if (confirmed) {
      var ok = document.createElement("p");
      ok.className = "outbox-ok";
      ok.textContent = confirmed;
      banner.appendChild(ok);
    }
    var p = document.createElement("p");
    p.className = "outbox-head" + (offline ? " offline" : "");
    p.textContent = (offline ? "Đang mất mạng. " : "") + (waiting.length ? waiting.length + " thay đổi đang chờ gửi." : (offline ? "Số liệu nhập vẫn được giữ trên máy này." : ""));
    banner.appendChild(p);
    if (!refused.length) return;
    var h = document.createElement("p");
    h.textContent = refused.length + " thay đổi chưa được nhận — hãy xử lý:";
    banner.appendChild(h);
    var ul = document.createElement("ul");
    refused.forEach(function (c) {
      var li = document.createElement("li");
      li.className = "refused";
      var what = c.kind === "submit" ? "Nộp báo cáo" : (c.label || c.cell) + ": “" + (c.value || "∅") + "”";
      li.appendChild(document.createTextNode(what + " — " + (REASONS[c.reason] || c.reason) + ". " + (c.message || "") + " "));
      if (c.reason === "session") {
        var a = document.createElement("a");
        a.href = "/accounts/login/?next=" + encodeURIComponent(c.page || location.pathname);
        a.textContent = "Đăng nhập lại";
        li.appendChild(a);
      } else if (c.reason === "conflict" && c.stored) {
        li.appendChild(button("Giữ giá trị của tôi (" + (c.value || "∅") + ")", function () { resend(c, true); }));
        li.appendChild(button("Dùng giá trị đang lưu (" + (c.stored.display || "∅") + ")", function () {
          discard(c.key);
          var input = document.getElementById("v-" + c.cell);
          if (input && c.page === location.pathname) {
            input.value = c.stored.display;
            var base = document.querySelector("[name='b-" + c.cell + "']");
            if (base) base.value = c.stored.display;
          }
        }, "secondary"));
      } else {
        li.appendChild(button("Gửi lại", function () { resend(c, false); }));
      }
      if (c.reason !== "conflict") li.appendChild(button("Bỏ thay đổi này", function () {
        if (window.confirm("Bỏ hẳn thay đổi này? Giá trị sẽ không được gửi.")) discard(c.key);
      }, "secondary"));
      ul.appendChild(li);
    });
    banner.appendChild(ul);
  }
  var confirmed = "";
  listeners.push(function (list, results) {
    if (results) {
      var sent = results.filter(function (r) { return r.status === "applied" && r.outcome !== "submitted"; }).length;
      var submitted = results.some(function (r) { return r.outcome === "submitted"; });
      if (sent || submitted) confirmed = (sent ? "Đã gửi " + sent + " thay đổi ✓ " : "") + (submitted ? "Đã nộp báo cáo ✓" : "");
    }
    if (list) render(list);
  });
  window.addEventListener("online", flush);
  window.addEventListener("offline", changed);
  setInterval(function () { if (navigator.onLine) flush(); }, 30000);
  /* Signing out on a shared phone: the kept pages go (the outbox stays, it is not sent
     without a session). */
  document.addEventListener("submit", function (e) {
    if (/\/accounts\/logout\//.test(e.target.action || "") && window.caches) caches.delete(PAGES);
  });
  flush();
})();
