// Suggestions while typing in unit pickers (dantoc/geo/pickers.py). Without this script the
// form still works: the server finds the unit by name or code, or offers the candidates.
(function () {
  "use strict";
  function attach(input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) return;
    var timer = null;
    var last = "";
    input.addEventListener("input", function () {
      var q = input.value.trim();
      if (q.length < 2 || q === last || /\([0-9A-Za-z]+\)$/.test(q)) return;
      clearTimeout(timer);
      timer = setTimeout(function () {
        last = q;
        var url = input.dataset.unitPicker;
        url += (url.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(q);
        fetch(url, { headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { results: [] }; })
          .then(function (data) {
            list.textContent = "";
            data.results.forEach(function (item) {
              var option = document.createElement("option");
              option.value = item.label;
              list.appendChild(option);
            });
          })
          .catch(function () { /* suggestions are a convenience; typing still works */ });
      }, 250);
    });
  }
  document.querySelectorAll("input[data-unit-picker]").forEach(attach);
})();
