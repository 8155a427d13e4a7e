/* On every page: "/" jumps to the search box, as on most sites with search.
 * The box says so where there is a keyboard to press it on (not on a phone).
 * A key of one character is pressed by mistake too (speech input types the
 * words said), so the search page has a switch that turns it off (WCAG
 * 2.1.4), kept in the browser for every page of the site. */
(function () {
  var box = document.getElementById("site-search");
  if (!box) return;
  var SETTING = "paper-atlas-slash-shortcut";
  var placeholder = box.placeholder;
  var toggle = document.getElementById("search-shortcut");
  var on = true;

  // Whether the reader left the shortcut on; null where the browser refuses
  // storage (cookies blocked): the shortcut is then on, as by default.
  function storedSetting() {
    try {
      return window.localStorage.getItem(SETTING) !== "off";
    } catch (error) {
      return null;
    }
  }

  function show(shortcutOn) {
    on = shortcutOn;
    if (on) box.setAttribute("aria-keyshortcuts", "/"); else box.removeAttribute("aria-keyshortcuts");
    var keyboard = window.matchMedia("(hover: hover) and (pointer: fine)").matches;
    box.placeholder = on && keyboard ? placeholder + " (press /)" : placeholder;
    if (toggle) toggle.checked = on;
  }

  var stored = storedSetting();
  show(stored !== false);
  // Without storage a switch could not keep what it is set to: none is shown.
  if (toggle && stored !== null) {
    toggle.closest(".search-shortcut").hidden = false;
    toggle.addEventListener("change", function () {
      try {
        if (toggle.checked) window.localStorage.removeItem(SETTING);
        else window.localStorage.setItem(SETTING, "off");
      } catch (error) {
        // storage full: this page still does as asked
      }
      show(toggle.checked);
    });
  }
  // Changed on the search page in another tab, or before Back to this page
  // from the browser's cache, which keeps a page as it was left.
  function showStored() { show(storedSetting() !== false); }
  window.addEventListener("storage", showStored);
  window.addEventListener("pageshow", function (event) { if (event.persisted) showStored(); });

  document.addEventListener("keydown", function (event) {
    if (!on || event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    event.preventDefault();
    box.focus();
    box.select();
  });
})();

/* A box that scrolls sideways (a chart, or the code or a table of notes) is a
 * stop for the keyboard, whose arrow keys then scroll it, and a region that
 * says it scrolls. One that fits its box is neither (the chart inside still
 * has its own title, the table its rows and columns). */
function fitScrolling() {
  Array.prototype.forEach.call(document.querySelectorAll(".chart-scroll, main pre, main .table-scroll"), function (box) {
    var scrolls = box.scrollWidth > box.clientWidth;
    if (scrolls) box.setAttribute("tabindex", "0"); else box.removeAttribute("tabindex");
    if (!box.hasAttribute("data-label")) box.setAttribute("data-label", box.getAttribute("aria-label") || scrollingName(box));
    if (scrolls) {
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", box.getAttribute("data-label"));
    } else {
      box.removeAttribute("role");
      box.removeAttribute("aria-label");
    }
  });
}

/* "Code (scrolls sideways)", or "Table 2 of 3 (scrolls sideways)": two
 * regions of one name cannot be told apart in a screen reader's list of
 * them, so a page with several blocks of code, or tables, numbers them. */
function scrollingName(box) {
  var kind = box.tagName === "PRE" ? "Code" : "Table";
  var all = Array.prototype.slice.call(document.querySelectorAll(box.tagName === "PRE" ? "main pre" : "main .table-scroll"));
  var number = all.length > 1 ? " " + (all.indexOf(box) + 1) + " of " + all.length : "";
  return kind + number + " (scrolls sideways)";
}
fitScrolling();
window.addEventListener("resize", fitScrolling);

/* The topics heat map's names stand in rows of 22px (charts.py): on a phone,
 * room for two lines of a name at the stylesheet's line height, but for one
 * at a reader's own wider spacing, which cut the second line's top and the
 * first's bottom. Then each name takes one line (the stylesheet's .one-line).
 * Checked again whenever a name's size changes: a reader's spacing may come
 * after the page, and a narrower window brings the two lines. */
function fitHeatmapNames() {
  Array.prototype.forEach.call(document.querySelectorAll(".heatmap-names"), function (names) {
    var name = names.querySelector(".row-label span");
    if (!name) return;
    var row = name.parentNode;
    // (A wide window keeps each name on one line anyway, ending in an ellipsis.)
    var wraps = window.getComputedStyle(row).whiteSpace !== "nowrap";
    var lines = 2 * parseFloat(window.getComputedStyle(name).lineHeight);
    names.classList.toggle("one-line", wraps && lines > row.clientHeight + 0.5);
  });
}

/* The dates over the heat map's columns stand a column apart (charts.py),
 * room for "Mar 11" at the stylesheet's spacing, but at a reader's own wider
 * letter spacing they ran together ("Mar 11Mar 17"). Then they take a smaller
 * font, just small enough that each keeps a gap to the next and stays inside
 * the picture: the reader's spacing is kept, as its share of the font. At the
 * stylesheet's spacing they have room and keep their size. */
var DATE_GAP = 4;  // px between two dates, a third of the 12px font
function fitHeatmapDates() {
  Array.prototype.forEach.call(document.querySelectorAll(".heatmap svg"), function (svg) {
    var dates = Array.prototype.slice.call(svg.querySelectorAll("text.label"));
    dates.forEach(function (date) { date.style.fontSize = ""; });
    if (!dates.length) return;
    // Each date's reach either side of its centre (text-anchor: middle), which
    // a smaller font shortens in proportion.
    var reach = dates.map(function (date) {
      var box = date.getBBox(), centre = date.x.baseVal.getItem(0).value;
      return { centre: centre, left: centre - box.x, right: box.x + box.width - centre };
    });
    var view = svg.viewBox.baseVal, first = reach[0], last = reach[reach.length - 1];
    var scale = Math.min(1, (first.centre - view.x) / first.left, (view.x + view.width - last.centre) / last.right);
    for (var i = 1; i < reach.length; i++) {
      var room = reach[i].centre - reach[i - 1].centre - DATE_GAP;
      scale = Math.min(scale, room / (reach[i - 1].right + reach[i].left));
    }
    if (scale >= 1) return;
    var size = scale * parseFloat(window.getComputedStyle(dates[0]).fontSize);
    dates.forEach(function (date) { date.style.fontSize = size + "px"; });
  });
}
if (window.ResizeObserver) {
  // First when observing starts, then at every change of size; a frame
  // later: the new layout is a change of size the observer would otherwise
  // report in the same frame, as a loop.
  var heatmapResized = new ResizeObserver(function () {
    window.requestAnimationFrame(function () { fitHeatmapNames(); fitHeatmapDates(); });
  });
  Array.prototype.forEach.call(document.querySelectorAll(".heatmap-names .row-label span, .heatmap svg text.label"), function (text) {
    heatmapResized.observe(text);
  });
}
