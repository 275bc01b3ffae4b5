"""Article text out of a saved web page.

A news page is mostly not the article: navigation, share buttons, related
stories, cookie banners, comments. Telling them apart is a moving target that
trafilatura maintains against real news sites, so we delegate to it rather than
keep a hand-written parser that would rot. It is an optional dependency (the
``html`` extra): scoring plain text must not need it.

The text we return has the shape of our .txt articles (headline on the first
line, a blank line, then paragraphs separated by blank lines) so the sentence
splitter treats a page and a text file alike and the headline is found the same
way. Nothing here touches the network: trafilatura is given the page's markup,
never a URL.
"""

from __future__ import annotations

import os
import re

from framing.errors import FramingError

__all__ = ["html_to_text"]

_SPACES = re.compile(r"[ \t\u00a0]+")


def _clean_lines(text: str) -> list[str]:
    return [line for line in (_SPACES.sub(" ", raw).strip() for raw in text.splitlines()) if line]


def html_to_text(html: str, path: str | os.PathLike = "<input>") -> str:
    """The article in a page as plain text: headline, blank line, paragraphs."""
    try:
        import trafilatura
    except ImportError:
        raise FramingError("reading .html articles needs trafilatura: pip install 'framing[html]'", path) from None

    if not html.strip():
        raise FramingError("the article is empty", path)
    try:
        doc = trafilatura.bare_extraction(html, include_comments=False, include_tables=False,
                                          with_metadata=True, favor_precision=True)
    except Exception as exc:  # a parser failure deep in lxml means the same to a user: unreadable page
        raise FramingError(f"cannot read the HTML page: {type(exc).__name__}", path) from None
    body = getattr(doc, "text", None) if doc is not None else None
    if not body or not body.strip():
        # favor_precision can discard an article that is a single short block;
        # a second, recall-oriented pass beats refusing a page a person can read.
        body = trafilatura.extract(html, include_comments=False, include_tables=False, favor_recall=True)
    if not body or not body.strip():
        raise FramingError("no article text found in the HTML page", path)
    paragraphs = _clean_lines(body)
    title = _SPACES.sub(" ", (getattr(doc, "title", None) or "")).strip() if doc is not None else ""
    # Pages often repeat the headline as the article's first block; the
    # headline must appear once or it would be scored twice.
    if title and paragraphs and paragraphs[0].casefold() == title.casefold():
        paragraphs = paragraphs[1:]
    if title:
        return title + "\n\n" + "\n\n".join(paragraphs) + "\n"
    return "\n\n".join(paragraphs) + "\n"
