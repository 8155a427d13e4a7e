// Paper Atlas preview: reload when the site is rebuilt, show build errors.
// Served by `build.py serve` only; never part of the built site.
(function () {
  "use strict";
  var script = document.currentScript;
  var pageVersion = Number(script.dataset.version);
  var events = new EventSource(script.dataset.events);

  function showError(text) {
    var overlay = document.getElementById("atlas-preview-error");
    if (text === null) {
      if (overlay) overlay.remove();
      return;
    }
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "atlas-preview-error";
      overlay.setAttribute("role", "alert");
      overlay.appendChild(document.createElement("p")).textContent =
        "The last build failed; showing the last good site.";
      overlay.appendChild(document.createElement("pre"));
      document.body.appendChild(overlay);
    }
    overlay.querySelector("pre").textContent = text;
  }

  events.addEventListener("state", function (event) {
    var state = JSON.parse(event.data);
    if (state.version !== pageVersion) {
      // Stop listening first, so the reload is not raced by a reconnect.
      events.close();
      window.location.reload();
      return;
    }
    showError(state.error);
  });
})();
