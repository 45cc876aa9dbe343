// Where the phone has the Web Share API, offer its share sheet (Zalo, Messenger, SMS…)
// beside the plain Zalo and Facebook links, which work without JavaScript.
(function () {
  if (!navigator.share) return;
  document.querySelectorAll("[data-share-url]").forEach(function (button) {
    button.closest("li").hidden = false;
    button.addEventListener("click", function () {
      navigator.share({ title: button.dataset.shareTitle, url: button.dataset.shareUrl }).catch(function () {});
    });
  });
})();
