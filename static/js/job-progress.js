/* The progress page of a background job: ask its state every two seconds, show how far it
   is (the bar, the stage, the figure) and reload the page once it is finished (the page shows
   the outcome). Without JavaScript a meta refresh (in <noscript>) does the same, every three
   seconds. */
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box || box.getAttribute("data-finished") === "1" || !window.fetch) return;
  var label = document.getElementById("job-status");
  var bar = document.getElementById("job-progress");
  var stage = document.getElementById("job-stage");
  var figure = document.getElementById("job-figure");
  function show(state) {
    if (label) label.textContent = state.label;
    if (stage && state.stage) stage.textContent = state.stage;
    if (figure) figure.textContent = state.figure || "";
    if (bar && state.total) {
      bar.max = state.total;
      bar.value = state.done;
      bar.textContent = Math.floor(state.done * 100 / state.total) + "%";
    }
  }
  function poll() {
    fetch(box.getAttribute("data-status-url"), {credentials: "same-origin",
      headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (state) {
        if (!state) { window.setTimeout(poll, 5000); return; }
        show(state);
        if (state.finished) { window.location.reload(); return; }
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 2000);
})();
