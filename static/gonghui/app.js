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
