// Sharing without a Zalo plugin (Zalo documents no share link for web pages that we could
// confirm, see docs/citizens.md): where the phone has the Web Share API its share sheet
// (Zalo, Messenger, SMS…) opens; where it has the clipboard API the link is copied to paste
// into Zalo. Without JavaScript the link stays in a field to copy by hand. Each share is
// counted (a POST with nothing in it but the item and the way it was shared).
(function () {
  function count(button) {
    var url = button.dataset.shareCount;
    if (!url) return;
    if (navigator.sendBeacon) navigator.sendBeacon(url);
    else fetch(url, { method: "POST", keepalive: true }).catch(function () {});
  }
  if (navigator.share) {
    document.querySelectorAll("[data-share-url]").forEach(function (button) {
      button.closest("li").hidden = false;
      button.addEventListener("click", function () {
        navigator
          .share({ title: button.dataset.shareTitle, url: button.dataset.shareUrl })
          .then(function () { count(button); })
          .catch(function () {});
      });
    });
  }
  if (navigator.clipboard && navigator.clipboard.writeText) {
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      var field = document.getElementById(button.dataset.copy);
      var status = button.parentNode.querySelector("[data-copy-status]");
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(field.value).then(function () {
          if (status) status.textContent = button.dataset.copied;
          count(button);
        }).catch(function () { field.select(); });
      });
    });
  }
})();
