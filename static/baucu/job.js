// Live progress of a background job over a websocket; reconnects and catches up.
(function () {
  const box = document.getElementById("job");
  if (!box) return;
  const id = box.dataset.job;
  let delay = 500;
  function show(job) {
    document.getElementById("job-progress").value = job.percent;
    document.getElementById("job-percent").textContent = job.percent + "%";
    document.getElementById("job-status").textContent = job.status_display || job.status;
    document.getElementById("job-done").textContent = job.done;
    document.getElementById("job-total").textContent = job.total;
    document.getElementById("job-message").textContent = job.message || "";
    box.dataset.status = job.status;
    if (job.status === "succeeded" || job.status === "failed") {
      if (job.reload || box.dataset.reload) window.location.reload();
    }
  }
  function connect() {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(scheme + "://" + window.location.host + "/ws/jobs/" + id + "/");
    ws.onopen = function () { delay = 500; };
    ws.onmessage = function (ev) { show(JSON.parse(ev.data)); };
    ws.onclose = function () {
      if (box.dataset.status === "succeeded" || box.dataset.status === "failed") return;
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10000);
    };
  }
  connect();
})();
