"""The command line as a user meets it: help, summaries, and errors that lose nothing."""

from __future__ import annotations

import codecs
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from files import snapshot

ROOT = Path(__file__).resolve().parent.parent
HEADER = "new\n\nSubscribe\n\n"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "build.py"), *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


@pytest.fixture()
def project(tmp_path) -> Path:
    content = tmp_path / "content"
    (content / "digests").mkdir(parents=True)
    shutil.copy(ROOT / "content" / "site.yaml", content / "site.yaml")
    shutil.copy(ROOT / "content" / "topics.yaml", content / "topics.yaml")
    (content / "digests" / "a.txt").write_text(
        HEADER + "Mar 18\n\nA Paper on Speech\n\nWe study speech synthesis.\n\nAnother Paper\n\nAbout things.\n"
    )
    return tmp_path



@pytest.mark.parametrize("args", [["--help"], ["build", "--help"], ["ingest", "--help"]])
def test_help_describes_the_commands(args, project):
    result = run(*args, cwd=project)
    assert result.returncode == 0
    assert "usage: build.py" in result.stdout
    assert ("--base-url" in result.stdout) == (args[0] == "build")


def test_version_is_the_installed_packages(project):
    from importlib.metadata import version

    result = run("--version", cwd=project)
    assert result.returncode == 0 and result.stdout == f"Paper Atlas {version('paper-atlas')}\n"
    assert not (project / "_site").exists()  # not taken for a build's option



def test_a_python_without_the_dependencies_says_which_python_to_use(project):
    # -S: without site-packages, as a system Python outside .venv is.
    result = subprocess.run([sys.executable, "-S", str(ROOT / "build.py"), "--help"], cwd=project,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"error: this Python ({sys.executable}) lacks the module ")
    assert "'make setup' once, then '.venv/bin/python build.py'" in result.stderr

def test_build_prints_a_summary_and_writes_the_site(project):
    result = run(cwd=project)
    assert result.returncode == 0, result.stderr
    assert re.search(r"\n  2 papers · \d+ topics \(\d+ more with no paper\) · 1 date · \d+ files, ", result.stdout)  # "1 date", not "1 dates"
    # Page kinds, the many first; a kind with one page is not "1 404" (read as 1,404).
    kinds = re.search(r"^Built \d+ pages \(((?:\d+ [a-z]+, )+)one each of 404, date, dates, home, ", result.stdout, re.M)
    assert kinds and "2 paper, " in kinds[1]
    counts = [int(count) for count in re.findall(r"(\d+) [a-z]+, ", kinds[1])]
    assert counts == sorted(counts, reverse=True) and min(counts) > 1
    assert re.search(r"search: index \d+ KiB \(\d+ KiB gzip\), documents \d+ KiB \(\d+ KiB gzip\)\n", result.stdout)
    assert (project / "_site" / "index.html").is_file()
    assert len(list((project / "content" / "papers").glob("*.md"))) == 2
    assert "\n  ingest: 2 new papers, 2 paper files written\n" in result.stdout
    (project / "content" / "digests" / "b.txt").write_text(HEADER + "Mar 19\n\nA Third Paper\n\nAbout more.\n")
    assert "\n  ingest: 1 new paper, 1 paper file written\n" in run(cwd=project).stdout


def test_the_summary_counts_pages_of_ones_own_as_such(project):
    pages = project / "content" / "pages"
    pages.mkdir()
    (pages / "about.md").write_text("---\ntitle: About\n---\n\nWho I am.\n")
    assert re.search(r"^Built \d+ pages \(.*one each of 404, .*, own page, papers,", run(cwd=project).stdout, re.M)
    (pages / "reading.md").write_text("---\ntitle: Reading list\n---\n\nTo read.\n")
    assert re.search(r"^Built \d+ pages \(.*\b2 own page, .*one each of 404,", run(cwd=project).stdout, re.M)


def test_the_summary_counts_tag_pages_and_the_starred_page(project):
    run("ingest", cwd=project)
    papers = sorted((project / "content" / "papers").glob("*.md"))
    for paper, front in zip(papers, ("tags: [rlhf, later]\nstarred: true\n", "tags: ['🔥']\n")):
        paper.write_text(paper.read_text(encoding="utf-8").replace("\n---\n", f"\n{front}---\n", 1), encoding="utf-8")
    result = run(cwd=project)
    # "1 starred" would read as a starred paper.
    assert re.search(r"^Built \d+ pages \(.*\b3 tag, .*one each of 404, .*, starred page, tags, topics\)$", result.stdout, re.M)
    assert result.stderr == ""


def test_control_characters_in_a_digest_are_dropped_and_its_paper_builds(project):
    # "It's" decoded twice (C1 controls), a bell and a terminal's escape: ingest
    # used to write them as escapes into the paper's title, which the build then refused.
    (project / "content" / "digests" / "a.txt").write_text(
        HEADER + "Mar 18\n\nA Title It\u00e2\x80\x99s Here\x07\n\nAn abstract with a bell\x07 and an escape\x1b[0m.\n",
        encoding="utf-8",
    )
    result = run(cwd=project)
    assert result.returncode == 0, result.stderr
    (paper,) = (project / "content" / "papers").glob("*.md")
    assert "title: A Title It\u00e2s Here\n" in paper.read_text(encoding="utf-8")
    page = (project / "_site" / "papers" / paper.stem / "index.html").read_text(encoding="utf-8")
    assert "An abstract with a bell and an escape[0m." in page
    assert not [char for char in page if ord(char) < 32 and char not in "\t\n" or 0x7f <= ord(char) <= 0x9f]


def test_a_summary_piped_into_a_reader_that_stops_early_is_no_traceback(project):
    read_end, write_end = os.pipe()
    os.close(read_end)  # as `build.py | head -1` once head has its line
    try:
        # Buffered, as stdout into a pipe is unless PYTHONUNBUFFERED is set.
        env = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
        result = subprocess.run(
            [sys.executable, str(ROOT / "build.py")], cwd=project, stdout=write_end, stderr=subprocess.PIPE,
            text=True, timeout=120, env=env,
        )
    finally:
        os.close(write_end)
    assert "Traceback" not in result.stderr and "Broken pipe" not in result.stderr, result.stderr
    assert result.returncode == 141
    assert (project / "_site" / "index.html").is_file()


def test_build_with_out_and_base_url(project):
    result = run("build", "--out", "public", "--base-url", "/atlas/", cwd=project)
    assert result.returncode == 0, result.stderr
    assert 'href="/atlas/papers/' in (project / "public" / "index.html").read_text()


def test_broken_digest_is_one_clear_error_and_loses_nothing(project):
    assert run(cwd=project).returncode == 0
    paper = next((project / "content" / "papers").glob("a-paper-on-speech.md"))
    paper.write_text(paper.read_text() + "\n## Notes\n\nMine.\n")
    assert run(cwd=project).returncode == 0
    site_before = snapshot(project / "_site")
    papers_before = snapshot(project / "content" / "papers")

    (project / "content" / "digests" / "b.txt").write_text(HEADER + "Mar 19\n\nNew Paper\n\nNew abstract.\n\nNo abstract\n")
    result = run(cwd=project)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    digest = project / "content" / "digests" / "b.txt"
    assert f"error: {digest.relative_to(project)}:11: title 'No abstract' has no abstract" in result.stderr
    assert snapshot(project / "_site") == site_before
    assert snapshot(project / "content" / "papers") == papers_before


def test_broken_site_yaml_names_the_line(project):
    (project / "content" / "site.yaml").write_text("title: Atlas\nbase_url: [oops\n")
    result = run(cwd=project)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: content/site.yaml:2: invalid YAML: a '[' list begun on this line is not closed")


def test_unknown_setting_is_reported(project):
    (project / "content" / "site.yaml").write_text("title: Atlas\ntitel: typo\n")
    result = run(cwd=project)
    assert result.returncode == 1
    assert result.stderr.startswith("error: content/site.yaml:2: unknown setting 'titel' (did you mean 'title'? known settings: ")


def test_ingest_twice_rewrites_nothing(project):
    first = run("ingest", cwd=project)
    assert first.returncode == 0 and "2 new" in first.stdout
    second = run("ingest", cwd=project)
    assert "0 written, 2 unchanged" in second.stdout


def test_a_paper_file_saved_with_a_byte_order_mark_is_read_and_rewritten_with_it(project):
    """As Windows Notepad saves UTF-8: ingest read it, then wrote it back without the mark."""
    assert run("ingest", cwd=project).returncode == 0
    paper = project / "content" / "papers" / "a-paper-on-speech.md"
    marked = codecs.BOM_UTF8 + paper.read_bytes().replace(b"\n", b"\r\n")
    paper.write_bytes(marked)
    result = run("ingest", cwd=project)
    assert "0 written, 2 unchanged" in result.stdout and paper.read_bytes() == marked
    (project / "content" / "digests" / "b.txt").write_text(HEADER + "Mar 17\n\nA Paper on Speech\n\nWe study speech synthesis.\n")
    result = run("ingest", cwd=project)
    assert result.returncode == 0 and "1 written" in result.stdout, result.stdout + result.stderr
    assert paper.read_bytes() == marked.replace(b"dates: [2025-03-18]", b"dates: [2025-03-17, 2025-03-18]")


def test_ctrl_c_while_the_program_starts_says_interrupted_not_a_traceback(tmp_path):
    """Ctrl+C in the first third of a second, while build.py imports its
    modules, was a KeyboardInterrupt traceback; later it says "interrupted"."""
    build_py = str(ROOT / "build.py")
    code = (
        "import builtins, runpy, sys\n"
        "real_import = builtins.__import__\n"
        "def interrupted(name, *args, **kwargs):\n"
        "    if name == 'site_builder.serve':\n"
        "        raise KeyboardInterrupt\n"
        "    return real_import(name, *args, **kwargs)\n"
        "builtins.__import__ = interrupted\n"
        f"sys.argv = [{build_py!r}, 'build']\n"
        f"runpy.run_path({build_py!r}, run_name='__main__')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert (result.returncode, result.stderr) == (130, "interrupted\n")


def test_missing_content_directory(tmp_path):
    result = run(cwd=tmp_path)
    assert result.returncode == 1
    assert "error: content: content directory not found" in result.stderr


def test_a_content_directory_that_is_a_link_that_loops_is_one_not_found(tmp_path):
    """The output directory's check resolved it first, and Python's
    RuntimeError for the loop was a traceback."""
    (tmp_path / "content").symlink_to("content")
    result = run(cwd=tmp_path)
    assert result.returncode == 1
    assert "error: content: content directory not found" in result.stderr and "Traceback" not in result.stderr


def test_search_summary_says_one_file_with_its_gzip_many_files_by_count_and_none_without_failing():
    from build import _search_part
    from site_builder.search import SearchPart

    assert _search_part(SearchPart(4096, 1, 1024), "shards") == "4 KiB (1 KiB gzip)"
    assert _search_part(SearchPart(6144, 4, None), "shards") == "6 KiB in 4 shards of 1.5 KiB on average"
    assert _search_part(SearchPart(0, 0, None), "shards") == "0 KiB"  # no terms at all


@pytest.mark.parametrize("out", [
    ".", "content", "content/papers", "content/_site", "..", "notes", "hidden", "repo", "home", "a-file.txt", "loop",
])
def test_an_output_directory_that_is_not_a_site_is_refused_and_nothing_is_deleted(project, out):
    (project / "notes").mkdir()
    (project / "notes" / "mine.txt").write_text("my notes")
    (project / "hidden").mkdir()
    (project / "hidden" / ".keep").write_text("")
    (project / "repo" / ".git").mkdir(parents=True)
    (project / "repo" / "index.html").write_text("a site in a git work tree")
    (project / "home").mkdir()
    (project / "home" / "index.html").write_text("a home page of one's own")
    (project / "a-file.txt").write_text("text")
    (project / "loop").symlink_to("loop")
    assert run("ingest", cwd=project).returncode == 0
    before = snapshot(project)
    for command in ("build", "serve", "deploy"):
        result = subprocess.run(
            [sys.executable, str(ROOT / "build.py"), command, "--out", out], cwd=project, capture_output=True,
            text=True, timeout=120, env={**os.environ, "HOME": str(project / "home")},
        )
        assert result.returncode == 1, (command, result.stdout)
        assert "the output directory" in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert snapshot(project) == before
    assert not (project.parent / ".atlas-cache").exists()


def test_an_output_directory_that_is_the_build_cache_beside_it_is_refused(project):
    """``--out .atlas-cache``: the cache is kept beside the output, so it
    was the output itself. The first build published the record of the last
    build and the site it replaced (``previous-site/``) in the site, and
    every build after it failed (``cannot write the site: No such file or
    directory``). Without the cache (``--no-cache``, ``deploy``) it is a
    directory like any other."""
    for command in ("build", "serve"):
        result = run(command, "--out", ".atlas-cache", cwd=project)
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        assert "error: .atlas-cache: the output directory is the build cache" in result.stderr, result.stderr
        assert not (project / ".atlas-cache").exists()
    result = run("build", "--no-cache", "--out", ".atlas-cache", cwd=project)
    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in (project / ".atlas-cache").iterdir() if path.suffix == ".pickle") == []


def test_a_build_cache_that_is_a_link_in_a_loop_is_a_one_line_error(project):
    (project / ".atlas-cache").symlink_to(".atlas-cache")
    for command in ("build", "serve"):
        result = run(command, cwd=project)
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        assert result.stderr.startswith("error: .atlas-cache: the build cache is a link that cannot be followed"), \
            result.stderr
    assert run("build", "--no-cache", cwd=project).returncode == 0


def test_a_new_empty_or_earlier_output_directory_is_built_into(project):
    (project / "empty").mkdir()
    for out in ("empty", "new/site", "empty"):
        result = run("build", "--out", out, cwd=project)
        assert result.returncode == 0, result.stderr
        assert (project / out / "index.html").is_file()


@pytest.mark.parametrize("port", ["99999", "-1", "http"])
def test_a_port_that_is_not_one_is_a_usage_error(project, port):
    result = run("serve", "--port", port, cwd=project)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"argument --port: '{port}' is not a port number" in result.stderr


@pytest.mark.parametrize("args", [("build", "--outt", "x"), ("--outt", "x"), ("ingest", "--out", "x")])
def test_an_unknown_option_is_told_with_the_commands_own_usage(project, args):
    command = "ingest" if "ingest" in args else "build"
    result = run(*args, cwd=project)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"usage: build.py {command} [-h]")
    assert f"build.py {command}: error: unrecognized arguments: {' '.join(args[-2:])}" in result.stderr
    assert not (project / "_site").exists()


def test_files_that_are_not_read_are_named_in_a_warning_but_hidden_files_and_backups(project):
    digests = project / "content" / "digests"
    (digests / "2025-03-19").write_text(HEADER + "Mar 19\n\nA Third Paper\n\nAbout more things.\n")
    (digests / "2025-03-20.TXT").write_text(HEADER + "Mar 20\n\nA Fourth Paper\n\nAbout others.\n")
    (digests / ".DS_Store").write_bytes(b"\0")
    (digests / "._a.txt").write_bytes(b"\0\5\26\7 Mac OS X resource fork")  # what a Mac copies beside a.txt
    (digests / "#a.txt#").write_text("Emacs's autosave of a.txt\n")
    for backup in ("a.txt~", "a.txt.bak"):  # an editor's, of a.txt: renaming it would overwrite a.txt
        (digests / backup).write_text("an older a.txt\n")
    (digests / "2024").mkdir()
    (digests / "2024" / "2024-12-01.txt").write_text(HEADER + "Dec 1\n\nAn Old Paper\n\nFrom last year.\n")
    papers = project / "content" / "papers"
    papers.mkdir()
    (papers / "my-idea.markdown").write_text("---\ntitle: My Idea\n---\n\nIt is good.\n")
    # Saved with no name typed: they were passed over in silence, as hidden files.
    (papers / ".md").write_text("---\ntitle: Saved Without a Name\n---\n\nHidden.\n")
    (digests / ".txt").write_text(HEADER + "Mar 21\n\nA Fifth Paper\n\nAbout yet more.\n")
    result = run(cwd=project)
    assert result.returncode == 0, result.stderr
    warned = [line for line in result.stderr.splitlines() if "not read" in line]
    assert len(warned) == 6, warned
    assert "digests/.txt: not read: with no name before .txt, it is a hidden file (give it a name before the .txt)" in warned[0]
    assert "2024: not read: a folder (digests are read from " in warned[1]
    assert "2025-03-19: not read: digests are .txt files (if it is one, give its name the .txt ending)" in warned[2]
    assert "2025-03-20.TXT: not read" in warned[3]
    assert "papers/.md: not read: with no name before .md, it is a hidden file (give it a name before the .md)" in warned[4]
    assert "my-idea.markdown: not read: paper files are .md files (if it is one, give its name the .md ending)" in warned[5]
    assert not (project / "_site" / "papers" / "an-old-paper").exists()
    assert (project / "_site" / "papers" / "a-paper-on-speech").is_dir()


def test_what_content_holds_besides_what_is_read_is_named_with_where_it_goes(project):
    """Hugo's content/static/, a page or a digest saved beside the settings:
    built without them, and without a word. A README or a licence there is
    the user's own business."""
    content = project / "content"
    (content / "static").mkdir()
    (content / "static" / "logo.png").write_bytes(b"\x89PNG")
    (content / "img").mkdir()
    (content / "drafts").mkdir()
    (content / "about.md").write_text("# About\n\nMe.\n")
    (content / "2025-04-01.txt").write_text(HEADER + "Apr 1\n\nA Misplaced Paper\n\nAbout a folder.\n")
    (content / "README").write_text("My atlas.\n")
    (content / "README.md").write_text("# My atlas\n")  # what GitHub shows below the folder's files
    (content / "LICENSE.txt").write_text("CC BY 4.0\n")
    (content / "LICENSE.md.swp").write_bytes(b"\0")
    result = run(cwd=project)
    assert result.returncode == 0, result.stderr
    assert [line for line in result.stderr.splitlines() if "not read" in line] == [
        "warning: content/2025-04-01.txt: not read: digests are read from content/digests/ "
        "(if it is one, move it to content/digests/2025-04-01.txt)",
        "warning: content/about.md: not read: a page of your own is read from content/pages/, a paper of your own "
        "from content/papers/ (move it to content/pages/about.md for a page at /about/)",
        "warning: content/drafts: not read: content/ holds site.yaml, topics.yaml, digests/, papers/, pages/ and "
        "public/ (a folder of notes goes in content/papers/, or is linked from there; anything else, outside content/)",
        "warning: content/img: not read: files the site publishes as they are come from content/public/ "
        "(move it into content/public/: content/public/img/x is /img/x)",
        "warning: content/static: not read: files the site publishes as they are come from content/public/ "
        "(move what it holds into content/public/: content/public/x is /x on the site)",
    ]
    assert not (project / "_site" / "logo.png").exists()


@pytest.mark.parametrize("templates_dir", ["templates", "theme/templates"])
def test_the_templates_dir_site_yaml_names_in_content_is_not_told_unread(project, templates_dir):
    """site.yaml names it relative to itself, so "templates_dir: templates"
    is content/templates/: it was warned of as not read (and failed a
    --strict build) while the build read its templates."""
    content = project / "content"
    (content / templates_dir).mkdir(parents=True)
    (content / templates_dir / "404.html").write_text("{% extends 'base.html' %}{% block main %}Lost.{% endblock %}\n")
    with (content / "site.yaml").open("a") as settings:
        settings.write(f"templates_dir: {templates_dir}\n")
    result = run("build", "--strict", cwd=project)
    assert result.returncode == 0 and "not read" not in result.stderr, result.stderr
    assert "Lost." in (project / "_site" / "404.html").read_text()


def test_a_link_in_content_public_whose_target_is_missing_is_a_warning_and_the_site_builds(project):
    """It was passed over without a word, and the file was missing from the site."""
    public = project / "content" / "public"
    public.mkdir()
    (public / "ok.txt").write_text("ok")
    (public / "cv.pdf").symlink_to("../cv-2024.pdf")
    warning = ("warning: content/public/cv.pdf: not published: the link's target '../cv-2024.pdf' is missing "
               "(restore the file it leads to, or delete the link)")
    for _again in range(2):  # and the next build says it again
        result = run(cwd=project)
        assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
        assert warning in result.stderr.splitlines()
    assert (project / "_site" / "ok.txt").read_text() == "ok" and not (project / "_site" / "cv.pdf").exists()


def test_a_digest_downloaded_twice_is_read_once_with_a_warning(project):
    digests = project / "content" / "digests"
    (digests / "a (1).txt").write_bytes((digests / "a.txt").read_bytes())
    result = run(cwd=project)
    assert result.returncode == 0, result.stderr
    assert "a.txt: the same text as a (1).txt: the papers of the two are read once (delete one of the two files)" in result.stderr
    assert "\n  2 papers · " in result.stdout




def test_a_copy_named_for_another_year_gives_its_papers_no_second_date(project):
    digests = project / "content" / "digests"
    (digests / "a.txt").rename(digests / "2025-03-18.txt")
    (digests / "2026-03-18.txt").write_bytes((digests / "2025-03-18.txt").read_bytes())
    result = run(cwd=project)
    assert result.returncode == 0, result.stderr
    assert "2026-03-18.txt: the same text as 2025-03-18.txt: the papers of the two are read once" in result.stderr
    assert sorted(path.name for path in (project / "_site" / "dates").glob("????-??-??")) == ["2025-03-18"]


def test_a_file_given_as_the_content_directory_is_named_a_file(project):
    result = run("build", "--content", "content/site.yaml", cwd=project)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: content/site.yaml: a file, not a content directory (run from the project root")


@pytest.mark.parametrize("content", ["content/digests", "content/papers", "empty"])
def test_a_directory_that_is_not_a_content_directory_is_refused(project, content):
    run(cwd=project)  # a site, and paper files
    (project / "empty").mkdir()
    before = snapshot(project / "_site")
    result = run("--content", content, cwd=project)
    assert result.returncode == 1
    assert "not a content directory: it has none of site.yaml, topics.yaml, digests/ and papers/" in result.stderr
    assert snapshot(project / "_site") == before


@pytest.mark.parametrize("wanted,misnamed", [
    ("topics.yaml", "topics.yml"), ("site.yaml", "Site.YAML"), ("topics.yaml", "topics.yaml.txt"),
])
def test_a_misnamed_settings_file_is_an_error_not_a_site_without_it(project, wanted, misnamed):
    content = project / "content"
    run(cwd=project)
    papers = snapshot(content / "papers")
    (content / wanted).rename(content / misnamed)
    result = run(cwd=project)
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: content/{misnamed}: not read: settings are read from {wanted} (rename it to {wanted})")
    assert snapshot(content / "papers") == papers  # not rewritten without their topics

def test_a_backup_of_a_settings_file_is_not_taken_for_it(project):
    # README: without topics.yaml, a site without topics; a backup beside it changes nothing.
    content = project / "content"
    (content / "topics.yaml").rename(content / "topics.yaml.bak")
    result = run(cwd=project)
    assert result.returncode == 0, result.stderr
    assert "\n  2 papers · 0 topics · " in result.stdout

def test_a_deleted_topics_file_is_a_warning_once_when_papers_lose_their_topics(project):
    content = project / "content"
    assert run(cwd=project).returncode == 0
    assert "topics: [speech]" in (content / "papers" / "a-paper-on-speech.md").read_text()
    (content / "topics.yaml").unlink()
    result = run(cwd=project)
    assert result.returncode == 0, result.stderr
    first, gone = result.stderr.splitlines()
    assert first == (
        "warning: content/topics.yaml: not found: ingest takes the topics away from 2 papers (restore the file "
        "(git checkout content/topics.yaml, say) to file them again; for a site without topics, nothing more is needed)"
    )
    assert gone.startswith("warning: _site: 2 pages the last build wrote are gone from this one: /topics/other/, /topics/speech/;")
    assert "topics: []" in (content / "papers" / "a-paper-on-speech.md").read_text()
    result = run(cwd=project)  # nothing changed: what the last build did is not said again
    assert result.returncode == 0 and result.stderr == "" and "Nothing changed" in result.stdout
    (content / "digests" / "b.txt").write_text("Mar 19\n\nA Third Paper\n\nOn speech synthesis.\n")
    result = run(cwd=project)  # a site without topics, as wished: nothing more to say
    assert result.returncode == 0 and result.stderr == ""


def test_readme_gives_every_setting_of_site_yaml_with_its_default(tmp_path):
    import dataclasses
    import re

    from site_builder.config import SiteConfig, load_config

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("### `content/site.yaml`", 1)[1].split("\n\n", 2)[1]
    documented = dict(re.findall(r"^\| `(\w+)` \| (`[^`]*`|none) \|", table, re.MULTILINE))
    fields = {field.name: field.default for field in dataclasses.fields(SiteConfig)}
    assert documented.keys() == fields.keys()
    # The defaults of a site.yaml that sets nothing, as README writes them.
    (tmp_path / "site.yaml").write_text("# nothing set\n")
    loaded = load_config(tmp_path / "site.yaml")
    assert {name: f"`{value}`" if value is not None else "none" for name, value in vars(loaded).items()} == documented


def test_the_summary_counts_the_topics_no_paper_has(project):
    result = run("build", cwd=project)
    assert result.returncode == 0, result.stderr
    topics = (project / "content" / "topics.yaml").read_text().count("\n  - slug: ")
    used = len([p for p in (project / "_site" / "topics").iterdir() if p.is_dir()])
    assert 0 < used < topics
    assert f" · {used} topics ({topics - used} more with no paper) · " in result.stdout


def test_quiet_build_prints_only_warnings(project):
    digests = project / "content" / "digests"
    (digests / "a (1).txt").write_bytes((digests / "a.txt").read_bytes())
    result = run("build", "-q", cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr.startswith("warning: ") and "the same text as" in result.stderr
    assert (project / "_site" / "papers" / "a-paper-on-speech" / "index.html").is_file()

def test_strict_fails_a_build_that_warns_each_time_and_passes_one_that_does_not(project):
    """For CI: a broken link in a note fails the run, as MkDocs' --strict does."""
    assert run("build", "--strict", cwd=project).returncode == 0
    paper = project / "content" / "papers" / "a-paper-on-speech.md"
    paper.write_text(paper.read_text() + "\n## Notes\n\nSee [the other](/papers/another-papr/).\n")
    for _again in range(2):  # the second finds nothing changed, and says the warning again
        result = run("build", "--strict", "-q", cwd=project)
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        first, error = result.stderr.splitlines()
        assert first.startswith("warning: content/papers/a-paper-on-speech.md:") and "another-papr" in first
        assert error == ("error: 1 warning above, and --strict fails a build that warns: the site in _site is "
                         "built, but this build fails (mend what they say, or leave out --strict)")
        assert "another-papr" in (project / "_site" / "papers" / "a-paper-on-speech" / "index.html").read_text()
    assert run("build", cwd=project).returncode == 0  # without it, a warning is no failure
    paper.write_text(paper.read_text().replace("another-papr", "another-paper"))
    assert run("build", "--strict", cwd=project).returncode == 0


def test_an_html_tag_in_a_note_is_a_warning_at_its_line_on_every_build_and_fails_strict(project):
    """<kbd>Ctrl</kbd> showed its tags on the published page without a word."""
    assert run("build", "-q", cwd=project).returncode == 0
    paper = project / "content" / "papers" / "a-paper-on-speech.md"
    paper.write_text(paper.read_text() + "\n## Notes\n\nPress <kbd>Ctrl</kbd>, not `<kbd>`.\n")
    line = paper.read_text().count("\n")
    warning = (f"warning: content/papers/a-paper-on-speech.md:{line}: HTML tag <kbd> is shown as written, not as HTML: "
               "what you write is Markdown (for a key, write it in backticks: `Ctrl`)")
    for _again in range(2):  # the second reuses the first's cache, and says it again
        result = run("build", "-q", cwd=project)
        assert result.returncode == 0 and result.stderr.splitlines() == [warning], result.stderr
        assert (project / ".atlas-cache").is_dir()
    result = run("build", "--strict", "-q", cwd=project)
    assert result.returncode == 1 and result.stderr.splitlines()[0] == warning, result.stderr
    assert result.stderr.splitlines()[1].startswith("error: 1 warning above, and --strict fails a build that warns")
    page = (project / "_site" / "papers" / "a-paper-on-speech" / "index.html").read_text()
    assert '<span class="raw-html" data-line="1">&lt;kbd&gt;</span>Ctrl' in page  # its line in the notes

def test_a_revised_abstract_is_said_by_the_build_that_writes_it_alone_and_fails_strict_only_then(project):
    """Said by every build, it failed every build --strict, and only editing
    a pasted digest ended that; the paper file holding the version, there
    is nothing more to say."""
    digests, paper = project / "content" / "digests", project / "content" / "papers" / "a-paper-on-speech.md"
    (digests / "b.txt").write_text(HEADER + "Mar 19\n\nA Paper on Speech\n\nWe study speech synthesis, revised.\n")
    result = run("build", "--strict", "-q", cwd=project)
    assert result.returncode == 1, result.stderr
    warning, error = result.stderr.splitlines()
    assert warning == (
        "warning: content/digests/b.txt:7: 'A Paper on Speech' has a different abstract than in a.txt:7: ingest "
        "wrote it into its paper file, a-paper-on-speech.md, under 'Other versions of the abstract', and the "
        "paper's page shows both (nothing needs doing: only the build that writes it there says so)"
    )
    assert error.startswith("error: 1 warning above, and --strict fails a build that warns")
    assert "\n### As of 2025-03-19\n\nWe study speech synthesis, revised.\n" in paper.read_text()
    for again in (["-q"], ["-q", "--no-cache"]):  # nothing changed; then a build that reads every file anew
        result = run("build", "--strict", *again, cwd=project)
        assert result.returncode == 0 and result.stderr == "", result.stderr
    # A third version is said once too, by whichever writes it: here ingest.
    (digests / "c.txt").write_text(HEADER + "Mar 20\n\nA Paper on Speech\n\nWe study speech synthesis, again.\n")
    result = run("ingest", cwd=project)
    assert result.returncode == 0 and result.stderr.startswith("warning: content/digests/c.txt:7: 'A Paper on Speech' "
                                                               "has a different abstract than in a.txt:7: ingest wrote it")
    assert result.stderr.count("\n") == 1, result.stderr
    result = run("build", "--strict", "-q", cwd=project)
    assert result.returncode == 0 and result.stderr == "", result.stderr


def test_ingest_shows_the_same_warnings_as_a_build(project):
    assert run("ingest", cwd=project).returncode == 0
    paper = project / "content" / "papers" / "another-paper.md"
    paper.write_text(paper.read_text().replace("About things.", "About things.\n\nA thought of mine."))
    (project / "content" / "digests" / "README.md").write_text("My digests.\n")
    result = run("ingest", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "another-paper.md:13: text above the notes that the digests do not give" in result.stderr
    assert "README.md: not read" in result.stderr
    assert paper.read_text().splitlines()[12] == "A thought of mine."  # line 13, where the warning says


def test_the_terminal_writes_thousands_as_the_build_summary_does(monkeypatch, capsys):
    """"Built 4,282 pages" from build, then "Built 4249 pages" and "1006 of
    4282 pages to render" from serve, "3900 unchanged" from ingest and
    "(4636 files)" from deploy: each count now as the summary writes it."""
    import types

    import build as build_module
    from site_builder.errors import paper_files_written
    from site_builder.preview import Rebuild, describe

    later = tuple(f"p{n}" for n in range(1006))
    assert "4,249 pages" in describe(Rebuild(1.0, 4249, (), (), ()))
    said = describe(Rebuild(1.0, 4282, ("a",), (), ("x",) * 5, later))
    assert "1,007 of 4,282 pages to render" in said and "the other 1,006 render" in said and "and 2 more" in said
    assert "1,234 rendered now" in describe(Rebuild(1.0, 4282, ("a",) * 1234, (), ("x",), later))
    assert "1,234 of 4,282 pages rendered" in describe(Rebuild(1.0, 4282, ("a",) * 1234, (), ("x",)))
    assert paper_files_written(3904) == "3,904 paper files were written"
    plan = types.SimpleNamespace(texts=("t",) * 3905, new_papers=1005, changed=("c",) * 1005)
    monkeypatch.setattr(build_module, "ingest", lambda paths: (plan, ()))
    build_module.command_ingest(types.SimpleNamespace(content="content"))
    assert capsys.readouterr().out == "Ingested 3,905 paper files: 1,005 new, 1,005 written, 2,900 unchanged\n"
    part = types.SimpleNamespace(bytes=3424 * 1024, files=1099, gzip=None)
    assert build_module._search_part(part, "shards") == "3,424 KiB in 1,099 shards of 3.1 KiB on average"


def test_a_page_the_last_build_wrote_and_this_one_does_not_is_warned_of_once(project):
    """URLs are forever: a page gone since the last build leaves its links to the 404 page."""
    papers, digests = project / "content" / "papers", project / "content" / "digests"
    assert run("build", cwd=project).returncode == 0
    (digests / "b.txt").write_text(HEADER + "Mar 19\n\nA Third Paper\n\nAbout more things.\n")
    added = run("build", cwd=project)
    assert added.returncode == 0 and "warning" not in added.stderr, "a digest added takes no page away"
    (papers / "a-paper-on-speech.md").rename(papers / "speech.md")
    moved = run("build", cwd=project)
    assert moved.stderr.count("warning:") == 1
    assert "1 page the last build wrote is gone from this one: /papers/a-paper-on-speech/; " in moved.stderr
    assert "a link or bookmark to it now finds the 404 page" in moved.stderr and "aliases:" in moved.stderr
    assert "warning" not in run("build", cwd=project).stderr, "said once"
    # Your own atlas: the sample deleted, one warning counts the rest.
    for path in [*digests.iterdir(), *papers.iterdir()]:
        path.unlink()
    emptied = run("build", cwd=project)
    assert emptied.stderr.count("warning:") == 1 and " and 2 more; a link or bookmark to them " in emptied.stderr
    assert "a site not published yet has no such links" in emptied.stderr


def test_a_tag_page_gone_is_told_how_a_tag_keeps_its_address_not_aliases(project):
    """aliases: keeps no tag's page: the hint said to list it there."""
    paper = project / "content" / "papers" / "a-paper-on-speech.md"
    assert run("build", cwd=project).returncode == 0
    paper.write_text(paper.read_text().replace("\n---\n", "\ntags: [speech-notes]\n---\n", 1))
    assert run("build", cwd=project).returncode == 0
    paper.write_text(paper.read_text().replace("tags: [speech-notes]\n", ""))
    untagged = run("build", cwd=project)
    assert untagged.returncode == 0 and untagged.stderr.count("warning:") == 1
    assert untagged.stderr.endswith(
        "is gone from this one: /tags/speech-notes/; a link or bookmark to it now finds the 404 page (a tag's page is "
        "there while some paper has the tag: to keep its address, tag one again; a site not published yet has no "
        "such links)\n"
    ), untagged.stderr


# Two output directories side by side share site/.atlas-cache/: its last build is the other's.
@pytest.mark.parametrize("first, then", [([], ["--no-cache"]), (["--out", "site/a"], ["--out", "site/b"])])
def test_no_page_is_gone_to_a_build_without_the_last_one(project, first, then):
    assert run("build", *first, cwd=project).returncode == 0
    (project / "content" / "digests" / "a.txt").unlink()
    (project / "content" / "papers" / "a-paper-on-speech.md").unlink()
    result = run("build", *then, cwd=project)
    assert result.returncode == 0 and "warning" not in result.stderr


def test_a_digest_papers_file_deleted_and_written_again_is_no_new_paper(project):
    assert "ingest: 2 new papers, 2 paper files written\n" in run("build", cwd=project).stdout
    (project / "content" / "papers" / "another-paper.md").unlink()
    result = run("build", cwd=project)
    assert result.stderr == ""
    assert ("ingest: 0 new papers, 1 paper file written, 1 of them again after being deleted "
            "(a digest lists its paper)\n") in result.stdout
