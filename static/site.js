/* On every page: "/" jumps to the search box, as on most sites with search.
 * The box says so where there is a keyboard to press it on (not on a phone). */
(function () {
  var box = document.getElementById("site-search");
  if (!box) return;
  box.setAttribute("aria-keyshortcuts", "/");
  if (window.matchMedia("(hover: hover) and (pointer: fine)").matches) box.placeholder += " (press /)";
})();
document.addEventListener("keydown", function (event) {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
  var target = event.target;
  if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
  var box = document.getElementById("site-search");
  if (!box) return;
  event.preventDefault();
  box.focus();
  box.select();
});

/* A box that scrolls sideways (a chart, or the code or a table of notes) is a
 * stop for the keyboard, whose arrow keys then scroll it; a chart or code is
 * then also a region that says it scrolls (a table keeps its own role). One
 * that fits its box is none of these (the chart inside still has its own title). */
function fitScrolling() {
  // Two regions of one name cannot be told apart in a screen reader's list of
  // them: a page with several blocks of code numbers them.
  var code = Array.prototype.slice.call(document.querySelectorAll("main pre"));
  Array.prototype.forEach.call(document.querySelectorAll(".chart-scroll, main pre, main table"), function (box) {
    var scrolls = box.scrollWidth > box.clientWidth;
    if (scrolls) box.setAttribute("tabindex", "0"); else box.removeAttribute("tabindex");
    if (box.tagName === "TABLE") return;
    var at = code.indexOf(box);
    var name = at >= 0 && code.length > 1 ? "Code " + (at + 1) + " of " + code.length : "Code";
    if (!box.hasAttribute("data-label")) box.setAttribute("data-label", box.getAttribute("aria-label") || name + " (scrolls sideways)");
    if (scrolls) {
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", box.getAttribute("data-label"));
    } else {
      box.removeAttribute("role");
      box.removeAttribute("aria-label");
    }
  });
}
fitScrolling();
window.addEventListener("resize", fitScrolling);
