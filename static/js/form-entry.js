/* dantoc report entry: autosave each cell when it changes, and check the form's rules in the
   browser (the same grammar as dantoc/reporting/validation.py), also from a cached page while
   offline. Without this script the page still works: the "Lưu" button posts the whole form. */
(function () {
  "use strict";
  var form = document.getElementById("entry");
  if (!form || !window.fetch) return;
  var rules = JSON.parse(document.getElementById("form-rules").textContent);
  var cells = JSON.parse(document.getElementById("form-cells").textContent);
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var box = document.getElementById("rule-messages");
  Array.prototype.forEach.call(document.querySelectorAll(".js-only"), function (el) { el.hidden = false; });

  /* Numbers as Vietnamese officials type them: "1.234.567,5" or "1234,5"; the point alone
     as a decimal mark is accepted too ("12.5"), as the server does. */
  function parseNumber(raw) {
    var text = String(raw).replace(/[\s\u00a0]/g, "");
    if (text === "") return null;
    if (text.indexOf(",") >= 0) text = text.replace(/\./g, "").replace(",", ".");
    else if ((text.match(/\./g) || []).length > 1 || /^-?\d{1,3}(\.\d{3})+$/.test(text)) text = text.replace(/\./g, "");
    // The forms Python's Decimal reads too: sign, ".5", "5.", exponent.
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return NaN;
    return parseFloat(text);
  }
  var YES = { "true": 1, "1": 1, "có": 1, "co": 1, "yes": 1, "false": 0, "0": 0, "không": 0, "khong": 0, "no": 0 };
  function cellNumber(cell, raw) {
    if (cell.type === "text") return null; /* text values never enter rules (as on the server) */
    if (cell.type === "boolean") {
      var key = String(raw).trim().toLowerCase();
      return key === "" ? null : (key in YES ? YES[key] : NaN);
    }
    return parseNumber(raw);
  }

  function currentValues() {
    var byIndicator = {};
    Object.keys(cells).forEach(function (key) {
      var input = document.getElementById("v-" + key);
      if (!input) return;
      var c = cells[key];
      var n = cellNumber(c, input.value);
      if (n === null || isNaN(n)) return;
      (byIndicator[c.indicator] = byIndicator[c.indicator] || []).push([c.options, n]);
    });
    return byIndicator;
  }

  var TOKEN = /\s*(?:(#\{([A-Za-z0-9_]+)(?::([A-Za-z0-9_=,]*))?\})|(\d+(?:\.\d+)?)|([-+*/()]))/y;
  function tokenize(expr) {
    var out = [], pos = 0, text = expr.trim(), m;
    while (pos < text.length) {
      TOKEN.lastIndex = pos;
      m = TOKEN.exec(text);
      if (!m || TOKEN.lastIndex === pos) throw new Error("bad expression");
      pos = TOKEN.lastIndex;
      if (m[1]) {
        var opts = (m[3] || "").split(",").filter(Boolean).map(function (p) { return p.split("="); });
        out.push({ ref: m[2], opts: opts });
      } else if (m[4]) out.push(parseFloat(m[4]));
      else out.push(m[5]);
    }
    return out;
  }
  function evaluate(expr, values) {
    var t = tokenize(expr), i = 0, found = false;
    function peek() { return t[i]; }
    function factor() {
      var tok = t[i++];
      if (tok === "(") { var v = sum(); i++; return v; }
      if (tok === "-") return -factor();
      if (typeof tok === "number") return tok;
      if (tok && tok.ref) {
        var total = 0;
        (values[tok.ref] || []).forEach(function (pair) {
          if (tok.opts.every(function (o) { return pair[0][o[0]] === o[1]; })) { total += pair[1]; found = true; }
        });
        return total;
      }
      throw new Error("bad expression");
    }
    function product() {
      var v = factor();
      while (peek() === "*" || peek() === "/") { var op = t[i++], r = factor(); v = op === "*" ? v * r : (r === 0 ? NaN : v / r); }
      return v;
    }
    function sum() {
      var v = product();
      while (peek() === "+" || peek() === "-") { var op = t[i++], r = product(); v = op === "+" ? v + r : v - r; }
      return v;
    }
    var value = sum();
    return { value: value, found: found };
  }
  var EPS = 1e-9;
  var compare = {
    "==": function (a, b) { return Math.abs(a - b) < EPS; }, "!=": function (a, b) { return Math.abs(a - b) >= EPS; },
    "<": function (a, b) { return a < b - EPS; }, "<=": function (a, b) { return a <= b + EPS; },
    ">": function (a, b) { return a > b + EPS; }, ">=": function (a, b) { return a >= b - EPS; }
  };
  function checkRules() {
    var values = currentValues(), messages = [];
    rules.forEach(function (rule) {
      try {
        var l = evaluate(rule.left, values), r = evaluate(rule.right, values), bad = false;
        if (rule.operator === "compulsory_pair") bad = l.found !== r.found;
        else if (rule.operator === "exclusive_pair") bad = l.found && r.found;
        else if ((l.found || r.found) && !isNaN(l.value) && !isNaN(r.value)) bad = !compare[rule.operator](l.value, r.value);
        if (bad) messages.push(rule);
      } catch (e) { /* a rule the browser cannot read is left to the server */ }
    });
    var ul = document.createElement("ul");
    ul.className = "violations";
    messages.forEach(function (rule) {
      var li = document.createElement("li");
      li.className = rule.importance;
      li.textContent = (rule.importance === "error" ? "Lỗi: " : "Cảnh báo: ") + rule.message;
      ul.appendChild(li);
    });
    box.innerHTML = "";
    if (messages.length) box.appendChild(ul);
  }

  function cellMessage(key, text, kind) {
    var msg = document.getElementById("m-" + key), wrap = msg && msg.parentNode;
    if (!msg) return;
    msg.textContent = text || "";
    wrap.classList.toggle("has-error", kind === "error");
    wrap.classList.toggle("saved", kind === "saved");
    wrap.classList.toggle("queued", kind === "queued");
    var input = document.getElementById("v-" + key);
    if (kind === "error") input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
  }

  function localCheck(key) {
    var c = cells[key], input = document.getElementById("v-" + key);
    if (c.type === "text" || c.type === "boolean") return null;
    var n = parseNumber(input.value);
    if (n === null) return null;
    if (isNaN(n)) return { kind: "error", text: "'" + input.value + "' không phải là số" };
    if (c.type === "integer" && Math.floor(n) !== n) return { kind: "error", text: "'" + input.value + "' phải là số nguyên" };
    if (c.type === "percentage" && (n < 0 || n > 100)) return { kind: "error", text: "tỷ lệ phải từ 0 đến 100" };
    if (c.min !== null && n < parseFloat(c.min)) return { kind: "warning", text: "Giá trị nhỏ bất thường." };
    if (c.max !== null && n > parseFloat(c.max)) return { kind: "warning", text: "Giá trị lớn bất thường." };
    return null;
  }

  var pending = {};
  function save(key) {
    var input = document.getElementById("v-" + key), note = document.getElementById("c-" + key);
    var local = localCheck(key);
    checkRules();
    if (local && local.kind === "error") { cellMessage(key, local.text, "error"); return; }
    if (outbox && (!navigator.onLine || queuedCells[key])) { queue(key); return; }
    pending[key] = true;
    cellMessage(key, "Đang lưu…", "");
    fetch(form.dataset.api, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ cells: [{ key: key, value: input.value, comment: note ? note.value : null }] })
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) { return { status: response.status, body: body }; });
    }).then(function (res) {
      delete pending[key];
      /* No session (it expired), or the server is down behind a proxy: keep it to send. */
      if (outbox && (res.status === 403 || res.status === 401 || res.status >= 500)) { queue(key); settled(); return; }
      if (res.body.cells) {
        var out = res.body.cells[0];
        /* What is now stored becomes the page's base for this cell: the whole-page "Lưu"
           sends the base with each value and the server flags a cell whose stored value
           differs from it as changed by someone else meanwhile. */
        if (out.stored) {
          form.elements["b-" + key].value = out.stored.display;
          form.elements["bc-" + key].value = out.stored.comment;
        }
        if (out.status === "error") cellMessage(key, out.message, "error");
        else cellMessage(key, out.warning || "Đã lưu ✓", out.warning ? "warning" : "saved");
      } else {
        cellMessage(key, res.body.detail || "Không lưu được", "error");
      }
      settled();
    }).catch(function () {
      delete pending[key];
      if (outbox) queue(key);
      else cellMessage(key, "Mất kết nối: giá trị chưa được lưu, hãy bấm Lưu khi có mạng.", "error");
      settled();
    });
  }

  form.addEventListener("change", function (event) {
    var name = event.target.name || "";
    if (name.indexOf("v-") === 0 || name.indexOf("c-") === 0) save(name.slice(2));
  });
  form.addEventListener("input", function (event) {
    if ((event.target.name || "").indexOf("v-") === 0) checkRules();
  });
  /* "Lưu" pressed while a cell is still being autosaved: post the page once every answer is
     in, so that the bases it sends include what autosave has just stored. */
  var submitWhenSaved = false;
  form.addEventListener("submit", function (event) {
    if (Object.keys(pending).length) { event.preventDefault(); submitWhenSaved = true; }
  });
  function settled() {
    if (submitWhenSaved && !Object.keys(pending).length) { submitWhenSaved = false; form.requestSubmit ? form.requestSubmit() : form.submit(); }
  }
  window.addEventListener("beforeunload", function (event) {
    if (Object.keys(pending).length) { event.preventDefault(); event.returnValue = ""; }
  });

  /* Offline: a change that cannot be sent now goes to the outbox (static/js/outbox.js) with
     the value it was made on; the next change of the same cell is made on the queued one. */
  var outbox = window.dantocOutbox, queuedCells = {}, byKey = {}, chain = {}, page = location.pathname, dirty = false;
  if (!outbox) return;
  function queue(key) {
    var input = document.getElementById("v-" + key), note = document.getElementById("c-" + key);
    var base = form.elements["b-" + key], baseNote = form.elements["bc-" + key];
    var label = document.querySelector("label[for='v-" + key + "']"), legend = input.closest("fieldset").querySelector("legend");
    outbox.add({
      api: form.dataset.outbox, page: page, kind: "value", cell: key,
      label: (legend ? legend.textContent + " – " : "") + (label ? label.textContent : key),
      value: input.value, comment: note ? note.value : null,
      base: key in chain ? chain[key].value : base.value, base_comment: key in chain ? chain[key].comment : baseNote.value
    }).then(function (c) {
      byKey[c.key] = key; queuedCells[key] = (queuedCells[key] || 0) + 1;
      /* b-/bc- stay what the server stored (the whole-page "Lưu" compares with them). */
      chain[key] = { value: c.value, comment: c.comment === null ? baseNote.value : c.comment };
      cellMessage(key, "Chờ gửi (chưa có mạng) ⏳", "queued");
      if (navigator.onLine) outbox.flush();
    });
  }
  /* Opening the page (offline too): what waits in the outbox is shown in its cells. */
  outbox.all().then(function (list) {
    list.forEach(function (c) {
      if (c.page !== page || c.kind !== "value" || !document.getElementById("v-" + c.cell)) return;
      byKey[c.key] = c.cell; queuedCells[c.cell] = (queuedCells[c.cell] || 0) + 1;
      document.getElementById("v-" + c.cell).value = c.value;
      var note = document.getElementById("c-" + c.cell);
      if (note && c.comment !== null) note.value = c.comment;
      chain[c.cell] = { value: c.value, comment: c.comment === null ? form.elements["bc-" + c.cell].value : c.comment };
      cellMessage(c.cell, c.state === "refused" ? (c.message || "Chưa được nhận") : "Chờ gửi ⏳", c.state === "refused" ? "error" : "queued");
    });
    checkRules();
  });
  outbox.on(function (list, results) {
    (results || []).forEach(function (r) {
      var key = byKey[r.key];
      if (!key) return;
      delete byKey[r.key];
      queuedCells[key] = Math.max(0, (queuedCells[key] || 1) - 1);
      if (r.status === "applied") {
        if (!queuedCells[key] && r.stored) {
          form.elements["b-" + key].value = r.stored.display;
          form.elements["bc-" + key].value = r.stored.comment;
          delete chain[key];
        }
        cellMessage(key, r.warning || "Đã gửi ✓", r.warning ? "warning" : "saved");
        dirty = true;
      } else {
        queuedCells[key] = (queuedCells[key] || 0) + 1; /* still in the outbox */
        byKey[r.key] = key;
        cellMessage(key, r.message || "Chưa được nhận", "error");
      }
    });
    if (list && dirty && !list.some(function (c) { return c.page === page && c.state === "queued"; })) {
      dirty = false;
      outbox.keepPage(page);
    }
  });
  /* Submitting while changes wait (or offline) is queued too, after all of them. */
  var submitForm = document.querySelector("form[action$='/submit']");
  if (submitForm) submitForm.addEventListener("submit", function (event) {
    if (navigator.onLine && !Object.keys(queuedCells).some(function (k) { return queuedCells[k]; })) return;
    event.preventDefault();
    outbox.all().then(function (list) {
      return outbox.add({
        api: form.dataset.outbox, page: page, kind: "submit", label: "Nộp báo cáo",
        requires: list.filter(function (c) { return c.page === page && c.kind === "value"; }).map(function (c) { return c.key; })
      });
    }).then(function () {
      var dialog = submitForm.closest("dialog");
      if (dialog && dialog.open) dialog.close();
      var note = document.createElement("p");
      note.className = "notice";
      note.setAttribute("role", "status");
      note.textContent = "Báo cáo sẽ được nộp khi các thay đổi đã gửi xong.";
      box.parentNode.insertBefore(note, box);
      if (navigator.onLine) outbox.flush();
    });
  });
})();
