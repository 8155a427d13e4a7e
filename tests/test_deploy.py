"""`build.py deploy`: the site committed to gh-pages with git plumbing and pushed to a bare repository."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from files import snapshot

from site_builder.deploy import check_target, deploy_site
from site_builder.errors import SourceError

ROOT = Path(__file__).resolve().parent.parent
IDENTITY = {
    "GIT_AUTHOR_NAME": "Test Writer", "GIT_AUTHOR_EMAIL": "writer@example.org",
    "GIT_COMMITTER_NAME": "Test Writer", "GIT_COMMITTER_EMAIL": "writer@example.org",
}
DIGEST = """Daily Papers

Mar 18

Deploying Knowledge Sites Without Touching the Working Tree

We publish static sites to a branch using plumbing commands only.

A Second Paper About Pages

Pages are served from a branch or from an artifact.
"""


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A user's project checkout with uncommitted work, and a bare remote as origin."""
    for name, value in IDENTITY.items():
        monkeypatch.setenv(name, value)
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(remote)], check=True)
    repo = tmp_path / "project"
    (repo / "content" / "digests").mkdir(parents=True)
    shutil.copy(ROOT / "content" / "topics.yaml", repo / "content" / "topics.yaml")
    (repo / "content" / "site.yaml").write_text("title: Deployed Atlas\ndigest_year: 2025\ndomain: atlas.example.org\n")
    (repo / "content" / "digests" / "2025-03-18.txt").write_text(DIGEST)
    (repo / ".gitignore").write_text("_site/\n")
    subprocess.run([sys.executable, str(ROOT / "build.py"), "ingest"], cwd=repo, check=True, capture_output=True)
    git(repo.parent, "init", "--quiet", "-b", "main", str(repo))
    git(repo, "add", ".")
    git(repo, "commit", "--quiet", "-m", "content")
    git(repo, "remote", "add", "origin", str(remote))
    # Uncommitted work a deploy must leave alone: a staged file and an unstaged edit.
    (repo / "staged.txt").write_text("staged\n")
    git(repo, "add", "staged.txt")
    (repo / "content" / "site.yaml").write_text((repo / "content" / "site.yaml").read_text() + "# unsaved\n")
    return repo, remote


def run_deploy(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "deploy", *args], cwd=repo, capture_output=True, text=True,
        timeout=120,
    )


def checkout_state(repo: Path) -> tuple[str, ...]:
    return (
        git(repo, "symbolic-ref", "HEAD"), git(repo, "rev-parse", "HEAD"), git(repo, "status", "--porcelain"),
        git(repo, "ls-files", "--stage"), (repo / "content" / "site.yaml").read_text(),
    )


def test_deploy_twice_gives_one_new_commit_on_top_and_leaves_the_checkout_alone(project):
    repo, remote = project
    before = checkout_state(repo)

    first = run_deploy(repo)
    assert first.returncode == 0, first.stderr
    assert "gh-pages: committed" in first.stdout and "pushed to origin" in first.stdout
    tip = git(remote, "rev-parse", "refs/heads/gh-pages")
    files = git(remote, "ls-tree", "-r", "--name-only", tip).splitlines()
    assert {".nojekyll", "CNAME", "index.html", "404.html"} <= set(files)
    assert "papers/a-second-paper-about-pages/index.html" in files
    assert git(remote, "show", f"{tip}:CNAME") == "atlas.example.org"
    assert git(remote, "rev-list", "--count", tip) == "1"
    assert checkout_state(repo) == before

    paper = repo / "content" / "papers" / "a-second-paper-about-pages.md"
    paper.write_text(paper.read_text() + "\n## Notes\n\nA note published on the second deploy.\n")
    second = run_deploy(repo, "--message", "Second deploy")
    assert second.returncode == 0, second.stderr
    new_tip = git(remote, "rev-parse", "refs/heads/gh-pages")
    assert git(remote, "rev-parse", f"{new_tip}^") == tip
    assert git(remote, "rev-list", "--count", new_tip) == "2"
    assert git(remote, "log", "-1", "--format=%s", new_tip) == "Second deploy"
    page = git(remote, "show", f"{new_tip}:papers/a-second-paper-about-pages/index.html")
    assert "A note published on the second deploy." in page
    # The deployed bytes are the built ones.
    built = repo / "_site/papers/a-second-paper-about-pages/index.html"
    assert git(repo, "hash-object", str(built)) == git(remote, "rev-parse", f"{new_tip}:{built.relative_to(repo / '_site')}")
    assert checkout_state(repo)[:2] == before[:2]
    assert git(repo, "ls-files", "--stage") == before[3]


def test_deploy_builds_on_the_remote_branch_when_the_local_one_is_missing(project):
    repo, remote = project
    assert run_deploy(repo).returncode == 0
    first = git(remote, "rev-parse", "refs/heads/gh-pages")
    git(repo, "update-ref", "-d", "refs/heads/gh-pages")  # as in a fresh clone

    paper = repo / "content" / "papers" / "a-second-paper-about-pages.md"
    paper.write_text(paper.read_text() + "\n## Notes\n\nChanged.\n")
    assert run_deploy(repo).returncode == 0
    assert git(remote, "rev-parse", "refs/heads/gh-pages^") == first


def test_deploying_an_unchanged_site_makes_no_new_commit(project):
    repo, remote = project
    assert run_deploy(repo).returncode == 0
    tip = git(remote, "rev-parse", "refs/heads/gh-pages")
    again = run_deploy(repo)
    assert again.returncode == 0 and "unchanged since the last deploy" in again.stdout
    assert git(remote, "rev-parse", "refs/heads/gh-pages") == tip


def test_no_cname_without_a_domain_and_no_push_keeps_it_local(project, tmp_path):
    repo, remote = project
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<!doctype html><title>x</title>")
    (site / "_hidden.css").write_text("body{}")
    result = deploy_site(site, check_target(repo, remote=None, branch="pages"), message="local only")
    assert result.pushed is False and result.parent is None
    files = git(repo, "ls-tree", "-r", "--name-only", "refs/heads/pages").splitlines()
    assert files == [".nojekyll", "_hidden.css", "index.html"]
    assert git(remote, "for-each-ref") == ""


def test_unknown_remote_is_a_clear_error_and_nothing_is_committed(project):
    repo, _remote = project
    result = run_deploy(repo, "--remote", "nowhere")
    assert result.returncode == 1
    assert "error: " in result.stderr and "cannot reach remote 'nowhere': fatal: 'nowhere' does not appear" in result.stderr
    assert "Traceback" not in result.stderr
    assert git(repo, "for-each-ref", "refs/heads/gh-pages") == ""
    assert not (repo / "_site").exists(), "the remote is checked before the site is built"


def test_deploy_outside_a_git_repository_says_so(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("x")
    with pytest.raises(SourceError, match="cannot find the git repository"):
        check_target(tmp_path, remote=None)


@pytest.mark.parametrize("branch", ["main", "notes"])
def test_a_branch_that_is_checked_out_or_holds_no_site_is_refused(project, branch):
    repo, remote = project
    git(repo, "branch", "notes")  # the user's own branch, not checked out
    before = checkout_state(repo), git(repo, "for-each-ref")
    (repo / "_site").mkdir()
    (repo / "_site" / "index.html").write_text("the site as it was")
    result = run_deploy(repo, "--no-push", "--branch", branch)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    reason = "is checked out" if branch == "main" else "holds no deployed site"
    assert f"error: " in result.stderr and f"branch {branch!r} {reason}" in result.stderr, result.stderr
    assert (checkout_state(repo), git(repo, "for-each-ref")) == before
    # Refused before the build: the output directory is as it was.
    assert snapshot(repo / "_site") == {"index.html": b"the site as it was"}
    assert "Nothing was written" in result.stderr


def test_deploy_shows_the_build_warnings(project):
    repo, _remote = project
    (repo / "content" / "digests" / "notes-to-self.md").write_text("not a digest\n")
    result = run_deploy(repo, "--no-push")
    assert result.returncode == 0, result.stderr
    assert "warning: content/digests/notes-to-self.md: not read: digests are .txt files" in result.stderr


GITHUB_CASES = {
    # id: (remote address, site.yaml's base_url and domain, deploy options, (served at, built for, advice) or None)
    "project-site-built-for-root": (
        "https://github.com/someone/atlas.git", "base_url: /\n", (),
        ("https://someone.github.io/atlas/", "/", "/atlas/"),
    ),
    "project-site-built-for-its-path": ("git@github.com:someone/atlas.git", "base_url: /\n", ("--base-url", "/atlas/"), None),
    "user-site-built-for-a-path": (
        "git@github.com:Someone/someone.github.io.git", "base_url: /atlas/\n", (),
        ("https://someone.github.io/", "/atlas/", "/"),
    ),
    "user-site": ("https://github.com/someone/someone.github.io", "base_url: /\n", (), None),
    "user-site-spelt-with-capitals": ("git@github.com:Someone/Someone.github.io.git", "base_url: /\n", (), None),
    "custom-domain": ("https://github.com/someone/atlas", "base_url: /\ndomain: atlas.example.org\n", (), None),
    "custom-domain-built-for-a-path": (
        "https://github.com/someone/atlas", "base_url: /atlas/\ndomain: atlas.example.org\n", (),
        ("https://atlas.example.org/", "/atlas/", "/"),
    ),
    "full-base-url-keeps-its-host": (
        "ssh://git@ssh.github.com:443/someone/atlas.git", "base_url: https://someone.github.io/\n", (),
        ("https://someone.github.io/atlas/", "/", "https://someone.github.io/atlas/"),
    ),
    "not-github": ("https://gitlab.com/someone/atlas.git", "base_url: /\n", (), None),
    "not-github-though-named-so": ("https://mygithub.com/someone/atlas.git", "base_url: /\n", (), None),
}


@pytest.mark.parametrize(("address", "site_yaml", "args", "expected"), GITHUB_CASES.values(), ids=GITHUB_CASES.keys())
def test_a_site_built_for_another_path_than_github_pages_serves_it_at_is_a_warning(
    project, address, site_yaml, args, expected,
):
    repo, _remote = project
    (repo / "content").rename(repo / "notes")  # the warning names the site.yaml it read
    (repo / "notes" / "site.yaml").write_text(f"title: Deployed Atlas\ndigest_year: 2025\n{site_yaml}")
    git(repo, "remote", "set-url", "origin", address)
    result = run_deploy(repo, "--no-push", "--content", "notes", *args)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "GitHub Pages will serve" in line]
    if expected is None:
        assert warnings == []
    else:
        served, built, advice = expected
        assert warnings == [
            f"warning: GitHub Pages will serve this site at {served}, but it is built for the path {built}: "
            f"its pages would find neither their stylesheet nor their links there "
            f"(set base_url: {advice} in notes/site.yaml, or deploy with --base-url {advice})"
        ]


def test_a_site_meant_for_a_domain_of_its_own_is_told_to_set_domain(project):
    repo, _remote = project
    (repo / "content" / "site.yaml").write_text("title: Deployed Atlas\ndigest_year: 2025\nbase_url: https://atlas.example.org/\n")
    git(repo, "remote", "set-url", "origin", "https://github.com/someone/atlas.git")
    result = run_deploy(repo, "--no-push")
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("; or, for a site at https://atlas.example.org/, set domain: atlas.example.org)") == 1
