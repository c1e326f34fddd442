// The print job page: besides job.js (websocket), poll the job API every second while the job
// runs (works behind proxies without websockets too), and reload once when it finishes to
// show the downloads or the reasons for a refusal.
(function () {
  const box = document.getElementById("job");
  if (!box) return;
  const done = function (s) { return s === "succeeded" || s === "failed"; };
  if (done(box.dataset.status)) return;
  const set = function (id, text) {
    const el = document.getElementById(id);
    if (el) el.textContent = text;
  };
  function show(job) {
    document.getElementById("job-progress").value = job.percent;
    set("job-percent", job.percent + "%");
    set("job-done", job.done);
    set("job-total", job.total);
    set("job-message", job.message || "");
    set("job-status", box.getAttribute("data-label-" + job.status) || job.status);
    box.dataset.status = job.status;
  }
  function poll() {
    fetch(box.dataset.api, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (job) {
        if (job) show(job);
        if (job && done(job.status)) return;
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  new MutationObserver(function () {
    if (done(box.dataset.status)) window.location.reload();
  }).observe(box, { attributes: true, attributeFilter: ["data-status"] });
  setTimeout(poll, 1000);
})();
