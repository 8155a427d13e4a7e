"""`build.py deploy`: the site committed to gh-pages with git plumbing and pushed to a bare repository."""

from __future__ import annotations

import os
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
    # The first deploy says it starts the branch (a name mistyped would start one too); the next does not.
    assert "gh-pages (a new branch: no earlier deploy is on it): committed " in first.stdout
    assert "pushed to origin" in first.stdout
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
    assert "new branch" not in second.stdout
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
    assert "origin has it already" in again.stdout and "pushed" not in again.stdout
    assert git(remote, "rev-parse", "refs/heads/gh-pages") == tip


def test_an_unchanged_site_committed_but_not_pushed_is_pushed_by_the_next_deploy(project):
    repo, remote = project
    assert run_deploy(repo, "--no-push").returncode == 0
    local = git(repo, "rev-parse", "refs/heads/gh-pages")
    again = run_deploy(repo)
    assert again.returncode == 0 and "unchanged since the last deploy" in again.stdout
    assert "pushed to origin" in again.stdout
    assert git(remote, "rev-parse", "refs/heads/gh-pages") == local


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


def set_domain_in_settings(remote: Path, tmp_path: Path, domain: str) -> str:
    """What GitHub Pages' Settings do for a site published from a branch:
    commit the custom domain to the branch's CNAME."""
    clone = tmp_path / "github-settings"
    git(tmp_path, "clone", "--quiet", "--branch", "gh-pages", str(remote), str(clone))
    (clone / "CNAME").write_text(domain)
    git(clone, "add", "CNAME")
    git(clone, "commit", "--quiet", "-m", "Create CNAME")
    git(clone, "push", "--quiet", "origin", "gh-pages")
    return git(clone, "rev-parse", "HEAD")


def test_a_custom_domain_set_in_github_settings_is_kept_by_the_next_deploy(project, tmp_path):
    """GitHub writes a domain set in Settings → Pages to the branch's CNAME,
    and takes the domain away when a commit deletes the file: a deploy
    without a domain in site.yaml dropped it, and the site left its domain."""
    repo, remote = project
    (repo / "content" / "site.yaml").write_text("title: Deployed Atlas\ndigest_year: 2025\n")
    assert run_deploy(repo).returncode == 0
    settings = set_domain_in_settings(remote, tmp_path, "papers.example.org")

    paper = repo / "content" / "papers" / "a-second-paper-about-pages.md"
    paper.write_text(paper.read_text() + "\n## Notes\n\nDeployed after the domain was set.\n")
    result = run_deploy(repo)
    assert result.returncode == 0, result.stderr
    tip = git(remote, "rev-parse", "refs/heads/gh-pages")
    assert git(remote, "rev-parse", f"{tip}^") == settings
    assert git(remote, "show", f"{tip}:CNAME") == "papers.example.org"
    assert "CNAME: papers.example.org, kept from gh-pages" in result.stdout
    # Served at the domain's root, which the site is built for: no warning of GitHub's own address.
    git(repo, "remote", "set-url", "origin", "https://github.com/someone/atlas.git")
    assert pages_warnings(repo, "https://github.com/someone/atlas.git", "base_url: /\n") == []
    assert git(repo, "show", "refs/heads/gh-pages:CNAME") == "papers.example.org"
    git(repo, "remote", "set-url", "origin", str(remote))

    # site.yaml's domain, or the site's own CNAME, is the one deployed.
    (repo / "content" / "site.yaml").write_text("title: Deployed Atlas\ndigest_year: 2025\ndomain: atlas.example.org\n")
    assert run_deploy(repo).returncode == 0
    assert git(remote, "show", "refs/heads/gh-pages:CNAME") == "atlas.example.org"
    (repo / "content" / "site.yaml").write_text("title: Deployed Atlas\ndigest_year: 2025\n")
    (repo / "content" / "public").mkdir()
    (repo / "content" / "public" / "CNAME").write_text("own.example.org\n")
    own = run_deploy(repo)
    assert own.returncode == 0 and "kept from" not in own.stdout
    assert git(remote, "show", "refs/heads/gh-pages:CNAME") == "own.example.org"
    # Served at that domain's root too.
    assert pages_warnings(repo, "https://github.com/someone/atlas.git", "base_url: /\n") == []


def test_files_whose_names_git_would_read_otherwise_are_committed_under_their_own_names(project, tmp_path):
    """Names git reads as quoted (one that begins with a double quote was
    committed as "a" for '"a".txt'), holds a line end (git looked for the
    file "new") or is not UTF-8 (a UnicodeEncodeError traceback), as a file
    of content/public/ may be named."""
    repo, _remote = project
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<!doctype html><title>x</title>")
    names = ['"a".txt', "new\nline.txt", "ends in cr\r", "back\\slash \"and\" quote.txt", "naïve file.txt", "tab\there"]
    for number, name in enumerate(names):
        (site / name).write_text(f"file {number}")
    with open(os.fsencode(site) + b"/caf\xe9.txt", "wb") as latin1:
        latin1.write(b"latin-1")
    deploy_site(site, check_target(repo, remote=None, branch="pages"))
    listed = subprocess.run(["git", "ls-tree", "-r", "-z", "refs/heads/pages"], cwd=repo, check=True,
                            capture_output=True).stdout.split(b"\0")
    committed = {}
    for entry in filter(None, listed):
        info, name = entry.split(b"\t", 1)
        committed[name] = subprocess.run(["git", "cat-file", "blob", info.split()[2].decode()], cwd=repo,
                                         check=True, capture_output=True).stdout
    assert committed == {
        b".nojekyll": b"", b"index.html": b"<!doctype html><title>x</title>", b"caf\xe9.txt": b"latin-1",
        **{name.encode(): f"file {number}".encode() for number, name in enumerate(names)},
    }


def test_unknown_remote_is_a_clear_error_and_nothing_is_committed(project):
    repo, _remote = project
    result = run_deploy(repo, "--remote", "nowhere")
    assert result.returncode == 1
    assert "error: " in result.stderr and "cannot reach remote 'nowhere': fatal: 'nowhere' does not appear" in result.stderr
    assert "this repository's remotes: origin;" in result.stderr and "--no-push" in result.stderr
    assert "Traceback" not in result.stderr
    assert git(repo, "for-each-ref", "refs/heads/gh-pages") == ""
    assert not (repo / "_site").exists(), "the remote is checked before the site is built"


def test_deploy_outside_a_git_repository_says_so(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("x")
    with pytest.raises(SourceError, match="cannot find the git repository"):
        check_target(tmp_path, remote=None)


def test_deploy_without_git_installed_says_so(project, monkeypatch, tmp_path):
    """A Python image without git (python:3.12-slim) gave a FileNotFoundError traceback."""
    repo, _remote = project
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs"))
    result = run_deploy(repo)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "error: " in result.stderr and "cannot find the git repository: git is not installed" in result.stderr
    assert "install git" in result.stderr
    assert not (repo / "_site").exists()


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


def test_a_refused_push_says_why_and_leaves_the_local_branch_where_it_was(project):
    repo, remote = project
    assert run_deploy(repo).returncode == 0
    tip = git(repo, "rev-parse", "refs/heads/gh-pages")
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'GH006: Protected branch update failed for refs/heads/gh-pages.' >&2\nexit 1\n")
    hook.chmod(0o755)
    paper = repo / "content" / "papers" / "a-second-paper-about-pages.md"
    paper.write_text(paper.read_text() + "\n## Notes\n\nNot published.\n")

    result = run_deploy(repo)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    error = next(line for line in result.stderr.splitlines() if line.startswith("error: "))
    assert "cannot push gh-pages to origin: remote: GH006: Protected branch update failed" in error
    assert "! [remote rejected] gh-pages -> gh-pages (pre-receive hook declined)" in error
    assert "gh-pages was not published" in result.stderr
    # Unpublished, so not recorded as deployed: the next deploy starts from the remote as it is.
    assert git(repo, "rev-parse", "refs/heads/gh-pages") == tip == git(remote, "rev-parse", "refs/heads/gh-pages")


def test_a_first_deploy_refused_by_the_remote_leaves_no_local_branch(project):
    repo, remote = project
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\nexit 1\n")
    hook.chmod(0o755)
    result = run_deploy(repo)
    assert result.returncode == 1 and "pre-receive hook declined" in result.stderr
    assert git(repo, "for-each-ref", "refs/heads/gh-pages") == ""


def test_deploy_runs_from_a_subdirectory_of_the_checkout(project):
    repo, remote = project
    assert run_deploy(repo).returncode == 0
    paper = repo / "content" / "papers" / "a-second-paper-about-pages.md"
    paper.write_text(paper.read_text() + "\n## Notes\n\nDeployed from content/.\n")
    result = run_deploy(repo / "content", "--content", ".", "--out", "../_site")
    assert result.returncode == 0, result.stderr
    tip = git(remote, "rev-parse", "refs/heads/gh-pages")
    assert git(remote, "rev-list", "--count", tip) == "2"
    assert "Deployed from content/." in git(remote, "show", f"{tip}:papers/a-second-paper-about-pages/index.html")


def test_a_remote_branch_holding_another_site_is_named_with_how_to_delete_it(project, tmp_path):
    repo, remote = project
    old = tmp_path / "old-site"
    git(tmp_path, "init", "--quiet", "-b", "gh-pages", str(old))
    (old / "_config.yml").write_text("theme: minima\n")
    git(old, "add", ".")
    git(old, "commit", "--quiet", "-m", "a Jekyll site")
    git(old, "push", "--quiet", str(remote), "gh-pages")

    result = run_deploy(repo)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "branch 'gh-pages' of origin holds no deployed site" in result.stderr
    assert "git push origin --delete gh-pages" in result.stderr
    assert git(repo, "for-each-ref", "refs/heads/gh-pages") == ""


def test_an_invalid_branch_name_says_what_a_branch_name_may_hold(project):
    repo, _remote = project
    result = run_deploy(repo, "--no-push", "--branch", "bad..name")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "cannot use branch name 'bad..name'" in result.stderr and "'..'" in result.stderr
    assert "git failed" not in result.stderr


def test_a_missing_git_identity_is_found_before_the_build(project, monkeypatch, tmp_path):
    repo, _remote = project
    for name in IDENTITY:
        monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "no-gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    # No guessing a name and address from the machine, as git does where it can.
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "user.useConfigOnly")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "true")
    result = run_deploy(repo, "--no-push")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "cannot commit the site" in result.stderr and "user.name and user.email" in result.stderr
    assert not (repo / "_site").exists(), "the identity is checked before the site is built"


HOSTS = {
    # id: (remote address, site.yaml's base_url and domain, (served at, base_url, its host) or None)
    "domain-but-another-host": (
        "https://github.com/someone/atlas.git", "base_url: https://wrong.example.com/\ndomain: papers.example.org\n",
        ("https://papers.example.org/", "https://wrong.example.com/", "wrong.example.com"),
    ),
    "project-site-on-another-host": (
        "https://github.com/someone/atlas.git", "base_url: https://example.org/atlas/\n",
        ("https://someone.github.io/atlas/", "https://example.org/atlas/", "example.org"),
    ),
    "domain-and-its-host": (
        "https://github.com/someone/atlas.git", "base_url: https://Papers.example.org/\ndomain: papers.example.org\n", None,
    ),
    "project-site-and-its-host": ("https://github.com/Someone/atlas.git", "base_url: https://someone.github.io/atlas/\n", None),
}


@pytest.mark.parametrize(("address", "site_yaml", "expected"), HOSTS.values(), ids=HOSTS.keys())
def test_a_full_base_url_on_another_host_than_github_pages_serves_is_a_warning(project, address, site_yaml, expected):
    warnings = pages_warnings(project[0], address, site_yaml)
    if expected is None:
        assert warnings == []
    else:
        served, base_url, host = expected
        assert len(warnings) == 1
        assert warnings[0].startswith(
            f"warning: GitHub Pages will serve this site at {served}, but it is built for {base_url}: "
            f"its canonical links, feeds and sitemap would lead to {host} "
            f"(set base_url: {served} in content/site.yaml, or deploy with --base-url {served}"
        )


def test_deploy_shows_the_build_warnings(project):
    repo, _remote = project
    (repo / "content" / "digests" / "notes-to-self.md").write_text("not a digest\n")
    result = run_deploy(repo, "--no-push")
    assert result.returncode == 0, result.stderr
    assert "warning: content/digests/notes-to-self.md: not read: digests are .txt files" in result.stderr


def test_a_strict_deploy_that_warns_publishes_nothing(project):
    repo, remote = project
    (repo / "content" / "digests" / "notes-to-self.md").write_text("not a digest\n")
    result = run_deploy(repo, "--strict")
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.splitlines()[-1] == (
        "error: 1 warning above, and --strict fails a build that warns: the site in _site is built; "
        "gh-pages was not published (mend what they say, or leave out --strict)"
    )
    assert (repo / "_site" / "index.html").is_file()
    for where in (repo, remote):
        assert subprocess.run(["git", "rev-parse", "--verify", "--quiet", "gh-pages"], cwd=where).returncode == 1
    (repo / "content" / "digests" / "notes-to-self.md").unlink()
    assert run_deploy(repo, "--strict").returncode == 0
    assert git(remote, "rev-parse", "--verify", "--quiet", "gh-pages")


def pages_warnings(repo: Path, address: str, site_yaml: str, *args: str) -> list[str]:
    """The GitHub Pages warnings of a deploy to ``address`` with ``site_yaml``'s
    base_url and domain (in content/ unless --content says otherwise)."""
    content = repo / (args[args.index("--content") + 1] if "--content" in args else "content")
    (content / "site.yaml").write_text(f"title: Deployed Atlas\ndigest_year: 2025\n{site_yaml}")
    git(repo, "remote", "set-url", "origin", address)
    result = run_deploy(repo, "--no-push", *args)
    assert result.returncode == 0, result.stderr
    return [line for line in result.stderr.splitlines() if "GitHub Pages will serve" in line]


GITHUB_CASES = {
    # id: (remote address, site.yaml's base_url and domain, deploy options, (served at, built for, advice) or None);
    # the advice is the full address, which also gives the feeds and sitemap theirs
    "project-site-built-for-root": (
        "https://github.com/someone/atlas.git", "base_url: /\n", (),
        ("https://someone.github.io/atlas/", "/", "https://someone.github.io/atlas/"),
    ),
    "project-site-built-for-its-path": ("git@github.com:someone/atlas.git", "base_url: /\n", ("--base-url", "/atlas/"), None),
    "user-site-built-for-a-path": (
        "git@github.com:Someone/someone.github.io.git", "base_url: /atlas/\n", (),
        ("https://someone.github.io/", "/atlas/", "https://someone.github.io/"),
    ),
    "user-site": ("https://github.com/someone/someone.github.io", "base_url: /\n", (), None),
    "user-site-spelt-with-capitals": ("git@github.com:Someone/Someone.github.io.git", "base_url: /\n", (), None),
    "custom-domain": ("https://github.com/someone/atlas", "base_url: /\ndomain: atlas.example.org\n", (), None),
    "custom-domain-built-for-a-path": (
        "https://github.com/someone/atlas", "base_url: /atlas/\ndomain: atlas.example.org\n", (),
        ("https://atlas.example.org/", "/atlas/", "https://atlas.example.org/"),
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
    warnings = pages_warnings(repo, address, site_yaml, "--content", "notes", *args)
    if expected is None:
        assert warnings == []
    else:
        served, built, advice = expected
        assert warnings == [
            f"warning: GitHub Pages will serve this site at {served}, but it is built for the path {built}: "
            f"its pages would find neither their stylesheet nor their links there "
            f"(set base_url: {advice} in notes/site.yaml, or deploy with --base-url {advice})"
        ]


def test_a_pages_workflow_beside_a_gh_pages_deploy_is_a_warning(project):
    """The shipped workflow publishes with GitHub Actions on every push: with
    Pages set to GitHub Actions, a gh-pages branch is not what is served; set
    to the branch, the workflow's deploy job fails on every push."""
    repo, _remote = project
    workflows = repo / ".github" / "workflows"
    workflows.mkdir(parents=True)
    shutil.copy(ROOT / ".github" / "workflows" / "pages.yml", workflows / "pages.yml")
    (workflows / "tests.yml").write_text("on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make test\n")
    (workflows / "old.yml").mkdir()  # a folder named as a workflow is none, and no reason to stop
    expected = ("warning: .github/workflows/pages.yml publishes this site with GitHub Actions on every push to GitHub: "
                "with Settings → Pages → Source: GitHub Actions, the gh-pages branch is not what GitHub serves, and with "
                "Source: Deploy from a branch, the workflow fails; publish one way: to publish gh-pages, delete it "
                "(git rm .github/workflows/pages.yml)")
    assert pages_warnings(repo, "https://github.com/someone/atlas.git", "base_url: /atlas/\n") == []
    result = run_deploy(repo, "--no-push", "--base-url", "/atlas/")
    assert result.returncode == 0 and expected in result.stderr.splitlines(), result.stderr
    strict = run_deploy(repo, "--no-push", "--strict", "--base-url", "/atlas/")
    assert strict.returncode == 1 and "1 warning above" in strict.stderr
    # Only where GitHub runs it.
    git(repo, "remote", "set-url", "origin", "https://gitlab.com/someone/atlas.git")
    assert "workflows" not in run_deploy(repo, "--no-push", "--base-url", "/atlas/").stderr
    (workflows / "pages.yml").unlink()
    git(repo, "remote", "set-url", "origin", "https://github.com/someone/atlas.git")
    assert "workflows" not in run_deploy(repo, "--no-push", "--base-url", "/atlas/").stderr


def test_a_site_meant_for_a_domain_of_its_own_is_told_to_set_domain(project):
    repo, _remote = project
    (repo / "content" / "site.yaml").write_text("title: Deployed Atlas\ndigest_year: 2025\nbase_url: https://atlas.example.org/\n")
    git(repo, "remote", "set-url", "origin", "https://github.com/someone/atlas.git")
    result = run_deploy(repo, "--no-push")
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("; or, for a site at https://atlas.example.org/, set domain: atlas.example.org)") == 1
