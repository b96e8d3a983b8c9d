// Pickers (gonghui/core/records/pickers.py): type into the box, choose from what the record
// type's autocomplete URL answers; the id goes into the hidden input that the form posts.
// A person's picker may offer to create the person from a valid ID number not yet on record.
(function () {
  "use strict";

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function item(text, className) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "list-group-item list-group-item-action " + (className || "");
    button.textContent = text;
    return button;
  }

  function setUp(box) {
    const input = box.querySelector("[data-picker-input]");
    const hidden = box.querySelector("[data-picker-value]");
    const results = box.querySelector("[data-picker-results]");
    let timer = null;
    let asked = 0;

    function close() {
      results.hidden = true;
      clear(results);
    }

    function choose(id, text) {
      hidden.value = id;
      input.value = text;
      close();
      hidden.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function offerCreate(offer) {
      const form = box.closest("form");
      const token = form && form.querySelector("input[name=csrfmiddlewaretoken]");
      if (!box.dataset.createUrl || !token) return;
      const panel = document.createElement("div");
      panel.className = "list-group-item";
      const label = document.createElement("div");
      label.className = "small mb-2";
      label.textContent = offer.label;
      const name = document.createElement("input");
      name.type = "text";
      name.className = "form-control form-control-sm mb-2";
      name.placeholder = "请输入姓名";
      name.maxLength = 50;
      const button = item("新建并选用", "btn btn-sm btn-primary w-auto");
      const error = document.createElement("div");
      error.className = "text-danger small";
      button.addEventListener("click", function () {
        const body = new FormData();
        body.append("id_number", offer.id_number);
        body.append("name", name.value);
        fetch(box.dataset.createUrl, {
          method: "POST",
          body: body,
          credentials: "same-origin",
          headers: { "X-CSRFToken": token.value },
        })
          .then(function (response) { return response.json(); })
          .then(function (data) {
            if (data.error) error.textContent = data.error;
            else choose(data.id, data.text);
          });
      });
      panel.append(label, name, button, error);
      results.append(panel);
    }

    function show(data) {
      clear(results);
      (data.results || []).forEach(function (found) {
        const button = item(found.text);
        button.addEventListener("click", function () { choose(found.id, found.text); });
        results.append(button);
      });
      if (data.create) offerCreate(data.create);
      if (!results.firstChild) results.append(item("无匹配记录", "disabled"));
      results.hidden = false;
    }

    function ask() {
      const query = input.value.trim();
      const mine = ++asked;
      const url = box.dataset.url + "?q=" + encodeURIComponent(query);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (data) { if (mine === asked) show(data); });
    }

    input.addEventListener("input", function () {
      // Whatever was chosen before no longer matches what the box says.
      hidden.value = "";
      clearTimeout(timer);
      timer = setTimeout(ask, 250);
    });
    input.addEventListener("focus", function () { if (!input.value) ask(); });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Escape") close();
    });
    document.addEventListener("click", function (event) {
      if (!box.contains(event.target)) close();
    });
  }

  function setUpAll(root) {
    root.querySelectorAll("[data-picker]:not([data-picker-ready])").forEach(function (box) {
      box.setAttribute("data-picker-ready", "");
      setUp(box);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { setUpAll(document); });
  // Forms loaded by htmx get their pickers too.
  document.addEventListener("htmx:load", function (event) { setUpAll(event.target); });
  // htmx fires htmx:load only after its settle delay, and a quick typist (or a test) can type
  // into a freshly swapped form before that. Setting the box up while the first keystroke or
  // focus is still on its way down (capture phase) lets the box's own listeners hear it.
  function setUpOnFirstUse(event) {
    const target = event.target;
    const box = target instanceof Element && target.closest("[data-picker]:not([data-picker-ready])");
    if (box) setUpAll(box.parentNode || document);
  }
  document.addEventListener("input", setUpOnFirstUse, true);
  document.addEventListener("focus", setUpOnFirstUse, true);
})();
