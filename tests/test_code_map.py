"""README's map of the code names every module of site_builder/, and only those."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_readme_code_map_names_every_module_and_no_other():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = [line for line in readme.splitlines() if re.match(r"\| (digests|entries|what|papers|model|bytes|around)", line)]
    named = set(re.findall(r"`([a-z_/]+\.(?:py|js))`", "\n".join(rows)))
    modules = {path.name for path in (ROOT / "site_builder").glob("*.py") if path.name != "__init__.py"}
    assert rows and named - {"build.py", "js/build_index.js"} == modules
    assert {"build.py", "js/build_index.js"} <= named
    assert (ROOT / "build.py").is_file() and (ROOT / "site_builder" / "js" / "build_index.js").is_file()
