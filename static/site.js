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

/* A chart that scrolls sideways is a stop for the keyboard, whose arrow keys
 * then scroll it, and a region that says it scrolls; one that fits its box
 * is neither (the chart inside still has its own title). */
function fitCharts() {
  Array.prototype.forEach.call(document.querySelectorAll(".chart-scroll"), function (box) {
    if (!box.hasAttribute("data-label")) box.setAttribute("data-label", box.getAttribute("aria-label") || "");
    if (box.scrollWidth > box.clientWidth) {
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", box.getAttribute("data-label"));
    } else {
      box.removeAttribute("tabindex");
      box.removeAttribute("role");
      box.removeAttribute("aria-label");
    }
  });
}
fitCharts();
window.addEventListener("resize", fitCharts);
