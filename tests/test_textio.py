"""Reading articles in the encodings news comes in, and atomic writes."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, strategies as st

from framing.errors import FramingError
from framing.textio import atomic_folder, atomic_open, atomic_write_text, decode_text, read_article

TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=200)


@given(TEXT)
def test_utf8_round_trips_exactly(text):
    assert decode_text(text.encode("utf-8")) == text
    assert decode_text(b"\xef\xbb\xbf" + text.encode("utf-8")) == text


@given(st.text(st.sampled_from("abc XYZ.,\u201c\u201d\u2019\u2014\u20ac\xe9\xfc"), min_size=1, max_size=100))
def test_windows_1252_that_is_not_utf8_is_read_as_1252(text):
    data = text.encode("cp1252")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        assert decode_text(data) == text


def test_binary_is_refused_with_the_file_name():
    with pytest.raises(FramingError, match="x.bin: not a text file"):
        decode_text(b"\x00\x01\x02binary", "x.bin")


def test_html_article_without_text_is_an_error(tmp_path):
    page = tmp_path / "empty.html"
    page.write_text("<html><head><title></title></head><body>   </body></html>")
    with pytest.raises(FramingError, match="empty.html"):
        read_article(page)


def test_atomic_write_has_ordinary_permissions(tmp_path):
    target = tmp_path / "out.txt"
    atomic_write_text(target, "hello\n")
    mask = os.umask(0)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask
    assert target.read_text() == "hello\n"


def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old\n")
    with pytest.raises(RuntimeError):
        with atomic_open(target) as fh:
            fh.write("half of the new")
            raise RuntimeError("disk full")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_atomic_folder_replaces_a_folder_whole(tmp_path):
    target = tmp_path / "run"
    target.mkdir()
    (target / "old.txt").write_text("old\n")
    with atomic_folder(target) as tmp:
        (tmp / "new.txt").write_text("new\n")
        assert not (target / "new.txt").exists()  # nothing shows before the folder is complete
    assert sorted(p.name for p in target.iterdir()) == ["new.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_failed_folder_write_leaves_the_old_folder_and_no_temporary(tmp_path):
    target = tmp_path / "run"
    target.mkdir()
    (target / "old.txt").write_text("old\n")
    with pytest.raises(RuntimeError):
        with atomic_folder(target) as tmp:
            (tmp / "half.txt").write_text("half\n")
            raise RuntimeError("disk full")
    assert sorted(p.name for p in target.iterdir()) == ["old.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["run"]
