// Turnout report form: shows the percentage the typed number implies before it is sent, checks
// that the number was typed the same twice, and shows the reason field only for a correction.
(function () {
  "use strict";
  const form = document.getElementById("report-form");
  if (!form) return;
  const listed = Number(document.querySelector('meta[name="turnout-listed"]').content);
  const existing = JSON.parse(document.getElementById("turnout-existing").textContent);
  const voted = document.getElementById("id_voted");
  const again = document.getElementById("id_voted_confirm");
  const slot = document.getElementById("id_slot");
  const out = document.getElementById("implied-pct");
  const check = document.getElementById("implied-check");
  const reasonBox = document.getElementById("reason-box");

  function int(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, "."); }
  // Two decimals, half up, in integers (no float rounding); never 100,00% unless everyone voted.
  function pct(part, whole) {
    if (!(whole > 0)) return "—";
    let h = Math.floor((part * 10000 * 2 + whole) / (2 * whole)); // hundredths of a percent
    if (h >= 10000 && part < whole) h = 9999;
    return int(Math.floor(h / 100)) + "," + String(h % 100).padStart(2, "0") + "%";
  }
  function update() {
    const v = voted.value === "" ? null : Number(voted.value);
    out.textContent = v === null ? "—" : pct(v, listed) + " (" + int(v) + "/" + int(listed) + ")";
    let msg = "";
    if (v !== null && v > listed) msg = form.dataset.msgAbove || "> 100%";
    else if (again.value !== "" && v !== null && Number(again.value) !== v) msg = "≠";
    check.textContent = msg;
    reasonBox.hidden = !(slot.value in existing);
  }
  ["input", "change"].forEach(function (ev) {
    voted.addEventListener(ev, update); again.addEventListener(ev, update); slot.addEventListener(ev, update);
  });
  update();
})();
