"""Seeded synthetic communities with heavy-tailed activity, for the benchmarks.

``python benchmarks/generate.py --posts 1000000 --comments 1000000 --out /tmp/se-1m``
writes a Stack Exchange dump folder (``Posts.xml``, ``Comments.xml``,
``Users.xml``) and the same messages as a plain table (``messages.parquet``,
readable with ``influence analyze --format table``).

The shape follows real Q&A sites: about 40 % of posts are questions and 60 %
answers; who asks is mildly skewed (most askers ask once or twice), who
answers is heavily skewed (a Zipf law, so a few hundred people write most
answers); comments fall on recent posts, written half the time by the post's
thread owner (the asker replying) and otherwise by the heavy-tailed answerers;
one comment in five names someone with ``@``. Bodies are HTML-escaped text with
entities (``&lt;p&gt;``, ``&amp;``, ``&quot;``, ``&#xA;``) of log-normal length
(median about 500 characters), so the XML is about as heavy per row as a real
dump. Everything is drawn from ``numpy.random.default_rng(seed)``: the same
arguments give the same bytes.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

EPOCH = np.datetime64("2015-01-01T00:00:00", "ms")
SPAN_DAYS = 6 * 365
CHUNK = 200_000
WORDS = (
    "ada stake pool wallet node token ledger epoch slot block script datum redeemer "
    "plutus haskell delegate reward relay address key hash mint policy metadata "
    "transaction fee utxo validator oracle governance vote treasury bridge sidechain "
    "the a of to and is in it that for on with as how why what when which can does"
).split()


def _zipf_weights(n: int, exponent: float, rng: np.random.Generator) -> np.ndarray:
    """Probabilities proportional to 1 / rank**exponent, ranks shuffled over users."""
    weights = 1.0 / np.arange(1, n + 1, dtype=np.float64) ** exponent
    rng.shuffle(weights)
    return weights / weights.sum()


def _texts(lengths: np.ndarray, rng: np.random.Generator, pool: str) -> list[str]:
    """Slices of a long escaped text, at random offsets, of the given lengths."""
    starts = rng.integers(0, len(pool) - int(lengths.max()) - 1, size=len(lengths))
    # drop a reference cut at the end ("&am", "&#x"): strip its characters
    tail = "&#;xAlgtpampquo"  # a set of characters, on purpose
    return [pool[s : s + n].rstrip(tail) for s, n in zip(starts, lengths, strict=True)]


def _pool(rng: np.random.Generator, size: int = 1 << 21) -> str:
    """A long HTML-escaped text with paragraphs, code and entities, as in dump bodies."""
    words = rng.choice(WORDS, size=size // 5)
    text = " ".join(words.tolist())
    text = text.replace(" the ", " &lt;/p&gt;&#xA;&lt;p&gt;the ").replace(" and ", " &amp; ")
    return text.replace(" how ", " &quot;how&quot; ")


def _stamp(ms: np.ndarray) -> np.ndarray:
    """Milliseconds since EPOCH -> dump-style ``2021-04-27T15:06:44.553`` strings."""
    return np.datetime_as_string(EPOCH + ms.astype("timedelta64[ms]"), unit="ms")


def _write_rows(path: Path, root: str, columns: dict[str, np.ndarray], texts=None) -> None:
    """Write ``<row .../>`` lines; None/empty values leave the attribute out."""
    n = len(next(iter(columns.values())))
    with open(path, "w", encoding="utf-8", newline="\r\n") as out:
        out.write(f'<?xml version="1.0" encoding="utf-8"?>\n<{root}>\n')
        for start in range(0, n, CHUNK):
            stop = min(n, start + CHUNK)
            parts = []
            for name, values in columns.items():
                chunk = values[start:stop].astype(str)
                present = chunk != ""
                cell = np.where(present, np.char.add(np.char.add(f' {name}="', chunk), '"'), "")
                parts.append(cell.astype(object))
            if texts is not None:
                name, make = texts
                body = make(start, stop)
                parts.append(np.array([f' {name}="{t}"' for t in body], dtype=object))
            line = parts[0]
            for part in parts[1:]:
                line = line + part
            out.write("".join(f"  <row{row} />\n" for row in line))
        out.write(f"</{root}>\n")


def generate(
    out: Path,
    *,
    posts: int,
    comments: int,
    users: int | None = None,
    seed: int = 0,
    table: bool = True,
) -> dict[str, int]:
    """Write a synthetic Stack Exchange dump (and ``messages.parquet``) into ``out``.

    Parameters
    ----------
    out : Path
        Folder to create.
    posts, comments : int
        Number of posts (questions and answers) and comments.
    users : int, optional
        Number of users; default ``max(100, posts // 5)``.
    seed : int
        Seed of every random draw.
    table : bool
        Also write ``messages.parquet``.

    Returns
    -------
    dict
        The counts written: users, questions, answers, comments.
    """
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    users = users or max(100, posts // 5)
    pool = _pool(rng)
    ask_weights = _zipf_weights(users, 0.5, rng)
    answer_weights = _zipf_weights(users, 1.1, rng)

    questions = max(1, int(posts * 0.4))
    answers = posts - questions
    q_time = np.sort(rng.integers(0, SPAN_DAYS * 86_400_000, size=questions))
    q_owner = rng.choice(users, size=questions, p=ask_weights) + 1
    # answers: to a question drawn with a bias to popular (earlier-numbered) ones
    a_question = np.minimum(
        (rng.pareto(1.2, size=answers) * questions / 8).astype(np.int64), questions - 1
    )
    a_question = rng.permutation(questions)[a_question]
    a_delay = rng.exponential(6 * 3_600_000, size=answers).astype(np.int64) + 60_000
    a_time = q_time[a_question] + a_delay
    a_owner = rng.choice(users, size=answers, p=answer_weights) + 1

    # post ids: questions and answers interleaved in time, numbered 1..posts
    kind = np.concatenate([np.ones(questions, np.int8), np.full(answers, 2, np.int8)])
    when = np.concatenate([q_time, a_time])
    order = np.argsort(when, kind="stable")
    post_id = np.empty(posts, np.int64)
    post_id[order] = np.arange(1, posts + 1)
    owner = np.concatenate([q_owner, a_owner])
    parent = np.concatenate([np.zeros(questions, np.int64), post_id[a_question]])
    thread_owner = np.concatenate([q_owner, q_owner[a_question]])
    # 2 % of questions have no owner left (deleted account); answers keep theirs
    deleted = np.zeros(posts, bool)
    deleted[:questions] = rng.random(questions) < 0.02
    tags_pool = np.array([f"tag{n}" for n in range(300)])
    tag_weights = _zipf_weights(300, 1.0, rng)
    tag_a = tags_pool[rng.choice(300, size=posts, p=tag_weights)]
    tag_b = tags_pool[rng.choice(300, size=posts, p=tag_weights)]
    tags = np.where(kind == 1, np.char.add(np.char.add(np.char.add("|", tag_a), "|"), tag_b), "")
    tags = np.where(kind == 1, np.char.add(tags, "|"), "")
    accepted = np.zeros(posts, np.int64)
    first_answer = pd.Series(post_id[questions:]).groupby(a_question).min()
    take = rng.random(len(first_answer)) < 0.5
    accepted[first_answer.index.to_numpy()[take]] = first_answer.to_numpy()[take]
    score = np.minimum(rng.geometric(0.35, size=posts) - 1, 500)
    body_length = np.minimum(rng.lognormal(6.2, 0.8, size=posts).astype(np.int64) + 20, 30_000)

    sorted_rows = order
    post_columns = {
        "Id": post_id[sorted_rows],
        "PostTypeId": kind[sorted_rows],
        "ParentId": np.where(parent[sorted_rows] > 0, parent[sorted_rows].astype(str), ""),
        "AcceptedAnswerId": np.where(
            accepted[sorted_rows] > 0, accepted[sorted_rows].astype(str), ""
        ),
        "CreationDate": _stamp(when[sorted_rows]),
        "Score": score[sorted_rows],
        "OwnerUserId": np.where(deleted[sorted_rows], "", owner[sorted_rows].astype(str)),
        "Tags": tags[sorted_rows],
    }
    lengths = body_length[sorted_rows]
    _write_rows(
        out / "Posts.xml",
        "posts",
        post_columns,
        texts=("Body", lambda a, b: _texts(lengths[a:b], rng, pool)),
    )

    # comments: on a post drawn with a bias to recent ones, some time after it
    c_post = rng.integers(0, posts, size=comments)
    c_time = when[c_post] + rng.exponential(3 * 3_600_000, size=comments).astype(np.int64) + 30_000
    asker = rng.random(comments) < 0.5
    c_author = np.where(
        asker, thread_owner[c_post], rng.choice(users, size=comments, p=answer_weights) + 1
    )
    c_order = np.argsort(c_time, kind="stable")
    c_id = np.arange(1, comments + 1)
    c_length = np.minimum(rng.lognormal(4.8, 0.6, size=comments).astype(np.int64) + 5, 600)
    mention = rng.random(comments) < 0.2
    named = owner[c_post]
    c_columns = {
        "Id": c_id,
        "PostId": post_id[c_post][c_order],
        "Score": np.minimum(rng.geometric(0.6, size=comments) - 1, 50),
        "CreationDate": _stamp(c_time[c_order]),
        "UserId": c_author[c_order],
    }
    c_lengths, c_mention, c_named = c_length[c_order], mention[c_order], named[c_order]

    def comment_texts(a: int, b: int) -> list[str]:
        texts = _texts(c_lengths[a:b], rng, pool)
        return [
            f"@user{who} {text}" if at else text
            for text, at, who in zip(texts, c_mention[a:b], c_named[a:b], strict=True)
        ]

    _write_rows(out / "Comments.xml", "comments", c_columns, texts=("Text", comment_texts))

    user_ids = np.arange(1, users + 1)
    created = np.sort(rng.integers(0, SPAN_DAYS * 86_400_000 // 2, size=users))
    about = np.where(
        rng.random(users) < 0.1,
        "&lt;p&gt;Haskell developer &amp; stake pool operator&lt;/p&gt;",
        "",
    )
    _write_rows(
        out / "Users.xml",
        "users",
        {
            "Id": np.concatenate([[-1], user_ids]),
            "Reputation": np.concatenate([[1], rng.geometric(0.01, size=users)]),
            "CreationDate": _stamp(np.concatenate([[0], created])),
            "DisplayName": np.concatenate(
                [["Community"], np.char.add("user", user_ids.astype(str))]
            ),
            "AboutMe": np.concatenate([[""], about]),
            "Views": np.concatenate([[0], rng.geometric(0.05, size=users)]),
        },
    )

    if table:
        post_parent = np.where(parent > 0, parent.astype(str), None)
        thread = np.where(kind == 1, post_id, parent)
        frame = pd.DataFrame(
            {
                "message_id": np.concatenate(
                    [post_id.astype(str), np.char.add("c", c_id.astype(str))]
                ),
                "author_id": np.concatenate(
                    [np.where(deleted, None, owner.astype(str)), c_author[c_order].astype(str)]
                ),
                "thread_id": np.concatenate(
                    [thread.astype(str), thread[c_post][c_order].astype(str)]
                ),
                "parent_id": np.concatenate([post_parent, post_id[c_post][c_order].astype(str)]),
                "created_at": pd.to_datetime(
                    np.concatenate([when, c_time[c_order]]), unit="ms", utc=True
                ),
                "kind": np.concatenate(
                    [np.where(kind == 1, "question", "answer"), np.full(comments, "comment")]
                ),
                "score": np.concatenate([score, c_columns["Score"]]).astype("float64"),
                "text_length": np.concatenate([body_length, c_lengths]),
            }
        )
        frame.to_parquet(out / "messages.parquet", index=False)
    return {"users": users, "questions": questions, "answers": answers, "comments": comments}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--comments", type=int, default=None, help="default: as many as posts")
    parser.add_argument("--users", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-table", action="store_true", help="skip messages.parquet")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    start = time.perf_counter()
    counts = generate(
        args.out,
        posts=args.posts,
        comments=args.posts if args.comments is None else args.comments,
        users=args.users,
        seed=args.seed,
        table=not args.no_table,
    )
    sizes = {p.name: p.stat().st_size for p in sorted(args.out.iterdir())}
    print(f"{counts} in {time.perf_counter() - start:.1f} s; bytes {sizes}")


if __name__ == "__main__":
    main()
