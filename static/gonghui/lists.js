// List pages. The pager's page size applies when chosen (the 确定 button does it without
// scripts). The org tree beside list pages (templates/core/_org_tree.html, gonghui.core.records.orgtree).
// Without this file every node is a link that reloads the list opened at that node; with it a
// node's children load on first opening and toggle after, and the search box answers as one
// types. No inline handlers: the content security policy forbids them.
(function () {
  "use strict";
  function fetchHtml(url, done) {
    fetch(url, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(done)
      .catch(function () { /* the link still works: follow it */ });
  }
  function setOpen(toggle, open) {
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    var icon = toggle.querySelector(".bi");
    if (icon) {
      icon.classList.toggle("bi-caret-right-fill", !open);
      icon.classList.toggle("bi-caret-down-fill", open);
    }
  }
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest(".gh-tree-toggle");
    if (!toggle) return;
    var item = toggle.closest(".gh-tree-item");
    var box = item && item.querySelector(":scope > .gh-tree-list");
    if (!box) return;
    event.preventDefault();
    var opening = toggle.getAttribute("aria-expanded") !== "true";
    if (!opening) { box.hidden = true; setOpen(toggle, false); return; }
    if (box.children.length) { box.hidden = false; setOpen(toggle, true); return; }
    fetchHtml(toggle.dataset.children, function (html) {
      box.innerHTML = html;
      box.hidden = false;
      setOpen(toggle, true);
    });
  });
  function init() {
    document.querySelectorAll(".gh-orgtree").forEach(function (panel) {
      // A phone shows the tree folded above the list; its summary names the chosen unit.
      if (window.matchMedia("(max-width: 991.98px)").matches) panel.open = false;
      var input = panel.querySelector(".gh-orgtree-search");
      var body = panel.querySelector(".gh-orgtree-body");
      if (!input || !body) return;
      var tree = body.innerHTML;
      var timer = null;
      input.addEventListener("input", function () {
        window.clearTimeout(timer);
        timer = window.setTimeout(function () {
          var text = input.value.trim();
          if (!text) { body.innerHTML = tree; return; }
          fetchHtml(input.dataset.searchUrl + "&tree_q=" + encodeURIComponent(text), function (html) {
            if (input.value.trim() === text) body.innerHTML = html;
          });
        }, 250);
      });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
