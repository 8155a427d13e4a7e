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

  /* What the reader typed, as the terms the index holds: each word trimmed
   * as the build trimmed the documents' words, which lunr does not do to
   * a query ("(LoRA)," finds lora, "Pretrainer's" pretrainer's, "$100K" 100k,
   * "87.73%" 87.73), and lunr's query syntax kept (+ and -, a field, a
   * wildcard, a boost); a word written as an inline tag ("#routing") is
   * that tag ("tags:routing"); a plain last word (or tag) also matches as a
   * prefix, so results follow typing. */
  function prepareQuery(raw, typing) {
    var words = [], typedTag = null;
    // A word the index leaves out ("the") is not required when the query
    // has others: "+the lora" would find nothing, as "+mixture-of-experts".
    var anyIndexed = !stopWordCount(raw);
    // Folded before its syntax is read, as the build folds a paper's text
    // before lunr's tokenizer: "ＬＬＭ－based" is "llm-based", two words.
    folded(String(raw || "").slice(0, MAX_QUERY)).replace(/\\/g, " ").split(/\s+/).reduce(withTagsApart, [])
    .forEach(function (token) {
      typedTag = null;
      if (/^\*+$/.test(token)) return words.push("*");  // every paper
      var tag = asTag(token);
      var syntax = /^([+-]?)(?:(\w+):(?=.*[\p{L}\p{M}\p{N}_]))?(.*?)(\*?(?:[\^~]\d*)?)$/u.exec(tag || token);
      // lunr's query lexer, as its tokenizer, takes a hyphen inside a word for a space.
      var terms = syntax[3].split("-").map(trimmedTerm).filter(Boolean);
      if (!terms.length) return;
      var field = syntax[2] ? syntax[2] + ":" : "";
      // A plain word also means its parts, so that "LLM's" finds the papers
      // that say LLM (those that say LLM's rank first, for the rarer word);
      // a tag is a name, not words ("#project/llm" is not "#llm").
      var parts = syntax[1] || syntax[4] || tag ? [] : [].concat.apply([], terms.map(partsOf));
      // Each piece of a hyphenated word is asked for as the word is: lunr
      // would give its first piece alone the sign and the field, and the
      // last alone the boost, so "-fine-tuning" asked for papers on tuning
      // and "title:low-rank" for "rank" anywhere. A wildcard stays at the end,
      // and a piece the index leaves out is not required ("+mixture-of-experts"
      // would find nothing), unless all the query's are.
      var star = syntax[4].charAt(0) === "*" ? "*" : "", modifier = syntax[4].slice(star.length);
      terms = terms.map(function (term, i) {
        var beginning = star && i === terms.length - 1;
        var sign = syntax[1] === "+" && anyIndexed && !beginning && !isIndexed(term) ? "" : syntax[1];
        return sign + field + term + (i === terms.length - 1 ? star : "") + modifier;
      });
      words.push(terms.concat(parts.map(function (part) { return field + part; })).join(" "));
      if (tag && !syntax[1] && !syntax[4]) typedTag = terms[terms.length - 1];
    });
    var text = words.join(" ");
    if (!text) return "";
    var last = /(?:^|\s)([\p{L}\p{M}\p{N}]{2,})$/u.exec(text);
    if (typing && last) text += " " + last[1] + "*";
    else if (typing && typedTag && /[\p{L}\p{M}\p{N}]{2,}$/u.test(typedTag)) text += " " + typedTag + "*";
    return text;
  }

  /* A query's word written as Obsidian writes an inline tag ("#routing",
   * "+#to-read", "-#project/llm", "#rout*"), as a query of the tags field
   * ("tags:routing"); null for any other word. As site_builder/inline_tags.py
   * reads a tag: after the '#', letters, marks and digits of any script, '_',
   * '-' and '/', not digits alone ("#2024", "#1") nor marks alone ("#-"),
   * up to anything else ("#routing," is "#routing"); and only at a word's
   * start ("C#" is no tag). A tag of several words is one term, as the
   * build indexes it (search.py's indexed_tag): "#read-later", "#Read_later"
   * and a "Read later" of a paper's tags: are "read_later", one tag's page. */
  function asTag(token) {
    var tag = inlineTag(token);
    return tag && tag[1] + "tags:" + tag[2].split(/[-_]+/).filter(Boolean).join("_") + tag[3];
  }

  /* ``tokens`` and a query's word ``token``, a word written as an inline tag
   * ending where a note's does: "#routing,lora" is the tag routing, then
   * the word lora. */
  function withTagsApart(tokens, token) {
    var rest = (inlineTag(token) || [])[4];
    return tokens.concat(rest && /[\p{L}\p{M}\p{N}]/u.test(rest) ? [token.slice(0, -rest.length), rest] : [token]);
  }

  /* [the word, its sign, the tag's name, a wildcard or boost, what follows
   * it] of a word written as an inline tag, or null. A '/' it would end
   * with is no part of it, as in a note ("#project/" is project, "#2024/" a
   * number). */
  function inlineTag(token) {
    var tag = /^([+-]?)#([\p{L}\p{M}\p{N}_\/-]+)(\*?(?:[\^~]\d*)?)([^\p{L}\p{M}\p{N}_\/*^~-].*)?$/u.exec(token);
    if (tag) tag[2] = tag[2].replace(/\/+$/, "");
    return tag && !/^\p{N}+$/u.test(tag[2]) && /[^_\/-]/.test(tag[2]) ? tag : null;
  }

  /* The tags a query asks for, as written ("#Routing" of "+#Routing,"); not
   * those it excludes ("-#routing"). */
  function tagsAskedFor(raw) {
    var tags = [];
    String(raw || "").slice(0, MAX_QUERY).split(/\s+/).forEach(function (token) {
      var tag = inlineTag(token) || inlineTag(folded(token));  // as typed, or "＃routing" as folded
      if (tag && tag[1] !== "-") tags.push("#" + tag[2]);
    });
    return tags;
  }

  /* Text as the index holds its words, lowercased and folded: the build
   * (site_builder/js/build_index.js) folds the papers' text with this before
   * lunr's tokenizer, and a query, its marking of words and its typo
   * suggestions fold the reader's words alike, so "frechet" finds and marks
   * "Fréchet" (and "Fréchet" does too). NFKC writes a ligature, a
   * full-width letter or a superscript as the letters it stands for ("ﬁne"
   * from a PDF is "fine", "ＬＬＭ" "llm"); the marks on Latin, Greek and
   * Cyrillic letters go, accents readers type without (é, whether written
   * whole or as e and a mark as a Mac may, ö, ç, ά, й; "İ", lowercased to i
   * and a dot above); "ß" is "ss". Marks of other scripts stay: a Devanagari or
   * Thai vowel, or the dakuten of が, makes another word, not an accented one.
   * (Marks on no letter go too: NFKC writes "¨" as a space and a mark.) "ß",
   * "ł", "ø", "æ" and the like, which have no mark to take away, are written
   * as they are typed: "ss", "l", "o", "ae". */
  var ACCENTS = /(^|[\s\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}])\p{M}+/gu;
  function folded(text) {
    // Plain ASCII, most of a site's text, is folded by lowercasing alone.
    if (!/[^\x00-\x7f]/.test(text)) return text.toLowerCase();
    return text.normalize("NFKC").toLowerCase().normalize("NFD").replace(ACCENTS, "$1").normalize("NFC")
      .replace(UNDECOMPOSED, function (letter) { return AS_TYPED[letter]; });
  }
  /* Letters Unicode writes as no letter and a mark, typed as they are here:
   * "lukasiewicz" finds "Łukasiewicz", "aesthetic" "Æsthetic". */
  var AS_TYPED = {"ß": "ss", "ł": "l", "ø": "o", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i"};
  var UNDECOMPOSED = /[ßłøđðþæœı]/g;

  /* Whether lunr's index pipeline keeps ``term`` (its stop-word filter drops "the", "of"). */
  function isIndexed(term) {
    return !!lunr.stopWordFilter(new lunr.Token(term.toLowerCase()));
  }

  /* The build's trimmer (site_builder/js/build_index.js): what is not a
   * letter, mark, digit or _ goes from both ends of a word (a wildcard at
   * either end stays). */
  function trimmedTerm(term) {
    var star = /^(\*?)(.*?)(\*?)$/.exec(term);
    var word = star[2].replace(/^[^\p{L}\p{M}\p{N}_]+|[^\p{L}\p{M}\p{N}_]+$/gu, "");
    return word && star[1] + word + star[3];
  }

  /* The words inside a word that has punctuation between letters ("llm's" →
   * llm, "encoder/decoder" → encoder and decoder; not "10,000" or "1.5"), as
   * the trimmer leaves them; none for other words. */
  function partsOf(word) {
    if (!/\p{L}[^\p{L}\p{M}\p{N}_]+\p{L}/u.test(word)) return [];
    return word.split(/[^\p{L}\p{M}\p{N}_]+/u).map(trimmedTerm).filter(function (part) {
      return part.length >= 2 && part !== word;
    });
  }

  /* sameWord for a prepared query, with each part of a word (partsOf) taken
   * for that word, so a paper is not ranked as if it had two words of the
   * query for having one. */
  function withWholes(text, sameWord) {
    var map = Object.create(null);
    Object.keys(sameWord || {}).forEach(function (key) { map[key] = sameWord[key]; });
    text.split(" ").forEach(function (word) {
      var body = word.split(":").pop();
      partsOf(body).forEach(function (part) { if (!(part in map)) map[part] = body; });
    });
    return map;
  }

  /* The last word of a prepared query when it is matched as a beginning too
   * ("hallucina hallucina*"), or null. */
  function typedBeginning(text) {
    var match = /(?:^|\s)([\p{L}\p{N}]{4,}) \1\*$/u.exec(text);
    return match ? match[1] : null;
  }

  /* Endings that complete a word's beginning into a word lunr's stemmer
   * shortens below that beginning ("trainin" + "g" → "train"). */
  var ENDINGS = [
    "e", "s", "es", "ed", "d", "n", "ns", "g", "gs", "ng", "ngs", "on", "ons", "ion", "ions", "tion", "tions",
    "ation", "ations", "ing", "ings", "al", "ally", "ly", "y", "ies", "ity", "ities", "ive", "ement", "ment",
    "ness", "er", "ers", "ize", "ized", "izes", "izing", "ization", "izations",
  ];

  /* How many words a query has when they are all words lunr leaves out of
   * the index ("a", "the", "of"), so that it finds nothing however it is
   * worded; 0 when one is not. A wildcard ("the*") is a beginning, and is
   * searched for. */
  function stopWordCount(raw) {
    var text = String(raw || "").slice(0, MAX_QUERY);
    if (text.indexOf("*") !== -1) return 0;
    var words = folded(text).split(/[\s-]+/).map(function (token) {
      return trimmedTerm(token.replace(/^[+-]?(?:\w+:)?/, "").replace(/[\^~]\d*$/, ""));
    }).filter(Boolean);
    var common = words.every(function (word) { return !isIndexed(word); });
    return common ? words.length : 0;
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
   * for a prefix, every shard that can hold a term with that prefix. Fuzzy
   * and leading-wildcard queries read everything. */
  function shardsFor(parsedQuery, shards) {
    var needed = {};
    var everything = false;
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

  /* lunr ranks by score alone, so a paper matching one query word in its
   * title can outrank one matching every word. Readers expect papers with
   * all their words first: order by how many of the query's words a result
   * matches, then by lunr's score (the sort is stable). */
  function byCoverage(parsedQuery, results, sameWord) {
    var groups = Object.create(null);
    parsedQuery.clauses.forEach(function (clause) {
      if (clause.presence === lunr.Query.presence.PROHIBITED) return;
      var raw = clause.term.replace(/\*+$/, "");
      if (!raw || !isIndexed(raw)) return;
      var matcher;
      if (clause.editDistance > 0 || raw.indexOf("*") !== -1) {
        matcher = function () { return true; };
      } else if (/\*$/.test(clause.term)) {
        matcher = function (term) { return term.slice(0, raw.length) === raw; };
      } else {
        var stems = clause.usePipeline ? stem(raw) : [raw];
        matcher = function (term) { return stems.indexOf(term) !== -1; };
      }
      var key = sameWord && sameWord[raw] || raw;  // a stem added for a half-typed word is that word
      (groups[key] || (groups[key] = [])).push(matcher);
    });
    var keys = Object.keys(groups);
    if (keys.length < 2) return results;
    // Results by how many words they cover, each group in lunr's order.
    var coverage = new Map(); // results that matched the same terms share one array
    var byCovered = keys.map(function () { return []; }).concat([[]]);
    results.forEach(function (result) {
      var terms = result.terms, covered = coverage.get(terms);
      if (covered === undefined) {
        covered = keys.filter(function (key) {
          return groups[key].some(function (matches) { return terms.some(matches); });
        }).length;
        coverage.set(terms, covered);
      }
      byCovered[covered].push(result);
    });
    return [].concat.apply([], byCovered.reverse());
  }

  /* lunr.Index#query over shard data, without building lunr's objects.
   *
   * lunr 2.3.9 makes a MatchData, a FieldRef and a string key for every
   * (document, field, term) it visits, so a query for common words takes
   * half a second at 20,000 papers. This does the same arithmetic over typed
   * arrays: a document field's score is the dot product of the query vector
   * with the field vector, taken over ascending term indexes, divided by the
   * query vector's magnitude; a document's score adds its fields' scores in
   * the order lunr first met them; the stable sort keeps lunr's order among
   * equal scores. Terms are expanded by lunr's own TokenSet, and query
   * vectors are lunr.Vectors, so every floating-point operation is the one
   * lunr performs. tests/test_search.py compares the answers with a
   * monolithic lunr index's on a table of queries and on generated ones. */
  function ShardIndex(manifest, shardData) {
    this.fields = manifest.fields;
    this.count = manifest.documents.count;
    this.postings = Object.create(null);
    var terms = [];
    var postings = this.postings;
    shardData.forEach(function (shard) {
      Object.keys(shard).forEach(function (term) { postings[term] = shard[term]; terms.push(term); });
    });
    terms.sort(function (a, b) { return a < b ? -1 : a > b ? 1 : 0; });
    var builder = new lunr.TokenSet.Builder();
    terms.forEach(function (term) { builder.insert(term); });
    builder.finish();
    this.tokenSet = builder.root;
    this.pipeline = lunr.Pipeline.load(["stemmer"]);
  }

  /* How many papers hold ``term``, in any of their fields; 0 for a term it does not hold. */
  ShardIndex.prototype.documentCount = function (term) {
    if (!this.postings[term]) return 0;
    var fields = this.postings[term][1], papers = new Set();
    Object.keys(fields).forEach(function (field) {
      for (var i = 0, ref = 0; i < fields[field].length; i += 2) papers.add(ref += fields[field][i]);
    });
    return papers.size;
  };

  ShardIndex.prototype.search = function (text) {
    var query = parse(text, this.fields);
    var presence = lunr.Query.presence;
    var fields = this.fields, F = fields.length, N = this.count;
    var fieldNumber = Object.create(null);
    fields.forEach(function (field, f) { fieldNumber[field] = f; });
    var queryVectors = fields.map(function () { return new lunr.Vector(); });
    var scored = fields.map(function () { return Object.create(null); }); // termIndex -> packed postings
    // Field refs (document * F + field) in the order lunr first meets them.
    var seen = new Uint8Array(N * F), order = new Int32Array(N * F), met = 0;
    var termFieldDone = Object.create(null);
    var matched = new TermSets(N);
    var required = new Array(F).fill(null), prohibited = new Array(F).fill(null);

    for (var c = 0; c < query.clauses.length; c++) {
      var clause = query.clauses[c];
      var clauseMatches = clause.presence === presence.REQUIRED ? new Uint8Array(N) : null;
      var terms = clause.usePipeline ? this.pipeline.runString(clause.term, { fields: clause.fields }) : [clause.term];
      for (var m = 0; m < terms.length; m++) {
        clause.term = terms[m];
        var expanded = this.tokenSet.intersect(lunr.TokenSet.fromClause(clause)).toArray();
        if (expanded.length === 0 && clause.presence === presence.REQUIRED) {
          clause.fields.forEach(function (field) { required[fieldNumber[field]] = new Uint8Array(N); });
          break;
        }
        for (var j = 0; j < expanded.length; j++) {
          var term = expanded[j], entry = this.postings[term], termIndex = entry[0];
          for (var k = 0; k < clause.fields.length; k++) {
            var field = clause.fields[k], f = fieldNumber[field];
            var packed = entry[1][field] || [];
            var ref = 0, i;
            if (clause.presence === presence.REQUIRED) {
              for (i = 0; i < packed.length; i += 2) { ref += packed[i]; clauseMatches[ref] = 1; }
              if (required[f] === null) required[f] = COMPLETE;
            }
            if (clause.presence === presence.PROHIBITED) {
              if (prohibited[f] === null) prohibited[f] = new Uint8Array(N);
              for (i = 0, ref = 0; i < packed.length; i += 2) { ref += packed[i]; prohibited[f][ref] = 1; }
              continue;
            }
            queryVectors[f].upsert(termIndex, clause.boost, add);
            scored[f][termIndex] = packed;
            var termField = term + "/" + field;
            if (termFieldDone[termField]) continue;
            termFieldDone[termField] = true;
            var t = matched.number(term);
            for (i = 0, ref = 0; i < packed.length; i += 2) {
              ref += packed[i];
              var code = ref * F + f;
              if (!seen[code]) { seen[code] = 1; order[met++] = code; }
              matched.add(ref, t);
            }
          }
        }
      }
      if (clause.presence === presence.REQUIRED) {
        clause.fields.forEach(function (field) {
          var f = fieldNumber[field];
          if (required[f] === COMPLETE) required[f] = clauseMatches.slice();
          else for (var d = 0; d < N; d++) required[f][d] &= clauseMatches[d];
        });
      }
    }

    var allowed = new Uint8Array(N).fill(1);
    for (var f2 = 0; f2 < F; f2++) {
      var need = required[f2], not = prohibited[f2];
      for (var d = 0; d < N; d++) {
        if (need !== null && need !== COMPLETE && !need[d] || not !== null && not[d]) allowed[d] = 0;
      }
    }

    var dots = new Float64Array(N * F);
    queryVectors.forEach(function (vector, f) {
      var elements = vector.elements;
      for (var e = 0; e < elements.length; e += 2) {
        var weight = elements[e + 1], packed = scored[f][elements[e]];
        for (var i = 0, ref = 0; i < packed.length; i += 2) {
          ref += packed[i];
          dots[ref * F + f] += weight * packed[i + 1];
        }
      }
    });
    var magnitudes = queryVectors.map(function (vector) { return vector.magnitude(); });
    var docScore = new Float64Array(N), docSeen = new Uint8Array(N), docs = [];
    if (query.isNegated()) {
      // lunr lists every field vector, document by document, each scoring
      // 0 against an empty query vector.
      for (var every = 0; every < N * F; every++) order[met++] = every;
    }
    for (var o = 0; o < met; o++) {
      var fieldRef = order[o], doc = (fieldRef - fieldRef % F) / F;
      if (!allowed[doc]) continue;
      var score = dots[fieldRef] / magnitudes[fieldRef % F] || 0;
      if (docSeen[doc]) {
        docScore[doc] += score;
      } else {
        docSeen[doc] = 1;
        docScore[doc] = score;
        docs.push(doc);
      }
    }
    return stableByScore(docs, docScore).map(function (doc) {
      return { ref: String(doc), score: docScore[doc], terms: matched.of(doc) };
    });
  };

  var COMPLETE = "complete"; // lunr.Set.complete: a required field no clause has narrowed yet
  function add(a, b) { return a + b; }

  /* Docs ordered as lunr's results.sort(b.score - a.score) orders them,
   * a stable sort: by score, highest first, then in the order given. Sorting
   * the distinct scores as numbers is much faster than a comparator. */
  function stableByScore(docs, docScore) {
    var groups = new Map();
    docs.forEach(function (doc) {
      var group = groups.get(docScore[doc]);
      if (group === undefined) groups.set(docScore[doc], [doc]);
      else group.push(doc);
    });
    var scores = Float64Array.from(groups.keys()).sort();
    var sorted = [];
    for (var i = scores.length - 1; i >= 0; i--) {
      var group = groups.get(scores[i]);
      for (var j = 0; j < group.length; j++) sorted.push(group[j]);
    }
    return sorted;
  }

  /* The terms each document matched. Up to 31 distinct terms a bit mask per
   * document, and documents with the same mask share one array of terms;
   * broad prefix queries keep one array per document. */
  function TermSets(count) {
    this.names = [];
    this.numbers = Object.create(null);
    this.masks = new Int32Array(count);
    this.lists = null;
    this.shared = new Map();
  }
  TermSets.prototype.number = function (term) {
    if (this.numbers[term] === undefined) {
      this.numbers[term] = this.names.length;
      this.names.push(term);
      if (this.names.length === 32) this.toLists();
    }
    return this.numbers[term];
  };
  TermSets.prototype.add = function (doc, t) {
    if (this.lists === null) {
      this.masks[doc] |= 1 << t;
    } else {
      var list = this.lists[doc] || (this.lists[doc] = []);
      if (list[list.length - 1] !== this.names[t] && list.indexOf(this.names[t]) === -1) list.push(this.names[t]);
    }
  };
  TermSets.prototype.toLists = function () {
    var self = this;
    this.lists = Array.prototype.map.call(this.masks, function (mask) { return self.fromMask(mask).slice(); });
  };
  TermSets.prototype.fromMask = function (mask) {
    var terms = this.shared.get(mask);
    if (terms === undefined) {
      terms = this.names.filter(function (_name, t) { return mask & (1 << t); });
      this.shared.set(mask, terms);
    }
    return terms;
  };
  TermSets.prototype.of = function (doc) {
    return this.lists === null ? this.fromMask(this.masks[doc]) : this.lists[doc] || [];
  };

  /* The fields an index holds only where a paper has some (search.py's index_fields). */
  var FIELDS_NOT_ALWAYS_HELD = ["tags", "notes"];

  /* A prepared query without its words of a field the index does not hold
   * because no paper has any ("#routing" where no paper has tags), which
   * find nothing: lunr cannot parse them, and its plain words ("tags
   * routing") are not what was asked for. "" when it finds nothing: one
   * was required, or asked for beside exclusions alone, or nothing is left. */
  function inFieldsHeld(text, fields) {
    var kept = [], asked = false, required = false;
    text.split(" ").forEach(function (word) {
      var field = /^([+-]?)(\w+):/.exec(word);
      if (!field || FIELDS_NOT_ALWAYS_HELD.indexOf(field[2]) === -1 || fields.indexOf(field[2]) !== -1) {
        return kept.push(word);
      }
      asked = asked || field[1] !== "-";
      required = required || field[1] === "+";
    });
    var excluding = kept.every(function (word) { return word.charAt(0) === "-"; });
    return required || asked && excluding || !kept.length ? "" : kept.join(" ");
  }

  /* A small site's single lunr index, answering like ShardIndex. */
  function SingleIndex(serialized) {
    this.index = lunr.Index.load(serialized);
    this.tokenSet = this.index.tokenSet;
  }
  SingleIndex.prototype.search = function (text) { return withTerms(this.index.search(text)); };
  SingleIndex.prototype.documentCount = function (term) {
    var fields = this.index.invertedIndex[term], papers = new Set();
    this.index.fields.forEach(function (field) { Object.keys(fields ? fields[field] : {}).forEach(papers.add, papers); });
    return papers.size;
  };

  /* lunr's results as ShardIndex gives them: ref, score and matched terms. */
  function withTerms(results) {
    return results.map(function (result) {
      return { ref: result.ref, score: result.score, terms: Object.keys(result.matchData.metadata) };
    });
  }

  /* Searcher over a manifest; fetchJSON(path) returns a promise of the parsed
   * file (path relative to the site root). */
  function Searcher(manifest, fetchJSON) {
    this.manifest = manifest;
    this.fetchJSON = fetchJSON;
    this.shardCache = Object.create(null);
    this.chunkCache = Object.create(null);
    this.single = null;
    this.loaded = { key: null, index: null };
  }

  /* The parsed file at path, fetched once and kept in cache; a fetch that
   * failed (the connection dropped) is not kept, so the next query that
   * needs the file asks for it again instead of failing until a reload. */
  Searcher.prototype.fetchOnce = function (cache, path) {
    if (!cache[path]) {
      cache[path] = this.fetchJSON(path);
      cache[path].catch(function () { delete cache[path]; });
    }
    return cache[path];
  };

  Searcher.prototype.indexFor = function (text) {
    var self = this, manifest = this.manifest;
    if (manifest.index) {
      if (!self.single) {
        // Kept as the loaded index alone, not its file too; asked for again after a failure.
        self.single = self.fetchJSON(manifest.index).then(function (data) { return new SingleIndex(data); });
        self.single.catch(function () { self.single = null; });
      }
      return self.single;
    }
    var needed = shardsFor(parse(text, manifest.fields), manifest.shards);
    return Promise.all(needed.map(function (shard) {
      return self.fetchOnce(self.shardCache, shard[1]);
    })).then(function (data) {
      var key = needed.map(function (shard) { return shard[1]; }).join(" ");
      if (self.loaded.key !== key) self.loaded = { key: key, index: new ShardIndex(manifest, data) };
      return self.loaded.index;
    });
  };

  /* Resolves to {query, results, lunrResults, error, similar}: lunrResults
   * in lunr's order, results in the order shown; similar when the query
   * found nothing and these are for words like its own (a typo:
   * "hallucnation"). Never rejects for a query, only when the index cannot
   * be fetched. */
  Searcher.prototype.search = function (raw, typing) {
    var self = this;
    return this.searchAsWritten(raw, typing).then(function (outcome) {
      if (outcome.results.length || outcome.error || !outcome.query || stopWordCount(raw)) return outcome;
      return self.similar(raw).then(function (similar) { return similar || outcome; });
    });
  };

  Searcher.prototype.searchAsWritten = function (raw, typing) {
    var self = this;
    var text = prepareQuery(raw, typing);
    if (!text) return Promise.resolve({ query: "", results: [], lunrResults: [], error: null });
    if (!typing) {
      // A query sent whole means its words; one that finds nothing is read as
      // typed, so Enter (or a shared link) never turns what typing found into nothing.
      // Not one of words too common to index alone: "the" is not "theory" and
      // "of" not "offline", and the page says why it finds nothing.
      return this.answer(text).then(function (outcome) {
        if (outcome.results.length || outcome.error || prepareQuery(raw, true) === text) return outcome;
        if (stopWordCount(raw)) return outcome;
        return self.searchAsWritten(raw, true);
      });
    }
    var word = typedBeginning(text), beginning = word && stemBeginning(word);
    if (!beginning) return this.answer(text);
    var sameWord = Object.create(null);
    sameWord[beginning] = word;
    return this.answer(text + " " + beginning + "*", sameWord);
  };

  /* A word being typed can be longer than the stem the index holds for the
   * words it begins: "hallucina" of "hallucination" (indexed "hallucin"),
   * "trainin" of "training" ("train"), so it would find nothing until the
   * word is whole. Returns the shortest such stem, to add as a beginning;
   * null for a word that is whole ("planning" finds "plan" as a word, and
   * "plan*" would add planets). */
  function stemBeginning(word) {
    var shortest = null, own = stem(word);
    ENDINGS.forEach(function (ending) {
      stem(word + ending).forEach(function (s) {
        if (s.length >= 3 && s.length < word.length && word.indexOf(s) === 0 && !(shortest && shortest.length <= s.length)) {
          shortest = s;
        }
      });
    });
    return shortest && own.indexOf(shortest) === -1 ? shortest : null;
  }

  /* search() for a prepared query. */
  Searcher.prototype.answer = function (text, sameWord) {
    var self = this;
    text = inFieldsHeld(text, this.manifest.fields);
    if (!text) return Promise.resolve({ query: "", results: [], lunrResults: [], error: null });
    sameWord = withWholes(text, sameWord);
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
          return { query: candidate, results: byCoverage(parse(candidate, self.manifest.fields), found, sameWord),
                   lunrResults: found, error: null };
        } catch (e) {
          if (e instanceof lunr.QueryParseError) return attempt(i + 1);
          throw e;
        }
      });
    }
    return attempt(0);
  };

  /* For a query of plain words that found nothing (so the index holds none
   * of them), the answer for the words the index holds that are most like
   * them: a term one edit away (a letter added, dropped, changed, or two
   * swapped; two edits cost tens of milliseconds on long words), in the
   * shards already loaded for the query, so nothing more is fetched; the one
   * in most papers. Its outcome's ``instead`` is the query searched for, as
   * words ("hallucination"), so that sent as a query it finds the same, and
   * ``changed`` its words that are not the reader's. Null when no word has
   * one, or the query has syntax of its own (+, -, a field, a wildcard, ~,
   * ^), which is taken as meant. */
  Searcher.prototype.similar = function (raw) {
    var self = this, text = prepareQuery(raw, false);
    var words = text.split(" ");
    if (!words.every(function (word) { return /^[^+\-:*~^]+$/.test(word); })) return Promise.resolve(null);
    return this.indexFor(text).then(function (index) {
      var parts = [];
      var typed = words.filter(function (word) {
        // Not the parts prepareQuery added for a word ("lroa" of "lroa's"): its word has them.
        var part = parts.indexOf(word) !== -1;
        parts = parts.concat(partsOf(word));
        return !part;
      });
      // [word, the word like it or null]; a word with none like it is
      // searched for by its parts' ("encodr/decodr": encoder decoder).
      var pairs = [].concat.apply([], typed.map(function (word) {
        var other = similarTerm(index, word) || twoWords(index, word);
        var parts = other ? [] : partsOf(word).map(function (part) { return [part, similarTerm(index, part)]; });
        return parts.some(function (pair) { return pair[1]; }) ? parts : [[word, other]];
      }));
      if (!pairs.some(function (pair) { return pair[1]; })) return null;
      typed = pairs.map(function (pair) { return pair[0]; });
      var like = pairs.map(function (pair) { return pair[1] || pair[0]; });
      return self.answer(prepareQuery(like.join(" "), false)).then(function (outcome) {
        if (!outcome.results.length) return null;
        // The words named as the papers shown write them, which the page fetches
        // next: a word one edit from the reader's the stemmer also makes
        // another term of can be none ("reasonig" is one from reasonic too).
        return Promise.all(outcome.results.slice(0, 10).map(function (result) {
          return self.documentFor(result.ref);
        })).catch(function () { return []; }).then(function (docs) {  // (the page says it when it fetches them)
          var written = wordsWritten(docs, like.filter(function (word, i) { return word !== typed[i]; }));
          like = like.map(function (word, i) {
            return word === typed[i] ? word : asWritten(written, stem(word)[0], oneEditFrom(typed[i])) || word;
          });
          outcome.similar = true;
          outcome.instead = like.join(" ");
          outcome.query = prepareQuery(outcome.instead, false);  // its words' stems are those searched for
          outcome.changed = like.filter(function (word, i) { return word !== typed[i]; });
          return outcome;
        });
      });
    });
  };

  /* How often each word the index holds is written in the documents'
   * titles and abstracts, lowercased (with its accents: "fréchet"), by its
   * stem: stem → word → count; of the words that begin as one of ``words``
   * (the stemmer changes a word's ending only), to stem no more than those. */
  function wordsWritten(docs, words) {
    var written = new Map(), starts = words.map(function (word) { return word.slice(0, 2); });
    docs.forEach(function (doc) {
      ((doc && doc.t + " " + doc.a + " " + (doc.n || "") || "").match(/[\p{L}\p{M}\p{N}]+/gu) || []).forEach(function (found) {
        var held = folded(found), word = found.toLowerCase().normalize("NFC");
        if (starts.indexOf(held.slice(0, 2)) === -1 || !isIndexed(held)) return;
        var term = stem(held)[0], counts = written.get(term) || new Map();
        counts.set(word, (counts.get(word) || 0) + 1);
        written.set(term, counts);
      });
    });
    return written;
  }

  /* The word written for ``term`` most often, of those one edit from the
   * reader's (``near``) if any is; null if none is written. */
  function asWritten(written, term, near) {
    var best = null, most = 0, bestNear = false;
    (written.get(term) || new Map()).forEach(function (count, word) {
      var isNear = near.has(folded(word));
      if (isNear && !bestNear || isNear === bestNear && count > most) { best = word; most = count; bestNear = isNear; }
    });
    return best;
  }

  /* A word to search for in place of ``word``, for the term the index holds
   * that is most like it, in the most papers: one edit from the stem the
   * index would hold for it ("hallucnation", held as hallucn, is one from
   * hallucin), or the stem of a word one edit from it as written. A typo in
   * a word's ending keeps the stemmer from cutting the ending off:
   * "reasonig" and "diffsion" are one letter from reasoning and diffusion,
   * but four and three from reason and diffus, the stems the index holds.
   * The word is one the stemmer makes that term of, as written if it can
   * be: "hallucination", not hallucin, which the page names. */
  function similarTerm(index, word) {
    var own = isIndexed(word) ? stem(word)[0] : null;
    // A number has no near miss: 2019 is not a typo of 2015.
    if (!own || own.length < 4 || /^[\d.,]+$/.test(own)) return null;
    // Each term → a word the stemmer makes it of, as the search runs a word
    // through the stemmer: a word one edit from the reader's; else, for a
    // term one edit from its stem, the reader's word with that edit
    // ("hallucnation" is hallucn + "ation": hallucin + "ation"), or the term
    // itself if the stemmer leaves it as it is.
    var wordFor = new Map();
    oneEditFrom(word).forEach(function (variant) {
      if (!isIndexed(variant)) return;
      var term = stem(variant)[0];
      if (term && !wordFor.has(term)) wordFor.set(term, variant);
    });
    var fuzzy = lunr.TokenSet.fromFuzzyString(own, 1);
    index.tokenSet.intersect(fuzzy).toArray().forEach(function (term) {
      if (wordFor.has(term)) return;
      var edited = word.indexOf(own) === 0 ? term + word.slice(own.length) : term;
      if (isIndexed(edited) && stem(edited)[0] === term) wordFor.set(term, edited);
      else if (stem(term)[0] === term) wordFor.set(term, term);
    });
    // In most papers, not most fields: "atention" is one edit from attention,
    // in 36 papers, and from agention, whose stem agent is in 26 papers but
    // in 43 of their fields (the topic "Agents & Tool Use" in 16).
    var best = null, most = 0;
    wordFor.forEach(function (_word, term) {
      var count = index.documentCount(term);
      if (count > most || count === most && count > 0 && term < best) { best = term; most = count; }
    });
    return best && wordFor.get(best);
  }

  /* For a word like none the index holds, two it holds that it is written
   * of, as the papers write them ("zeroshot": zero-shot, "selfattention":
   * self-attention; a word too common to be held, as "in" of "incontext", is
   * one): of the places to cut it, the one whose rarer word is in most papers.
   * Null for none, or for a number. */
  function twoWords(index, word) {
    var chars = Array.from(word), best = null, most = 0;
    if (chars.length > 30 || /^[\d.,]+$/.test(word)) return null;
    function papers(part) {
      return isIndexed(part) ? index.documentCount(stem(part)[0]) : Infinity;
    }
    for (var i = 2; i <= chars.length - 2; i++) {
      var head = chars.slice(0, i).join(""), tail = chars.slice(i).join("");
      var count = Math.min(papers(head), papers(tail));
      if (count > most && count < Infinity) { best = head + "-" + tail; most = count; }
    }
    return best;
  }

  /* The words one edit from ``word``: a letter dropped, added or changed, or
   * two side by side swapped. A letter added or changed is one of a–z, 0–9
   * or the word's own (a word of another script has its stem's edits above). */
  function oneEditFrom(word) {
    var chars = Array.from(word), variants = new Set();
    // Hundreds of stems a letter; a word longer than any typed (256 x's) would take a tenth of a second.
    if (chars.length > 30) return variants;
    var letters = new Set(Array.from("abcdefghijklmnopqrstuvwxyz0123456789").concat(chars));
    for (var i = 0; i <= chars.length; i++) {
      var head = chars.slice(0, i).join(""), tail = chars.slice(i).join(""), rest = chars.slice(i + 1).join("");
      letters.forEach(function (letter) {
        variants.add(head + letter + tail);
        if (i < chars.length) variants.add(head + letter + rest);
      });
      if (i < chars.length) variants.add(head + rest);
      if (i + 1 < chars.length) variants.add(head + chars[i + 1] + chars[i] + chars.slice(i + 2).join(""));
    }
    variants.delete(word);
    return variants;
  }

  /* The stored document of a result ref. */
  Searcher.prototype.documentFor = function (ref) {
    var docs = this.manifest.documents, self = this, number = Number(ref);
    var chunk = docs.chunk ? Math.floor(number / docs.chunk) : 0;
    var path = docs.files[chunk];
    return self.fetchOnce(self.chunkCache, path).then(function (data) {
      return data[docs.chunk ? number - chunk * docs.chunk : number];
    });
  };

  /* Stems of the words a query searched for (the query search() answered,
   * as it was read), to mark them in titles and snippets: a word is marked
   * when its stem is one of these, or begins with one ending in "*" (a
   * wildcard, or the beginning of a word being typed); "rank" does not mark
   * "Ranker", which lunr does not find for it. */
  function highlightStems(text) {
    var stems = [];
    prepareQuery(text, false).split(" ").forEach(function (word) {
      // A word the reader excluded is not marked, nor the name of a field
      // ("title:survey" marks "survey", not "title"), nor a boost ("^10"),
      // nor a tag ("#routing", "tags:routing"): the text shown is not where it was found.
      if (!word || word.charAt(0) === "-" || /^\+?tags:/.test(word)) return;
      var body = word.split(":").pop().replace(/[\^~][\d.]*$/, "");
      var beginning = body.indexOf("*") !== -1;
      // The runs of letters and digits the excerpt's words are ("pretrainer" of "pretrainer's"),
      // with their marks: हिन्दी is one word, not ह, न and द.
      plainWords(body).split(/[^\p{L}\p{M}\p{N}]+/u).forEach(function (part) {
        // A beginning can be a word the index leaves out ("the*" finds "theory").
        // One Latin letter or digit is not marked ("s" of "llm's"); "π" is.
        if (!part || /^[a-z0-9]$/i.test(part) || !beginning && !isIndexed(part)) return;
        (beginning ? [part + "*"] : stem(part)).forEach(function (s) {
          if (s && stems.indexOf(s) === -1) stems.push(s);
        });
      });
    });
    return stems;
  }

  /* Each word of text to mark: [start, end] pairs, in order; with
   * firstOnly, the first alone. Words the index leaves out ("the" of
   * "the*") are never marked: nothing found them. */
  function marked(text, stems, firstOnly) {
    var found = [], match;
    var word = /[\p{L}\p{M}\p{N}]+/gu;  // a letter's marks are of its word
    while ((match = word.exec(text)) !== null) {
      var lower = folded(match[0]);
      if (!isIndexed(lower)) continue;
      var stemmed = stem(lower)[0] || lower;
      if (stems.some(function (s) {
        if (s.charAt(s.length - 1) !== "*") return stemmed === s;
        s = s.slice(0, -1);
        return stemmed.indexOf(s) === 0 || lower.indexOf(s) === 0;
      })) {
        found.push([match.index, match.index + match[0].length]);
        if (firstOnly) break;
      }
    }
    return found;
  }

  /* Whether text holds a word to mark. */
  function finds(text, stems) { return marked(text || "", stems, true).length > 0; }

  /* Splits text into [segment, marked] pairs. */
  function highlight(text, stems) {
    var parts = [], last = 0;
    marked(text, stems, false).forEach(function (span) {
      if (span[0] > last) parts.push([text.slice(last, span[0]), false]);
      parts.push([text.slice(span[0], span[1]), true]);
      last = span[1];
    });
    if (last < text.length) parts.push([text.slice(last), false]);
    return parts;
  }

  var EXCERPT = 220;  // characters, as the site's lists sum a paper up (site.py's summarize)

  /* What a result shows of a paper's text: its start, as the site's lists
   * do, unless the first word asked for comes later; then the passage
   * around it, from its sentence's start when that is near. */
  function excerpt(text, stems) {
    text = text || "";
    if (text.length <= EXCERPT) return text;
    var first = marked(text, stems, true)[0];
    var start = 0;
    if (first && first[1] > EXCERPT - 20) {
      var before = text.slice(Math.max(0, first[0] - 120), first[0]);
      var sentence = /[.!?]\s+(?=\S)/g, end = -1, match;
      while ((match = sentence.exec(before)) !== null) end = match.index + match[0].length;
      start = first[0] - before.length + (end >= 0 ? end : Math.max(0, before.indexOf(" ", before.length - 60) + 1));
    }
    var shown = text.slice(start, start + EXCERPT);
    if (start + EXCERPT < text.length) {
      var cut = shown.lastIndexOf(" ");
      // Without a space, not between the halves of a character outside the BMP (𝒪, an emoji).
      if (cut <= 0) cut = /[\uD800-\uDBFF]$/.test(shown) ? shown.length - 1 : shown.length;
      shown = shown.slice(0, cut).replace(/[,;:.]+$/, "") + "…";
    }
    return start > 0 ? "…" + shown : shown;
  }

  return {
    prepareQuery: prepareQuery,
    tagsAskedFor: tagsAskedFor,
    folded: folded,
    plainWords: plainWords,
    stopWordCount: stopWordCount,
    shardsFor: shardsFor,
    ShardIndex: ShardIndex,
    parse: parse,
    Searcher: Searcher,
    highlightStems: highlightStems,
    highlight: highlight,
    finds: finds,
    excerpt: excerpt,
  };
});
