"""What unit tests of the site model build and render a small site with: two
topics (one the catch-all) and the assets' fingerprinted paths."""

from __future__ import annotations

from site_builder.topics_yaml import parse_taxonomy

TAXONOMY = parse_taxonomy(
    "topics:\n"
    "  - {slug: speech, name: Speech, description: Audio., keywords: {speech: 3}}\n"
    "  - {slug: other, name: Other, description: Rest., fallback: true}\n",
    "topics.yaml",
)
ASSETS = {
    name: f"static/{name.replace('.', '.0.', 1)}"
    for name in ("style.css", "favicon.svg", "site.js", "lunr.js", "search-core.js", "search.js")
}
