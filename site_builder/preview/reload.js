// Paper Atlas preview: reload when the site is rebuilt, show build errors.
// Served by `build.py serve` only; never part of the built site.
(function () {
  "use strict";
  var script = document.currentScript;
  var pageVersion = Number(script.dataset.version);
  var events = null;

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

  function onState(event) {
    var state = JSON.parse(event.data);
    if (state.version !== pageVersion) {
      // Stop listening first, so the reload is not raced by a reconnect.
      disconnect();
      window.location.reload();
      return;
    }
    showError(state.error);
  }

  // Only while the tab is shown. A browser opens at most six connections to
  // one host over HTTP/1.1, and each open stream holds one: with six tabs of
  // the preview open (papers opened in background tabs), every further page
  // waited for ever. A tab shown again connects, and its first state
  // reloads it if the site was rebuilt meanwhile.
  function connect() {
    if (events !== null || document.visibilityState === "hidden") return;
    events = new EventSource(script.dataset.events);
    events.addEventListener("state", onState);
    // The stream ends only when the server stops: open again, it is another
    // server, whose versions count from 1 again (a page of the last one's
    // first build stayed as it was, whatever changed between the two).
    var opened = false;
    events.addEventListener("open", function () {
      if (opened) {
        disconnect();
        window.location.reload();
      }
      opened = true;
    });
  }

  function disconnect() {
    if (events === null) return;
    events.close();
    events = null;
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") disconnect();
    else connect();
  });
  connect();
})();
