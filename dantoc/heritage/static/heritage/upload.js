// Large files go in pieces (one request each, resumed where the server says it stopped), so
// that a 500 MB video on a slow link never meets a request timeout. Small files, and browsers
// without JavaScript, use the plain form.
(function () {
  "use strict";
  var form = document.getElementById("media-form");
  if (!form || !window.fetch || !window.Blob) return;
  var chunk = parseInt(form.dataset.chunk, 10);
  var status = document.getElementById("upload-status");
  var bar = document.getElementById("upload-progress");
  var percent = document.getElementById("upload-percent");

  function newId() {
    var a = new Uint8Array(16);
    window.crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  form.addEventListener("submit", function (event) {
    var input = form.querySelector("input[type=file]");
    var file = input && input.files[0];
    if (!file || file.size <= chunk) return;
    event.preventDefault();
    var id = newId();
    var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    var caption = (form.querySelector("input[name=caption]") || {}).value || "";
    status.hidden = false;
    var tries = 0;

    function send(start) {
      var end = Math.min(start + chunk, file.size);
      fetch(form.dataset.pieces, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "X-CSRFToken": token,
          "X-Upload-Id": id,
          "X-File-Name": encodeURIComponent(file.name),
          "X-Caption": encodeURIComponent(caption),
          "Content-Range": "bytes " + start + "-" + (end - 1) + "/" + file.size,
          "Content-Type": "application/octet-stream",
        },
        body: file.slice(start, end),
      })
        .then(function (response) {
          return response.json().then(function (body) { return { status: response.status, body: body }; });
        })
        .then(function (answer) {
          if (answer.status === 201) {
            window.location.reload();
            return;
          }
          if (answer.status === 200 || answer.status === 409) {
            tries = 0;
            var done = answer.body.received;
            bar.value = Math.floor((100 * done) / file.size);
            percent.textContent = bar.value + " %";
            send(done);
            return;
          }
          percent.textContent = answer.body.error || "Lỗi";
        })
        .catch(function () {
          // The network dropped: try the same piece again a few times.
          if (++tries <= 5) window.setTimeout(function () { send(start); }, 2000 * tries);
          else percent.textContent = "Mất kết nối";
        });
    }
    send(0);
  });
})();
