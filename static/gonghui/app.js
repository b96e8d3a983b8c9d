// Expand/collapse in the org tree: the first click loads children (htmx), later clicks toggle.
document.addEventListener("click", function (event) {
  const button = event.target.closest(".gh-toggle");
  if (!button) return;
  const box = document.getElementById(button.dataset.target);
  const icon = button.querySelector(".bi");
  const opening = icon.classList.contains("bi-chevron-right");
  icon.classList.toggle("bi-chevron-right", !opening);
  icon.classList.toggle("bi-chevron-down", opening);
  if (box && box.dataset.loaded) box.classList.toggle("d-none", !opening);
  if (box) box.dataset.loaded = "1";
});

// A form whose button carries data-confirm asks first (no inline handler: see core/csp.py).
document.addEventListener("submit", function (event) {
  const button = event.submitter || event.target.querySelector("[data-confirm]");
  const message = button && button.dataset ? button.dataset.confirm : null;
  if (message && !window.confirm(message)) event.preventDefault();
});

// A <select data-autosubmit> (the page size under a list) submits its form when changed: an
// event listener here, since the CSP allows no inline handler.
document.addEventListener("change", function (event) {
  const select = event.target.closest ? event.target.closest("select[data-autosubmit]") : null;
  if (!select || !select.form) return;
  const jump = select.form.querySelector("[name=page]");
  if (jump) jump.value = "1";  // a new page size starts again at its first page
  select.form.submit();
});

// List pages: ticking rows enables the toolbar's bulk actions (gonghui.core.rowaction);
// the header box ticks or clears the whole page.
(function () {
  "use strict";
  function refresh() {
    var ticked = document.querySelectorAll(".gh-check-row:checked").length;
    document.querySelectorAll(".gh-bulk").forEach(function (button) { button.disabled = ticked === 0; });
    document.querySelectorAll(".gh-selected-count").forEach(function (node) { node.textContent = String(ticked); });
    var all = document.querySelector(".gh-check-all");
    var rows = document.querySelectorAll(".gh-check-row").length;
    if (all) { all.checked = rows > 0 && ticked === rows; all.indeterminate = ticked > 0 && ticked < rows; }
  }
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLInputElement)) { return; }
    if (target.classList.contains("gh-check-all")) {
      document.querySelectorAll(".gh-check-row").forEach(function (box) { box.checked = target.checked; });
      refresh();
    } else if (target.classList.contains("gh-check-row")) {
      refresh();
    }
  });
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", refresh); } else { refresh(); }
})();

// The calendar beside a 年-月-日 box (gonghui.core.records.days): the box stays text, so it reads
// year first in any browser language; the button opens the browser's own calendar on a hidden
// date input, and the day picked there is written back into the box as 2018-03-04.
document.addEventListener("click", function (event) {
  const button = event.target.closest ? event.target.closest(".gh-day-pick") : null;
  if (!button) return;
  const wrap = button.closest(".gh-day");
  const box = wrap.querySelector("input[data-day]");
  const calendar = wrap.querySelector(".gh-day-native");
  calendar.value = /^\d{4}-\d{2}-\d{2}$/.test(box.value) ? box.value : "";
  try { calendar.showPicker(); } catch (error) { box.focus(); }  // no picker: type the day
});
document.addEventListener("change", function (event) {
  const calendar = event.target;
  if (!(calendar instanceof HTMLInputElement) || !calendar.classList.contains("gh-day-native")) return;
  event.stopPropagation();  // the hidden input is no field of the form's
  if (!calendar.value) return;
  const box = calendar.closest(".gh-day").querySelector("input[data-day]");
  box.value = calendar.value;
  box.dispatchEvent(new Event("input", { bubbles: true }));
  box.dispatchEvent(new Event("change", { bubbles: true }));
  box.focus();
}, true);
