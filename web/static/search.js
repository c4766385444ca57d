// "/" anywhere outside a field puts the cursor in the header's search box.
document.addEventListener("keydown", function (e) {
  if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) return;
  var t = e.target;
  if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
  var box = document.getElementById("global-q");
  if (box) { e.preventDefault(); box.focus(); box.select(); }
});
