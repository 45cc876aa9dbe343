/* Progressive enhancement of confirmation steps: a link to a confirmation page
   (data-dialog="id") opens the same question in a <dialog> on this page instead. Without
   JavaScript, or without <dialog> support, the link leads to the confirmation page. */
(function () {
  "use strict";
  if (typeof HTMLDialogElement !== "function") return;
  document.querySelectorAll("a[data-dialog]").forEach(function (link) {
    var dialog = document.getElementById(link.getAttribute("data-dialog"));
    if (!dialog || typeof dialog.showModal !== "function") return;
    link.addEventListener("click", function (event) {
      event.preventDefault();
      dialog.showModal();
      var first = dialog.querySelector("button, [href]");
      if (first) first.focus();
    });
    dialog.querySelectorAll("[data-close]").forEach(function (button) {
      button.addEventListener("click", function () {
        dialog.close();
        link.focus();
      });
    });
  });
})();
