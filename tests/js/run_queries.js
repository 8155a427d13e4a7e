// Runs queries against a built site's search files with lunr.js 2.3.9 and the
// site's own search-core.js, as the browser does, and prints JSON results.
//
//   node run_queries.js SITE_DIR QUERIES_JSON [MONOLITHIC_INDEX_JSON]
//
// Each query is {"q": text, "typing": bool}. Output: one entry per query with
// the refs and scores the Searcher returns, the titles of the top results
// and their excerpts as the page shows them ([text, marked] parts, and whether
// the whole text has a word to mark), and, given a monolithic index file, that index's refs, scores and matched
// terms for the same prepared query string. A query that found nothing and
// was answered for words like its own (a typo) has them as "instead";
// "documents" are the document files the top results were read from.
"use strict";
const fs = require("fs");
const path = require("path");
const root = path.resolve(__dirname, "..", "..");
const lunr = require(path.join(root, "node_modules", "lunr"));
const AtlasSearch = require(path.join(root, "static", "search-core.js"))(lunr);

const [siteDir, queriesFile, monolithicFile] = process.argv.slice(2);
const queries = JSON.parse(fs.readFileSync(queriesFile, "utf8"));
const fetched = [];
function fetchJSON(relative) {
  fetched.push(relative);
  return Promise.resolve(JSON.parse(fs.readFileSync(path.join(siteDir, relative), "utf8")));
}
const monolithic = monolithicFile ? lunr.Index.load(JSON.parse(fs.readFileSync(monolithicFile, "utf8"))) : null;

async function main() {
  const manifest = await fetchJSON("search/manifest.json");
  const out = [];
  for (const query of queries) {
    const searcher = new AtlasSearch.Searcher(manifest, fetchJSON);
    fetched.length = 0;
    const outcome = await searcher.search(query.q, !!query.typing);
    const files = fetched.slice();
    fetched.length = 0;
    const top = [], excerpts = [];
    const stems = AtlasSearch.highlightStems(outcome.query);  // as the page marks them
    for (const result of outcome.results.slice(0, 10)) {
      const doc = await searcher.documentFor(result.ref);
      top.push(doc.t);
      excerpts.push({
        parts: AtlasSearch.highlight(AtlasSearch.excerpt(doc.a, stems), stems),
        anywhere: AtlasSearch.highlight(doc.a, stems).some((part) => part[1]),
      });
    }
    const entry = {
      q: query.q, prepared: outcome.query, error: outcome.error, similar: !!outcome.similar,
      instead: outcome.instead || null, documents: [...new Set(fetched)].sort(),
      results: outcome.results.map((r) => [r.ref, r.score]),
      lunr: outcome.lunrResults.map((r) => [r.ref, r.score, r.terms.slice().sort()]), titles: top, excerpts, files,
    };
    if (monolithic && outcome.query) {
      entry.monolithic = monolithic.search(outcome.query)
        .map((r) => [r.ref, r.score, Object.keys(r.matchData.metadata).sort()]);
    }
    out.push(entry);
  }
  process.stdout.write(JSON.stringify(out));
}
main().catch((error) => { console.error(error.stack || error); process.exit(1); });
