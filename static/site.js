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
