// Sales screen and board: small conveniences on top of pages that work
// without JavaScript. No inline scripts (the CSP forbids them).
(function () {
  "use strict";
  // On a phone the filters wait behind their summary, unless one is set.
  var panel = document.getElementById("filter-panel");
  if (panel && window.matchMedia("(max-width: 700px)").matches) {
    var set = Array.prototype.some.call(panel.querySelectorAll("input:not([type=hidden]), select"), function (el) {
      return el.type === "checkbox" ? el.checked : el.value !== "";
    });
    if (!set) { panel.open = false; }
  }
  document.addEventListener("click", function (e) {
    var close = e.target.closest(".drawer-close");
    if (close) {
      e.preventDefault();
      document.getElementById("drawer").innerHTML = "";
    }
  });
  // The log drawer: Escape closes it; once loaded, its title takes the
  // focus, or after a save the first wrong field, the problem or the
  // confirmation.
  document.addEventListener("keydown", function (e) {
    var d = document.getElementById("drawer");
    if (e.key === "Escape" && d && d.innerHTML !== "") { d.innerHTML = ""; }
  });
  document.addEventListener("htmx:afterSwap", function (e) {
    if (e.target.id === "drawer") {
      var t = document.querySelector('#drawer [aria-invalid="true"]') || document.getElementById("log-problem") ||
        document.getElementById("log-saved") || document.getElementById("drawer-title");
      if (t) { t.focus(); }
    }
  });
  document.addEventListener("change", function (e) {
    if (e.target.id === "select-all") {
      document.querySelectorAll('#bulk-form input[name="id"]').forEach(function (c) { c.checked = e.target.checked; });
    }
  });
  // Board: a focused card moves to the next column with the right arrow key:
  // it opens the card's completion form (time and note), Enter submits it.
  document.addEventListener("keydown", function (e) {
    var card = e.target.closest && e.target.closest(".card-p");
    if (!card || e.target !== card) { return; }
    if (e.key === "ArrowRight" && card.querySelector(".complete-form")) {
      e.preventDefault();
      openCompletion(card);
    } else if (e.key === "Escape") {
      var d = card.querySelector("details.complete");
      if (d) { d.open = false; }
    }
  });
  function openCompletion(card) {
    var d = card.querySelector("details.complete");
    if (!d) { return; }
    d.open = true;
    var at = d.querySelector('input[name="completed_at"]');
    if (at) { at.focus(); }
  }
  // Board: drag a card onto the next column opens the same form.
  document.addEventListener("dragstart", function (e) {
    var card = e.target.closest && e.target.closest(".card-p");
    if (card) { e.dataTransfer.setData("text/plain", card.id); }
  });
  document.addEventListener("dragover", function (e) {
    if (e.target.closest && e.target.closest(".board-col")) { e.preventDefault(); }
  });
  document.addEventListener("drop", function (e) {
    var col = e.target.closest && e.target.closest(".board-col");
    if (!col) { return; }
    e.preventDefault();
    var card = document.getElementById(e.dataTransfer.getData("text/plain"));
    if (card && card.dataset.next === col.dataset.milestone) { openCompletion(card); }
  });
})();
