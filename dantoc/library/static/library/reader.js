// The e-library's PDF reader: pdf.js (npm pdfjs-dist, served from our static files) renders
// one page at a time into a canvas. The file is read by HTTP range requests
// (disableAutoFetch, disableStream): opening page 1 of a 300-page book fetches the file's
// end (its cross-reference table) and that page's bytes, not the whole book.
const root = document.getElementById("lib-reader");

async function start() {
  const pdfjs = await import(root.dataset.lib);
  pdfjs.GlobalWorkerOptions.workerSrc = root.dataset.worker;
  const canvas = root.querySelector("canvas");
  const status = root.querySelector("[data-status]");
  const input = root.querySelector("#lib-page");
  const total = root.querySelector("[data-pages]");
  const previous = root.querySelector('[data-go="-1"]');
  const next = root.querySelector('[data-go="1"]');
  const doc = await pdfjs.getDocument({
    url: root.dataset.url,
    disableAutoFetch: true,
    disableStream: true,
    rangeChunkSize: 65536,
    isEvalSupported: false,
    withCredentials: true,
  }).promise;
  let current = 1;
  let rendering = null;
  total.textContent = String(doc.numPages);
  input.max = String(doc.numPages);

  async function show(number) {
    current = Math.min(Math.max(number, 1), doc.numPages);
    input.value = String(current);
    previous.disabled = current <= 1;
    next.disabled = current >= doc.numPages;
    status.textContent = status.dataset.loading || "…";
    const page = await doc.getPage(current);
    const width = Math.min(root.clientWidth, 900);
    const base = page.getViewport({ scale: 1 });
    const ratio = Math.min(window.devicePixelRatio || 1, 2);
    const viewport = page.getViewport({ scale: (width / base.width) * ratio });
    if (rendering) {
      rendering.cancel();
    }
    canvas.width = Math.floor(viewport.width);
    canvas.height = Math.floor(viewport.height);
    canvas.style.width = `${Math.floor(viewport.width / ratio)}px`;
    canvas.style.height = `${Math.floor(viewport.height / ratio)}px`;
    rendering = page.render({ canvas, canvasContext: canvas.getContext("2d"), viewport });
    try {
      await rendering.promise;
      status.textContent = "";
    } catch (error) {
      if (error && error.name !== "RenderingCancelledException") {
        throw error;
      }
    }
  }

  previous.addEventListener("click", () => show(current - 1));
  next.addEventListener("click", () => show(current + 1));
  input.addEventListener("change", () => show(parseInt(input.value, 10) || 1));
  document.addEventListener("keydown", (event) => {
    if (event.target === input) return;
    if (event.key === "ArrowRight" || event.key === "PageDown") show(current + 1);
    if (event.key === "ArrowLeft" || event.key === "PageUp") show(current - 1);
  });
  await show(1);
  root.dataset.ready = "1";
}

if (root) {
  start().catch((error) => {
    const status = root.querySelector("[data-status]");
    status.textContent = `${root.dataset.error} (${error && error.message ? error.message : error})`;
    root.dataset.failed = "1";
  });
}
