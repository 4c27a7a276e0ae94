"""`sentences()`: the pieces sent as continuations join back to the exact text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cartesia_widget.sentences import sentences

TEXTISH = st.lists(st.sampled_from([*"ab .!?…\n\"')]", "Hi", "Dr.", "3.14"]), max_size=40).map(
    "".join
)


@given(TEXTISH)
def test_pieces_concatenate_to_the_text(text):
    assert "".join(sentences(text)) == text


@given(TEXTISH)
def test_every_piece_but_a_whitespace_only_text_has_words(text):
    pieces = sentences(text)
    if text.strip():
        assert all(piece.strip() for piece in pieces)


def test_splits_after_sentence_ends_and_keeps_the_spaces():
    assert sentences("One. Two! Three? Four… Five") == [
        "One. ",
        "Two! ",
        "Three? ",
        "Four… ",
        "Five",
    ]
    assert sentences('He said "stop." Then left.') == ['He said "stop." ', "Then left."]
    assert sentences("A paragraph\n\nAnother one") == ["A paragraph\n\n", "Another one"]


def test_trailing_whitespace_joins_the_last_sentence():
    assert sentences("Only one.  \n") == ["Only one.  \n"]
    assert sentences("   ") == ["   "]


def test_no_split_inside_numbers_or_without_a_space():
    assert sentences("Pi is 3.14 today.") == ["Pi is 3.14 today."]
    assert sentences("see example.com now") == ["see example.com now"]
