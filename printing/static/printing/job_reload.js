// When a print job finishes while the page is open, reload once to show the downloads
// (or the reasons for a refusal). job.js keeps #job[data-status] up to date.
(function () {
  const box = document.getElementById("job");
  if (!box) return;
  const initial = box.dataset.status;
  if (initial === "succeeded" || initial === "failed") return;
  new MutationObserver(function () {
    const s = box.dataset.status;
    if (s === "succeeded" || s === "failed") window.location.reload();
  }).observe(box, { attributes: true, attributeFilter: ["data-status"] });
})();
