// The form designer without JavaScript is a sequence of plain forms, and "Xem trước" posts a
// step to the preview frame. This script adds: a filter box above each long list (typing
// part of a name, with or without diacritics, narrows it), and a live preview (the step
// being typed is posted to the preview frame a moment after each change).
(function () {
  "use strict";
  function plain(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/gi, "d").toLowerCase();
  }
  document.querySelectorAll("select[data-search]").forEach(function (select) {
    if (select.options.length < 8) return;
    var box = document.createElement("input");
    box.type = "search";
    box.className = "picker-filter";
    var label = select.labels && select.labels[0] ? select.labels[0].textContent.trim() : "";
    box.setAttribute("aria-label", (document.documentElement.lang === "en" ? "Filter: " : "Lọc: ") + label);
    box.placeholder = document.documentElement.lang === "en" ? "Type to filter…" : "Gõ để lọc…";
    select.parentNode.insertBefore(box, select);
    box.addEventListener("input", function () {
      var wanted = plain(box.value);
      Array.prototype.forEach.call(select.options, function (option) {
        option.hidden = option.value !== "" && wanted !== "" && plain(option.text).indexOf(wanted) < 0;
      });
    });
  });
  document.querySelectorAll("form[data-preview]").forEach(function (form) {
    var button = form.querySelector("button[formtarget=preview]");
    if (!button || !form.requestSubmit) return;
    var timer = null;
    function refresh(event) {
      if (event.target.classList.contains("picker-filter")) return;
      clearTimeout(timer);
      timer = setTimeout(function () { form.requestSubmit(button); }, 400);
    }
    form.addEventListener("input", refresh);
    form.addEventListener("change", refresh);
  });
})();
