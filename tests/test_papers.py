from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path

import pytest

from site_builder.digest import Digest, DigestEntry
from site_builder.errors import SourceError
from site_builder.ingest import PreviewWrites, plan_ingest
from site_builder.papers import PaperRecord, extract_links, merge_entries, parse_paper, slug_for, title_key
from site_builder.markup import make_digest_text, make_markdown

PAPERS = Path("papers")


def no_topics(title: str, abstract: str, slug: str, old_slugs: tuple[str, ...]) -> tuple[str, ...]:
    return ("other",)


def digest(date: dt.date, name: str, *pairs: tuple[str, str]) -> Digest:
    path = Path(name)
    return Digest(path, date, tuple(DigestEntry(t, a, date, path, i) for i, (t, a) in enumerate(pairs, 1)))


MAR17 = dt.date(2025, 3, 17)
MAR18 = dt.date(2025, 3, 18)


def test_slug_is_ascii_and_keeps_greek_letters_readable():
    assert slug_for("PanGu-π: Enhancing Language Model Architectures") == "pangu-pi-enhancing-language-model-architectures"
    assert slug_for("$\\pi$-Tuning: Über 100K") == "pi-tuning-uber-100k"


def test_slug_is_capped_at_a_word_boundary():
    slug = slug_for("word " * 40)
    assert len(slug) <= 80 and not slug.endswith("-")


def test_title_key_ignores_case_spacing_and_trailing_period():
    assert title_key("Attention  Is All You Need.") == title_key("attention is all you need")


def test_links_drop_trailing_punctuation():
    text = "Code: https://github.com/a/b. Demo (https://x.org/demo_(v2)), also https://rb.gy/ws1ile."
    assert extract_links(text) == ("https://github.com/a/b", "https://x.org/demo_(v2)", "https://rb.gy/ws1ile")


def test_links_end_at_latex_braces_left_by_arxiv():
    text = ("Code at https://github.com/a/LaRA{https://github.com/a/LaRA}. "
            "Model at https://huggingface.co/org/model/{this https URL}, fostering")
    assert extract_links(text) == ("https://github.com/a/LaRA", "https://huggingface.co/org/model/")


def test_a_scheme_with_no_address_after_it_is_no_link_and_the_paper_file_reads():
    # "https://..." trimmed of its full stops left "https://", which ingest
    # wrote under links: and the build then refused in the file it wrote.
    text = "Code will be released at https://... (or https://). Data: https://x.org/d."
    assert extract_links(text) == ("https://x.org/d",)
    _, texts = ingest_texts([digest(MAR18, "a.txt", ("A Paper", text))])
    (path, written), = texts.items()
    assert parse_paper(written, path).links == ("https://x.org/d",)


def test_an_address_whose_host_starts_with_no_letter_or_digit_is_no_link_as_on_the_page():
    # "https://…" (one character, an ellipsis) was written under links: and
    # the page's Links section linked it, where its abstract did not.
    text = "Code at https://… soon; see https://-x.org/a, https://_y.org/ and https://ünï.org/b, or https://1.2.3.4/c."
    linked = tuple(re.findall(r'href="([^"]+)"', make_digest_text()(text)))
    assert linked == ("https://xn--n-nga1b.org/b", "https://1.2.3.4/c")  # the page's own spelling of the first
    assert extract_links(text) == ("https://ünï.org/b", "https://1.2.3.4/c")


def test_a_papers_links_are_the_addresses_its_page_links_in_its_abstract_in_any_case():
    # The page links a scheme in capitals ("Https://" beginning a sentence),
    # and none run on from a word; links: took only "http(s)://", anywhere.
    text = "Https://github.com/a/b holds the code. Data at HTTP://x.org/d; not xhttps://y.org/e or 1http://z.org/f."
    linked = tuple(re.findall(r'href="([^"]+)"', make_digest_text()(text)))
    assert extract_links(text) == linked == ("Https://github.com/a/b", "HTTP://x.org/d")
    _, texts = ingest_texts([digest(MAR18, "a.txt", ("A Paper", text))])
    (path, written), = texts.items()
    assert parse_paper(written, path).links == linked


def test_a_paper_files_front_matter_may_merge_a_mapping_in_and_override_its_keys():
    text = "---\nmine: &mine {title: A Draft Title, starred: true}\n<<: *mine\ntitle: A Paper\nslug: a-paper\n---\n"
    paper = parse_paper(text, Path("content/papers/a-paper.md"))
    assert (paper.title, dict(paper.extra)["starred"], dict(paper.key_lines)["title"]) == ("A Paper", True, 4)


def test_a_paper_file_an_older_ingest_wrote_a_scheme_alone_into_reads():
    # Such files were committed (`build.py ingest` wrote them): every build
    # stopped at them, "link 'https://' is not a web address", hinting that
    # links start with https://, until each was edited by hand. Read as
    # ingest would write it now, the file is left as it is, as any such.
    text = "Code will be released at https://... Data: https://x.org/d."
    _, texts = ingest_texts([digest(MAR18, "a.txt", ("A Paper", text))])
    (path, written), = texts.items()
    older = written.replace("links: ['https://x.org/d']", "links: ['https://', 'https://x.org/d']")
    assert older != written
    assert parse_paper(older, path).links == ("https://x.org/d",)
    plan, again = ingest_texts([digest(MAR18, "a.txt", ("A Paper", text))], {path: older})
    assert plan.changed == () and again[path] == older


def test_merge_joins_a_paper_across_digests_and_keeps_first_abstract():
    merged = merge_entries([
        digest(MAR18, "b.txt", ("Same Paper", "first   abstract")),
        digest(MAR17, "a.txt", ("same paper", "first abstract"), ("Other", "x")),
    ])
    assert [(r.title, r.abstract, r.dates) for r in merged.records] == [
        ("same paper", "first abstract", (MAR17, MAR18)),
        ("Other", "x", (MAR17,)),
    ]
    assert merged.warnings == ()


def test_same_title_with_a_different_abstract_keeps_both_and_says_so():
    digests = [digest(MAR17, "a.txt", ("A Paper", "Version one.")), digest(MAR18, "b.txt", ("A Paper", "Version two."))]
    merged = merge_entries(digests)
    (record,) = merged.records
    assert record.abstract == "Version one."
    assert record.other_abstracts == ((MAR18, "Version two."),)
    assert merged.warnings == ()  # ingest says it, as it writes the version (below)
    plan, texts = ingest_texts(digests)
    body = parse_paper(texts[PAPERS / "a-paper.md"], PAPERS / "a-paper.md").abstract
    assert "Version one." in body and "### As of 2025-03-18\n\nVersion two." in body
    assert [str(w) for w in plan.warnings] == [
        "b.txt:1: 'A Paper' has a different abstract than in a.txt:1: ingest wrote it into its paper file, "
        "a-paper.md, "
        "under 'Other versions of the abstract', and the paper's page shows both (nothing needs doing: only the "
        "build that writes it there says so)"
    ]


def test_an_abstract_again_in_another_unicode_form_is_the_same_abstract():
    # "café" typed, and pasted from a PDF as "cafe" and a combining accent:
    # one text, as a title is. It was another version of the abstract, shown
    # twice alike on the page, with a warning that it differed.
    abstract = "We serve café au lait to naïve models."
    decomposed = unicodedata.normalize("NFD", abstract)
    assert decomposed != abstract
    digests = [digest(MAR17, "a.txt", ("A Paper", abstract)), digest(MAR18, "b.txt", ("A Paper", decomposed))]
    (record,) = merge_entries(digests).records
    assert (record.abstract, record.dates, record.other_abstracts) == (abstract, (MAR17, MAR18), ())


def test_a_different_abstract_is_said_only_by_the_ingest_that_writes_it_into_the_paper_file():
    """Said by every build, it failed every build --strict, for good: the
    file holding the version, it is not said again; a third version is."""
    digests = [digest(MAR17, "a.txt", ("A Paper", "Version one.")), digest(MAR18, "b.txt", ("A Paper", "Version two."))]
    _, texts = ingest_texts(digests)
    for existing in (texts, {path: text.replace("\n", "\r\n") for path, text in texts.items()}):
        plan, _ = ingest_texts(digests, existing)
        assert plan.warnings == () and plan.changed == ()
    # A paper file that has a new date, the abstract the same, says nothing either.
    later = [*digests, digest(dt.date(2025, 3, 19), "c.txt", ("A Paper", "Version  two."))]
    plan, again = ingest_texts(later, texts)
    assert plan.changed == (PAPERS / "a-paper.md",) and plan.warnings == ()
    third = [*later, digest(dt.date(2025, 3, 20), "d.txt", ("A paper", "Version three."))]
    plan, _ = ingest_texts(third, again)
    assert [str(w).split(": ingest", 1)[0] for w in plan.warnings] == [
        "d.txt:1: 'A paper' has a different abstract than in a.txt:1"
    ]
    # A digest of an earlier date makes its abstract the paper's: the one it
    # moves under the other versions is said, not the one there already.
    earlier = [digest(dt.date(2025, 3, 16), "0.txt", ("A Paper", "Version zero.")), *digests]
    plan, _ = ingest_texts(earlier, texts)
    assert [str(w).split(": ingest", 1)[0] for w in plan.warnings] == [
        "a.txt:1: 'A Paper' has a different abstract than in 0.txt:1",
    ]


WHOLE = ("Language models hallucinate facts seen once in training, at the rate of the missing mass. "
         "Calibration forces it, whatever the architecture.")
CUT = WHOLE[:100]  # "... at the rate of the mi": a digest saved or copied in part


def test_an_abstract_cut_short_is_no_other_version_but_a_warning_at_its_line():
    for dates in ((MAR17, MAR18), (MAR18, MAR17)):  # cut in the later digest, or in the earlier one
        digests = [digest(dates[0], "a.txt", ("A Paper", WHOLE)), digest(dates[1], "b.txt", ("A Paper", CUT))]
        merged = merge_entries(digests)
        (record,) = merged.records
        assert (record.abstract, record.other_abstracts, record.dates) == (WHOLE, (), (MAR17, MAR18))
        assert [str(w) for w in merged.warnings] == [
            "b.txt:1: the abstract of 'A Paper' stops short: it is the start of the one in a.txt:1, which the "
            "paper keeps (was the digest pasted or saved in part? paste the rest of this abstract, and the papers "
            "after it if they are missing too)"
        ]
    # A few words that begin another abstract are no sign of a cut: a version of its own.
    digests = [digest(MAR17, "a.txt", ("A Paper", WHOLE)), digest(MAR18, "b.txt", ("A Paper", "Language models."))]
    assert merge_entries(digests).records[0].other_abstracts == ((MAR18, "Language models."),)


def test_a_digest_named_in_a_warnings_text_shows_its_control_characters_as_escapes_as_its_own_path_does():
    """A name from a repository others write to: "x\nBuilt 3 pages.txt" in the
    message began a line that seemed the build's own, which the warning's own
    path shows as an escape."""
    whole_name, cut_name = "x\nBuilt 3 pages\t.txt", "y\u202edm.txt"
    digests = [digest(MAR17, whole_name, ("A Paper", WHOLE)), digest(MAR18, cut_name, ("A Paper", CUT))]
    assert [str(w).split(", which")[0] for w in merge_entries(digests).warnings] == [
        "y\\u202edm.txt:1: the abstract of 'A Paper' stops short: it is the start of the one in "
        "x\\nBuilt 3 pages\\t.txt:1"
    ]
    digests = [digest(MAR17, whole_name, ("A Paper", "Version one.")), digest(MAR18, cut_name, ("A Paper", "Two."))]
    plan, _ = ingest_texts(digests)
    assert [str(w).split(": ingest", 1)[0] for w in plan.warnings] == [
        "y\\u202edm.txt:1: 'A Paper' has a different abstract than in x\\nBuilt 3 pages\\t.txt:1"
    ]


def test_a_revision_that_adds_a_sentence_or_takes_the_last_away_is_another_version_not_a_cut():
    """One abstract the start of another that ends a sentence is whole: arXiv's
    v2 adds "Code is at …" (or drops "Code will be released."). It was taken
    for a paste cut short, the first abstract dropped for the revision, with a
    warning that no edit could answer, every build (and --strict failed)."""
    added = WHOLE + " Code is at https://github.com/x/y."
    for first, later in ((WHOLE, added), (added, WHOLE)):
        digests = [digest(MAR17, "a.txt", ("A Paper", first)), digest(MAR18, "b.txt", ("A Paper", later))]
        merged = merge_entries(digests)
        assert (merged.records[0].abstract, merged.records[0].other_abstracts) == (first, ((MAR18, later),))
        assert not any("stops short" in str(w) for w in merged.warnings)


def test_a_digest_saved_halfway_through_a_paste_leaves_nothing_in_the_paper_files_notes():
    """The preview ingests every save: a paste saved halfway wrote the cut
    abstract under "Other versions", and moved it into the notes once whole."""
    path = PAPERS / "a-paper.md"
    earlier = digest(MAR17, "a.txt", ("A Paper", WHOLE))
    _, texts = ingest_texts([earlier])
    noted = {path: texts[path] + "\n## Notes\n\nMine.\n"}
    _, half = ingest_texts([earlier, digest(MAR18, "b.txt", ("A Paper", CUT))], noted)
    assert "Other versions" not in half[path]
    plan, whole = ingest_texts([earlier, digest(MAR18, "b.txt", ("A Paper", WHOLE))], half)
    assert parse_paper(whole[path], path).notes == "Mine." and plan.warnings == ()
    # A new paper first written from the cut paste, then the whole one: its file's cut
    # abstract was moved into the notes, with a warning.
    _, cut = ingest_texts([digest(MAR18, "b.txt", ("A Paper", CUT))])
    plan, whole = ingest_texts([digest(MAR18, "b.txt", ("A Paper", WHOLE))], {path: cut[path] + "\n## Notes\n\nMine.\n"})
    paper = parse_paper(whole[path], path)
    assert (paper.abstract, paper.notes, plan.warnings) == (WHOLE, "Mine.", ())


def test_a_paper_file_rewritten_for_an_edit_of_its_abstract_does_not_say_its_versions_are_new():
    """The file already held them: it said, on the build that undid the
    edit (and failed it under --strict), that ingest wrote each one there."""
    digests = [digest(MAR17, "a.txt", ("A Paper", "Version one of a long abstract.")),
               digest(MAR18, "b.txt", ("A Paper", "Version two of a long abstract."))]
    _, texts = ingest_texts(digests)
    path = PAPERS / "a-paper.md"
    # Wrapped by an editor: unwrapped; retyped: moved under the notes, and said so.
    for edited, said in (("Version one of a long\nabstract.", []), ("Version one, edited.", ["text above the notes"])):
        plan, _ = ingest_texts(digests, {path: texts[path].replace("Version one of a long abstract.", edited, 1)})
        assert plan.changed == (path,)
        assert [w.message[:20] for w in plan.warnings] == said
    # The version's own paragraph wrapped by an editor is still the version.
    wrapped = texts[path].replace("Version two of a long abstract.", "Version two of\na long abstract.")
    plan, _ = ingest_texts([*digests, digest(dt.date(2025, 3, 19), "c.txt", ("A Paper", "Version one of a long abstract."))],
                           {path: wrapped})
    assert plan.changed == (path,) and plan.warnings == ()


def test_a_long_title_quoted_in_a_warning_is_marked_where_it_is_cut():
    # Cut bare, "… Open Mixture of Experts Language-Models" read as
    # "… Open Mixture of Experts Language": a title the digest never had.
    title = "OpenMoE: An Early Effort on Open Mixture of Experts Language-Models"
    plan, _ = ingest_texts([
        digest(MAR17, "a.txt", (title, "Version one.")),
        digest(MAR18, "b.txt", (title, "Version two.")),
    ])
    assert [str(w).split(": ingest", 1)[0] for w in plan.warnings] == [
        "b.txt:1: 'OpenMoE: An Early Effort on Open Mixture of Experts Languag…' has a different abstract "
        "than in a.txt:1"
    ]


def test_notes_moved_above_the_other_versions_of_the_abstract_do_not_get_a_second_copy_of_them():
    digests = [digest(MAR17, "a.txt", ("A Paper", "Version one.")), digest(MAR18, "b.txt", ("A Paper", "Version two."))]
    _, texts = ingest_texts(digests)
    path = PAPERS / "a-paper.md"
    versions = "## Other versions of the abstract\n\n### As of 2025-03-18\n\nVersion two.\n"
    moved = texts[path].replace("Version one.\n\n" + versions, "Version one.\n\n## Notes\n\nMine.\n\n" + versions)
    _, again = ingest_texts(digests, {path: moved + "\n## Later\n\nMore of mine.\n"})
    assert again[path].count("## Other versions") == 1
    assert again[path].endswith("Version one.\n\n" + versions + "\n## Notes\n\nMine.\n\n## Later\n\nMore of mine.\n")
    # Anything but what ingest writes there again is not ingest's to drop: a version of one's
    # own, an edited version, or one the digests no longer give (b.txt deleted).
    own = moved.replace("Version two.\n", "Version two.\n\n### As of 2025-04-01\n\nAuthors say v3 is coming.\n")
    edited = moved.replace("Version two.", "Version two, as I read it.")
    for text, words in ((own, "Authors say v3 is coming."), (edited, "as I read it")):
        _, kept = ingest_texts(digests, {path: text})
        assert kept[path].count("## Other versions") == 2 and words in kept[path]
    _, kept = ingest_texts(digests[:1], {path: moved})
    assert "Version two." in kept[path]


def ingest_texts(digests, existing=None):
    plan = plan_ingest(merge_entries(digests).records, existing or {}, PAPERS, no_topics)
    return plan, dict(plan.texts)


def test_ingest_writes_front_matter_and_abstract():
    plan, texts = ingest_texts([digest(MAR18, "a.txt", ("PanGu-π: $100K", "See https://x.org/a."))])
    assert list(texts) == [PAPERS / "pangu-pi-100k.md"]
    paper = parse_paper(texts[PAPERS / "pangu-pi-100k.md"], PAPERS / "pangu-pi-100k.md")
    assert paper.title == "PanGu-π: $100K"
    assert paper.dates == (MAR18,)
    assert paper.links == ("https://x.org/a",)
    assert paper.topics == ("other",)
    assert paper.abstract == "See https://x.org/a."
    assert plan.new_papers == 1


def test_a_file_that_holds_characters_showing_nothing_gets_the_digests_text_and_no_notes():
    """Files ingest wrote before such characters were dropped from digests:
    the abstract is rewritten, not taken for the reader's own text."""
    old = PaperRecord(title_key("Lan\u00adguage Models"), "Lan\u00adguage Models", "We show lan\u00adguage\u200b use.", (MAR18,))
    path = PAPERS / "language-models.md"
    before = dict(plan_ingest([old], {}, PAPERS, no_topics).texts)[path]
    record = PaperRecord(title_key("Language Models"), "Language Models", "We show language use.", (MAR18,))
    plan = plan_ingest([record], {path: before}, PAPERS, no_topics)
    assert plan.warnings == ()
    assert dict(plan.texts)[path] == dict(plan_ingest([record], {}, PAPERS, no_topics).texts)[path]
    assert "Notes" not in dict(plan.texts)[path] and "\u00ad" not in dict(plan.texts)[path]


def test_a_deleted_paper_file_written_again_is_no_new_paper_to_one_who_knows_the_files_before():
    """Ingest alone takes a digest paper's file deleted for a new paper; the
    preview knows the files its last build read, and says what happened."""
    first = digest(MAR18, "a.txt", ("Kept Paper", "a"), ("Deleted Paper", "b"))
    _, before = ingest_texts([first])
    deleted = PAPERS / "deleted-paper.md"
    now = {path: text for path, text in before.items() if path != deleted}
    plan, _ = ingest_texts([first, digest(MAR17, "b.txt", ("A New Paper", "c"))], now)
    assert plan.summary == "2 new papers, 2 paper files written"
    assert plan.summary_since(before) == (
        "1 new paper, 2 paper files written, 1 of them again after being deleted (a digest lists its paper)"
    )
    # A paper of one's own deleted, and another paper given its file name: new.
    own = {deleted: "---\ntitle: My Own Write-up\n---\n\nMine.\n", **now}
    plan, _ = ingest_texts([first], now)
    assert plan.summary_since(own) == "1 new paper, 1 paper file written"


def test_colliding_slugs_get_a_number():
    # Two papers (their titles differ in a letter) whose addresses would be one.
    _, texts = ingest_texts([digest(MAR18, "a.txt", ("Naïve Slugs", "a"), ("Naive Slugs", "b"))])
    assert sorted(p.name for p in texts) == ["naive-slugs-2.md", "naive-slugs.md"]


def test_adding_an_earlier_digest_never_changes_existing_slugs():
    _, first = ingest_texts([digest(MAR18, "b.txt", ("Naive Slugs", "b"))])
    assert list(first) == [PAPERS / "naive-slugs.md"]
    # A new digest, dated earlier, brings a different paper with the same slug.
    _, second = ingest_texts(
        [digest(MAR17, "a.txt", ("Naïve Slugs", "a")), digest(MAR18, "b.txt", ("Naive Slugs", "b"))], first
    )
    assert parse_paper(second[PAPERS / "naive-slugs.md"], PAPERS / "naive-slugs.md").abstract == "b"
    assert parse_paper(second[PAPERS / "naive-slugs-2.md"], PAPERS / "naive-slugs-2.md").abstract == "a"


def test_a_digest_paper_whose_title_was_edited_keeps_its_one_file_and_gets_the_title_back():
    digests = [digest(MAR18, "a.txt", ("A Survey of LLMs", "We survey them."), ("Another Paper", "Other words."))]
    _, texts = ingest_texts(digests)
    path = PAPERS / "a-survey-of-llms.md"
    edited = texts[path].replace("title: A Survey of LLMs", "title: My Favourite Survey") + "\n## Notes\n\nMine.\n"
    plan, again = ingest_texts(digests, {**texts, path: edited})
    assert sorted(again) == sorted(texts), "no second file for the paper"
    paper = parse_paper(again[path], path)
    assert (paper.title, paper.notes, plan.new_papers, plan.changed) == ("A Survey of LLMs", "Mine.", 0, (path,))
    (warning,) = plan.warnings
    assert str(warning) == (
        f"{path}:2: title 'My Favourite Survey' is not the digests' 'A Survey of LLMs': ingest wrote theirs, "
        "and the paper keeps this file and its address "
        "(ingest owns the title: one you wrote here, keep under another key (my_title: ...) or in your notes; "
        "one a digest corrected needs nothing)"
    )


def test_a_title_corrected_in_a_digest_keeps_the_papers_file_and_address():
    _, texts = ingest_texts([digest(MAR18, "a.txt", ("A Survy of LLMs", "We survey them."))])
    (path,) = texts
    plan, again = ingest_texts([digest(MAR18, "a.txt", ("A Survey of LLMs", "We survey them."))], texts)
    assert list(again) == [path] and parse_paper(again[path], path).title == "A Survey of LLMs"
    assert "title 'A Survy of LLMs' is not the digests' 'A Survey of LLMs'" in str(plan.warnings[0])
    # Which of the two it was, ingest cannot tell: the hint says what each needs (this one nothing).
    assert str(plan.warnings[0]).endswith("; one a digest corrected needs nothing)")


def test_a_title_edited_with_text_put_above_the_abstract_keeps_the_papers_one_file():
    digests = [digest(MAR18, "a.txt", ("A Survey of LLMs", "We survey them."), ("Another Paper", "Other words."))]
    _, texts = ingest_texts(digests)
    path = PAPERS / "a-survey-of-llms.md"
    edited = texts[path].replace("title: A Survey of LLMs", "title: EDITED Survey").replace(
        "---\n\nWe survey", "---\n\nMy line above it.\n\nWe survey")
    plan, again = ingest_texts(digests, {**texts, path: edited})
    assert sorted(again) == sorted(texts) and plan.new_papers == 0, "no second file for the paper"
    paper = parse_paper(again[path], path)
    assert paper.title == "A Survey of LLMs" and "My line above it." in paper.notes
    assert [str(w).split(": ", 1)[1][:22] for w in plan.warnings] == [
        "title 'EDITED Survey' ", "text above the notes t",
    ]


def test_a_title_and_abstract_corrected_together_in_a_digest_keep_the_papers_file():
    words = "We show shows that calibrated language models must hallucinate at a certain rate on facts seen once."
    _, texts = ingest_texts([digest(MAR18, "a.txt", ("Calibrated Models Must Hallucinate", words))])
    (path,) = texts
    fixed = digest(MAR18, "a.txt", ("Calibrated Models Must Always Hallucinate", words.replace("show shows", "show")))
    plan, again = ingest_texts([fixed], texts)
    assert list(again) == [path] and plan.new_papers == 0
    assert parse_paper(again[path], path).title == "Calibrated Models Must Always Hallucinate"
    # Another paper of another day, or with other words, is not taken for it.
    fixed_words = words.replace("show shows", "show")
    other_day = digest(MAR17, "b.txt", ("Calibrated Models Must Always Hallucinate", fixed_words))
    assert ingest_texts([other_day], texts)[0].new_papers == 1
    other_words = digest(MAR18, "a.txt", ("A New Title", "Entirely different words about speech synthesis here."))
    assert ingest_texts([other_words], texts)[0].new_papers == 1
    # A near match never takes the file of a paper whose abstract is word for word its own.
    near = ("Calibrated Models Must Always Hallucinate", fixed_words)
    plan, both = ingest_texts([digest(MAR18, "a.txt", near, ("Calibrated Models Must Hallucinate Again", words))], texts)
    assert parse_paper(both[path], path).title == "Calibrated Models Must Hallucinate Again" and plan.new_papers == 1


def test_a_paper_of_ones_own_with_a_digest_abstract_is_not_taken_for_that_digest_paper():
    digests = [digest(MAR18, "a.txt", ("A Survey of LLMs", "We survey them."))]
    mine = PAPERS / "my-copy.md"  # written by hand: no slug: key of ingest's
    own = "---\ntitle: My Copy\n---\n\nWe survey them.\n"
    plan, texts = ingest_texts(digests, {mine: own})
    assert sorted(p.name for p in texts) == ["a-survey-of-llms.md", "my-copy.md"] and texts[mine] == own
    assert plan.new_papers == 1 and plan.warnings == ()


def test_a_paper_of_ones_own_a_digest_lists_says_which_of_its_values_ingest_replaced():
    mine = PAPERS / "my-reading-of-moe.md"  # written by hand: no slug: key of ingest's
    own = ("---\ntitle: Mixture of Experts Done Right\ndates: [2025-03-01, 2025-03-18]\ntopics: [moe]\n"
           "links: [https://github.com/me/moe-code, https://x.org/moe]\nstarred: true\n---\n\n"
           "We route. Code: https://x.org/moe.\n\n## Notes\n\nMine.\n")
    digests = [digest(MAR18, "a.txt", ("Mixture of Experts Done Right", "We route. Code: https://x.org/moe."))]
    plan, texts = ingest_texts(digests, {mine: own})
    assert list(texts) == [mine] and plan.changed == (mine,)
    paper = parse_paper(texts[mine], mine)
    assert (paper.dates, paper.links, paper.notes) == ((MAR18,), ("https://x.org/moe",), "Mine.")
    (warning,) = plan.warnings
    assert warning.path == mine and warning.message.endswith(
        "ingest wrote the digests' values over yours: dates [2025-03-01], topics [moe], links [https://github.com/me/moe-code]"
    )
    # Once ingest's (its slug: written), the file's dates and topics are the digests' without a word, as
    # README says; a link of one's own there is named as it goes (test_a_link_added_to_a_digest_papers_…).
    edited = texts[mine].replace("dates: [2025-03-18]", "dates: [2025-03-01, 2025-03-18]")
    assert edited != texts[mine]
    plan, again = ingest_texts(digests, {mine: edited})
    assert again == texts and plan.warnings == ()
    # A paper of your own whose values the digests' hold already: nothing to say.
    plan, _ = ingest_texts(digests, {mine: own.replace("2025-03-01, ", "").replace("[moe]", "[other]")
                                     .replace("https://github.com/me/moe-code, ", "")})
    assert plan.warnings == ()


def test_a_link_added_to_a_digest_papers_links_is_named_in_a_warning_as_ingest_writes_over_it():
    # Ingest owns links: and writes those of the abstract; a link typed
    # there by hand went at the next build, without a word.
    abstract = "We route. Code: https://x.org/moe."
    digests = [digest(MAR18, "a.txt", ("Mixture of Experts Done Right", abstract))]
    _, texts = ingest_texts(digests)
    path = PAPERS / "mixture-of-experts-done-right.md"
    assert "links: ['https://x.org/moe']\n" in texts[path]
    edited = texts[path].replace("links: ['https://x.org/moe']", "links: ['https://x.org/moe', 'https://github.com/me/moe']")
    plan, again = ingest_texts(digests, {path: edited})
    assert again == texts and plan.changed == (path,)
    (warning,) = plan.warnings
    assert str(warning) == (
        f"{path}:6: link https://github.com/me/moe is in no abstract of this paper: ingest wrote the links of "
        "its abstract over it (ingest owns links: keep links of your own in your notes (shown as links) or under "
        "another key (my_links: [...]))"
    )
    # A link the file's abstract holds is ingest's, not the user's: that of a
    # digest since corrected (its file not yet rewritten) goes without a word.
    corrected = [digest(MAR18, "a.txt", ("Mixture of Experts Done Right", abstract.replace("moe", "moe2")))]
    plan, again = ingest_texts(corrected, texts)
    assert "links: ['https://x.org/moe2']" in again[path]
    assert not any("no abstract" in str(warning) for warning in plan.warnings)


def test_reingest_keeps_user_keys_and_notes_and_changes_nothing_else():
    digests = [digest(MAR18, "a.txt", ("A Paper", "The abstract."))]
    _, texts = ingest_texts(digests)
    path = PAPERS / "a-paper.md"
    edited = texts[path].replace("---\n\n", "starred: true\ntags: [read-later]\n---\n\n", 1)
    edited += "\n## Notes\n\nMy *own* thoughts.\n"
    plan, again = ingest_texts(digests + [digest(MAR17, "b.txt", ("a paper", "x"))], {path: edited})
    paper = parse_paper(again[path], path)
    assert dict(paper.extra) == {"starred": True, "tags": ["read-later"]}
    assert paper.notes == "My *own* thoughts."
    assert paper.dates == (MAR17, MAR18)
    plan, unchanged = ingest_texts(digests + [digest(MAR17, "b.txt", ("a paper", "x"))], {path: again[path]})
    assert plan.changed == () and unchanged[path] == again[path]


def test_a_rewritten_file_keeps_the_users_comments_order_and_layout_around_the_lines_ingest_owns():
    digests = [digest(MAR18, "a.txt", ("A Paper", "The abstract."))]
    _, texts = ingest_texts(digests)
    path = PAPERS / "a-paper.md"
    own = texts[path].replace("---\ntitle:", "---\n# read this one first\nstarred: true  # loved it\ntitle:", 1)
    own = own.replace("topics:", "tags:\n  - read-later\n  - lora\ntopics:", 1)
    plan, again = ingest_texts(digests + [digest(MAR17, "b.txt", ("A Paper", "The abstract."))], {path: own})
    assert plan.changed == (path,)
    expected = own.replace("dates: [2025-03-18]", "dates: [2025-03-17, 2025-03-18]")
    assert expected != own and again[path] == expected


def test_a_rewritten_file_that_lacks_a_key_ingest_owns_gets_it_back_in_place_and_keeps_its_comments():
    digests = [digest(MAR18, "a.txt", ("A Paper", "The abstract."))]
    _, texts = ingest_texts(digests)
    path = PAPERS / "a-paper.md"
    assert "links: []\n" in texts[path]
    own = texts[path].replace("links: []\n", "# keep me\nmine: 1  # and me\n")  # the empty links line deleted
    _, again = ingest_texts(digests + [digest(MAR17, "b.txt", ("A Paper", "The abstract."))], {path: own})
    assert again[path] == own.replace("dates: [2025-03-18]", "dates: [2025-03-17, 2025-03-18]").replace(
        "topics: [other]\n", "topics: [other]\nlinks: []\n"
    )
    moved = texts[path].replace("slug: a-paper\n", "").replace("title: A Paper\n", "# mine\ntitle: A Paper\n")
    _, again = ingest_texts(digests, {path: moved})
    assert again[path] == texts[path].replace("title: A Paper\n", "# mine\ntitle: A Paper\n")


def test_a_value_ingest_owns_written_over_several_lines_becomes_its_line_and_the_comments_stay():
    digests = [digest(MAR18, "a.txt", ("A Paper", "The abstract."))]
    _, texts = ingest_texts(digests)
    path = PAPERS / "a-paper.md"
    own = (texts[path].replace("---\ntitle:", "---\n# found it via a friend\ntitle:", 1)
           .replace("dates: [2025-03-18]", "dates:\n  - 2025-03-18", 1)
           .replace("topics: [other]", "topics:\n- other\n# refile?", 1)
           .replace("---\n\n", "rating: 5  # out of 5\n---\n\n", 1))
    plan, again = ingest_texts(digests + [digest(MAR17, "b.txt", ("A Paper", "The abstract."))], {path: own})
    assert plan.changed == (path,)
    assert again[path] == (texts[path].replace("---\ntitle:", "---\n# found it via a friend\ntitle:", 1)
                           .replace("dates: [2025-03-18]", "dates: [2025-03-17, 2025-03-18]", 1)
                           .replace("topics: [other]", "topics: [other]\n# refile?", 1)
                           .replace("---\n\n", "rating: 5  # out of 5\n---\n\n", 1))
    # A list with a blank line in it, and comments inside it (indented or
    # not), which go with it (README says so).
    for inside in ("  - 2025-03-18\n\n  # the day I read it\n  - 2025-03-18", "# first\n- 2025-03-18\n# read\n- 2025-03-18"):
        spaced = own.replace("dates:\n  - 2025-03-18", f"dates:\n{inside}", 1)
        _, again_spaced = ingest_texts(digests + [digest(MAR17, "b.txt", ("A Paper", "The abstract."))], {path: spaced})
        assert again_spaced[path] == again[path], inside
    # A title written as a block scalar, a line of it starting with "#": all of it is the title's.
    folded = own.replace("title: A Paper", "title: >-\n  A Paper\n  #1", 1)
    _, again_folded = ingest_texts(digests + [digest(MAR17, "b.txt", ("A Paper", "The abstract."))], {path: folded})
    assert again_folded[path] == again[path]
    # A comment after a value, before the next key, is the next key's: it stays.
    noted = own.replace("rating: 5", "\n  # about the rating\nrating: 5", 1)
    _, again_noted = ingest_texts(digests + [digest(MAR17, "b.txt", ("A Paper", "The abstract."))], {path: noted})
    assert "\n\n  # about the rating\nrating: 5" in again_noted[path]


def test_a_key_ingest_owns_written_quoted_or_with_a_space_before_its_colon_keeps_the_comments_around_it():
    # YAML reads "dates": and title : as dates: and title:, and so did the
    # build; ingest did not find their lines, wrote the whole front matter
    # anew, and the user's comments, key order and layout were gone.
    digests = [digest(MAR18, "a.txt", ("A Paper", "The abstract."))]
    _, texts = ingest_texts(digests)
    path = PAPERS / "a-paper.md"
    later = digests + [digest(MAR17, "b.txt", ("A Paper", "The abstract."))]
    for title, dates in [('"title":', "'dates':"), ("title :", "dates\t:"), ("'title' :", '"dates" :')]:
        own = (texts[path].replace("---\ntitle:", f"---\n# read this one first\nstarred: true  # loved it\n{title}", 1)
               .replace("dates:", dates, 1))
        plan, again = ingest_texts(later, {path: own})
        assert plan.changed == (path,)
        # Their lines are ingest's, written as it writes them; the others stay.
        expected = own.replace(f"{dates} [2025-03-18]", "dates: [2025-03-17, 2025-03-18]", 1).replace(title, "title:", 1)
        assert again[path] == expected, title


def test_a_comment_at_the_end_of_a_line_ingest_rewrites_stays_at_the_end_of_its_new_line():
    digests = [digest(MAR18, "a.txt", ("A Paper #1: C# and Go", "The abstract."))]
    _, texts = ingest_texts(digests)
    path = PAPERS / "a-paper-1-c-and-go.md"
    title_line = next(line for line in texts[path].splitlines() if line.startswith("title:"))
    assert "#" in title_line  # quoted, with its "#"s: none of them starts a comment
    own = (texts[path].replace("dates: [2025-03-18]", "dates: [2025-03-18]   # first seen here", 1)
           .replace("topics: [other]", "topics: [other]\t# refile?", 1)
           .replace(title_line, f"{title_line}  # the #1 paper", 1))
    later = digests + [digest(MAR17, "b.txt", ("A Paper #1: C# and Go", "The abstract."))]
    plan, again = ingest_texts(later, {path: own})
    assert plan.changed == (path,)
    assert again[path] == own.replace("dates: [2025-03-18]", "dates: [2025-03-17, 2025-03-18]", 1)
    assert parse_paper(again[path], path).title == "A Paper #1: C# and Go"
    plan, unchanged = ingest_texts(later, {path: again[path]})
    assert plan.changed == () and unchanged[path] == again[path]
    # A value written over several lines becomes one: the comment on the
    # key's line stays; one inside the list goes with it (README).
    listed = own.replace("dates: [2025-03-18]   # first seen here", "dates:  # first seen here\n  - 2025-03-18  # here", 1)
    _, again_listed = ingest_texts(later, {path: listed})
    assert "\ndates: [2025-03-17, 2025-03-18]  # first seen here\n" in again_listed[path]
    assert "# here" not in again_listed[path].replace("# first seen here", "")


def test_a_file_that_already_says_what_ingest_would_is_left_byte_for_byte():
    digests = [digest(MAR18, "a.txt", ("A Paper", "See https://x.org/a."))]
    _, texts = ingest_texts(digests)
    path = PAPERS / "a-paper.md"
    # The user's own layout: a comment, keys reordered, a list in block style.
    own = (
        "---\n# read this one first\nslug: a-paper\nstarred: true\ntitle: A Paper\n"
        "topics:\n  - other\ndates: [2025-03-18]\nlinks: ['https://x.org/a']\n---\n\n"
        "See https://x.org/a.\n\n## Notes\n\nMine.\n"
    )
    assert parse_paper(own, path).title == parse_paper(texts[path], path).title
    plan, again = ingest_texts(digests, {path: own})
    assert plan.changed == () and again[path] == own


@pytest.mark.parametrize("edit", [
    ("slug: a-paper", "slug: another"),  # ingest owns the slug line
    ("slug: a-paper\n", ""),
    ("topics: [other]", "topics: [mine]"),
    ("dates: [2025-03-18]", "dates: [2025-03-19]"),
    ("links: ['https://x.org/a']", "links: []"),
    ("title: A Paper", "title: A paper"),
])
def test_a_file_that_differs_in_any_value_ingest_owns_is_rewritten(edit):
    digests = [digest(MAR18, "a.txt", ("A Paper", "See https://x.org/a."))]
    _, texts = ingest_texts(digests)
    path = PAPERS / "a-paper.md"
    old, new = edit
    assert old in texts[path]
    edited = texts[path].replace(old, new, 1) + "\n## Notes\n\nMine.\n"
    plan, again = ingest_texts(digests, {path: edited})
    assert plan.changed == (path,)
    assert again[path] == texts[path] + "\n## Notes\n\nMine.\n"


@pytest.mark.parametrize("abstract", ["Before.\n## Notes\nAfter.", "## Notes", "Before.\n##   Notes  \nAfter."])
def test_an_abstract_line_that_reads_as_the_notes_heading_stays_in_the_abstract(abstract):
    digests = [digest(MAR18, "a.txt", ("A Paper", abstract))]
    _, texts = ingest_texts(digests)
    path = PAPERS / "a-paper.md"
    with_notes = texts[path] + "\n## Notes\n\nMine.\n"
    paper = parse_paper(with_notes, path)
    assert paper.notes == "Mine."
    assert " ".join(paper.abstract.split()).replace("\\", "") == " ".join(abstract.split())
    # Building again leaves the file as it is, instead of adding another "## Notes" each time.
    plan, again = ingest_texts(digests, {path: with_notes})
    assert plan.changed == () and again[path] == with_notes


# "## Notes ##": CommonMark's closing sequence, which some editors write (it
# was no notes heading: the notes moved under a "## Notes" added above it).
@pytest.mark.parametrize("heading", ["## Notes", "## notes", "### Notes", "## NOTES", "## Notes:", "## Notes ##", "### Notes #"])
def test_notes_under_any_notes_heading_are_kept(heading):
    digests = [digest(MAR18, "a.txt", ("A Paper", "The abstract."))]
    _, texts = ingest_texts(digests)
    path = PAPERS / "a-paper.md"
    edited = texts[path] + f"\n{heading}\n\nMine.\n"
    assert parse_paper(edited, path).notes == "Mine."
    plan, again = ingest_texts(digests + [digest(MAR17, "b.txt", ("A Paper", "The abstract."))], {path: edited})
    assert plan.changed == (path,) and again[path].endswith(f"\n{heading}\n\nMine.\n")


def preview_ingest(digests, existing, writes):
    """Ingest as the preview's next save does: ``writes`` are its ingest's writes so far."""
    plan = plan_ingest(merge_entries(digests).records, existing, PAPERS, no_topics, preview_writes=writes)
    return plan, dict(plan.texts)


def test_a_file_the_preview_made_from_a_save_the_next_one_takes_back_is_deleted_not_kept_as_the_users():
    # A title saved half typed, then whole: without this, "sparse-mix.md" kept
    # the paper's address for good, and moved its abstract into the notes.
    abstract = "We route tokens to experts."
    half = [digest(MAR18, "a.txt", ("Sparse Mix", abstract), ("Kept", "Its abstract."))]
    _, texts = ingest_texts(half)
    writes = PreviewWrites(texts, frozenset(texts))  # both files made by the preview
    whole = [digest(MAR18, "a.txt", ("Sparse Mixture of Experts", abstract), ("Kept", "Its abstract."))]
    plan, again = preview_ingest(whole, texts, writes)
    assert plan.withdrawn == ((PAPERS / "sparse-mix.md", texts[PAPERS / "sparse-mix.md"]),)
    assert sorted(again) == [PAPERS / "kept.md", PAPERS / "sparse-mixture-of-experts.md"]
    assert parse_paper(again[PAPERS / "sparse-mixture-of-experts.md"], PAPERS / "x.md").notes == ""
    assert plan.summary.endswith("; deleted sparse-mix.md, which an earlier save wrote for a paper no digest lists now")
    # One the user wrote in since, or one that was there before the preview wrote it, stays as a build keeps it.
    noted = {**texts, PAPERS / "sparse-mix.md": texts[PAPERS / "sparse-mix.md"] + "\n## Notes\n\nMine.\n"}
    for existing, earlier in ((noted, writes), (texts, PreviewWrites(texts))):
        plan, again = preview_ingest(whole, existing, earlier)
        assert plan.withdrawn == () and sorted(again) == [PAPERS / "kept.md", PAPERS / "sparse-mix.md"]


def test_a_file_the_preview_made_then_wrote_again_over_notes_of_the_users_is_one_it_made_no_more():
    # The notes stay in the text it writes: that text then holds what the
    # user wrote, and is no longer one to delete with its paper.
    path = PAPERS / "a-paper.md"
    plan, texts = preview_ingest([digest(MAR18, "a.txt", ("A Paper", "We shows things."))], {}, PreviewWrites())
    writes = PreviewWrites().after(plan, ())
    assert writes.made == {path}
    noted = {path: texts[path] + "\n## Notes\n\nMine.\n"}
    plan, texts = preview_ingest([digest(MAR18, "a.txt", ("A Paper", "We show things."))], noted, writes)
    writes = writes.after(plan, noted)
    assert (writes.made, writes.texts) == (frozenset(), {})  # nor its text kept: only those of files it made
    plan, texts = preview_ingest([digest(MAR18, "a.txt", ("Another", "Its abstract."))], texts, writes)
    assert plan.withdrawn == () and parse_paper(texts[path], path).notes.endswith("Mine.")


def test_an_abstract_corrected_in_the_digest_replaces_the_one_the_preview_wrote_instead_of_moving_into_the_notes():
    typo = [digest(MAR18, "a.txt", ("A Paper", "We shows things."))]
    _, texts = ingest_texts(typo)
    path = PAPERS / "a-paper.md"
    with_notes = {path: texts[path] + "\n## Notes\n\nMine.\n"}  # notes written before: the preview's write kept them
    fixed = [digest(MAR18, "a.txt", ("A Paper", "We show things."))]
    plan, again = preview_ingest(fixed, with_notes, PreviewWrites(with_notes, frozenset({path})))
    paper = parse_paper(again[path], path)
    assert (paper.abstract, paper.notes, plan.warnings) == ("We show things.", "Mine.", ())
    # A file it wrote but did not make (a paper from before the preview, written again): its
    # abstract may be from before the preview too, and moves into the notes, as in a build.
    plan, again = preview_ingest(fixed, with_notes, PreviewWrites(with_notes))
    assert parse_paper(again[path], path).notes == "We shows things.\n\nMine."
    assert "moved under the notes heading" in plan.warnings[0].message
    # Not the text the preview wrote: whose words are above the notes, only the user knows; moved, and said.
    plan, again = preview_ingest(fixed, with_notes, PreviewWrites({path: texts[path]}))
    assert parse_paper(again[path], path).notes == "We shows things.\n\nMine."
    assert "moved under the notes heading" in plan.warnings[0].message


@pytest.mark.parametrize("notes", ["", "\n## Notes\n\nMine.\n"])
def test_text_written_above_the_notes_moves_under_them_instead_of_being_lost(notes):
    digests = [digest(MAR18, "a.txt", ("A Paper", "The abstract.\n\nSecond paragraph."))]
    _, texts = ingest_texts(digests)
    path = PAPERS / "a-paper.md"
    edited = texts[path].replace("Second paragraph.", "Second paragraph, typo fixed.\n\nA thought of mine.") + notes
    plan, again = ingest_texts(digests, {path: edited})
    assert plan.changed == (path,)
    paper = parse_paper(again[path], path)
    assert paper.abstract == "The abstract.\n\nSecond paragraph."
    assert paper.notes == "Second paragraph, typo fixed.\n\nA thought of mine." + ("\n\nMine." if notes else "")
    (warning,) = plan.warnings
    assert warning.path == path and "moved under the notes heading" in str(warning)
    # At the line where what moved begins now, to be found at once.
    lines = again[path].splitlines()
    assert lines[warning.line - 1] == "Second paragraph, typo fixed." and lines[warning.line - 3] == "## Notes"
    assert "(correct one in its digest)" in warning.hint
    # The text may be the digests' own earlier wording (a typo a digest fixed): the warning says what to do then.
    assert warning.hint.endswith(", and delete what moved there if it is only the digests' earlier wording")
    plan, unchanged = ingest_texts(digests, {path: again[path]})
    assert plan.changed == ()


def test_lines_typed_straight_after_the_abstract_move_under_the_notes_without_it():
    """With no blank line between, the abstract and the lines after it were
    one paragraph, which moved whole: the abstract showed twice."""
    digests = [digest(MAR18, "a.txt", ("A Paper", "The abstract.\n\nSecond paragraph."))]
    _, texts = ingest_texts(digests)
    path = PAPERS / "a-paper.md"
    edited = texts[path].replace("Second paragraph.", "Second paragraph.\nA thought of mine,\non two lines.")
    plan, again = ingest_texts(digests, {path: edited})
    paper = parse_paper(again[path], path)
    assert paper.abstract == "The abstract.\n\nSecond paragraph."
    assert paper.notes == "A thought of mine,\non two lines."
    (warning,) = plan.warnings
    assert "moved under the notes heading" in str(warning)
    assert ingest_texts(digests, {path: again[path]})[0].changed == ()
    # Typed straight before the abstract, too.
    edited = texts[path].replace("The abstract.", "A thought of mine.\nThe abstract.")
    paper = parse_paper(ingest_texts(digests, {path: edited})[1][path], path)
    assert (paper.abstract, paper.notes) == ("The abstract.\n\nSecond paragraph.", "A thought of mine.")
    # A line that shows nothing moves nowhere.
    edited = texts[path].replace("Second paragraph.", "Second paragraph.\n\u200b")
    plan, again = ingest_texts(digests, {path: edited})
    assert plan.warnings == () and parse_paper(again[path], path).notes == ""
    # Typed on the abstract's own line, they cannot be told apart from an edit of it: the line moves whole.
    edited = texts[path].replace("Second paragraph.", "Second paragraph. A thought of mine.")
    _plan, again = ingest_texts(digests, {path: edited})
    assert parse_paper(again[path], path).notes == "Second paragraph. A thought of mine."


def test_a_line_typed_just_above_a_heading_of_the_other_versions_moves_without_it():
    digests = [digest(MAR17, "a.txt", ("A Paper", "Version one.")), digest(MAR18, "b.txt", ("A Paper", "Version two."))]
    _, texts = ingest_texts(digests)
    path = PAPERS / "a-paper.md"
    for before in ("\n## Other versions of the abstract\n", "\n### As of 2025-03-18\n", "\nVersion two.\n"):
        assert texts[path].count(before) == 1
        edited = texts[path].replace(before, "\nMine." + before)
        plan, again = ingest_texts(digests, {path: edited})
        assert parse_paper(again[path], path).notes == "Mine.", before
        assert again[path].replace("\n## Notes\n\nMine.\n", "") == texts[path], before
        assert ingest_texts(digests, {path: again[path]})[0].changed == ()


def test_moved_text_goes_above_notes_that_open_with_indented_code_and_keeps_them_as_written():
    digests = [digest(MAR18, "a.txt", ("A Paper", "The abstract."))]
    _, texts = ingest_texts(digests)
    path = PAPERS / "a-paper.md"
    edited = texts[path].replace("The abstract.", "The abstract.\n\nMine, above.") + "\n## Notes\n\n    code line\n"
    plan, again = ingest_texts(digests, {path: edited})
    assert again[path].endswith("\n## Notes\n\nMine, above.\n\n    code line\n")


def test_notes_that_open_with_indented_code_keep_its_indentation():
    text = "---\ntitle: Mine\n---\n\nMy abstract.\n\n## Notes\n\n  \n    for step in plan:\n        run(step)\n\nThen it ends.\n\n"
    notes = parse_paper(text, PAPERS / "mine.md").notes
    assert notes == "    for step in plan:\n        run(step)\n\nThen it ends."
    assert "<pre><code>for step in plan:\n    run(step)\n</code></pre>" in make_markdown()(notes)


def test_notes_without_a_final_line_end_are_not_taken_for_moved_text():
    digests = [digest(MAR18, "a.txt", ("A Paper", "The abstract."))]
    _, texts = ingest_texts(digests)
    path = PAPERS / "a-paper.md"
    edited = texts[path] + "\n## Notes\n\nMine.\n\n  indented code\n\n"
    plan, again = ingest_texts(digests + [digest(MAR17, "b.txt", ("A Paper", "The abstract."))], {path: edited})
    assert plan.changed == (path,) and plan.warnings == ()
    assert parse_paper(again[path], path).notes == "Mine.\n\n  indented code"


def test_a_code_comment_in_a_paper_of_ones_own_does_not_start_the_notes():
    text = "---\ntitle: Mine\n---\n\nRun it:\n\n```bash\n# Notes\n./run.sh\n```\n"
    assert parse_paper(text, PAPERS / "mine.md").notes == ""


def test_a_new_version_of_the_abstract_moves_nothing_to_the_notes():
    first = [digest(MAR17, "a.txt", ("A Paper", "The abstract."))]
    _, texts = ingest_texts(first)
    path = PAPERS / "a-paper.md"
    plan, again = ingest_texts(first + [digest(MAR18, "b.txt", ("A Paper", "A better abstract."))], {path: texts[path]})
    later = [digest(MAR18, "c.txt", ("A Paper", "The newest abstract."))]
    plan, third = ingest_texts(first + later + [digest(MAR18, "b.txt", ("A Paper", "A better abstract."))],
                               {path: again[path]})
    assert parse_paper(again[path], path).notes == parse_paper(third[path], path).notes == ""
    # Only that the newest was written: nothing moved under the notes.
    assert plan.changed == (path,) and [str(w).split(":", 1)[0] for w in plan.warnings] == ["c.txt"]


def test_two_paper_files_with_one_title_are_an_error_naming_both():
    digests = [digest(MAR18, "a.txt", ("Is Attention All You Need?", "The abstract."))]
    _, texts = ingest_texts(digests)
    copy = PAPERS / "a-copy.md"
    own = {**texts, copy: "---\nmine: true\ntitle: is attention all you need?\n---\n\nMy own write-up.\n"}
    with pytest.raises(SourceError) as raised:
        ingest_texts(digests, own)
    assert raised.value.path == PAPERS / "is-attention-all-you-need.md" and raised.value.line == 2
    assert "'Is Attention All You Need?' is a-copy.md's 'is attention all you need?' but for case" in str(raised.value)
    # The same title, and one that differs only in punctuation (two files
    # an older ingest made of one paper): one paper's to the digests too.
    for title in ("Is Attention All You Need?", "Is-Attention All You Need!"):
        with pytest.raises(SourceError) as raised:
            ingest_texts(digests, {**own, copy: own[copy].replace("is attention all you need?", title)})
        assert raised.value.path == PAPERS / "is-attention-all-you-need.md"
        if title == "Is Attention All You Need?":
            assert "same title as a-copy.md ('Is Attention All You Need?')" in str(raised.value)
        else:
            assert "but for case, spacing or punctuation" in str(raised.value)
            assert "move your notes into one file and delete the other" in raised.value.hint


def test_a_title_again_in_another_spelling_is_the_same_paper():
    """Digests spell one title in more ways than its case: "Multi-Modal" and
    "Multimodal", "Fine-Tuning" and "Fine Tuning". Each is the paper a digest
    listed first, not a second page of it."""
    assert title_key("A Multi-Modal Survey of Fine-Tuning") == title_key("A Multimodal Survey of Fine Tuning:")
    assert title_key("GPT-4V(ision) for Robots") == title_key("GPT 4V (ision) for robots")
    assert title_key("Naïve Bayes") != title_key("Naive Bayes")  # another letter: another paper
    # Symbols and marks are a title's as its letters are: "+" is no "#", a
    # vowel sign of Devanagari no other.
    assert len({title_key("C++ Tricks"), title_key("C# Tricks"), title_key("C Tricks")}) == 3
    assert title_key("3+4=7") != title_key("3-4-7") and title_key("Q&A at 100%") != title_key("QA at 100")
    assert title_key("❤️ Love Models") == title_key("❤ Love Models")  # the emoji's style only
    assert title_key("!\ufe0f") == title_key("!")
    assert title_key("किताब पढ़ना") != title_key("कताब पढ़ना")
    assert title_key("🚀 Launch") != title_key("Launch")
    # A title of punctuation only keeps it.
    assert title_key("!!!") != title_key("???") and title_key("!!!") != title_key("")
    # ASCII's characters are told apart by one regex, as all others by their
    # Unicode category (but for the symbols Unicode calls punctuation).
    for char in map(chr, range(128)):
        dropped = unicodedata.category(char)[0] not in "LMNS" and char not in "#%&*@"
        assert (title_key(f"a{char}b") == "ab") == dropped, repr(char)
        assert title_key(f"a{char}b") == title_key(f"a{char}b\u00e9")[:-1], repr(char)  # as in a title beyond ASCII
    first = [digest(MAR17, "a.txt", ("A Multi-Modal Survey of Fine-Tuning", "We survey it."))]
    _, texts = ingest_texts(first)
    (path,) = texts
    noted = {path: texts[path] + "\n## Notes\n\nMine.\n"}
    plan, again = ingest_texts(first + [digest(MAR18, "b.txt", ("A Multimodal Survey of Fine Tuning", "We survey it."))],
                               noted)
    assert list(again) == [path] and plan.new_papers == 0 and plan.warnings == ()
    paper = parse_paper(again[path], path)
    assert (paper.title, paper.dates, paper.notes) == ("A Multi-Modal Survey of Fine-Tuning", (MAR17, MAR18), "Mine.")


def test_a_new_paper_with_another_papers_abstract_word_for_word_is_a_warning():
    """One paper spelt with a symbol more in a later digest ("C#" for "C")
    is two papers to its titles; their one abstract says what they may be."""
    first = [digest(MAR17, "a.txt", ("C# Tricks for Models", "We trick models."))]
    _, texts = ingest_texts(first)
    later = digest(MAR18, "b.txt", ("C Tricks for Models", "We trick models."), ("Other Tricks", "Other words."))
    plan, again = ingest_texts(first + [later], texts)
    assert plan.new_papers == 2
    (warning,) = plan.warnings
    assert warning.path == PAPERS / "c-tricks-for-models-2.md"
    assert warning.message == (
        "new paper 'C Tricks for Models' has the abstract of 'C# Tricks for Models' word for word: one paper on two pages?"
    )
    # Once that page is there, the next build says nothing more; two new at once are told apart too.
    assert ingest_texts(first + [later], again)[0].warnings == ()
    plan, _ = ingest_texts(first + [later], {})
    assert [w.path.name for w in plan.warnings] == ["c-tricks-for-models-2.md"]


def test_a_title_edited_in_case_or_punctuation_gets_the_digests_back_with_a_warning():
    digests = [digest(MAR18, "a.txt", ("A Survey of LLMs", "We survey them."))]
    _, texts = ingest_texts(digests)
    (path,) = texts
    for edited in ("A survey of LLMs", "A Survey of LLMs!"):
        plan, again = ingest_texts(digests, {path: texts[path].replace("title: A Survey of LLMs", f"title: {edited}")})
        assert again == texts and plan.changed == (path,)
        (warning,) = plan.warnings
        assert (warning.path, warning.line) == (path, 2)
        assert f"title {edited!r} is not the digests' 'A Survey of LLMs'" in str(warning)
    # A digest dated earlier that spells it otherwise comes first now: its title, with the same warning.
    plan, again = ingest_texts([digest(MAR17, "0.txt", ("A survey of LLMs", "We survey them."))] + digests, texts)
    assert list(again) == [path] and parse_paper(again[path], path).title == "A survey of LLMs"
    assert "title 'A Survey of LLMs' is not the digests' 'A survey of LLMs'" in str(plan.warnings[0])


# Windows' line ends, and classic Mac OS's, which digests and YAML files are
# read with: the latter's file was "does not start with '---' front matter".
LINE_ENDS = pytest.mark.parametrize("ending", ["\r\n", "\r"], ids=["windows", "cr-alone"])


@LINE_ENDS
def test_a_paper_file_with_other_line_ends_reads_as_with_unix_ones(ending):
    digests = [digest(MAR18, "a.txt", ("A Paper", "The abstract."))]
    _, texts = ingest_texts(digests)
    path = PAPERS / "a-paper.md"
    unix = texts[path] + "\n## Notes\n\nMine.\n"
    saved = unix.replace("\n", ending)
    assert parse_paper(saved, path) == parse_paper(unix, path)
    plan, again = ingest_texts(digests, {path: saved})
    assert plan.changed == () and again[path] == saved


@LINE_ENDS
def test_a_paper_file_with_other_line_ends_keeps_them_when_ingest_rewrites_it(ending):
    """It came back with Unix ones: git showed every line of it changed."""
    digests = [digest(MAR18, "a.txt", ("A Paper", "The abstract."))]
    _, texts = ingest_texts(digests)
    path = PAPERS / "a-paper.md"
    unix = texts[path] + "\n## Notes\n\nMine.\n"
    plan, again = ingest_texts([*digests, digest(MAR17, "0.txt", ("A Paper", "The abstract."))],
                               {path: unix.replace("\n", ending)})
    assert plan.changed == (path,) and "2025-03-17" in again[path]
    assert again[path].count("\n") == again[path].count("\r\n") and again[path].endswith("Mine." + ending)
    assert again[path] == unix.replace("[2025-03-18]", "[2025-03-17, 2025-03-18]").replace("\n", ending)
    assert parse_paper(again[path], path).notes == "Mine."


def test_a_paper_file_keeps_the_line_ends_most_of_its_lines_have_when_one_line_has_others():
    """A line pasted into notes with a Windows line end (or typed in an editor
    with Unix ones into a Windows file) made ingest rewrite every line of the
    file with CRLF: git showed all of them changed."""
    digests = [digest(MAR18, "a.txt", ("A Paper", "The abstract."))]
    later = [*digests, digest(MAR17, "0.txt", ("A Paper", "The abstract."))]
    _, texts = ingest_texts(digests)
    path = PAPERS / "a-paper.md"
    unix = texts[path] + "\n## Notes\n\nMine.\nPasted.\nMore.\n"
    rewritten = ingest_texts(later, {path: unix})[1][path]
    for ending, other in (("\n", "\r\n"), ("\r\n", "\n")):
        saved = unix.replace("\n", ending).replace(f"Pasted.{ending}", f"Pasted.{other}")
        plan, again = ingest_texts(later, {path: saved})
        assert plan.changed == (path,) and again[path] == rewritten.replace("\n", ending)


def test_text_above_the_notes_of_a_file_with_windows_line_ends_is_warned_of_at_the_line_it_moved_to():
    # The warning had no line: the notes heading was looked for in the text
    # as written, where "$" does not match before "\r\n".
    digests = [digest(MAR18, "a.txt", ("A Paper", "The abstract."))]
    _, texts = ingest_texts(digests)
    path = PAPERS / "a-paper.md"
    unix = texts[path].replace("The abstract.", "The abstract.\n\nMy aside.") + "\n## Notes\n\nMine.\n"
    lines = set()
    for saved in (unix, unix.replace("\n", "\r\n")):
        plan, again = ingest_texts(digests, {path: saved})
        (warning,) = plan.warnings
        assert "moved under the notes heading" in warning.message
        lines.add(warning.line)
        assert again[path].replace("\r\n", "\n").split("\n")[warning.line - 1] == "My aside."
    assert len(lines) == 1


def test_a_paper_file_saved_with_a_byte_order_mark_keeps_it_when_ingest_rewrites_it():
    """Windows Notepad saves UTF-8 with one: ingest dropped it, so git showed the first line changed."""
    digests = [digest(MAR18, "a.txt", ("A Paper", "The abstract."))]
    later = [*digests, digest(MAR17, "0.txt", ("A Paper", "The abstract."))]
    _, texts = ingest_texts(digests)
    path = PAPERS / "a-paper.md"
    unix = texts[path] + "\n## Notes\n\nMine.\n"
    for saved in (unix, unix.replace("\n", "\r\n")):
        marked = "\ufeff" + saved
        assert parse_paper(marked, path) == parse_paper(saved, path)
        plan, again = ingest_texts(digests, {path: marked})
        assert plan.changed == () and again[path] == marked
        plan, again = ingest_texts(later, {path: marked})
        assert plan.changed == (path,) and "2025-03-17" in again[path]
        assert again[path] == "\ufeff" + ingest_texts(later, {path: saved})[1][path]


def test_front_matter_lines_with_spaces_after_their_dashes_open_and_close_it():
    """As an editor may leave them: the closing "--- " was "not closed", at line 1."""
    digests = [digest(MAR18, "a.txt", ("A Paper", "The abstract."))]
    _, texts = ingest_texts(digests)
    path = PAPERS / "a-paper.md"
    plain = texts[path] + "\n## Notes\n\nMine.\n"
    spaced = plain.replace("---\n", "--- \n", 1).replace("\n---\n", "\n---\t \n", 1)
    assert spaced != plain and parse_paper(spaced, path) == parse_paper(plain, path)
    plan, again = ingest_texts(digests, {path: spaced})
    assert plan.changed == () and again[path] == spaced
    _, again = ingest_texts([*digests, digest(MAR17, "0.txt", ("A Paper", "The abstract."))], {path: spaced})
    assert parse_paper(again[path], path).notes == "Mine." and again[path].startswith("---\ntitle: A Paper\n")


def test_a_title_that_yaml_reads_as_a_number_asks_for_quotes():
    with pytest.raises(SourceError) as raised:
        parse_paper("---\ntitle: 123\n---\n\nText.\n", PAPERS / "mine.md")
    assert (raised.value.line, raised.value.message) == (2, "title must be text, not 123")
    assert "title: '123'" in raised.value.hint


def test_hand_written_paper_files_are_kept():
    own = PAPERS / "my-paper.md"
    _, texts = ingest_texts([], {own: "---\ntitle: Mine\n---\n\nText.\n"})
    paper = parse_paper(texts[own], own)
    assert (paper.slug, paper.title, paper.topics) == ("my-paper", "Mine", None)


def test_broken_front_matter_names_file_and_line():
    with pytest.raises(SourceError) as info:
        parse_paper("---\ntitle: ok\ndates: [2025-03-18\n---\n\nx\n", PAPERS / "p.md")
    # Where the bracket opens, not where the front matter ran out.
    assert str(info.value).startswith("papers/p.md:3: invalid YAML: a '[' list begun on this line is not closed")


def test_a_mistake_inside_a_closed_list_is_not_called_an_unclosed_list():
    with pytest.raises(SourceError) as info:
        parse_paper("---\ntitle: ok\ntags: [\n  a,\n  'b' c,\n]\n---\n\nx\n", PAPERS / "p.md")
    assert str(info.value).startswith(
        "papers/p.md:5: invalid YAML: expected ',' or ']', but got '<scalar>' (in a '[' list begun on line 3)"
    )
    with pytest.raises(SourceError) as info:
        parse_paper("---\ntitle: ok\ntags: ['a' b]\n---\n\nx\n", PAPERS / "p.md")
    assert "not closed" not in str(info.value) and str(info.value).startswith("papers/p.md:3: invalid YAML")


def test_bad_date_in_front_matter():
    with pytest.raises(SourceError) as info:
        parse_paper("---\ntitle: ok\ndates: [yesterday]\n---\n", PAPERS / "p.md")
    assert str(info.value) == "papers/p.md:3: 'yesterday' is not a date (write dates as YYYY-MM-DD)"
    # Told how to write one written almost right, and that a day no month has is no such day, quoted or not
    # (quoting it, as the hint said, only made it text that is no date).
    for written, said in [
        ("2025-9-11", "'2025-9-11' is not a date (write it 2025-09-11: YYYY-MM-DD, two digits for the month and the day)"),
        ("'2025-02-30'", "'2025-02-30' is not a date (there is no such day: check the month and the day)"),
        ("2025-02-30", "'2025-02-30' is not a valid date: day is out of range for month (there is no such day: check "
                       "the month and the day; a value of your own that is no date, quote it to keep it as text)"),
    ]:
        with pytest.raises(SourceError) as info:
            parse_paper(f"---\ntitle: ok\ndates: [{written}]\n---\n", PAPERS / "p.md")
        assert str(info.value) == f"papers/p.md:3: {said}", written


def test_dates_are_read_in_order_whatever_order_they_are_written_in():
    paper = parse_paper("---\ntitle: ok\ndates: [2025-03-20, 2025-03-18, 2024-12-31, 2025-03-19, 2025-01-05, 2025-03-18]\n---\n",
                        PAPERS / "p.md")
    assert paper.dates == (
        dt.date(2024, 12, 31), dt.date(2025, 1, 5), MAR18, dt.date(2025, 3, 19), dt.date(2025, 3, 20),
    )


def test_dates_with_a_time_of_day_are_their_days():
    # As Hugo's and Jekyll's front matter writes them; one list may mix both.
    paper = parse_paper(
        "---\ntitle: ok\ndates: [2025-03-18T10:00:00Z, 2025-03-17, 2025-03-18 23:59:59]\n---\n", PAPERS / "p.md"
    )
    assert paper.dates == (MAR17, MAR18) and all(type(date) is dt.date for date in paper.dates)
    assert parse_paper("---\ntitle: ok\ndates: 2025-03-18T10:00:00\n---\n", PAPERS / "p.md").dates == (MAR18,)
    quoted = parse_paper("---\ntitle: ok\ndates: ['2025-03-18T10:00:00+09:00', '2025-03-17']\n---\n", PAPERS / "p.md")
    assert quoted.dates == (MAR17, MAR18)


@pytest.mark.parametrize(("tags", "shown"), [
    ("5", "5"), ("[null]", "[None]"), ("[[a], b]", "[['a'], 'b']"), ("[yes]", "[True]"), ("{a: 1}", "{'a': 1}"),
])
def test_tags_that_are_not_text_values_are_an_error_at_their_line(tags, shown):
    with pytest.raises(SourceError) as info:
        parse_paper(f"---\ntitle: ok\ntags: {tags}\n---\n", PAPERS / "p.md")
    assert str(info.value) == (
        f"papers/p.md:3: tags must be a list of text values, not {shown} "
        "(write tags: [first, second], quoting a value that YAML reads as something else ('yes', '~'))"
    )
    assert parse_paper("---\ntitle: ok\ntags: [read-later, '2024', 'yes']\n---\n", PAPERS / "p.md").title == "ok"


@pytest.mark.parametrize(("tags", "read"), [("[3.10]", "3.1"), ("[a, 007]", "7"), ("[12:30]", "750"), ("[2024]", "2024")])
def test_a_tag_yaml_reads_as_a_number_is_an_error_at_its_line(tags, read):
    """Each tag names a page: 3.10 made the page #3.1, shared with a tag '3.1'."""
    with pytest.raises(SourceError) as info:
        parse_paper(f"---\ntitle: ok\ntags: {tags}\n---\n", PAPERS / "p.md")
    assert str(info.value) == (
        f"papers/p.md:3: tags: {read} was read as a number, which may not be the tag as written "
        "(write it in quotes, as you mean it: tags: ['3.10'])"
    )


def test_topics_yaml_reads_as_a_number_are_told_so_as_tags_are():
    with pytest.raises(SourceError) as info:
        parse_paper("---\ntitle: ok\ntopics: [rag, 3.10]\n---\n", PAPERS / "p.md")
    assert str(info.value) == (
        "papers/p.md:3: topics: 3.1 was read as a number, which may not be the topic as written "
        "(write it in quotes, as you mean it: topics: ['3.10'])"
    )


def test_a_title_yaml_reads_as_a_list_gets_a_hint_that_is_yaml():
    with pytest.raises(SourceError) as info:
        parse_paper("---\ntitle: [Re] A Paper\n---\n", PAPERS / "p.md")
    assert str(info.value).startswith("papers/p.md:2: invalid YAML")  # YAML itself stops at "] A"
    with pytest.raises(SourceError) as info:
        parse_paper("---\ntitle: [a, b]\n---\n", PAPERS / "p.md")
    assert str(info.value) == (
        "papers/p.md:2: title must be text, not ['a', 'b'] "
        '(write it as one line of text, in quotes if it starts with [ or {: title: "[Re] A Paper")'
    )
    with pytest.raises(SourceError) as info:
        parse_paper("---\ntitle: 2024\n---\n", PAPERS / "p.md")
    assert str(info.value) == "papers/p.md:2: title must be text, not 2024 (quote it: title: '2024')"
    # Quoted as written, not as YAML read it: yes is True, 0x1F 31, 1.50 1.5.
    for written, read in (("yes", "True"), ("0x1F", "31"), ("1.50", "1.5"), ("No  # maybe", "False")):
        with pytest.raises(SourceError) as info:
            parse_paper(f"---\ntitle: {written}\n---\n", PAPERS / "p.md")
        assert str(info.value) == (
            f"papers/p.md:2: title must be text, not {read} (quote it: title: '{written.split(' #')[0].strip()}')"
        )


def test_a_file_name_that_is_no_address_is_told_the_characters_it_may_use():
    with pytest.raises(SourceError) as info:
        parse_paper("---\ntitle: ok\n---\n", PAPERS / "My_Paper.md")
    assert "use lower-case letters, digits, '-' and '_', e.g. my-paper.md" in str(
        info.value
    )
    assert parse_paper("---\ntitle: ok\n---\n", PAPERS / "my_paper.md").slug == "my_paper"


def test_a_slug_line_of_ones_own_that_is_not_the_file_name_is_a_warning_at_its_line():
    digests = [digest(MAR18, "a.txt", ("A Paper", "The abstract."))]
    _, texts = ingest_texts(digests)
    theirs = PAPERS / "a-paper.md"
    mine, same = PAPERS / "mine.md", PAPERS / "my-paper.md"
    own = "---\ntitle: My Own\nslug: My Address\ndates: [2025-03-18]\n---\n\nText.\n"
    spelt_otherwise = "---\ntitle: Another\nslug: My Paper\n---\n\nText.\n"  # the file name, written as a title
    # A digest paper's slug: is ingest's: written back as its file name, renamed or not, without a word.
    renamed = PAPERS / "better-name.md"
    plan, again = ingest_texts(digests, {renamed: texts[theirs], mine: own, same: spelt_otherwise})
    assert [(warning.path, warning.line) for warning in plan.warnings] == [(mine, 3)]
    assert str(plan.warnings[0]) == (
        f"{mine}:3: slug 'My Address' is not this paper's address: its address is its file name, papers/mine/ "
        "(rename the file to my-address.md to move the page there, with aliases: [mine] in it to keep its old "
        "address; or remove the slug: line)"
    )
    assert "slug: better-name" in again[renamed] and again[mine] == own
    plan, _ = ingest_texts(digests, {renamed: again[renamed], same: spelt_otherwise})
    assert plan.warnings == ()


@pytest.mark.parametrize(("written", "kept"), [
    ("'2503.12345'", "2503.12345"), ("'2503.12345v2'", "2503.12345v2"), ("'1501.0001'", "1501.0001"),
    ("'hep-th/9901001'", "hep-th/9901001"), ("'math/0309136v3'", "math/0309136v3"),
    ("", None), ("''", ""),  # left empty, as in a file made from a template of one's own: no identifier
])
def test_an_arxiv_identifier_is_kept_as_written_and_an_empty_one_is_none(written, kept):
    paper = parse_paper(f"---\ntitle: A Paper\narxiv: {written}\n---\n\nText.\n", PAPERS / "a-paper.md")
    assert dict(paper.extra) == {"arxiv": kept}
