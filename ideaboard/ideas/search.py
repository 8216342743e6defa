"""Full-text search over ideas, the same on SQLite and PostgreSQL.

``matches(text, any_word=...)`` is the one entry point: it turns what a person
typed into a subquery of ``(idea_id, relevance)`` rows, higher relevance first,
that the idea list and the duplicate suggestions join against. The dialect
differences stay in this module:

- SQLite searches the FTS5 table ``ideas_fts`` (created with its triggers by a
  migration; Porter stemming, diacritics folded) and ranks with ``bm25``.
- PostgreSQL matches ``to_tsvector('english', title || ' ' || body_md)``, the exact
  expression of the GIN index ``ix_ideas_search_fts``, and ranks with ``ts_rank``.

User text never becomes query syntax: it is cut into words here, and each word
travels as a bound parameter (FTS5: a double-quoted string; PostgreSQL: an
argument of ``plainto_tsquery``), so operators such as ``OR``, ``NEAR``, ``*``,
``-`` or ``:`` typed by a user are just words or separators.
"""

from __future__ import annotations

import functools
import re

import sqlalchemy as sa

from ideaboard.extensions import db
from ideaboard.ideas.models import Idea

# Words too common to tell ideas apart: ignored in both search modes, so that a
# title like "Make the coffee better" suggests ideas about coffee, not about "the".
STOP_WORDS = frozenset(
    """a about after all also an and any are as at be because been but by can could
    do does for from had has have how i if in into is it its just make more most my
    no not of on or our should so some than that the their them then there these
    they this to too up us use very was we were what when where which who why will
    with would you your""".split()
)
MAX_WORDS = 12  # a longer query adds cost, not precision
_WORD = re.compile(r"[^\W_]+", re.UNICODE)

# The FTS5 table is created by a migration, not by the models' metadata.
_fts = sa.table("ideas_fts", sa.column("rowid", sa.Integer))
_fts_table = sa.literal_column("ideas_fts")
# Title words weigh more than body words in the SQLite ranking.
_BM25_WEIGHTS = (sa.literal_column("10.0"), sa.literal_column("1.0"))


def search_words(text: str | None) -> list[str]:
    """The significant words of ``text``: lower-cased, deduplicated, stop words dropped."""
    words: list[str] = []
    for word in _WORD.findall((text or "").lower()):
        if (len(word) > 1 or word.isdigit()) and word not in STOP_WORDS and word not in words:
            words.append(word)
    return words[:MAX_WORDS]


def fts5_query(words: list[str], *, any_word: bool) -> str:
    """An FTS5 MATCH expression with every word quoted, joined by AND or OR."""
    quoted = ['"' + word.replace('"', '""') + '"' for word in words]
    return (" OR " if any_word else " AND ").join(quoted)


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _sqlite_matches(words: list[str], any_word: bool) -> sa.Select:
    relevance = -sa.func.bm25(_fts_table, *_BM25_WEIGHTS)
    return sa.select(
        _fts.c.rowid.label("idea_id"), relevance.label("relevance")
    ).where(_fts_table.op("MATCH")(fts5_query(words, any_word=any_word)))


@functools.cache
def _pg_document():
    # Literals, not bound parameters: the query must repeat the index expression
    # token for token, or PostgreSQL cannot use the GIN index.
    return sa.func.to_tsvector(
        sa.literal_column("'english'"), Idea.title + sa.literal_column("' '") + Idea.body_md
    )


def _pg_matches(words: list[str], any_word: bool) -> sa.Select:
    english = sa.literal_column("'english'")
    if any_word:
        # tsquery || tsquery is OR; plainto_tsquery stems each word and drops stop words.
        query = functools.reduce(
            lambda left, right: left.op("||")(right),
            [sa.func.plainto_tsquery(english, word) for word in words],
        )
    else:
        query = sa.func.plainto_tsquery(english, " ".join(words))
    document = _pg_document()
    return sa.select(
        Idea.id.label("idea_id"), sa.func.ts_rank(document, query).label("relevance")
    ).where(document.op("@@")(query))


def matches(text: str | None, *, any_word: bool = False) -> sa.Subquery | None:
    """Ideas matching ``text`` as a subquery of (idea_id, relevance).

    ``any_word=False`` (the list search) wants every significant word;
    ``any_word=True`` (duplicate suggestions) wants any of them, ideas sharing
    more words ranking higher. None when ``text`` has no significant word.
    Hidden ideas are not filtered here: callers join ``Idea`` and decide.
    """
    words = search_words(text)
    if not words:
        return None
    if _dialect() == "postgresql":
        select = _pg_matches(words, any_word)
    else:
        select = _sqlite_matches(words, any_word)
    return select.subquery("search_matches")
