// The review editor's 插入指标: puts the chosen figure's name (〔在会会员〕) into the text at
// the cursor, so that a cadre never types or sees an indicator's code. A file, not inline
// script: the content security policy allows scripts from the site only.
(function () {
  "use strict";
  function insert(button) {
    var target = document.getElementById(button.getAttribute("data-target"));
    var choice = document.getElementById("indicator-choice");
    if (!target || !choice || !choice.value) { return; }
    var token = choice.value;
    var start = typeof target.selectionStart === "number" ? target.selectionStart : target.value.length;
    var end = typeof target.selectionEnd === "number" ? target.selectionEnd : start;
    target.value = target.value.slice(0, start) + token + target.value.slice(end);
    var after = start + token.length;
    target.focus();
    target.setSelectionRange(after, after);
    target.dispatchEvent(new Event("input", { bubbles: true }));
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("#indicator-insert") : null;
    if (button) { event.preventDefault(); insert(button); }
  });
})();
