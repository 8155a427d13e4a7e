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
//
// A shard holds the terms that start with its prefix (and no longer shard's
// prefix). For each term it keeps the global term index and, per field, the
// documents holding it with the term's score in that document's field vector.
// That is all lunr's scoring reads for a query over those terms, so the
// browser can rebuild, from just the shards a query needs, an index whose
// results equal the monolithic index's: same refs, order and scores.
"use strict";

const path = require("path");
const lunr = require(path.join(process.env.ATLAS_NODE_MODULES || path.resolve(__dirname, "../../node_modules"), "lunr"));

// The Porter stemmer is the hot spot of indexing and words repeat a lot, so
// stem each distinct word once. Only the indexing pipeline uses this wrapper;
// the serialized search pipeline still names lunr's own "stemmer".
function memoizedStemmer() {
  const cache = new Map();
  const stemmer = function (token) {
    return token.update(function (word) {
      let stem = cache.get(word);
      if (stem === undefined) {
        stem = lunr.stemmer(new lunr.Token(word)).toString();
        cache.set(word, stem);
      }
      return stem;
    });
  };
  lunr.Pipeline.registerFunction(stemmer, "atlasMemoizedStemmer");
  return stemmer;
}

function buildIndex(request) {
  const stemmer = memoizedStemmer();
  return lunr(function () {
    this.ref("ref");
    for (const field of request.fields) this.field(field.name, { boost: field.boost });
    this.pipeline.reset();
    this.pipeline.add(lunr.trimmer, lunr.stopWordFilter, stemmer);
    for (const doc of request.documents) this.add(doc);
  });
}

// Per term: [termIndex, {field: [refDelta, score, refDelta, score, ...]}].
// Refs are document numbers in sharded indexes, so deltas keep shards small.
function shardEntries(serialized) {
  const fields = serialized.fields;
  const scores = new Map(); // "field/ref" -> Map(termIndex -> score)
  for (const [fieldRef, elements] of serialized.fieldVectors) {
    const map = new Map();
    for (let i = 0; i < elements.length; i += 2) map.set(elements[i], elements[i + 1]);
    scores.set(fieldRef, map);
  }
  const entries = [];
  for (const [term, posting] of serialized.invertedIndex) {
    const perField = {};
    for (const field of fields) {
      const refs = Object.keys(posting[field]).map(Number);
      const packed = [];
      let previous = 0;
      for (const ref of refs) {
        packed.push(ref - previous, scores.get(field + "/" + ref).get(posting._index));
        previous = ref;
      }
      if (packed.length) perField[field] = packed;
    }
    const json = JSON.stringify([posting._index, perField]);
    entries.push({ term, json });
  }
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
      const key = entry.term.slice(0, prefix.length + 1);
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

function writeFrame(name, text) {
  const body = Buffer.from(text, "utf8");
  process.stdout.write(`${name} ${body.length}\n`);
  process.stdout.write(body);
}

function main() {
  const request = JSON.parse(require("fs").readFileSync(0, "utf8"));
  const index = buildIndex(request);
  const serialized = index.toJSON();
  if (!request.sharded) {
    writeFrame("index", JSON.stringify(serialized));
    return;
  }
  const shards = partition(shardEntries(serialized), request.shard_target);
  for (const shard of shards) {
    const body = "{" + shard.entries.map((entry) => JSON.stringify(entry.term) + ":" + entry.json).join(",") + "}";
    writeFrame("shard:" + shard.prefix, body);
  }
  if (request.emit_monolithic) writeFrame("monolithic", JSON.stringify(serialized));
}

main();
