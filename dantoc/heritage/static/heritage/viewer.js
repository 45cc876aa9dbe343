// The IIIF viewer (OpenSeadragon, from npm) is fetched only when the reader asks for it, so
// the item page stays light on a phone; without JavaScript the button stays hidden and the
// pictures and their originals are there as plain images and links.
(function () {
  "use strict";
  var button = document.getElementById("iiif-open");
  var box = document.getElementById("iiif-viewer");
  if (!button || !box) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    var script = document.createElement("script");
    script.src = button.dataset.script;
    script.onload = function () {
      box.hidden = false;
      button.hidden = true;
      window.OpenSeadragon({
        element: box,
        prefixUrl: button.dataset.prefix,
        tileSources: JSON.parse(button.dataset.sources),
        sequenceMode: true,
        showReferenceStrip: false,
      });
    };
    script.onerror = function () {
      button.disabled = false;
    };
    document.head.appendChild(script);
  });
})();
