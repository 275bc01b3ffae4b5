"""Reading SemEval-2019 Task 4's by-article release (Kiesel et al. 2019): whole articles
that journalists labelled hyperpartisan or not.

The release is two XML files, read here gzip-compressed or plain:
``articles-*.xml`` holds ``<article id title published-at>`` elements whose text
is ``<p>`` paragraphs with inline ``<a>`` and ``<q>``; ``ground-truth-*.xml``
holds ``<article id hyperpartisan="true|false" url>``. Some entities are
escaped twice (``&amp;amp;``), so a paragraph that still holds one after the
XML parser is unescaped once more. Text between paragraphs (image captions,
advertisements, tag clouds left by the scraper) is not read: the paragraphs
are the article. Paragraphs are kept as published, repeats included (65 of the
645 articles repeat a paragraph, as scraped pages do); one article has no
paragraph at all and is its title alone.

:attr:`HyperpartisanArticle.text` is the article as a ``.txt`` file reads
(framing.textio.read_article): the title as the first line, the headline, then
one paragraph a line, so scoring it is scoring what a user would score. See
../shared/corpora/README.md for the release and its counts.
"""

from __future__ import annotations

import gzip
import html
import os
import re
import xml.etree.ElementTree as ET
import zlib
from dataclasses import dataclass
from pathlib import Path

from framing.errors import FramingError

__all__ = ["ARTICLES_GLOB", "GROUND_TRUTH_GLOB", "HyperpartisanArticle", "read_ground_truth",
           "read_hyperpartisan", "read_hyperpartisan_articles"]

ARTICLES_GLOB = "articles-*.xml*"
GROUND_TRUTH_GLOB = "ground-truth-*.xml*"

_SPACE = re.compile(r"\s+")
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z]+);")


@dataclass(frozen=True)
class HyperpartisanArticle:
    """One article; ``hyperpartisan`` is the journalists' label (None when read without ground truth)."""

    id: str
    title: str
    paragraphs: tuple[str, ...]
    published: str | None = None
    hyperpartisan: bool | None = None
    url: str | None = None

    @property
    def text(self) -> str:
        """The headline as the first line, then a paragraph a line: the article as a .txt file holds it."""
        return "\n".join((self.title, *self.paragraphs)) + "\n"


def _clean(text: str) -> str:
    text = _SPACE.sub(" ", text).strip()
    # The parser undid one level of escaping; what still looks like an entity was escaped twice.
    return html.unescape(text) if _ENTITY.search(text) else text


def _parse(path: Path) -> ET.Element:
    if not path.is_file():
        raise FramingError("no such file", path)
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:
            return ET.parse(fh).getroot()
    except ET.ParseError as exc:
        raise FramingError(f"not valid XML ({exc})", path, exc.position[0]) from None
    except (OSError, EOFError, zlib.error) as exc:
        raise FramingError(f"cannot read it ({exc})", path) from None


def read_hyperpartisan_articles(path: str | os.PathLike) -> list[HyperpartisanArticle]:
    """The articles of an ``articles-*.xml[.gz]`` file, in file order, without labels."""
    path = Path(path)
    out = []
    for element in _parse(path).iter("article"):
        ident = element.get("id")
        if not ident:
            raise FramingError(f"article {len(out) + 1} has no id", path)
        paragraphs = tuple(t for t in (_clean("".join(p.itertext())) for p in element.iter("p")) if t)
        out.append(HyperpartisanArticle(ident, _clean(element.get("title") or ""), paragraphs,
                                        element.get("published-at")))
    return out


def read_ground_truth(path: str | os.PathLike) -> dict[str, tuple[bool, str | None]]:
    """Article id -> (hyperpartisan, url) from a ``ground-truth-*.xml[.gz]`` file."""
    path = Path(path)
    truth: dict[str, tuple[bool, str | None]] = {}
    for element in _parse(path).iter("article"):
        ident, value = element.get("id"), element.get("hyperpartisan")
        if not ident or value not in ("true", "false"):
            raise FramingError(f"article {ident or '(no id)'}: expected an id and hyperpartisan=\"true\" or "
                               f"\"false\", got {value!r}", path)
        truth[ident] = (value == "true", element.get("url"))
    return truth


def _one(folder: Path, pattern: str) -> Path:
    found = sorted(folder.glob(pattern))
    if len(found) != 1:
        what = "no" if not found else f"{len(found)}"
        raise FramingError(f"not a hyperpartisan folder ({what} files matching {pattern})", folder)
    return found[0]


def read_hyperpartisan(directory: str | os.PathLike) -> list[HyperpartisanArticle]:
    """Every article of the folder with its journalists' label; an article without one is an error."""
    folder = Path(directory)
    if not folder.is_dir():
        raise FramingError("not a folder", folder)
    articles_path, truth_path = _one(folder, ARTICLES_GLOB), _one(folder, GROUND_TRUTH_GLOB)
    truth = read_ground_truth(truth_path)
    out = []
    for article in read_hyperpartisan_articles(articles_path):
        if article.id not in truth:
            raise FramingError(f"article {article.id} has no label in {truth_path.name}", articles_path)
        label, url = truth[article.id]
        out.append(HyperpartisanArticle(article.id, article.title, article.paragraphs, article.published,
                                        label, url))
    return out
