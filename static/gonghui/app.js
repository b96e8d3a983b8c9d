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
