/* The progress page of a background job: ask its state every two seconds and reload the page
   once it is finished (the page shows the outcome). Without JavaScript a meta refresh does
   the same, every three seconds. */
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box || box.getAttribute("data-finished") === "1" || !window.fetch) return;
  var label = document.getElementById("job-status");
  function poll() {
    fetch(box.getAttribute("data-status-url"), {credentials: "same-origin",
      headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (state) {
        if (!state) { window.setTimeout(poll, 5000); return; }
        if (label) label.textContent = state.label;
        if (state.finished) { window.location.reload(); return; }
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 2000);
})();
