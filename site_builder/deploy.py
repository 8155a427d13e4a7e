"""Publishing the built site to a ``gh-pages`` branch.

The commit is made with git plumbing and a temporary index (GIT_INDEX_FILE):
blobs are hashed straight from the output directory, a tree is written from
the temporary index, and the branch ref is moved to a new commit on top of
the previous deploy. The user's index and current branch are never touched,
nor the working tree beyond the build's own ingest, so deploying from a dirty
checkout is safe.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from .config import SiteConfig
from .errors import SourceError

# A GitHub remote, by HTTPS or SSH (with or without a user, a port or .git):
# its owner and repository. Anchored at the host: github.com.example is not it.
_GITHUB_REMOTE = re.compile(
    r"(?:[a-z+]+://(?:[^@/]*@)?|[^@/:]*@)?(?:www\.|ssh\.)?github\.com(?::\d+)?[:/]+"
    r"([A-Za-z0-9-]+)/([A-Za-z0-9._-]+?)(?:\.git)?/*",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Deployment:
    commit: str
    parent: str | None
    files: int
    pushed: bool
    unchanged: bool  # the site is the same as the previous deploy: no new commit


@dataclass(frozen=True)
class DeployTarget:
    """Where a deploy goes, checked before the site is built, so that a
    refused deploy does not replace the output directory first."""

    repo: Path
    remote: str | None  # None: commit only, no push
    branch: str
    local_tip: str  # the local branch's commit; "": no such branch
    parent: str | None  # what the new commit goes on top of: the remote's branch, else the local one
    remote_tip: str | None = None  # the remote's branch's commit; None: no such branch, or no remote
    cname: str | None = None  # the domain in the CNAME file on the branch, which GitHub Pages' settings write


def check_target(repo: Path, remote: str | None = "origin", branch: str = "gh-pages") -> DeployTarget:
    """Check that ``branch`` of the git checkout ``repo`` may take a deploy and
    that ``remote`` answers; fetch the remote's branch to build on it."""
    git = _Git(repo)
    git.run("rev-parse", "--git-dir", what="find the git repository",
            hint="run deploy inside your project's git checkout")
    ref = f"refs/heads/{branch}"
    git.run("check-ref-format", ref, what=f"use branch name {branch!r}", said=lambda _quiet: "git refuses it",
            hint="a branch name has no spaces, '..', '~', '^', ':', '?', '*' or '[', "
                 "and does not start with '-' or end with '/', '.' or '.lock'")
    if f"branch {ref}" in git.run("worktree", "list", "--porcelain", what="list the work trees").splitlines():
        raise SourceError(f"branch {branch!r} is checked out; deploy would replace its files with the site",
                          repo, hint="deploy to another branch with --branch, or check out another branch "
                                     "(a work tree removed by hand: git worktree prune)")
    # Asked now, not at the commit after the build: git's own message says how to set it.
    for who in ("GIT_AUTHOR_IDENT", "GIT_COMMITTER_IDENT"):
        git.run("var", who, what="commit the site",
                hint="set git config user.name and user.email, as for any commit")
    local_tip = git.run("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
    remote_tip = _remote_tip(git, remote, ref)
    parent = remote_tip or local_tip or None
    # --full-tree: ls-tree reads a path as relative to the directory deploy runs in.
    if parent is not None and not git.run("ls-tree", "--full-tree", "--name-only", parent, ".nojekyll",
                                          what=f"read {branch}"):
        if remote_tip:
            where, delete = f"branch {branch!r} of {remote}", f"git push {remote} --delete {branch}"
        else:
            where, delete = f"branch {branch!r}", f"git branch -D {branch}"
        raise SourceError(f"{where} holds no deployed site (no .nojekyll); deploy would replace its files",
                          repo, hint="deploy to another branch with --branch; if it holds a site made another way "
                                     f"you no longer want, delete it first ({delete})")
    cname = git.run("cat-file", "blob", f"{parent}:CNAME", check=False).split() if parent is not None else []
    return DeployTarget(repo, remote, branch, local_tip, parent, remote_tip, cname[0] if cname else None)


def kept_cname(site_dir: Path, target: DeployTarget) -> str | None:
    """The branch's custom domain when a deploy without site.yaml's ``domain``
    keeps it: unless the site has a CNAME of its own (content/public/CNAME).
    A domain set in GitHub Pages' settings is written to the branch's CNAME,
    and a commit without the file takes the domain away."""
    return None if (site_dir / "CNAME").is_file() else target.cname


def site_cname(site_dir: Path) -> str | None:
    """The domain the site's own CNAME (content/public/CNAME) names, if any."""
    own = site_dir / "CNAME"
    words = own.read_text(encoding="utf-8", errors="replace").split() if own.is_file() else []
    return words[0] if words else None


def deploy_site(
    site_dir: Path,
    target: DeployTarget,
    message: str = "Deploy Paper Atlas site",
    domain: str | None = None,
) -> Deployment:
    """Commit ``site_dir`` (plus ``.nojekyll``, and ``CNAME`` for ``domain`` or
    the one the branch keeps) to the target's branch and push it."""
    git = _Git(target.repo)
    ref = f"refs/heads/{target.branch}"
    extra = {".nojekyll": ""}  # GitHub Pages would otherwise drop files starting with "_"
    domain = domain or kept_cname(site_dir, target)
    if domain:
        extra["CNAME"] = f"{domain}\n"
    # Absolute: git reads the paths from the top of the checkout, not where deploy runs.
    site_dir = site_dir.absolute()
    files = _site_files(site_dir)
    parent = target.parent
    tree = _write_tree(git, site_dir, files, extra)
    if parent is not None and git.run("rev-parse", f"{parent}^{{tree}}") == tree:
        commit, unchanged = parent, True
    else:
        commit = git.run("commit-tree", tree, *(("-p", parent) if parent else ()), "-m", message,
                         what="commit the site", hint="set git config user.name and user.email")
        unchanged = False
    # The expected old value ("" = must not exist) guards against a concurrent change.
    git.run("update-ref", "-m", "deploy", ref, commit, target.local_tip, what=f"update branch {target.branch}")
    # A site unchanged since the deploy the remote holds has nothing to push.
    push = target.remote is not None and commit != target.remote_tip
    if push:
        try:
            git.run("push", "--quiet", target.remote, f"{ref}:{ref}", what=f"push {target.branch} to {target.remote}",
                    hint="the remote's reason is above; if someone deployed meanwhile, deploy again to build on "
                         "their commit", said=_push_refusal)
        except BaseException:
            # Unpublished, so the local branch goes back to where it was (Ctrl-C included).
            if target.local_tip:
                git.run("update-ref", "-m", "deploy not pushed", ref, target.local_tip, commit, check=False)
            else:
                git.run("update-ref", "-d", ref, commit, check=False)
            raise
    return Deployment(commit, parent, len(files) + len(extra), push, unchanged)


def pages_mismatch(repo: Path, remote: str, config: SiteConfig, site_yaml: Path) -> str | None:
    """What is wrong when GitHub Pages will serve the site of ``remote`` (a
    github.com repository) under another path than the site is built for
    (its pages would then find neither their stylesheet nor their links), or
    on another host than a full base_url names. None when they agree, or the
    remote is not on GitHub."""
    github = _github_repository(repo, remote)
    if github is None:
        return None
    owner, name = github
    if config.domain:  # a custom domain is served at its root
        host, served = config.domain, "/"
    else:
        host = f"{owner.lower()}.github.io"
        served = "/" if name.lower() == host else f"/{name}/"
    url = f"https://{host}{served}"
    meant = urlsplit(config.base_url).hostname
    if config.base_path.lower() != served.lower():
        built_for = f"the path {config.base_path}"
        harm = "its pages would find neither their stylesheet nor their links there"
    elif meant is not None and meant != host.lower():
        # The right path on another host: the pages work, but what points
        # at them from outside sends readers and search engines elsewhere.
        built_for = config.base_url
        harm = f"its canonical links, feeds and sitemap would lead to {meant}"
    else:
        return None
    # The full address, not the path alone: the sitemap and the feeds' links need it.
    hint = f"set base_url: {url} in {site_yaml}, or deploy with --base-url {url}"
    if not config.domain and meant and not meant.endswith(".github.io"):
        hint += f"; or, for a site at https://{meant}/, set domain: {meant}"
    return f"GitHub Pages will serve this site at {url}, but it is built for {built_for}: {harm} ({hint})"


def pages_workflows(repo: Path, remote: str, branch: str) -> str | None:
    """What is wrong when the checkout ``repo``, on GitHub, also publishes
    with a GitHub Actions workflow (actions/deploy-pages, as the shipped
    .github/workflows/pages.yml does): GitHub Pages serves one source, so
    either ``branch`` is not what it serves, or the workflow fails on every
    push. None when there is no such workflow, or the remote is not on GitHub."""
    if _github_repository(repo, remote) is None:
        return None
    top = Path(_Git(repo).run("rev-parse", "--show-toplevel", what="find the top of the checkout"))
    found = sorted(
        path.relative_to(top).as_posix() for path in (top / ".github" / "workflows").glob("*.y*ml")
        if "actions/deploy-pages" in _text_or_nothing(path)
    )
    if not found:
        return None
    names = ", ".join(found)
    return (f"{names} {'publishes' if len(found) == 1 else 'publish'} this site with GitHub Actions on every push to "
            f"GitHub: with Settings → Pages → Source: GitHub Actions, the {branch} branch is not what GitHub serves, "
            f"and with Source: Deploy from a branch, the workflow fails; publish one way: to publish {branch}, "
            f"delete {'it' if len(found) == 1 else 'them'} (git rm {' '.join(found)})")


def _text_or_nothing(path: Path) -> str:
    # A folder or an unreadable file named like a workflow is none GitHub runs
    # either: it is no reason to stop a deploy.
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _github_repository(repo: Path, remote: str) -> tuple[str, str] | None:
    """The owner and name of ``remote``'s repository when it is on GitHub."""
    address = _Git(repo).run("remote", "get-url", remote, check=False) or remote
    match = _GITHUB_REMOTE.fullmatch(address)
    return None if match is None else (match[1], match[2])


class _Git:
    def __init__(self, repo: Path) -> None:
        self.repo = repo

    def run(self, *args: str, what: str = "", hint: str = "", stdin: str | None = None,
            env: dict[str, str] | None = None, check: bool = True,
            said: Callable[[list[str]], str] | None = None) -> str:
        # Paths as the file system spells them: a name that is not UTF-8
        # passes through as its bytes (strict, it was a UnicodeEncodeError).
        try:
            result = subprocess.run(
                ["git", *args], cwd=self.repo, input=stdin, capture_output=True,
                encoding=sys.getfilesystemencoding(), errors=sys.getfilesystemencodeerrors(),
                env={**os.environ, **(env or {})},
            )
        except FileNotFoundError:  # git itself: cwd, the directory deploy runs in, exists
            raise SourceError(f"cannot {what or 'run git ' + args[0]}: git is not installed (no git on PATH)",
                              self.repo, hint="install git: deploy commits and pushes with it") from None
        if check and result.returncode != 0:
            detail = result.stderr.strip().splitlines()
            verdict = (said or _verdict)(detail)
            raise SourceError(
                f"cannot {what or 'run git ' + args[0]}: {verdict or 'git failed'}",
                self.repo, hint=hint,
            )
        return result.stdout.strip() if result.returncode == 0 else ""


def _verdict(detail: list[str]) -> str:
    """git's own verdict ("fatal: ..."), not the advice lines after it."""
    return next((line for line in detail if line.startswith(("fatal:", "error:"))), detail[-1] if detail else "")


def _push_refusal(detail: list[str]) -> str:
    """Why a push was refused: what the remote said (a protected branch, say)
    and the refused ref's line ("! [rejected] ... (fetch first)"), which come
    before git's closing "error: failed to push some refs"."""
    reasons = [line.strip() for line in detail
               if (line.startswith("remote:") and line[7:].strip()) or line.startswith(" ! ")]
    return "; ".join([*reasons, _verdict(detail)]) if reasons else _verdict(detail)


def _site_files(site_dir: Path) -> list[str]:
    if not (site_dir / "index.html").is_file():
        raise SourceError("no built site to deploy", site_dir, hint="run python build.py build first")
    return sorted(
        path.relative_to(site_dir).as_posix() for path in site_dir.rglob("*")
        if path.is_file() and not path.is_symlink()
    )


def _remote_tip(git: _Git, remote: str | None, ref: str) -> str | None:
    """The remote's branch, fetched, so the new commit goes on top of it and
    the push is a fast-forward even from a fresh clone."""
    if remote is None:
        return None
    remotes = git.run("remote", check=False).split()
    known = f"this repository's remotes: {', '.join(remotes)}" if remotes else "this repository has no remote"
    listed = git.run("ls-remote", remote, ref, what=f"reach remote {remote!r}",
                     hint=f"{known}; add one with git remote add, pass another with --remote, "
                          "or commit without pushing with --no-push")
    tip = listed.split("\t")[0]
    if tip:
        git.run("fetch", "--quiet", remote, ref, what=f"fetch {ref} from {remote}")
    return tip or None


def _write_tree(git: _Git, site_dir: Path, files: list[str], extra: dict[str, str]) -> str:
    hashes = git.run("hash-object", "-w", "--stdin-paths", "--no-filters",
                     stdin="".join(f"{_quoted(str(site_dir / name))}\n" for name in files), what="store the site files")
    entries = dict(zip(files, hashes.splitlines()))
    for name, text in extra.items():
        entries[name] = git.run("hash-object", "-w", "--stdin", stdin=text, what=f"store {name}")
    listing = "".join(f"100644 {sha}\t{_quoted(name)}\n" for name, sha in sorted(entries.items()))
    # A temporary index, so the user's own index is never touched.
    with tempfile.TemporaryDirectory(prefix="atlas-deploy-") as temp:
        index = {"GIT_INDEX_FILE": str(Path(temp) / "index")}
        git.run("update-index", "--add", "--index-info", stdin=listing, env=index, what="index the site")
        return git.run("write-tree", env=index, what="write the site tree")


def _quoted(path: str) -> str:
    """``path`` quoted as git reads a path given one to a line: a name that
    begins with a double quote is unquoted otherwise ('"a".txt' became
    'a'), and a line end in one would end the line."""
    escaped = path.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'
