/* Paper Atlas search: the parts that do not touch the page.
 *
 * Shared by the browser (window.AtlasSearch) and the Node tests (require), so
 * the tests exercise exactly the code readers run. Needs lunr 2.3.9.
 */
(function (root, factory) {
  if (typeof module === "object" && module.exports) {
    module.exports = factory;
  } else {
    root.AtlasSearch = factory(root.lunr);
  }
})(typeof self !== "undefined" ? self : this, function (lunr) {
  "use strict";

  var MAX_QUERY = 256;

  /* What the reader typed, made safe for lunr's query syntax:
   * quotes and brackets (lunr has no phrases) and punctuation stuck to words
   * go; a plain last word also matches as a prefix, so results follow typing. */
  function prepareQuery(raw, typing) {
    var text = String(raw || "").slice(0, MAX_QUERY);
    text = text.replace(/["'“”‘’()[\]{}<>,;!?|\\/]+/g, " ");
    text = text.replace(/(\S)[.]+(?=\s|$)/g, "$1");
    text = text.replace(/\s+/g, " ").trim();
    if (!text) return "";
    var last = /(?:^|\s)([\p{L}\p{N}]{2,})$/u.exec(text);
    if (typing && last) text += " " + last[1] + "*";
    return text.toLowerCase();
  }

  /* Fall-back for queries lunr cannot parse (a dangling "title:", "^", "~"):
   * the same words without any query syntax. */
  function plainWords(text) {
    return text.replace(/[:^~*+\-]+/g, " ").replace(/\s+/g, " ").trim();
  }

  function parse(text, fields) {
    var query = new lunr.Query(fields);
    new lunr.QueryParser(text, query).parse();
    return query;
  }

  var searchPipeline = null;
  function stem(term) {
    if (!searchPipeline) searchPipeline = lunr.Pipeline.load(["stemmer"]);
    return searchPipeline.runString(term);
  }

  /* The shards a query reads: for each clause, the shard owning its term or,
   * for a prefix, every shard that can hold a term with that prefix. Fuzzy,
   * leading-wildcard and all-negative queries read everything. */
  function shardsFor(parsedQuery, shards) {
    var needed = {};
    var everything = parsedQuery.isNegated();
    parsedQuery.clauses.forEach(function (clause) {
      var term = clause.term;
      if (clause.editDistance > 0 || term.indexOf("*") !== -1 && !/^[^*]+\*$/.test(term) ||
          clause.wildcard & lunr.Query.wildcard.LEADING) {
        everything = true;
        return;
      }
      var terms = clause.usePipeline ? stem(term) : [term];
      terms.forEach(function (t) {
        var isPrefix = t.charAt(t.length - 1) === "*";
        var base = isPrefix ? t.slice(0, -1) : t;
        var owner = longestKey(shards, base);
        if (owner !== null) needed[owner] = true;
        if (isPrefix) {
          shards.forEach(function (shard) {
            if (shard[0].length > base.length && shard[0].slice(0, base.length) === base) needed[shard[0]] = true;
          });
        }
      });
    });
    return shards.filter(function (shard) { return everything || needed[shard[0]]; });
  }

  function longestKey(shards, term) {
    var best = null;
    shards.forEach(function (shard) {
      var key = shard[0];
      if (term.slice(0, key.length) === key && (best === null || key.length > best.length)) best = key;
    });
    return best;
  }

  /* A serialized lunr index made of the given shards. For the terms in them
   * it has the same postings, term indexes and field-vector entries as the
   * monolithic index, which is all lunr's scoring reads. With every shard it
   * is the monolithic index, empty field vectors included (all-negative
   * queries list every field vector). */
  function mergeShards(manifest, shardData, complete) {
    var fields = manifest.fields;
    var entries = [];
    shardData.forEach(function (shard) {
      Object.keys(shard).forEach(function (term) { entries.push([term, shard[term]]); });
    });
    entries.sort(function (a, b) { return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0; });
    // lunr only reads posting metadata (there is none here), so every
    // posting can share one empty object.
    var noMetadata = Object.freeze({});
    var vectors = Object.create(null); // "field/ref" -> [termIndex, score, ...]
    var invertedIndex = entries.map(function (entry) {
      var termIndex = entry[1][0], perField = entry[1][1];
      var posting = { _index: termIndex };
      fields.forEach(function (field) {
        var postings = Object.create(null);
        var packed = perField[field] || [];
        var ref = 0;
        for (var i = 0; i < packed.length; i += 2) {
          ref += packed[i];
          postings[ref] = noMetadata;
          var key = field + "/" + ref;
          var vector = vectors[key];
          if (vector === undefined) vectors[key] = [termIndex, packed[i + 1]];
          else vector.push(termIndex, packed[i + 1]);
        }
        posting[field] = postings;
      });
      return [entry[0], posting];
    });
    var keys = [];
    if (complete) {
      for (var doc = 0; doc < manifest.documents.count; doc++) {
        fields.forEach(function (field) { keys.push(field + "/" + doc); });
      }
    } else {
      keys = Object.keys(vectors);
    }
    var fieldVectors = keys.map(function (key) { return [key, sortedPairs(vectors[key] || [])]; });
    return { version: lunr.version, fields: fields, fieldVectors: fieldVectors,
             invertedIndex: invertedIndex, pipeline: ["stemmer"] };
  }

  /* [index, value, ...] ordered by index, as lunr.Vector keeps its elements. */
  function sortedPairs(flat) {
    if (flat.length <= 2) return flat;
    var order = [];
    for (var i = 0; i < flat.length; i += 2) order.push(i);
    order.sort(function (a, b) { return flat[a] - flat[b]; });
    var sorted = [];
    order.forEach(function (i) { sorted.push(flat[i], flat[i + 1]); });
    return sorted;
  }

  /* lunr ranks by score alone, so a paper matching one query word in its
   * title can outrank one matching every word. Readers expect papers with
   * all their words first: order by how many of the query's words a result
   * matches, then by lunr's score (the sort is stable). */
  function byCoverage(parsedQuery, results) {
    var groups = Object.create(null);
    parsedQuery.clauses.forEach(function (clause) {
      if (clause.presence === lunr.Query.presence.PROHIBITED) return;
      var raw = clause.term.replace(/\*+$/, "");
      if (!raw || !lunr.stopWordFilter(new lunr.Token(raw))) return;
      var matcher;
      if (clause.editDistance > 0 || raw.indexOf("*") !== -1) {
        matcher = function () { return true; };
      } else if (/\*$/.test(clause.term)) {
        matcher = function (term) { return term.slice(0, raw.length) === raw; };
      } else {
        var stems = clause.usePipeline ? stem(raw) : [raw];
        matcher = function (term) { return stems.indexOf(term) !== -1; };
      }
      (groups[raw] || (groups[raw] = [])).push(matcher);
    });
    var keys = Object.keys(groups);
    if (keys.length < 2) return results;
    var scored = results.map(function (result, position) {
      var terms = Object.keys(result.matchData.metadata);
      var covered = keys.filter(function (key) {
        return groups[key].some(function (matches) { return terms.some(matches); });
      }).length;
      return { result: result, covered: covered, position: position };
    });
    scored.sort(function (a, b) { return b.covered - a.covered || a.position - b.position; });
    return scored.map(function (entry) { return entry.result; });
  }

  /* Searcher over a manifest; fetchJSON(path) returns a promise of the parsed
   * file (path relative to the site root). */
  function Searcher(manifest, fetchJSON) {
    this.manifest = manifest;
    this.fetchJSON = fetchJSON;
    this.shardCache = Object.create(null);
    this.chunkCache = Object.create(null);
    this.single = null;
    this.merged = { key: null, index: null };
  }

  Searcher.prototype.indexFor = function (text) {
    var self = this, manifest = this.manifest;
    if (manifest.index) {
      if (!self.single) {
        self.single = self.fetchJSON(manifest.index).then(function (data) { return lunr.Index.load(data); });
      }
      return self.single;
    }
    var needed = shardsFor(parse(text, manifest.fields), manifest.shards);
    var complete = needed.length === manifest.shards.length;
    return Promise.all(needed.map(function (shard) {
      if (!self.shardCache[shard[1]]) self.shardCache[shard[1]] = self.fetchJSON(shard[1]);
      return self.shardCache[shard[1]];
    })).then(function (data) {
      var key = needed.map(function (shard) { return shard[1]; }).join(" ");
      if (self.merged.key !== key) {
        self.merged = { key: key, index: lunr.Index.load(mergeShards(manifest, data, complete)) };
      }
      return self.merged.index;
    });
  };

  /* Resolves to {query, results, lunrResults, error}: lunrResults as lunr
   * returned them, results in the order shown. Never rejects for a query,
   * only when the index cannot be fetched. */
  Searcher.prototype.search = function (raw, typing) {
    var self = this;
    var text = prepareQuery(raw, typing);
    if (!text) return Promise.resolve({ query: "", results: [], lunrResults: [], error: null });
    var attempts = [text, plainWords(text)].filter(function (t, i, all) { return t && all.indexOf(t) === i; });
    function attempt(i) {
      if (i >= attempts.length) return Promise.resolve({ query: text, results: [], lunrResults: [], error: "syntax" });
      var candidate = attempts[i];
      var parsedOk = true;
      try { parse(candidate, self.manifest.fields); } catch (e) { parsedOk = false; }
      if (!parsedOk) return attempt(i + 1);
      return self.indexFor(candidate).then(function (index) {
        try {
          var found = index.search(candidate);
          return { query: candidate, results: byCoverage(parse(candidate, self.manifest.fields), found),
                   lunrResults: found, error: null };
        } catch (e) {
          if (e instanceof lunr.QueryParseError) return attempt(i + 1);
          throw e;
        }
      });
    }
    return attempt(0);
  };

  /* The stored document of a result ref. */
  Searcher.prototype.documentFor = function (ref) {
    var docs = this.manifest.documents, self = this;
    var chunk = docs.chunk ? Math.floor(Number(ref) / docs.chunk) : 0;
    var path = docs.files[chunk];
    if (!self.chunkCache[path]) self.chunkCache[path] = self.fetchJSON(path);
    return self.chunkCache[path].then(function (data) {
      return docs.chunk ? data[Number(ref) - chunk * docs.chunk] : data[ref];
    });
  };

  /* Stems of the words a reader asked for, to mark them in titles and
   * snippets: a word is marked when its stem starts with one of these. */
  function highlightStems(text) {
    var words = plainWords(text).toLowerCase().split(" ").filter(Boolean);
    var stems = [];
    words.forEach(function (word) {
      if (word.indexOf(":") !== -1) word = word.split(":").pop();
      if (word.length < 2 || !lunr.stopWordFilter(new lunr.Token(word))) return;
      stem(word).forEach(function (s) { if (s && stems.indexOf(s) === -1) stems.push(s); });
    });
    return stems;
  }

  /* Splits text into [segment, marked] pairs. */
  function highlight(text, stems) {
    var parts = [], last = 0, match;
    var word = /[\p{L}\p{N}]+/gu;
    while ((match = word.exec(text)) !== null) {
      var lower = match[0].toLowerCase();
      var stemmed = stem(lower)[0] || lower;
      var hit = stems.some(function (s) { return stemmed.indexOf(s) === 0 || lower.indexOf(s) === 0; });
      if (hit) {
        if (match.index > last) parts.push([text.slice(last, match.index), false]);
        parts.push([match[0], true]);
        last = match.index + match[0].length;
      }
    }
    if (last < text.length) parts.push([text.slice(last), false]);
    return parts;
  }

  return {
    prepareQuery: prepareQuery,
    plainWords: plainWords,
    shardsFor: shardsFor,
    mergeShards: mergeShards,
    parse: parse,
    Searcher: Searcher,
    highlightStems: highlightStems,
    highlight: highlight,
  };
});
