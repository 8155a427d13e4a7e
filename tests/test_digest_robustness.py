"""The digest parser under fire: every input gives a digest or the project's own error."""

from __future__ import annotations

import codecs
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from site_builder.digest import parse_digest, title_key
from site_builder.digest_files import parse_digest_bytes, read_digest
from site_builder.errors import SourceError

ROOT = Path(__file__).resolve().parent.parent
REAL = sorted((ROOT / "content" / "digests").glob("*.txt"))
HEADER = "new\n\nSubscribe\n\n"
PATH = Path("d.txt")


def parse(data: bytes | str):
    raw = data.encode() if isinstance(data, str) else data
    return parse_digest_bytes(raw, PATH, 2025)


def error_of(data: bytes | str) -> str:
    with pytest.raises(SourceError) as info:
        parse(data)
    return str(info.value)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "d.txt:1: digest is empty"),
        (b" \n\n\t\n", "d.txt:1: digest is empty"),
        (HEADER, "d.txt:1: no date line found"),
        ("Title\n\nAbstract.\n", "d.txt:1: no date line found"),
        (HEADER + "Mrch 2O\n\nT\n\nA.\n", "d.txt:5: no date line found; is 'Mrch 2O' meant to be one?"),
        (HEADER + "18 March 2025\n\nT\n\nA.\n", "d.txt:5: no date line found; is '18 March 2025' meant to be one?"),
        (HEADER + "Feb 30\n\nT\n\nA.\n", "d.txt:5: 'Feb 30' is not a real date (fix the day or month of the date line)"),
        (HEADER + "Feb 29, 2025\n\nT\n\nA.\n", "d.txt:5: 'Feb 29, 2025' is not a real date (fix the day or month of the date line)"),
        (HEADER + "Mar 18\n\nT\n\nA long enough abstract.\n\nLast title\n", "d.txt:11: title 'Last title' has no abstract"),
        (HEADER + "Mar 18\n\nFirst title\n\nSecond title\n\nThe abstract of the second.\n",
         "d.txt:9: two titles in a row: 'First title' then 'Second title'"),
        # The second a question: taken for the first's abstract, it put the error two paragraphs on.
        (HEADER + "Mar 18\n\nFirst title\n\nDo Widgets Dream of Electric Bars?\n\nWe ask whether widgets dream.\n",
         "d.txt:9: two titles in a row: 'First title' then 'Do Widgets Dream of Electric Bars?'"),
        (b"Mar 18\n\nTitle\n\nCaf\xe9 au lait.\n", "d.txt:5: digest is not valid UTF-8 (byte 0xe9)"),
        # Lines ended by CR alone (classic Mac OS): a file read as bytes sees one long line.
        (b"Mar 18\r\rTitle\r\rCaf\xe9 au lait.\r", "d.txt:5: digest is not valid UTF-8 (byte 0xe9)"),
        (b"Mar 18\n\nTi\x00tle\n\nAbstract.\n", "d.txt:3: digest contains NUL bytes"),
        (HEADER + "Mar 18\n\n" + "x" * 10_000 + "\n\nAbstract.\n", "d.txt:7: expected a paper title but found a paragraph of 10,000 characters"),
        (HEADER + "Mar 18\n", "d.txt:5: digest has a date but no papers"),
        # Lines of the web page copied with the papers, which would each make a paper.
        (HEADER + "Mar 18\n\nSubmitted by akhaliq\n\n42\n\nA Title\n\nIts abstract.\n",
         "d.txt:7: 'Submitted by akhaliq' is a line of the Daily Papers web page, not a paper's title"),
        (HEADER + "Mar 18\n\nA Title\n\n1.2k\n\nAnother Title\n\nIts abstract.\n",
         "d.txt:9: '1.2k' is a line of the Daily Papers web page, not a paper's abstract"),
        # One such line alone between two papers: not taken for a title without an abstract.
        (HEADER + "Mar 18\n\nT1\n\nAbstract one.\n\nSubmitted by akhaliq\n\nT2\n\nAbstract two.\n",
         "d.txt:11: 'Submitted by akhaliq' is a line of the Daily Papers web page, not a paper's title"),
        # Two days pasted into one file: the second page's header made papers of its lines.
        (HEADER + "Mar 20\n\nT1\n\nAbstract one.\n\n" + HEADER + "Mar 19\n\nT2\n\nAbstract two.\n",
         "d.txt:11: 'new' is a line of the Daily Papers web page, not a paper's title"),
        (HEADER + "Mar 20\n\nT1\n\nAbstract one.\n\nMar 19\n\nT2\n\nAbstract two.\n",
         "d.txt:11: a second date line 'Mar 19': a digest holds one day's papers"),
        # Pairs of the page's lines, each pair once a paper.
        (HEADER + "Mar 18\n\nT1\n\nAbstract one.\n\nPublished on Mar 19\n\n· 12 authors\n\nT2\n\nAbstract two.\n",
         "d.txt:11: 'Published on Mar 19' is a line of the Daily Papers web page, not a paper's title"),
        (HEADER + "Mar 18\n\nT1\n\nAbstract one.\n\nView arXiv page\n\nView PDF\n",
         "d.txt:11: 'View arXiv page' is a line of the Daily Papers web page, not a paper's title"),
        (HEADER + "Mar 18\n\nT1\n\nAbstract one.\n\nLoad more\n",
         "d.txt:11: 'Load more' is a line of the Daily Papers web page, not a paper's title"),
        # A line of the page with no blank line between it and a title or
        # abstract: it was silently part of it ("42 A Title", and its slug).
        (HEADER + "Mar 18\n\n42\nA Title\n\nIts abstract.\n",
         "d.txt:7: '42' is a line of the Daily Papers web page, not part of a paper's title"),
        (HEADER + "Mar 18\n\nA Title\n· 3 authors\n\nIts abstract.\n",
         "d.txt:8: '· 3 authors' is a line of the Daily Papers web page, not part of a paper's title"),
        (HEADER + "Mar 18\n\nA Title\n\nIts abstract.\nSubmitted by akhaliq\n\nB Title\n\nIts abstract.\n",
         "d.txt:10: 'Submitted by akhaliq' is a line of the Daily Papers web page, not part of a paper's abstract"),
        # Two short lines that are no paper, which made one: a submitter and
        # the authors ("akhaliq" with its abstract "Alice Smith, Bob Jones"), a footer.
        (HEADER + "Mar 18\n\nT1\n\nAbstract one.\n\nakhaliq\n\nAlice Smith, Bob Jones\n\nT2\n\nAbstract two.\n",
         "d.txt:13: 'Alice Smith, Bob Jones', below the title 'akhaliq', does not look like an abstract: a few "
         "words or names, not a sentence"),
        (HEADER + "Mar 18\n\nT1\n\nAbstract one.\n\nTOS\n\nPrivacy\n",
         "d.txt:13: 'Privacy', below the title 'TOS', does not look like an abstract"),
        # A paper pasted above the date line, where the header is skipped: it was lost without a word.
        ("A Title\n\n" + "We study widgets at scale. " * 8 + "\n\n" + HEADER + "Mar 18\n\nT\n\nA.\n",
         "d.txt:3: 'We study widgets at scale. We study widgets at scale. We st…' reads as a paper's abstract, "
         "but papers before the date line (line 9) are not read (move them below it"),
        ("A Title\n" + "Our widgets scale well. " * 10 + "\nSubscribe\nMar 18\n\nT\n\nA.\n",
         "d.txt:1: 'A Title Our widgets scale well. Our widgets scale well. Our…' reads as a paper's abstract"),
        # Upvote counts as the page writes them, glued to a title; a list of authors after a paper.
        (HEADER + "Mar 18\n\nA Title\n1.2k\n\nAn abstract.\n",
         "d.txt:8: '1.2k' is a line of the Daily Papers web page, not part of a paper's title"),
        (HEADER + "Mar 18\n\nA Title\nUpvote 1,234\n\nAn abstract.\n",
         "d.txt:8: 'Upvote 1,234' is a line of the Daily Papers web page, not part of a paper's title"),
        (HEADER + "Mar 18\n\nT1\n\nAbstract one.\n\nakhaliq\n\nAlice Smith, Bob Jones, Carol Lee, Dan Wu\n",
         "d.txt:13: 'Alice Smith, Bob Jones, Carol Lee, Dan Wu', below the title 'akhaliq', does not look like an "
         "abstract"),
        (HEADER + "Mar 18\n\nT1\n\nAbstract one.\n\nakhaliq\n\nLudwig van Beethoven; Jean de la Fontaine, A. Smith et al.\n",
         "d.txt:13: 'Ludwig van Beethoven; Jean de la Fontaine, A. Smith et al.', below the title 'akhaliq', does "
         "not look like an abstract"),
        (HEADER + "Mar 18\n\nT1\n\nAbstract one.\n\nakhaliq\n\n张三, 李四, 王五, 赵六, 孙七\n",
         "d.txt:13: '张三, 李四, 王五, 赵六, 孙七', below the title 'akhaliq', does not look like an abstract"),
        (HEADER + "Mar 18\n\nT1\n\nAbstract one.\n\nakhaliq\n\n山田太郎、鈴木一郎、佐藤花子、田中次郎\n",
         "d.txt:13: '山田太郎、鈴木一郎、佐藤花子、田中次郎', below the title 'akhaliq', does not look like an abstract"),
        (HEADER + "Mar 18\n\nT1\n\nAbstract one.\n\nakhaliq\n\nSmith J., Jones B., Lee K.\n",
         "d.txt:13: 'Smith J., Jones B., Lee K.', below the title 'akhaliq', does not look like an abstract"),
        (HEADER + "Mar 18\n\nT1\n\nAbstract one.\n\nakhaliq\n\n" + ", ".join(
            ["Gabriel dos Santos", "Ana do Carmo", "Omar al-Farabi", "Li Wei", "Hugo Touvron", "Thibaut Lavril",
             "Gautier Izacard", "Xavier Martinet", "Marie-Anne Lachaux", "Timothée Lacroix", "Baptiste Rozière"]
        ) + " et al\n",
         "d.txt:13: 'Gabriel dos Santos, Ana do Carmo, Omar al-Farabi, Li Wei, H…', below the title 'akhaliq', "
         "does not look like an abstract"),
        (HEADER + "Mar 18\n\nT1\n\nAbstract one.\n\nSystem theme\n\nCompany TOS Privacy About Jobs Website\n",
         "d.txt:13: 'Company TOS Privacy About Jobs Website', below the title 'System theme', does not look like an "
         "abstract"),
        # A line of the page glued on is told as itself, not with the title it is glued to.
        (HEADER + "Mar 18\n\nSubmitted by akhaliq\nA Title\n\nAn abstract.\n",
         "d.txt:7: 'Submitted by akhaliq' is a line of the Daily Papers web page, not part of a paper's title"),
        # A date line glued to a paper: another day's papers pasted without a blank line.
        (HEADER + "Mar 18\n\nT1\n\nAbstract one.\nMar 19\n\nT2\n\nAbstract two.\n",
         "d.txt:10: a second date line 'Mar 19': a digest holds one day's papers"),
        (HEADER + "Mar 18\n\nT1\n\nAbstract one.\n\nMar 19\nT2\n\nAbstract two.\n",
         "d.txt:11: a second date line 'Mar 19': a digest holds one day's papers"),
        # Title and abstract with no blank line between them.
        (HEADER + "Mar 18\n\nA Title\n" + "The abstract goes on. " * 30 + "\n",
         "d.txt:7: expected a paper title but found a paragraph of 667 characters (if its first line 'A Title' is a "
         "title, put a blank line after it"),
        (HEADER + "Mar 18\nA Title\nWe study things at length.\n\nTitle B\nIts abstract, also at length.\n",
         "d.txt:6: title 'A Title We study things at length.' runs on into a sentence: is it a title with its "
         "abstract? (if its first line 'A Title' is a title, put a blank line after it"),
        (HEADER + "Mar 18\n\nA Title\nWe study things at length.\n\nTitle B\n\nIts abstract, at length.\n",
         "d.txt:7: title 'A Title We study things at length.' runs on into a sentence: is it a title with its "
         "abstract? (if its first line 'A Title' is a title, put a blank line after it: a title and its abstract are "
         "paragraphs of their own; or, for a title that ends in a full stop, join it onto one line)"),
        (HEADER + "Mar 18\n\nA Title\nWe study " + "things at length and " * 9 + "more\n",
         "d.txt:7: title 'A Title We study things at length and things at length and …' has no abstract (if its "
         "first line 'A Title' is a title, put a blank line after it"),
        # An abstract pasted as two paragraphs: its second was taken for a title, followed by
        # two titles in a row, told at the second, where "delete that title" lost text.
        (HEADER + "Mar 18\n\nT1\n\nAbstract one.\n\nCode and models are released publicly.\n\nT2\n\nAbstract two.\n",
         "d.txt:11: 'Code and models are released publicly.' is where a title should be but is followed by a title: "
         "is it a further paragraph of the abstract of 'T1' (line 9), or an abstract whose title is missing? (join "
         "it to that abstract by deleting the blank line above it, or add its title above it)"),
        (HEADER + "Mar 18\n\nT1\n\nAbstract one.\n\nT2\n\nAbstract two.\n\nIt works. Really well.\n\nT3\n\nThree.\n",
         "d.txt:15: 'It works. Really well.' is where a title should be but is followed by a title: is it a further "
         "paragraph of the abstract of 'T2' (line 13), or an abstract whose title is missing?"),
        # An abstract whose title was not copied: the same question, with that fix too ("join it" alone
        # made it part of the abstract above, and the paper was lost).
        (HEADER + "Mar 18\n\nT1\n\nAbstract one.\n\nWe study a second thing. It works.\n\nT3\n\nThree.\n",
         "d.txt:11: 'We study a second thing. It works.' is where a title should be but is followed by a title: is "
         "it a further paragraph of the abstract of 'T1' (line 9), or an abstract whose title is missing? (join it "
         "to that abstract by deleting the blank line above it, or add its title above it)"),
        # The same at the end of the digest, or an abstract there whose title was not copied: taken
        # for a title without an abstract, with the fix "delete the title", which lost it.
        (HEADER + "Mar 18\n\nT1\n\nAbstract one.\n\nCode and models are released publicly.\n",
         "d.txt:11: 'Code and models are released publicly.' is where a title should be, but no abstract follows: "
         "is it a further paragraph of the abstract of 'T1' (line 9), or an abstract whose title is missing? (join "
         "it to that abstract by deleting the blank line above it, or add its title above it)"),
        (HEADER + "Mar 18\n\nT1\n\nAbstract one.\n\nWe study widgets. They scale.\n\n",
         "d.txt:11: 'We study widgets. They scale.' is where a title should be, but no abstract follows"),
    ],
    ids=["empty", "blank", "header-only", "no-date", "mistyped-date", "day-first-date", "feb-30", "feb-29-written",
         "title-at-end", "two-titles", "two-titles-the-second-a-question", "latin-1", "latin-1-lines-ended-by-cr",
         "nul", "huge-title", "date-only", "page-submitter", "page-upvotes", "page-line-alone",
         "two-days-with-header", "second-date-line", "page-published-and-authors", "page-buttons",
         "page-button-at-end", "page-line-glued-above-title", "page-line-glued-below-title",
         "page-line-glued-below-abstract", "submitter-and-authors", "footer", "paper-above-the-date-line",
         "long-paragraph-above-the-date-line", "upvotes-in-thousands-glued", "upvote-count-with-a-comma-glued",
         "authors-after-a-paper", "authors-with-particles-and-initials", "authors-in-chinese", "authors-in-japanese", "authors-with-initials-last",
         "authors-eleven-with-particles", "footer-as-a-row",
         "submitter-glued-above-title", "date-line-glued-below-abstract",
         "date-line-glued-above-title", "no-blank-line-after-title", "no-blank-lines-at-all",
         "no-blank-line-short", "no-blank-line-last", "abstract-in-two-paragraphs",
         "abstract-of-two-sentences-in-two-paragraphs", "abstract-without-its-title", "abstract-in-two-paragraphs-at-the-end",
         "abstract-without-its-title-at-the-end"],
)
def test_named_bad_inputs_give_a_clear_error(data, expected):
    message = error_of(data)
    assert message.startswith(expected), message
    assert "(" in message, "every error says how to fix it"


@pytest.mark.parametrize("line", ["Marc 19", "Mar 1 9", "19 Mar", "Mrach 19, 2025", "2025-3-19", "Mar 1B", "Mar l9", "Mar 2O"])
def test_a_mistyped_second_date_line_is_named_at_its_line_as_one(line):
    """A second day pasted below the first with its date line misspelt: the
    error was two titles in a row, at the next title's line, with "add the
    missing abstract"; a date line written right is a second date line."""
    message = error_of(HEADER + f"Mar 18\n\nT1\n\nAbstract one.\n\n{line}\n\nT2\n\nAbstract two.\n")
    assert message.startswith(f"d.txt:11: two titles in a row: {line!r} then 'T2'; is {line!r} a mistyped date line? "
                              "(a date line is written as 'Mar 19', 'Mar 19, 2025' or '2025-03-19'"), message


@pytest.mark.parametrize("after", [
    "T2!\n\nAbstract two.\n",
    "T2!\n",  # at the end: the paper "Mrch 19", of the abstract "T2!", without a word
    "T2\n",  # at the end: "T2" did not look like an abstract, below the title 'Mrch 19'
    "T2!\n\nAbstract two.\n\nT3\n\nAbstract three.\n",
])
def test_a_mistyped_second_date_line_above_a_title_ending_in_an_exclamation_mark_is_named_as_one(after):
    """A title ending in "!" reads as no title: the date line misspelt above
    it was taken for a title with that abstract, without a word at the end
    of the digest, else told at the next paragraph as an abstract's."""
    title = after.split("\n", 1)[0]
    message = error_of(HEADER + f"Mar 18\n\nT1\n\nAbstract one.\n\nMrch 19\n\n{after}")
    assert message.startswith(f"d.txt:11: two titles in a row: 'Mrch 19' then {title!r}; is 'Mrch 19' a mistyped "
                              "date line? (a date line is written as 'Mar 19', 'Mar 19, 2025' or '2025-03-19'"), message


@pytest.mark.parametrize("title", [
    "Llama 2", "Maya 2", "Janus 3", "Nova 2", "May I", "Gemma 2B", "Mar 7B", "Llama 3.2 1B", "Mar ²",
])
def test_a_short_title_with_a_number_followed_by_a_title_is_two_titles_as_before(title):
    # A model's name like a month's (May, Jan, Nov) is no mistyped date line
    # of a digest of Mar 18: it was asked whether it was one. Nor is a
    # letter alone a day, nor a size in billions that is no day ("7B", 78);
    # "²", a digit to str.isdigit but none to int(), stopped the build.
    message = error_of(HEADER + f"Mar 18\n\nT1\n\nAbstract one.\n\n{title}\n\nT2\n\nAbstract two.\n")
    assert message == (f"d.txt:13: two titles in a row: {title!r} then 'T2' (add the missing abstract after the "
                       "first title, or delete that title)")


@pytest.mark.parametrize("stray", [
    "We further show that the approach transfers to vision and speech, with gains of 2 to 4 points over strong baselines.",
    "Our code is at https://github.com/x/y.",
    "It works. Really well.",
])
def test_an_abstract_in_three_paragraphs_is_a_warning_at_its_second(stray):
    """The second paragraph is taken for a title, the third for its abstract:
    a paper no digest lists, made without a word. A warning, not an error: a
    title may end in a full stop."""
    digest = parse(HEADER + f"Mar 18\n\nT1\n\nAbstract one.\n\n{stray}\n\nThe third paragraph.\n\nT2\n\nTwo.\n")
    assert [entry.title for entry in digest.entries] == ["T1", stray, "T2"]
    (warning,) = digest.warnings
    assert (warning.line, warning.message.split(": is it")[1]) == (11, " a further paragraph of the abstract of 'T1' (line 9)?")


@pytest.mark.parametrize("title", [
    "Fine-tuning vs. Retrieval Augmented Generation for Less Popular Knowledge.",
    "Revisiting Kaplan et al. Scaling Laws.", "Is Attention Needed? Not Always.", "e.g. Tokens Matter.",
    "ChatGPT is fun, but it is not funny! Humor is still challenging Large Language Models.",
])
def test_a_title_that_ends_in_a_full_stop_is_a_title(title):
    digest = parse(HEADER + f"Mar 18\n\nT1\n\nAbstract one.\n\n{title}\n\nIts abstract.\n\nT2\n\nTwo.\n")
    assert [entry.title for entry in digest.entries] == ["T1", title, "T2"] and digest.warnings == ()


@pytest.mark.parametrize("title,abstract", [
    ("Upvote or Downvote? Predicting Community Feedback with LLMs", "We predict votes."),
    ("A Title", "..."),
    ("Next-Token Prediction Is Enough", "Published on arXiv, this paper studies next-token prediction."),
    ("New Frontiers in Previous Work", "Mar 18, 2025 was the day we ran it."),
])
def test_a_paper_that_only_starts_like_a_line_of_the_page_is_a_paper(title, abstract):
    (entry,) = parse(f"{HEADER}Mar 18\n\n{title}\n\n{abstract}\n").entries
    assert (entry.title, entry.abstract) == (title, abstract)


@pytest.mark.parametrize("title,abstract", [
    # Short abstracts that are sentences without ending in a full stop.
    ("A Title", "We release a 7B model. Weights: https://huggingface.co/foo/bar"),
    ("A Title", "Can widgets scale? We show they can. But do they generalise?"),
    ("A Title", "We find that widgets collapse (code released.)"),
    ('A Title', 'We call this effect "widget collapse."'),
    # One sentence without a full stop, and a list of words that is no list of names.
    ("A Title", "We release the code at https://github.com/x/y"),
    ("A Title", "We find that widgets collapse (code released)"),
    ("A Title", "我们研究小部件。"),
    ("Mamba", "我们提出了一种用于长序列建模的新型选择性状态空间模型，在语言、音频和基因组学上均达到最佳性能"),
    # Scripts without capital letters, with or without their own full stops.
    ("A Title", "हम मशीन अनुवाद के लिए एक नया मॉडल प्रस्तुत करते हैं।"),
    ("A Title", "نقدم نموذجا جديدا للترجمة الآلية بين اللغات"),
    ("A Title", "우리는 기계 번역을 위한 새로운 모델을 제안한다"),
    ("A Title", "我们提出了 MoE-LLaVA，一种基于 MoE 的稀疏 LVLM 架构，在 VQA 上表现良好"),
    ("A Title", "本研究では LLM を用いた RAG 手法を提案し，MMLU で評価する．"),
    ("A Title", "Widgets, gadgets and gizmos scale in surprising ways"),
    # Lines of a paper's own wrapped text that are numbers, but not upvote counts.
    ("A Title", "We reach a score of\n42.5 on the benchmark."),
    # Hard-wrapped lines that only look like lines of the page.
    ("Widgets at Scale: Something\nNew", "We study widgets.\nsubmitted by crowd workers and checked twice.\n42.5\npoints."),
    ("Scaling Widgets to\nNext-Generation Hardware", "We study widgets.\nPrevious work did not."),
])
def test_wrapped_or_short_abstracts_and_titles_that_parsed_before_still_parse(title, abstract):
    (entry,) = parse(f"{HEADER}Mar 18\n\n{title}\n\n{abstract}\n\nAnother Title\n\nAnother abstract.\n").entries[:1]
    assert (entry.title, entry.abstract) == (" ".join(title.split("\n")), " ".join(abstract.split("\n")))


@pytest.mark.parametrize("header", [
    "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nDaily Papers\n\nbyAK and the research community\n\n",
    # Copied with single line breaks, as some browsers do.
    "new\nGet trending papers in your email inbox!\nSubscribe\nDaily Papers\nbyAK and the research community\n",
    "Hugging Face\nModels\nDatasets\nSpaces\nDocs\nPricing\nLog In\nSign Up\n\nDaily Papers\n",
    # The whole header copied without blank lines, longer than any title, and a note of one's own.
    "Hugging Face\nModels\nDatasets\nSpaces\nCommunity\nDocs\nEnterprise\nPricing\nLog In\nSign Up\nDaily Papers\n"
    "byAK and the research community\nSearch any paper with AI\nSubmit a paper\nDaily\nWeekly\nMonthly\n"
    "Trending papers of the day, picked by the community and ranked by their upvotes\n",
    "My notes, copied from HF this morning.\n\n",
])
def test_the_page_header_above_the_date_line_is_skipped(header):
    (entry,) = parse(f"{header}Mar 18\n\nA Title\n\nIts abstract.\n").entries
    assert (entry.title, entry.abstract) == ("A Title", "Its abstract.")


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_crlf_and_cr_line_endings(newline):
    text = (HEADER + "Mar 18\n\nA Title\n\nAn abstract.\n").replace("\n", newline)
    digest = parse(text)
    assert [(e.title, e.abstract, e.line) for e in digest.entries] == [("A Title", "An abstract.", 7)]


def test_every_line_of_the_web_page_after_the_first_is_named_with_it():
    """A page copied whole has a submitter and an upvote count at every
    paper: a build named one of them, so 30 papers took 60 builds to clean."""
    papers = "".join(f"Submitted by user{n}\n\n{n}2\n\nTitle {n}\n\nAbstract {n}.\n\n" for n in range(7))
    message = error_of(HEADER + "Mar 18\n\n" + papers)
    assert message.startswith("d.txt:7: 'Submitted by user0' is a line of the Daily Papers web page, not a paper's title")
    assert message.endswith("; so are lines 9, 15, 17, 23, 25, 31, 33, 39, 41, 47 and 3 more below)"), message
    # Glued to a paper's lines; and one alone.
    message = error_of(HEADER + "Mar 18\n\nA Title\n\nIts abstract.\n\n42\n\nB Title\nSubmitted by x\n\nB's abstract.\n")
    assert message.startswith("d.txt:11: '42' is a line of the Daily Papers web page"), message
    assert message.endswith("; so is line 14 below)"), message
    assert not error_of(HEADER + "Mar 18\n\nSubmitted by x\n\nA Title\n\nIts abstract.\n").endswith("below)")


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85", "\f", "\x1c", "\x1d", "\x1e"])
def test_only_cr_and_lf_end_a_line_as_in_an_editor(separator):
    """Python's str.splitlines() breaks lines at these too, so an error after
    one named a line past the one an editor shows."""
    text = HEADER + f"Mar 18\n\nA Title\n\nFirst sentence.{separator}Second sentence.\n\nT2\n\nAbstract two.\n"
    assert [(e.abstract, e.line) for e in parse(text).entries] == [
        ("First sentence. Second sentence.", 7), ("Abstract two.", 11),
    ]
    broken = text + "\nSubmitted by akhaliq\n"
    with pytest.raises(SourceError) as from_text:
        parse_digest(broken, PATH, 2025)
    for message in (error_of(broken), str(from_text.value)):
        assert message.startswith("d.txt:15: 'Submitted by akhaliq' is a line of the Daily Papers web page"), message


def test_utf8_bom_is_ignored():
    assert parse("\ufeffMar 18\n\nT\n\nA.\n".encode()).entries[0].title == "T"


def test_tabs_and_non_breaking_spaces_are_plain_spaces():
    digest = parse("Mar\u00a018\n\n\tA\u00a0Title  here\n\u00a0\nAn\tabstract.\n")
    assert (digest.entries[0].title, digest.entries[0].abstract) == ("A Title here", "An abstract.")


def test_same_paper_twice_in_one_digest_is_kept_once_with_a_warning():
    digest = parse(HEADER + "Mar 18\n\nA Title\n\nOne.\n\nA title\n\nTwo.\n")
    assert [e.abstract for e in digest.entries] == ["One."]
    assert [str(w) for w in digest.warnings] == [
        "d.txt:11: 'A title' is listed twice in this digest (first on line 7); the first is kept"
    ]


def test_a_title_listed_again_with_a_full_stop_or_another_unicode_form_is_the_same_paper():
    # "ﬁ" (one ligature character) is "fi" once Unicode-normalised, as papers are merged across digests.
    digest = parse(HEADER + "Mar 18\n\nFine Tuning\n\nOne.\n\nFine tuning.\n\nTwo.\n\nﬁne tuning\n\nThree.\n"
                   "\nFine-Tuning\n\nFour.\n\nC++ Tricks\n\nFive.\n\nC# Tricks\n\nSix.\n")
    assert [e.abstract for e in digest.entries] == ["One.", "Five.", "Six."]
    assert [w.line for w in digest.warnings] == [11, 15, 19]
    assert "listed twice" in str(digest.warnings[1])
    assert digest.warnings[2].message == (
        "'Fine-Tuning' is 'Fine Tuning' of line 7 but for punctuation, so one paper to the site: "
        "the first is kept, with its abstract"
    )
    assert "make their titles differ in a letter, digit or symbol" in digest.warnings[2].hint


def test_a_large_digest_parses_in_bounded_memory(tmp_path):
    entry = "A Title Number {i}\n\n" + "An abstract sentence that goes on. " * 30 + "\n\n"
    path = tmp_path / "big.txt"
    with path.open("w") as handle:
        handle.write("Mar 18\n\n")
        i = 0
        while handle.tell() < 50_000_000:
            handle.write(entry.format(i=i))
            i += 1
    tracemalloc.start()
    digest = read_digest(path, 2025)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(digest.entries) == i
    # The entries themselves are ~50 MB of text; parsing may not hold many more copies.
    assert peak < 4 * 50_000_000, f"peak {peak / 1e6:.0f} MB"


def _outcome(raw: bytes) -> None:
    try:
        parse_digest_bytes(raw, PATH, 2025)
    except SourceError as error:
        assert error.path == PATH
        assert error.line is None or error.line >= 1


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_give_a_digest_or_our_error(raw):
    _outcome(raw)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("Mar 18\n\r\t\u00a0.ab,:$π") + ["\n\n", "Sep 10", "2025-03-18", "Feb 30"]), max_size=120))
def test_digest_like_text_gives_a_digest_or_our_error(pieces):
    _outcome("".join(pieces).encode())


@settings(max_examples=150, deadline=None)
@given(
    which=st.integers(0, len(REAL) - 1),
    cuts=st.lists(st.tuples(st.integers(0, 60_000), st.integers(0, 400)), max_size=4),
    insert=st.binary(max_size=20),
)
def test_mutated_real_digests_give_a_digest_or_our_error(which, cuts, insert):
    raw = bytearray(REAL[which].read_bytes())
    for start, length in cuts:
        start %= max(len(raw), 1)
        raw[start:start + length] = insert
    _outcome(bytes(raw))


@pytest.mark.parametrize(("data", "expected"), [
    (b" \n\n\t\n", "d.txt:1: digest is empty"),
    # UTF-16 without a byte order mark, ASCII alone: a NUL byte to each character, beside it (it was told
    # a binary file or UTF-16, with Notepad's hint, which names no byte order).
    ("Sep 10\n\nT\n\nA.\n".encode("utf-16-le"), "d.txt:1: digest contains NUL bytes: it looks like text saved as "
     "UTF-16 (little-endian) without a byte order mark (save the file as UTF-8; from UTF-16 without a byte order "
     "mark: iconv -f utf-16le -t utf-8)"),
    ("\nSep 10\n\nT\n\nA.\n".encode("utf-16-be"), "UTF-16 (big-endian) without a byte order mark (save the file as "
     "UTF-8; from UTF-16 without a byte order mark: iconv -f utf-16be -t utf-8)"),
    # A binary file's numbers, whose NUL bytes fall as UTF-16's do: no sign of which it is.
    (b"\x01\x00\x02\x00\x00\x00\x10\x00", "d.txt:1: digest contains NUL bytes: it looks like a binary file, "
     "or text saved as UTF-16 without a byte order mark (save the digest as plain UTF-8 text; in Notepad: Save As, "
     "Encoding: UTF-8)"),
    # Numbers that would be UTF-32's surrogates, which are no characters: decoded to tell whether they
    # are text, they stopped the build with a UnicodeDecodeError.
    (b"\x00\xd8\x00\x00\x00\xdc\x00\x00\x01\x02", "d.txt:1: digest is not valid UTF-8 (byte 0xd8)"),
    # UTF-32 without one: three NUL bytes to an ASCII character, where UTF-16 has one (it was told UTF-16).
    ("Sep 10\n\nT\n\nA.\n".encode("utf-32-le"), "d.txt:1: digest contains NUL bytes: it looks like text saved as "
     "UTF-32 (little-endian) without a byte order mark (save the file as UTF-8; from UTF-32 without a byte order mark: "
     "iconv -f utf-32le -t utf-8)"),
    ("Café\n\nSep 10\n".encode("utf-32-be"), "d.txt:1: digest contains NUL bytes: it looks like text saved as "
     "UTF-32 (big-endian) without a byte order mark (save the file as UTF-8; from UTF-32 without a byte order mark: "
     "iconv -f utf-32be -t utf-8)"),
    (codecs.BOM_UTF16_LE + "Sep 10, 2025\r\n\r\nT\r\n\r\nA\ud800.\r\n".encode("utf-16-le", "surrogatepass"),
     "d.txt:5: digest is not valid UTF-16 (bytes 00 d8) (save the digest as UTF-8 text"),
    # The bad bytes at the start of a line: that line, not the one before.
    (codecs.BOM_UTF16_LE + "Sep 10, 2025\r\n\r\nT\r\n".encode("utf-16-le") + b"\x00\xdc",
     "d.txt:4: digest is not valid UTF-16 (bytes 00 dc)"),
    (codecs.BOM_UTF16_LE + b"\x00\xdc", "d.txt:1: digest is not valid UTF-16 (bytes 00 dc)"),
    (codecs.BOM_UTF32_BE + "Sep 10, 2025\n\nT\n".encode("utf-32-be") + b"\x00\x11\x00\x00",
     "d.txt:4: digest is not valid UTF-32 (bytes 00 11 00 00)"),
    (b"Mar 18, 2025\n\nTitle\n\nCaf\xe9 au lait.\n", "from Windows' ANSI or Latin-1: iconv -f windows-1252 -t utf-8"),
    # A file saved under a digest's name that is no text at all.
    (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "d.txt: digest is not text: it looks like a PNG image"),
    (b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\0", "d.txt: digest is not text: it looks like a PDF"),
    (b"PK\x03\x04\x14\0\x06\0word/document.xml", "d.txt: digest is not text: it looks like a zip file (a .docx"),
])
def test_a_digest_file_read_as_the_build_reads_it_gets_the_same_clear_errors(tmp_path, data, expected):
    path = tmp_path / "d.txt"
    path.write_bytes(data)
    with pytest.raises(SourceError) as streamed:
        read_digest(path)
    with pytest.raises(SourceError) as whole:
        parse_digest_bytes(data, path)
    for error in (streamed.value, whole.value):
        assert expected in str(error).replace(f"{tmp_path}/", ""), str(error)


@pytest.mark.parametrize("byte_order", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_utf16_or_utf32_with_a_byte_order_mark_is_read_as_utf8_is(tmp_path, byte_order):
    """Windows Notepad's "Unicode": the mark says the encoding for certain (it was
    refused with a hint to convert it with iconv; UTF-32, whose little-endian
    mark begins with UTF-16's, was read as UTF-16 and called NUL bytes)."""
    text = HEADER + "Mar 18\n\nπ-Scaling 🙂 Laws\n\nAn abstract, “quoted”.\n\nT2\n\nAbstract two.\n"
    path = tmp_path / "d.txt"
    path.write_bytes(("\ufeff" + text.replace("\n", "\r\n")).encode(byte_order))
    expected = [(e.title, e.abstract, e.line) for e in parse(text).entries]
    assert expected[0] == ("π-Scaling 🙂 Laws", "An abstract, “quoted”.", 7)
    for digest in (read_digest(path, 2025), parse_digest_bytes(path.read_bytes(), PATH, 2025)):
        assert [(e.title, e.abstract, e.line) for e in digest.entries] == expected


def test_a_date_line_without_a_year_is_shown_with_one_in_the_hint():
    with pytest.raises(SourceError) as info:
        parse_digest_bytes(b"Sep 10\n\nT\n\nA.\n", PATH, None)
    assert str(info.value).startswith("d.txt:1: date line 'Sep 10' has no year (write it with its year, e.g. 'Sep 10, 2025'")


def test_characters_that_show_nothing_are_not_part_of_a_digest():
    """A zero-width space, soft hyphen or direction mark copied from the page
    made a second paper of a title, and a line of them no blank line."""
    digest = parse(
        HEADER + "Mar 18\n\nCalibrated Language Models\u200b Must Hallu\u00adcinate\n\nWe show \u200ethat.\n"
        "\u200b\n\u2060Second Title\nwraps\n\nIts abstract.\n"
    )
    assert [(entry.title, entry.abstract, entry.line) for entry in digest.entries] == [
        ("Calibrated Language Models Must Hallucinate", "We show that.", 7),
        ("Second Title wraps", "Its abstract.", 11),
    ]
    assert title_key("Calibrated\u00ad Language Models\u200b Must Hallucinate") == title_key(
        "Calibrated Language Models Must Hallucinate"
    )


@pytest.fixture(scope="module")
def shipped_entries():
    return [entry for path in sorted((ROOT / "content" / "digests").glob("*.txt")) for entry in read_digest(path, 2025).entries]


@pytest.mark.parametrize("between", ["\n\n", "\n"], ids=["blank-lines", "copied-without-blank-lines"])
def test_every_shipped_paper_pasted_above_the_date_line_is_an_error_not_lost(shipped_entries, between):
    missed = []
    for entry in shipped_entries:
        try:
            parse(f"{entry.title}{between}{entry.abstract}{between}{HEADER}Mar 18\n\nT\n\nAn abstract.\n")
        except SourceError as error:
            assert "papers before the date line" in str(error), str(error)
        else:
            missed.append(entry.title)
    assert missed == []


def test_a_digest_pasted_twice_is_said_to_be_so_with_where_its_second_copy_starts():
    """Its second date line was "another day's papers go in a file of their
    own": such a file holds the same papers again."""
    once = HEADER + "Mar 19\n\nT1\n\nAbstract one.\n\nT2\n\nAbstract two.\n\n"
    # Pasted whole twice: the page's lines come first, and the hint names the date line after them.
    message = error_of(once + once)
    assert message.startswith("d.txt:15: 'new' is a line of the Daily Papers web page"), message
    assert message.endswith(
        "; so is line 17 below; line 19 is the date line of line 5 again: if the digest is pasted twice, "
        "delete its second copy, from line 15 on)"
    ), message
    # Without the page's lines, or with them deleted: the date line again, not another day's.
    assert error_of(once + once.removeprefix(HEADER)) == (
        "d.txt:15: the date line 'Mar 19' again (line 5 has it): is the digest pasted twice? (delete its second "
        "copy, from the page's lines above this line on; papers of the day that the first copy lacks may stay, "
        "without this line)"
    )
    # Another day's date line is still another day's.
    assert "a second date line 'Mar 20'" in error_of(once + "Mar 20\n\nT3\n\nAbstract three.\n")
    assert "pasted twice" not in error_of(once + HEADER + "Mar 20\n\nT3\n\nAbstract three.\n")


def test_a_page_copied_whole_and_pasted_twice_is_told_to_be_deleted_from_its_second_copy_on():
    """The first error is in the first copy (a submitter at its first
    paper): the hint said to delete from there on, half the first copy."""
    once = HEADER + "Mar 19\n\nT1\n\nSubmitted by akhaliq\n\nAbstract one is here.\n\nT2\n\nAbstract two.\n\n"
    message = error_of(once + once)
    assert message.startswith("d.txt:9: 'Submitted by akhaliq' is a line of the Daily Papers web page"), message
    assert message.endswith("line 21 is the date line of line 5 again: if the digest is pasted twice, "
                            "delete its second copy, from line 17 on)"), message
    # With no line of the page before the second date line, the copy starts there.
    again = "Mar 19\n\nT1\n\nAbstract one.\n\nView PDF\n\nT2\n\nAbstract two.\n\n"
    assert error_of(again + again).endswith("delete its second copy, from line 13 on)")
