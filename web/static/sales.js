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
  // On a phone the board's help waits behind its summary too.
  var help = document.getElementById("board-help");
  if (help && window.matchMedia("(max-width: 700px)").matches) { help.open = false; }
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
  // A change saved from the log drawer: the list reloads that project's
  // row as the list's own query now shows it (it leaves the list when it no
  // longer matches the filters).
  document.body.addEventListener("projectChanged", function (e) {
    var id = e.detail && e.detail.id;
    if (!id || !document.getElementById("p-" + id) || !window.htmx) { return; }
    htmx.ajax("GET", window.location.pathname + window.location.search,
      { target: "#p-" + id, select: "#p-" + id, swap: "outerHTML" });
  });
  document.addEventListener("change", function (e) {
    if (e.target.id === "select-all") {
      document.querySelectorAll('#bulk-form input[name="id"]').forEach(function (c) { c.checked = e.target.checked; });
    }
  });
  // Board: a focused card moves to the next column with the right arrow key
  // (it opens the card's forward form: time and note; Enter submits it) and
  // back with the left arrow key (it asks what to undo). Escape closes.
  document.addEventListener("keydown", function (e) {
    var card = e.target.closest && e.target.closest(".card-p");
    if (!card || e.target !== card) { return; }
    if (e.key === "ArrowRight" && card.querySelector(".complete-form")) {
      e.preventDefault();
      moveTo(card, card.dataset.next);
    } else if (e.key === "ArrowLeft" && card.querySelector(".back-form")) {
      e.preventDefault();
      moveTo(card, card.dataset.prev);
    } else if (e.key === "Escape") {
      var d = card.querySelector("details.complete");
      if (d) { d.open = false; }
    }
  });
  // moveTo moves card to the column of milestone id: forward it opens the
  // completion form on that column, back it submits the back form, whose
  // answer is the confirmation of what it undoes.
  function moveTo(card, id) {
    var d = card.querySelector("details.complete");
    if (!d || !id || id === "0") { return; }
    var fwd = d.querySelector(".complete-form select[name=to]");
    if (fwd && hasOption(fwd, id)) {
      fwd.value = id;
      d.open = true;
      var at = d.querySelector('input[name="completed_at"]');
      if (at) { at.focus(); }
      return;
    }
    var back = d.querySelector(".back-form");
    var sel = back && back.querySelector("select[name=to]");
    if (sel && hasOption(sel, id)) {
      sel.value = id;
      if (back.requestSubmit) { back.requestSubmit(); } else { back.submit(); }
    }
  }
  function hasOption(sel, id) {
    return Array.prototype.some.call(sel.options, function (o) { return o.value === id; });
  }
  // Board: a card dragged onto another column moves there the same way.
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
    if (card) { moveTo(card, col.dataset.milestone); }
  });
  // After a move swapped the board in place, the focus goes to what it
  // says: the confirmation to answer, the problem, or the notice.
  document.addEventListener("htmx:afterSettle", function () {
    var board = document.getElementById("board");
    if (!board) { return; }
    var order = [".board-confirm input[name=reason]", ".board-confirm button", "details.complete[open] input[name=completed_at]", ".board-notice"];
    for (var i = 0; i < order.length; i++) {
      var el = board.querySelector(order[i]);
      if (el) {
        el.focus();
        if (el.scrollIntoView) { el.scrollIntoView({block: "nearest", inline: "nearest"}); }
        return;
      }
    }
  });
})();
