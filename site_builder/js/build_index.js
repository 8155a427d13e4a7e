#!/usr/bin/env node
// Builds the search index with lunr.js itself, so the terms the browser looks
// up are exactly the terms the build stored: one tokenizer, one trimmer, one
// stop-word list, one stemmer. (lunr.py stems and trims differently.)
//
// stdin:  {"fields": [{"name", "boost"}], "documents": [{ref, <field>: text}],
//          "shard_target": bytes, "sharded": bool, "emit_monolithic": bool}
// stdout: frames of "<name> <byte length>\n<bytes>", names in a fixed order:
//   sharded=false: "index"                       a serialized lunr index
//   sharded=true:  "shard:<prefix>" for each shard, then "monolithic" if asked
//   and last, whatever was asked, "end" (empty): output cut short by a full
//   temporary directory, which Node does not report, then ends without it
//
// A shard holds the terms that start with its prefix (and no longer shard's
// prefix). For each term it keeps the global term index and, per field, the
// documents holding it with the term's score in that document's field vector.
// That is all lunr's scoring reads for a query over those terms, so the
// browser can rebuild, from just the shards a query needs, an index whose
// results equal the monolithic index's: same refs, order and scores.
"use strict";

// Ends with the process that started it, even one killed (SIGKILL) that had
// no chance to stop it: a preview server killed left this building an index
// for no one, for seconds at 20,000 papers. A process whose parent is gone
// is given another, so its parent's pid (ATLAS_PARENT_PID) is watched, from a
// thread of its own, as the building below never lets the event loop run.
// A node that is a shim starting the real one as its child (Volta's) has
// another parent: then the one named is watched for being there at all.
// See site_builder/children.py.
if (process.env.ATLAS_PARENT_PID) {
  const { Worker } = require("worker_threads");
  const watch = `const parent = require("worker_threads").workerData;
    const there = () => { try { return process.kill(parent, 0); } catch (error) { return error.code === "EPERM"; } };
    const direct = process.ppid === parent;
    setInterval(() => { if (direct ? process.ppid !== parent : !there()) process.kill(process.pid, "SIGKILL"); }, 500);`;
  new Worker(watch, { eval: true, workerData: Number(process.env.ATLAS_PARENT_PID) }).unref();
}

const path = require("path");
const lunr = require(path.join(process.env.ATLAS_NODE_MODULES || path.resolve(__dirname, "../../node_modules"), "lunr"));

// A paper's text is folded before lunr's tokenizer reads it, by the function
// that folds a reader's query in the browser (accents, ligatures and
// full-width letters go: "Fréchet" is held as frechet, "ﬁne" as fine), so
// the terms held and the terms a query asks for are the same. Before the
// tokenizer, not in the pipeline: "ＬＬＭ－based" folds to "llm-based",
// which lunr's tokenizer splits in two as a query's is.
// (The cache's code fingerprint covers that file too: search.py's SEARCH_CORE_JS.)
const { folded } = require(path.resolve(__dirname, "../../static/search-core.js"))(lunr);

// lunr.trimmer takes from both ends of a word what is not [A-Za-z0-9_], so
// "π", "α" and "日本語" were no word at all and "Émile" was "mile". This one
// keeps letters, marks and digits of every script (as lunr-languages'
// trimmers do for theirs); search-core.js trims a query's words the same way.
const EDGES = /^[^\p{L}\p{M}\p{N}_]+|[^\p{L}\p{M}\p{N}_]+$/gu;
function trimmer(token) {
  return token.update((word) => word.replace(EDGES, ""));
}
lunr.Pipeline.registerFunction(trimmer, "atlasTrimmer");

// lunr's own Builder spends most of its time on Token objects, repeated
// toString() calls and garbage. This builder does the same computation —
// the folding above, lunr's tokenizer split, the trimmer above, lunr's stop-word filter and stemmer (each
// distinct word processed once), the same term numbering, BM25 expression
// and rounding — over plain strings, and yields the same serialized index,
// byte for byte (tests compare it with lunr.Builder's output). It also keeps
// each term's scores by document, which the shards need; shards alone do not
// need the field vectors (withVectors false), which are then not made.
function buildFast(request, withVectors) {
  const fields = request.fields.map((field) => field.name);
  const boosts = request.fields.map((field) => field.boost || 1);
  const k1 = 1.2, b = 0.75;
  // term → {term, index, docs: postings over all fields, scores: per field [ref, score, ...]};
  // a term's index is its rank of first appearance, as lunr.Builder numbers terms.
  const inverted = new Map();
  // Each word seen → its term's entry (null: no term, a stop word): one
  // lookup per word, and none by term string after it.
  const entryOf = new Map();
  function entryFor(word) {
    let entry = entryOf.get(word);
    if (entry === undefined) {
      let token = trimmer(new lunr.Token(word, {}));
      token = token && lunr.stopWordFilter(token);
      token = token && lunr.stemmer(token);
      const term = token === null || token === undefined ? null : token.toString();
      entry = term === null ? null : inverted.get(term);
      if (entry === undefined) {
        entry = { term, index: inverted.size, docs: 0, scores: fields.map(() => []), idf: undefined };
        inverted.set(term, entry);
      }
      entryOf.set(word, entry);
    }
    return entry;
  }
  const fieldDocs = []; // in lunr's order: doc by doc, field by field
  const totals = fields.map(() => 0);
  for (const doc of request.documents) {
    const ref = doc.ref;
    for (let f = 0; f < fields.length; f++) {
      const value = doc[fields[f]];
      const words = value === null || value === undefined ? [] : folded(value.toString()).split(SEPARATOR);
      const frequencies = new Map(); // entry → term frequency in this field
      let length = 0;
      for (const word of words) {
        if (word.length === 0) continue;
        const entry = entryFor(word);
        if (entry === null) continue;
        length += 1;
        const seen = frequencies.get(entry);
        if (seen !== undefined) {
          frequencies.set(entry, seen + 1);
        } else {
          frequencies.set(entry, 1);
          entry.docs += 1;
        }
      }
      totals[f] += length;
      fieldDocs.push([f, ref, frequencies, length]);
    }
  }
  const count = request.documents.length;
  const average = totals.map((total) => total / count);
  const fieldVectors = withVectors ? new Array(fieldDocs.length) : null;
  fieldDocs.forEach(function ([f, ref, frequencies, length], position) {
    const pairs = withVectors ? [] : null;
    const scale = k1 * (1 - b + b * (length / average[f]));
    for (const [entry, tf] of frequencies) {
      if (entry.idf === undefined) {
        // lunr.idf, with the document count it gets from the postings.
        const x = (count - entry.docs + 0.5) / (entry.docs + 0.5);
        entry.idf = Math.log(1 + Math.abs(x));
      }
      let score = entry.idf * ((k1 + 1) * tf) / (scale + tf);
      score *= boosts[f];
      const rounded = Math.round(score * 1000) / 1000;
      if (withVectors) pairs.push(entry.index, rounded);
      entry.scores[f].push(ref, rounded);
    }
    if (withVectors) fieldVectors[position] = [fields[f] + "/" + ref, sortPairs(pairs)];
    fieldDocs[position] = null;
  });
  return { fields, fieldVectors, inverted };
}

// [index, value, index, value, ...] sorted by index, as lunr.Vector keeps it.
function sortPairs(flat) {
  const order = [];
  for (let i = 0; i < flat.length; i += 2) order.push(i);
  order.sort((x, y) => flat[x] - flat[y]);
  const sorted = new Array(flat.length);
  order.forEach(function (i, k) { sorted[2 * k] = flat[i]; sorted[2 * k + 1] = flat[i + 1]; });
  return sorted;
}

// JSON.stringify(lunr index.toJSON()), written out directly: posting
// objects for every term would cost more than the whole build.
function serializeIndex(built) {
  const fields = built.fields;
  const terms = [...built.inverted.keys()].sort();
  const parts = [];
  for (const term of terms) {
    const entry = built.inverted.get(term);
    let posting = '{"_index":' + entry.index;
    fields.forEach(function (field, f) {
      const refs = [];
      const scores = entry.scores[f];
      for (let i = 0; i < scores.length; i += 2) refs.push(scores[i]);
      posting += "," + JSON.stringify(field) + ":{" + objectKeyOrder(refs).map((ref) => JSON.stringify(ref) + ":{}").join(",") + "}";
    });
    parts.push("[" + JSON.stringify(term) + "," + posting + "}]");
  }
  return '{"version":' + JSON.stringify(lunr.version) + ',"fields":' + JSON.stringify(fields) +
    ',"fieldVectors":' + JSON.stringify(built.fieldVectors) + ',"invertedIndex":[' + parts.join(",") +
    '],"pipeline":["stemmer"]}';
}

// The order JavaScript enumerates object keys in: array-index keys first,
// ascending, then the rest in insertion order.
function objectKeyOrder(keys) {
  const indexes = [], others = [];
  for (const key of keys) {
    if (/^(0|[1-9][0-9]*)$/.test(key) && Number(key) < 4294967295) indexes.push(key); else others.push(key);
  }
  indexes.sort((x, y) => Number(x) - Number(y));
  return indexes.concat(others);
}

const SEPARATOR = lunr.tokenizer.separator.source === "[\\s\\-]+" ? /[\s\-]/ : null;
if (SEPARATOR === null) throw new Error("lunr's tokenizer separator changed; update build_index.js");

// lunr.Builder itself, for tests that prove buildFast equal to it.
function buildReference(request) {
  return lunr(function () {
    this.tokenizer = (value, metadata) => lunr.tokenizer(value === null || value === undefined ? value : folded(value.toString()), metadata);
    this.pipeline.after(lunr.trimmer, trimmer);
    this.pipeline.remove(lunr.trimmer);
    this.ref("ref");
    for (const field of request.fields) this.field(field.name, { boost: field.boost });
    for (const doc of request.documents) this.add(doc);
  }).toJSON();
}

// Per term: [termIndex, {field: [refDelta, score, refDelta, score, ...]}].
// Refs are document numbers in sharded indexes, so deltas keep shards small.
function shardEntries(built) {
  const entries = [];
  for (const [term, entry] of built.inverted) {
    const perField = {};
    built.fields.forEach(function (field, f) {
      const flat = entry.scores[f];
      if (!flat.length) return;
      const packed = new Array(flat.length);
      let previous = 0;
      for (let i = 0; i < flat.length; i += 2) {
        const ref = Number(flat[i]);
        packed[i] = ref - previous;
        packed[i + 1] = flat[i + 1];
        previous = ref;
      }
      perField[field] = packed;
    });
    entries.push({ term, json: JSON.stringify([entry.index, perField]) });
  }
  entries.sort((x, y) => (x.term < y.term ? -1 : x.term > y.term ? 1 : 0));
  return entries;
}

// Split terms into shards by prefix so that no shard is much larger than
// target bytes, except a single term that is itself larger.
function partition(entries, target) {
  const shards = [];
  function visit(prefix, group) {
    const size = group.reduce((sum, entry) => sum + entry.json.length, 0);
    if (size <= target || group.every((entry) => entry.term === prefix)) {
      shards.push({ prefix, entries: group });
      return;
    }
    const own = group.filter((entry) => entry.term.length <= prefix.length);
    const children = new Map();
    for (const entry of group) {
      if (entry.term.length <= prefix.length) continue;
      const key = prefixOneLonger(entry.term, prefix.length);
      if (!children.has(key)) children.set(key, []);
      children.get(key).push(entry);
    }
    // Small children stay in this prefix's own shard: fewer, fuller files.
    let ownSize = own.reduce((sum, entry) => sum + entry.json.length, 0);
    const big = [];
    const sized = [...children.entries()].map(([key, list]) => [key, list, list.reduce((s, e) => s + e.json.length, 0)]);
    sized.sort((a, b) => a[2] - b[2] || (a[0] < b[0] ? -1 : 1));
    for (const [key, list, childSize] of sized) {
      if (ownSize + childSize <= target) {
        own.push(...list);
        ownSize += childSize;
      } else {
        big.push([key, list]);
      }
    }
    if (own.length) {
      own.sort((a, b) => (a.term < b.term ? -1 : a.term > b.term ? 1 : 0));
      shards.push({ prefix, entries: own });
    }
    big.sort((a, b) => (a[0] < b[0] ? -1 : 1));
    for (const [key, list] of big) visit(key, list);
  }
  visit("", entries);
  shards.sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0));
  return shards;
}

// The term's first length code units and the character after them, whole:
// a prefix ending in half a surrogate pair ("x" and half of "𝔼" in "x𝔼q")
// is no string UTF-8 can carry, and its shard's name reached the manifest as
// "x\uFFFD", which no term starts with, so the browser never read that shard.
function prefixOneLonger(term, length) {
  return term.slice(0, length) + String.fromCodePoint(term.codePointAt(length));
}

function writeFrame(name, text) {
  const body = Buffer.from(text, "utf8");
  process.stdout.write(`${name} ${body.length}\n`);
  process.stdout.write(body);
}

function main() {
  const request = JSON.parse(require("fs").readFileSync(0, "utf8"));
  if (request.reference) {
    writeFrame("reference", JSON.stringify(buildReference(request)));
    return;
  }
  const built = buildFast(request, !request.sharded || request.emit_monolithic);
  if (!request.sharded) {
    writeFrame("index", serializeIndex(built));
    return;
  }
  const shards = partition(shardEntries(built), request.shard_target);
  for (const shard of shards) {
    const body = "{" + shard.entries.map((entry) => JSON.stringify(entry.term) + ":" + entry.json).join(",") + "}";
    writeFrame("shard:" + shard.prefix, body);
  }
  if (request.emit_monolithic) writeFrame("monolithic", serializeIndex(built));
}

main();
writeFrame("end", "");
