/* Paper Atlas search page: reads ?q=, searches as you type, keeps the URL
 * shareable, and lets the keyboard move through results. All text is put in
 * the page with textContent, never as HTML. */
(function () {
  "use strict";
  var app = document.getElementById("search-app");
  var input = document.getElementById("site-search");
  if (!app || !input || !window.AtlasSearch) return;
  var root = app.getAttribute("data-root");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var more = document.getElementById("search-more");
  var PAGE = 10;
  var help = app.querySelector(".search-help");
  var searcher = null;
  var current = { results: [], shown: 0, stems: [], text: "" };
  var generation = 0;

  function fetchJSON(path, fresh) {
    return fetch(root + path, fresh ? { cache: "reload" } : {}).then(function (response) {
      if (!response.ok) {
        var error = new Error(response.status + " " + path);
        error.status = response.status;
        throw error;
      }
      return response.json();
    });
  }

  /* A file of the index gone (404): the site was deployed again since this
   * page loaded, and its index files have new names. The manifest, asked
   * for anew, names them: true once the searcher reads the new one, false
   * when it names the same files (the failure is another). Asked for from
   * the server, not revalidated: a server that dates files to the second
   * answers "not modified" for a manifest written in the same second. */
  function renewed(error) {
    if (!error || error.status !== 404 || !searcher) return Promise.resolve(false);
    var before = searcher;
    return fetchJSON(app.getAttribute("data-manifest"), true).then(function (manifest) {
      if (searcher !== before || JSON.stringify(manifest) === JSON.stringify(before.manifest)) return false;
      searcher = new AtlasSearch.Searcher(manifest, fetchJSON);
      return true;
    }, function () { return false; });
  }

  /* What a screen reader is told: the status's text, in a live region of
   * its own, once typing pauses (said at every key, the counts of "q", "qu",
   * "qua"… queued up behind the typing); at once for a search sent or
   * arrived at. A copy of search.html made before has none: its status is
   * live itself, and says each. */
  var announcer = document.getElementById("search-said");
  var SAY_AFTER_TYPING = 1000;  // ms
  var saying = null;

  function announce(typing) {
    if (!announcer) return;
    clearTimeout(saying);
    var text = status.textContent;
    if (typing) saying = setTimeout(function () { announcer.textContent = text; }, SAY_AFTER_TYPING);
    else announcer.textContent = text;
  }

  /* The status: text, or a list of texts and [text, words] links that
   * search for those words, put in whole, so that it is announced once. */
  function setStatus(said, typing) {
    var parts = [].concat(said), fragment = document.createDocumentFragment();
    parts.forEach(function (part) {
      if (typeof part === "string") return fragment.appendChild(document.createTextNode(part));
      var link = document.createElement("a");
      var url = new URL(window.location.href);
      url.searchParams.set("q", part[1]);
      url.hash = "";
      link.href = url.href;
      link.setAttribute("data-q", part[1]);
      link.textContent = part[0];
      fragment.appendChild(link);
    });
    status.textContent = "";
    status.appendChild(fragment);
    announce(typing);
  }

  /* The status when a query found nothing and its papers are those of
   * words like its own, which it names, a handful at most. */
  function similarSaid(text, outcome, count) {
    var named = outcome.changed.length <= 5 ? [[outcome.instead, outcome.instead]]
      : ["words like yours (", [outcome.changed.slice(0, 5).map(function (word) { return "“" + word + "”"; }).join(", ") +
          " and " + (outcome.changed.length - 5) + " more", outcome.instead], ")"];
    if (named.length === 1) return ["No papers match “" + text + "”. Showing " + count + " for “", named[0], "”."];
    return ["No papers match “" + text + "”. Showing " + count + " for "].concat(named, ["."]);
  }

  function appendMarked(parent, text) {
    AtlasSearch.highlight(text, current.stems).forEach(function (part) {
      if (part[1]) {
        var mark = document.createElement("mark");
        mark.textContent = part[0];
        parent.appendChild(mark);
      } else {
        parent.appendChild(document.createTextNode(part[0]));
      }
    });
  }

  // A [url, text] pair of the document store.
  function linkTo(pair, className) {
    var link = document.createElement("a");
    link.className = className;
    link.href = root + pair[0];
    link.textContent = pair[1];
    return link;
  }

  function renderResult(doc) {
    var item = document.createElement("li");
    item.className = "result";
    var heading = document.createElement("h2");
    var link = document.createElement("a");
    link.href = root + doc.u;
    appendMarked(link, doc.t);
    heading.appendChild(link);
    item.appendChild(heading);
    // Dates and topics link to their pages, as in the site's own lists (partials/paper_item.html).
    var meta = document.createElement("p");
    meta.className = "meta";
    // The dates in one box, as the lists have them: the line is a flex row.
    var dates = document.createElement("span");
    dates.className = "dates";
    doc.d.forEach(function (date, index) {
      if (index) dates.appendChild(document.createTextNode(", "));
      dates.appendChild(linkTo(date, "date"));
    });
    if (doc.d.length) meta.appendChild(dates);
    doc.g.forEach(function (topic) {
      // A space before each pill, as in partials/paper_item.html: copied text reads as words.
      meta.appendChild(document.createTextNode(" "));
      meta.appendChild(linkTo(topic, "tag"));
    });
    (doc.k || []).forEach(function (tag) {  // the reader's own tags, after the topics
      meta.appendChild(document.createTextNode(" "));
      meta.appendChild(linkTo([tag[0], "#" + tag[1]], "tag user-tag"));
    });
    item.appendChild(meta);
    var snippet = document.createElement("p");
    snippet.className = "snippet";
    // A passage of the reader's notes where they hold the words asked for and the abstract does not.
    var inNotes = doc.n && AtlasSearch.finds(doc.n, current.stems) && !AtlasSearch.finds(doc.a, current.stems);
    if (inNotes) {
      var label = document.createElement("strong");
      label.textContent = "Your notes: ";
      snippet.appendChild(label);
    }
    appendMarked(snippet, AtlasSearch.excerpt(inNotes ? doc.n : doc.a, current.stems));
    item.appendChild(snippet);
    return item;
  }

  /* The next batch of the current results. While one loads, another click
   * waits for it rather than asking for the same results again. */
  function showMore() {
    var state = current;
    if (state.loading) return state.loading;
    var batch = state.results.slice(state.shown, state.shown + PAGE);
    state.loading = Promise.all(batch.map(function (result) { return searcher.documentFor(result.ref); }))
      .then(function (docs) {
        state.loading = null;
        if (state !== current) return;
        docs.forEach(function (doc) { if (doc) list.appendChild(renderResult(doc)); });
        state.shown += batch.length;
        more.hidden = state.shown >= state.results.length;
        remember();
      }, function (error) {
        state.loading = null;
        throw error;
      });
    return state.loading;
  }

  function run(raw, typing) {
    var mine = ++generation;
    var started = performance.now();
    var text = raw.trim();
    syncURL(text);
    if (!text) {
      list.textContent = "";
      lastResult = -1;
      more.hidden = true;
      current = { results: [], shown: 0, stems: [], text: "" };
      setStatus("Type to search " + fieldsSaid(searcher.manifest.fields) + ".", typing);
      return Promise.resolve();
    }
    return searcher.search(text, typing).then(function (outcome) {
      if (mine !== generation) return;
      // Time to the answer, for bench/search_bench.py, which waits for the
      // first results (below) only if there are any.
      performance.measure("atlas-answer", { start: started, detail: { results: outcome.results.length } });
      list.textContent = "";
      lastResult = -1;
      more.hidden = true;  // until this query's first results are on the page
      current = { results: outcome.results, shown: 0, stems: AtlasSearch.highlightStems(outcome.query), text: text };
      var n = outcome.results.length;
      if (n === 0) {
        if (searcher.manifest.documents.count === 0) {  // no other words would help either
          setStatus("There are no papers to search yet: the site has none.", typing);
          return;
        }
        // Other words would not help a query that is all "the" and "of": the index holds none of them.
        var common = AtlasSearch.stopWordCount(text);
        if (common) {
          setStatus("“" + text + "” " + (common > 1 ? "are words" : "is a word") +
            " too common to search for. Add one that says what the papers are about.", typing);
          return;
        }
        // A tag no paper has: its name may still be a word of theirs, one click away.
        var tags = AtlasSearch.tagsAskedFor(text);
        if (tags.length === 1 && !/\s/.test(text)) {
          var name = tags[0].slice(1);
          setStatus(["No paper is tagged “" + tags[0] + "”. Search for the word “", [name, name], "”."], typing);
          return;
        }
        setStatus("No papers match “" + text + "”. Try fewer or different words, or a word’s beginning.", typing);
        return;
      }
      var count = n.toLocaleString("en-US") + (n === 1 ? " paper" : " papers");
      current.said = outcome.similar ? similarSaid(text, outcome, count)
        : count + (n === 1 ? " matches" : " match") + " “" + text + "”";
      setStatus(current.said, typing);
      return showMore().then(function () {
        // Time to the first results on screen, for bench/search_bench.py.
        if (mine === generation) performance.measure("atlas-search", { start: started });
      });
    }).catch(function (error) {
      if (mine !== generation) return;
      return renewed(error).then(function (again) {
        if (mine !== generation) return;
        if (again) return run(raw, typing);  // the same words, over the site as deployed now
        setStatus("Search could not load its index (" + error.message + "). Press Enter to try again.", typing);
      });
    });
  }

  var pageTitle = document.title;

  /* The words of the search the page's address asks for, as written there. */
  function wordsInAddress() {
    return new URL(window.location.href).searchParams.get("q") || "";
  }

  /* Whether this history entry holds a search to come back to: one sent
   * with Enter or arrived at with its address. The next words typed then
   * start an entry of their own, so Back returns to that search; words
   * typed after them change their own entry, not one per key. */
  var kept = false;

  function syncURL(text) {
    // The tab and the history entry say what was searched for.
    document.title = text ? text + " · " + pageTitle : pageTitle;
    var url = new URL(window.location.href);
    if (text) url.searchParams.set("q", text); else url.searchParams.delete("q");
    if (url.href === window.location.href) return;
    // The same words written another way ("lora " sent by the header's box
    // as q=lora+, a space as %20) are this entry's search, not the next one.
    if (kept && wordsInAddress().trim() !== text) {
      remember();  // the place in the search left behind, for Back
      kept = false;
      wantedHref = url.href;
      try {
        window.history.pushState(null, "", url.href);
        return;
      } catch (error) {
        // refused (too many changes at once): this entry takes the words, as without one kept
      }
    }
    wantedHref = url.href;
    replaceState(null, url.href);
  }

  function links() { return Array.prototype.slice.call(list.querySelectorAll(".result h2 a")); }

  function onKey(event) {
    var all = links();
    var at = all.indexOf(document.activeElement);
    if (event.key === "Escape" && at >= 0) {
      input.focus();  // from a result back to the words, as ArrowUp from the first
      return;
    }
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    // Elsewhere the arrows keep scrolling the page.
    if (!all.length || (at < 0 && document.activeElement !== input)) return;
    var next;
    if (event.key === "ArrowDown") next = at < 0 ? 0 : Math.min(at + 1, all.length - 1);
    else next = at <= 0 ? -1 : at - 1;
    event.preventDefault();
    if (next < 0) { input.focus(); return; }
    // The whole result in view, not its title at the screen's edge with its snippet below.
    all[next].focus({ preventScroll: true });
    all[next].closest(".result").scrollIntoView({ block: "nearest" });
  }

  function focusResult(number) {
    var link = links()[number];
    if (link) link.focus();
  }

  /* Where the reader is in the results, kept in this page's history entry
   * as it changes (a change made as the page is left may not be kept):
   * Back from a result (or a reload) then shows as many results as were
   * shown, scrolled as they were, on the result last focused or clicked
   * (-1: none, or the box since). Clicked counts too: Safari focuses no
   * link it opens. */
  var lastResult = -1;

  function resultOf(node) {
    var result = node && node.closest ? node.closest(".result") : null;
    return Array.prototype.indexOf.call(list.children, result);
  }

  function remember() {
    clearTimeout(remembering);
    replaceState(
      restoring && !interacted ? restoring
        : { q: current.text, shown: current.shown, result: lastResult, scroll: window.scrollY },
      wantedHref
    );
  }

  // The address of the query shown, which a refused change (below) may not
  // have put in the address bar yet: the next change does.
  var wantedHref = window.location.href;
  // The place being restored, kept as it was until it is: leaving while its
  // results load must not save the first ten, at the top, instead.
  var restoring = null;

  /* Moving through the results (the arrows, the wheel) is remembered once
   * it pauses: Safari refuses more than 100 history changes in 10 s. */
  var remembering = null;
  function rememberSoon() {
    clearTimeout(remembering);
    remembering = setTimeout(remember, 200);
  }

  /* A history change refused (that limit) costs the reader the place kept,
   * never the search. */
  function replaceState(state, href) {
    try {
      window.history.replaceState(state, "", href);
    } catch (error) {
      // the next change, after the limit's window, keeps it again
    }
  }

  function restore(saved) {
    var state = current;
    lastResult = saved.result;  // the result the place is on, until the reader moves
    function fill() {
      if (state !== current || state.shown >= Math.min(saved.shown, state.results.length)) return undefined;
      return showMore().then(fill);
    }
    return Promise.resolve(fill()).then(function () {
      if (state !== current || interacted) return;
      var link = links()[saved.result];
      if (link) link.focus({ preventScroll: true });
      window.scrollTo(0, saved.scroll);
    }).finally(function () {
      restoring = null;
      remember();
    });
  }

  // Typed or submitted before the index's manifest is in (a slow network):
  // searched for once it is, and kept in the box.
  var typed = false, submitted = false;
  var timer = null;

  /* Enter in the box: the search, then the first result, for the arrow keys
   * and Enter; on a touch screen (its keyboard's Search key), out of the box,
   * which puts the on-screen keyboard away, and on no result, as when it
   * arrives with a query: it has no arrow keys, and focus only drew a ring
   * around the first title. */
  function submit() {
    var sent = run(input.value, false);
    kept = !!input.value.trim();
    return sent.then(function () {
      if (window.matchMedia("(pointer: coarse)").matches) input.blur();
      else focusResult(0);
    });
  }
  input.addEventListener("input", function () {
    typed = true;
    clearTimeout(timer);
    if (!searcher) return;
    timer = setTimeout(function () { run(input.value, true); }, 80);
  });
  input.form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(timer);
    if (!searcher) { submitted = true; return; }
    submit();
  });
  // The words a query like them was answered for, searched for as sent with Enter.
  status.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-q]");
    // Not a click that opens it elsewhere (a new tab), which its address does.
    if (!link || !searcher || event.button || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    clearTimeout(timer);
    input.value = link.getAttribute("data-q");
    submit();
  });
  document.addEventListener("keydown", onKey);
  more.addEventListener("click", function () {
    // On to the first result the button added, not left on the button below them.
    var state = current, shown = current.shown;
    showMore().then(function () {
      if (state !== current) return;
      // Not a failure of a press before (the same words are not announced again).
      if (status.textContent !== [].concat(state.said).map(function (part) {
        return typeof part === "string" ? part : part[0];
      }).join("")) setStatus(state.said);
      focusResult(shown);
    }, function (error) {
      return renewed(error).then(function (again) {
        if (state !== current) return;
        // Deployed anew: its papers' numbers may have moved, so the search runs again.
        if (again) return run(state.text, false);
        // Said, not left to fail unheard: the next press fetches the files again.
        setStatus("More results could not load (" + error.message + "). Press the button to try again.");
      });
    });
  });
  list.addEventListener("focusin", function (event) { lastResult = resultOf(event.target); rememberSoon(); });
  list.addEventListener("click", function (event) { lastResult = resultOf(event.target); remember(); });
  input.addEventListener("focus", function () { lastResult = -1; remember(); });
  window.addEventListener("scroll", rememberSoon, { passive: true });
  window.addEventListener("pagehide", remember);
  window.addEventListener("pageshow", function (event) {
    // Back to the page as it was left (the back/forward cache): searched
    // again only for words typed but not searched for yet.
    if (!event.persisted) return;
    if (searcher && input.value.trim() !== current.text) run(input.value, false);
    kept = !!current.text;
  });
  // Back or Forward to another search of this page: its words, results and place.
  window.addEventListener("popstate", function () {
    var q = wordsInAddress().trim();
    // Not the skip link's "#main", which comes here too: that search is on the page.
    if (!searcher || q === current.text && input.value.trim() === q) return;
    watchInteraction();
    arrive();
  });
  // The results come after the page loads: the scroll is restored with them.
  if ("scrollRestoration" in window.history) window.history.scrollRestoration = "manual";

  // A click or key before the results arrive is the reader's own way on:
  // focus is then not moved (nor the page scrolled) to the first result.
  var interacted = false;
  function onInteraction() { interacted = true; }
  function watchInteraction() {
    interacted = false;
    ["pointerdown", "keydown", "wheel", "touchstart"].forEach(function (type) {
      document.addEventListener(type, onInteraction, { capture: true, once: true, passive: true });
    });
  }
  watchInteraction();

  /* The search the address asks for, and the place kept in its history entry. */
  function arrive() {
    clearTimeout(timer);
    var q = wordsInAddress();
    input.value = q;
    wantedHref = window.location.href;
    kept = !!q.trim();
    // Arrived with a query (the header's box on another page, or a link), as
    // after Enter here: on the first result, for the arrow keys and Enter;
    // but not on a touch screen, which has no arrow keys to use it and showed
    // only a focus ring around the first title. Without one, in the box.
    if (!q) {
      input.focus();
      return run(q, false);
    }
    // Back here from a result, or reloaded: where the reader was.
    var saved = window.history.state;
    // (Not a place kept for another search, arrived at before by Back.)
    restoring = saved && saved.q === q.trim() ? saved : null;
    return run(q, false).then(function () {
      if (restoring && current.text === saved.q) return restore(saved);
      restoring = null;
      if (!interacted && !window.matchMedia("(pointer: coarse)").matches) focusResult(0);
    });
  }

  /* What the index holds, in words: tags and notes only where papers have some. */
  function fieldsSaid(fields) {
    var words = { title: "titles", topics: "topics", tags: "tags", abstract: "abstracts", notes: "your notes" };
    var said = (fields || ["title"]).map(function (name) { return words[name] || name; });
    return said.length > 1 ? said.slice(0, -1).join(", ") + " and " + said[said.length - 1] : said[0];
  }

  /* The tips and the shortcut's switch below the results wait for the
   * search to load: shown first, they jumped down as the results arrived
   * above them (a layout shift of 0.14-0.25; the footer keeps below the
   * screen, style.css), and, with the box empty, as "Loading search…" became
   * "Type to search titles, topics and abstracts.", two lines on a phone
   * (0.006-0.018 at 320-390px). */
  function settled() {
    app.classList.remove("search-loading");
    if (help) help.hidden = false;
  }

  setStatus("Loading search…");
  app.classList.add("search-loading");
  fetchJSON(app.getAttribute("data-manifest")).then(function (manifest) {
    searcher = new AtlasSearch.Searcher(manifest, fetchJSON);
    if (submitted) return submit();
    if (typed) return run(input.value, true);
    return arrive();
  }).catch(function (error) {
    setStatus("Search could not load its index (" + error.message + ").");
  }).then(settled);
})();
