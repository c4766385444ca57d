// Drag-and-drop reordering for the administration lists. Each list is a
// <tbody class="sortable" data-order-url="..."> whose rows carry data-id.
// After a drop the new order is posted (order=3,1,2) and the page reloads;
// without JavaScript the arrow buttons in each row do the same job.
(function () {
  "use strict";
  function post(url, ids) {
    var body = new URLSearchParams();
    body.set("order", ids.join(","));
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true" },
      body: body.toString()
    });
  }
  document.querySelectorAll("tbody.sortable").forEach(function (tbody) {
    var dragged = null;
    tbody.addEventListener("dragstart", function (e) {
      dragged = e.target.closest("tr");
      if (!dragged) return;
      dragged.classList.add("dragging");
      e.dataTransfer.effectAllowed = "move";
      e.dataTransfer.setData("text/plain", dragged.dataset.id);
    });
    tbody.addEventListener("dragover", function (e) {
      var row = e.target.closest("tr");
      if (!dragged || !row || row === dragged) return;
      e.preventDefault();
      tbody.querySelectorAll(".drop-target").forEach(function (r) { r.classList.remove("drop-target"); });
      row.classList.add("drop-target");
    });
    tbody.addEventListener("dragend", function () {
      if (dragged) dragged.classList.remove("dragging");
      tbody.querySelectorAll(".drop-target").forEach(function (r) { r.classList.remove("drop-target"); });
      dragged = null;
    });
    tbody.addEventListener("drop", function (e) {
      var row = e.target.closest("tr");
      if (!dragged || !row || row === dragged) return;
      e.preventDefault();
      var rows = Array.prototype.slice.call(tbody.rows);
      if (rows.indexOf(dragged) < rows.indexOf(row)) {
        row.after(dragged);
      } else {
        row.before(dragged);
      }
      var ids = Array.prototype.map.call(tbody.rows, function (r) { return r.dataset.id; });
      post(tbody.dataset.orderUrl, ids).then(function () { window.location.reload(); });
    });
  });
})();
