"""A vectorised scanner for dump files made of one ``<row .../>`` per line.

Stack Exchange dumps are XML of a very regular shape: a declaration, the
root element, then one ``<row name="value" .../>`` per line, attribute values
delimited by ``"`` (a literal ``"`` is always written ``&quot;`` and a line
break ``&#xA;``). :func:`scan_rows_fast` reads such bytes with numpy over
whole blocks instead of one Python callback per row, and returns exactly the
columns :func:`influence.sources.stackexchange.scan_rows` (expat, the
reference) returns, in the compact form of ``_compact`` there: Arrow-backed
``string`` arrays and int64 arrays.

How a block of lines is read
----------------------------
* quote positions alternate open/close; a close quote followed by `` />``
  (or ``/>``) and the line end ends a row, any other by one space and the next
  attribute name. Every byte outside the values is checked: indentation,
  ``<row``, each name (identified by a hash of its bytes and length and
  compared with the name exactly, 8 bytes at a time), ``="``, the row end;
* one count (``byte ^ 28`` as int8 below 33) tells whether a block's only
  control bytes, ``<`` and non-ASCII bytes are the rows' own ``<`` and line
  ends, the common case; otherwise each kind is counted on its own (tabs in
  values allowed, the block checked as UTF-8);
* every ``&`` must start one of the five named entities or a character
  reference to a character XML allows; the distinct spellings (a few) are
  checked once each in Python. Each ``&`` is first guessed to be the spelling
  seen before that starts with its next two bytes (kept only when its bytes
  and ``;`` are exactly there); the others are read byte by byte;
* lengths (``<name>_length``) are the decoded character counts: the raw bytes
  minus the UTF-8 continuation bytes minus what each entity saves;
* strings are cut out of the block by Arrow (``take`` on a binary array whose
  offsets interleave values and gaps), then entities are decoded and tabs in
  values become spaces (XML attribute-value normalisation).

Anything outside that shape makes the scanner give up (return ``None``) so
that the caller reads the file with expat, which also reports a real error
with its line: invalid UTF-8 or an encoding other than UTF-8, a ``<`` or a
control character in a value, a malformed or undefined entity, single-quoted
values, a row over several lines, an empty line, a comment, a lone carriage
return, a duplicated attribute, names that are not plain ASCII, ...
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import IO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from influence.schema import STRING

__all__ = [
    "BLOCK_BYTES",
    "PAD",
    "TEXT_PREFIX",
    "RowScanner",
    "empty_columns",
    "join_columns",
    "scan_buffer",
    "scan_rows_fast",
    "split_document",
]

#: Bytes per block: small enough for numpy's temporaries to stay in cache.
BLOCK_BYTES = 2 << 20
#: Bytes a buffer must hold after the rows scanned (read 8 bytes at a time).
PAD = 32
LINE = "_line"
#: Key prefix of the attributes returned whole for scoring (``"text:Body"``).
TEXT_PREFIX = "text:"

_HEAD = re.compile(
    rb"(?:\xef\xbb\xbf)?"
    rb"(?:<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*([\"'])1\.[0-9]+\1"
    rb"(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*([\"'])(?P<encoding>[A-Za-z][A-Za-z0-9._-]*)\2)?"
    rb"(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*([\"'])(?:yes|no)\4)?[ \t\r\n]*\?>)?"
    rb"[ \t\r\n]*<(?P<root>[A-Za-z_][A-Za-z0-9_.-]*)[ \t\r\n]*>[ \t]*\r?\n"
)
_TAIL = re.compile(rb"</(?P<root>[A-Za-z_][A-Za-z0-9_.-]*)[ \t\r\n]*>[ \t\r\n]*")
_NAME = re.compile(rb"[A-Za-z_][A-Za-z0-9_.-]*\Z")
_ENTITY = re.compile(rb"(lt|gt|amp|quot|apos|#[0-9]+|#x[0-9a-fA-F]+)\Z")
_NAMED = {b"lt": "<", b"gt": ">", b"amp": "&", b"quot": '"', b"apos": "'"}
_DECODE = re.compile(r"&(lt|gt|amp|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);")

_MAX_NAME = 24
_SLOTS_BITS = 12
_ENTITY_SLOTS = 1 << _SLOTS_BITS  # a table holds at most one key per slot
_ONES = np.uint64(0x0101010101010101)
_HIGHS = np.uint64(0x8080808080808080)
_SEMIS = np.uint64(0x3B3B3B3B3B3B3B3B)
_MASKS = np.array([(1 << (8 * k)) - 1 for k in range(9)], dtype=np.uint64)
#: ``_WORD_MASKS[k][length]``: the bytes of word ``k`` within ``length`` bytes.
_WORD_MASKS = _MASKS[np.clip(np.arange(_MAX_NAME + 1) - 8 * np.arange(3)[:, None], 0, 8)]
_MIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F), np.uint64(0x165667B19E3779F9))


def _allowed(code: int) -> bool:
    """XML 1.0 ``Char``: what a character reference may name."""
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


def _entity_text(body: bytes) -> str | None:
    """The character an entity body (``lt``, ``#xA``, ...) stands for; None when invalid."""
    if _ENTITY.match(body) is None:
        return None
    if body in _NAMED:
        return _NAMED[body]
    code = int(body[2:], 16) if body[1:2] == b"x" else int(body[1:])
    return chr(code) if _allowed(code) else None


def _decode_value(text: str) -> str:
    """Decode the (already validated) entities of one value, the plain way."""
    return _DECODE.sub(lambda m: _entity_text(m.group(1).encode()), text)


def _hash(words: Sequence[np.ndarray], length: np.ndarray | None, bits: int) -> np.ndarray:
    if length is None:  # tables of one-word keys without NUL bytes (entity bodies)
        return (words[0] * _MIX[1]) >> np.uint64(64 - bits)
    mixed = length.astype(np.uint64)
    for word, factor in zip(words, _MIX, strict=False):
        mixed = mixed ^ (word * factor)
    return (mixed * _MIX[0]) >> np.uint64(64 - bits)


class _Table:
    """A small open table from byte strings (keys of up to 3 words) to numbers.

    ``lookup`` finds candidates by hash and then compares every word and the
    length, so a hit is always the exact byte string; ``add`` refuses a string
    whose slot is taken (the caller then gives up: never a wrong answer).
    ``one_word``: keys of at most 8 bytes, none NUL, hashed by their word alone
    (which :meth:`lookup_word` needs).
    """

    def __init__(self, words: int, *, one_word: bool = False) -> None:
        if one_word and words != 1:
            raise ValueError(f"a one_word table must have words=1 (got {words})")
        self.words = words
        self.one_word = one_word
        self.slots = np.full(1 << _SLOTS_BITS, -1, dtype=np.int64)
        self.keys: list[bytes] = []
        self.key_words = np.zeros((words, 0), dtype=np.uint64)
        self.key_lengths = np.zeros(0, dtype=np.int64)

    @staticmethod
    def split(key: bytes, words: int) -> list[int]:
        padded = key + bytes(8 * words)
        return [int.from_bytes(padded[8 * k : 8 * k + 8], "little") for k in range(words)]

    def find(self, key: bytes) -> int:
        return self.keys.index(key) if key in self.keys else -1

    def add(self, key: bytes) -> int:
        if key in self.keys:
            return self.keys.index(key)
        parts = [np.array([w], dtype=np.uint64) for w in self.split(key, self.words)]
        length = None if self.one_word else np.array([len(key)])
        slot = int(_hash(parts, length, _SLOTS_BITS)[0])
        if self.slots[slot] >= 0:
            return -1
        self.slots[slot] = len(self.keys)
        self.keys.append(key)
        self.key_words = np.concatenate(
            [self.key_words, np.array([[w] for w in self.split(key, self.words)], dtype=np.uint64)],
            axis=1,
        )
        self.key_lengths = np.append(self.key_lengths, len(key))
        return len(self.keys) - 1

    def lookup(self, words: Sequence[np.ndarray], length: np.ndarray) -> np.ndarray:
        """Number of each key, -1 where it is not (yet) in the table."""
        if not self.keys:
            return np.full(len(length), -1, dtype=np.int64)
        # np.take: fancy indexing by these arrays costs several times more
        hashed = _hash(words, None if self.one_word else length, _SLOTS_BITS)
        found = np.take(self.slots, hashed.view(np.int64))
        # an empty slot (-1) reads the last key: it cannot match, since that key's
        # own slot is not empty (each key sits in the slot of its hash)
        same = np.take(self.key_lengths, found) == length
        for k, word in enumerate(words):
            same &= np.take(self.key_words[k], found) == word
        return np.where(same, found, -1)

    def lookup_word(self, word: np.ndarray) -> np.ndarray:
        """``lookup`` of one-word keys without NUL bytes: the word alone tells the length.

        A key of the table has no NUL byte among its ``length`` bytes and zeros
        after them; so an equal word has the same length, as long as the word
        looked up has no NUL byte before its last non-zero byte.
        """
        if not self.one_word:
            raise ValueError("lookup_word needs a one_word table")
        found = np.take(self.slots, _hash([word], None, _SLOTS_BITS).view(np.int64))
        same = np.take(self.key_words[0], found) == word
        return found if same.all() else np.where(same, found, -1)


def _words(wide: np.ndarray, starts: np.ndarray, length: np.ndarray | int, count: int):
    """``count`` little-endian words of the bytes ``starts:starts+length``, zero past the end.

    ``length`` is one number for all, or an array of lengths up to ``_MAX_NAME``.
    """
    out = []
    for k in range(count):
        if isinstance(length, int):
            mask = _MASKS[min(max(length - 8 * k, 0), 8)]
        else:
            mask = np.take(_WORD_MASKS[k], length)
        out.append(wide[8 * k :][starts] & mask)  # (a view: no added index array)
    return out


def _count_odd(raw: np.ndarray, scratch: np.ndarray) -> int:
    """How many bytes of ``raw`` are control bytes, ``<`` or non-ASCII, in one pass.

    ``byte ^ 28`` read as int8 is below 33 exactly for those: the xor permutes
    0..31 among themselves, maps ``<`` (60) to 32 and keeps the high bit of the
    non-ASCII bytes (negative). ``scratch`` (bytes, as many) is overwritten.

    Examples
    --------
    >>> raw = np.frombuffer(b'<row A="x\\xc3\\xa9" />\\r\\n', dtype=np.uint8)
    >>> _count_odd(raw, np.empty_like(raw))  # "<", two non-ASCII bytes, CR, LF
    5
    """
    np.bitwise_xor(raw, 28, out=scratch)
    return int(np.count_nonzero(np.less(scratch.view(np.int8), 33, out=scratch.view(bool))))


def _parse_head(data: bytes) -> tuple[int, bytes] | None:
    """End of the head (declaration, root tag and its line end) and the root's name."""
    match = _HEAD.match(data)
    if match is None:
        return None
    encoding = match.group("encoding")
    if encoding is not None and encoding.lower() != b"utf-8":
        return None  # expat reads even "utf8" as a one-byte encoding
    begin = match.end()
    if data[:begin].count(b"\r") != data[:begin].count(b"\r\n"):
        return None  # a lone CR is a line end for expat: let it count
    return begin, match.group("root")


def _tail(buffer: bytes | bytearray, begin: int, end: int, root: bytes | None) -> int | None:
    """Where the rows before the closing root tag of ``buffer[begin:end]`` end, or None."""
    close = buffer.rfind(b"</", begin, end)
    if close < 0:
        return None
    closing = _TAIL.fullmatch(bytes(buffer[close:end]))
    if closing is None or closing.group("root") != root:
        return None
    cut = max(buffer.rfind(b"\n", begin, close) + 1, begin)
    if bytes(buffer[cut:close]).strip(b" \t"):
        return None
    return cut


def split_document(
    data: bytes | bytearray,
    *,
    head: bool,
    tail: bool,
    root: bytes | None = None,
    size: int | None = None,
) -> tuple[int, int, bytes | None] | None:
    """Where the row lines of a dump (or of a byte range of one) start and end.

    Parameters
    ----------
    data : bytes
        The file, or a byte range of it that starts and ends at line ends.
    head : bool
        ``data`` starts with the file's head: byte-order mark, declaration
        (UTF-8 or none), the root tag alone on its line.
    tail : bool
        ``data`` ends with the closing root tag (then only white space).
    root : bytes, optional
        The root's name, when ``head`` is false but ``tail`` is true.
    size : int, optional
        Look at ``data[:size]`` only (default: all of it), without a copy.

    Returns
    -------
    tuple or None
        ``(begin, end, root)``: ``data[begin:end]`` are the whole lines between
        head and tail. None when either is not as expected (let expat read it).

    Examples
    --------
    >>> split_document(b'<?xml version="1.0" encoding="utf-8"?>\\n<a>\\n<row/>\\n</a>\\n',
    ...     head=True, tail=True)
    (43, 50, b'a')
    """
    begin = 0
    if head:
        found = _parse_head(data)
        if found is None:
            return None
        begin, root = found
    end = len(data) if size is None else size
    if tail:
        end = _tail(data, begin, end, root)
        if end is None:
            return None
    if end > begin and data[end - 1 : end] != b"\n":
        return None
    return begin, end, root


@dataclass
class _Block:
    """What :meth:`RowScanner.scan` found in one block, for the column builders."""

    data: memoryview
    rows: int
    number: np.ndarray  # attribute -> name number
    row_of: np.ndarray  # attribute -> row in the block
    opens: np.ndarray  # attribute -> position of its opening quote
    closes: np.ndarray
    tabs: int
    searched: bool = False  # ``_which`` searched once (a second time sorts)
    order: np.ndarray | None = None  # attributes sorted by name number (stable)
    bounds: np.ndarray | None = None  # name number -> its run in ``order``
    entity: np.ndarray | None = None  # "&" -> spelling number
    amp_owner: np.ndarray | None = None  # "&" -> attribute
    entities: np.ndarray | None = None  # attribute -> holds an entity
    saved: np.ndarray | None = None  # attribute -> raw bytes minus decoded characters


class RowScanner:
    """Scan blocks of ``<row .../>`` lines into columns; keeps its tables across blocks.

    Parameters
    ----------
    fields, lengths, keep_if
        As in :func:`influence.sources.stackexchange.scan_rows`.
    texts : sequence of str
        Attributes returned whole, decoded (for scoring), as ``string`` arrays.

    Examples
    --------
    >>> scanner = RowScanner(["Id"], lengths=["Body"])
    >>> line = b'  <row Id="7" Body="caf\\xc3\\xa9 &amp; &#x1F600;" />\\r\\n'
    >>> block = scanner.scan(line + bytes(PAD), 0, len(line), 3)
    >>> block["Id"].to_pylist(), block["Body_length"].tolist(), block["_line"].tolist()
    (['7'], [8], [3])
    """

    def __init__(
        self,
        fields: Sequence[str],
        *,
        lengths: Sequence[str] = (),
        keep_if: Mapping[str, str] | None = None,
        texts: Sequence[str] = (),
    ) -> None:
        self.fields = list(fields)
        self.lengths = list(lengths)
        self.keep_if = dict(keep_if or {})
        self.texts = list(texts)
        self.names = _Table(3)
        self.entities = _Table(1, one_word=True)
        self.entity_text: list[str] = []
        self.stopped: str | None = None
        # per-byte scratch, reused by every block: fresh 2 MiB temporaries cost
        # page faults each time (about as much as the comparison itself)
        self._bytes = np.empty(0, dtype=np.uint8)
        self._numbers = np.arange(0, dtype=np.int64)
        # the likely spelling of an entity from its first two bytes, and per spelling
        # the bytes it covers with its ";" (mask, key) and its body's length; the
        # last element (index -1, no guess) matches no word
        self._guess = np.full(1 << 16, -1, dtype=np.int16)
        self._spelling_mask = np.zeros(_ENTITY_SLOTS + 1, dtype=np.uint64)
        self._spelling_key = np.ones(_ENTITY_SLOTS + 1, dtype=np.uint64)
        self._spelling_body = np.zeros(_ENTITY_SLOTS + 1, dtype=np.int64)
        for body in (*_NAMED, b"#xA", b"#xD", b"#x9"):
            self._entity(body)
        for name in (*self.fields, *self.lengths, *self.keep_if, *self.texts):
            if self.names.add(name.encode()) < 0:  # pragma: no cover - hash collision
                raise ValueError(f"attribute names must hash apart (got {name!r})")
        # name number -> place among the fields, -1 for the other names (up to 64)
        self._field_of = np.full(max(64, len(self.names.keys)), -1, dtype=np.int64)
        for position, name in enumerate(self.fields):
            self._field_of[self.names.find(name.encode())] = position

    def _stop(self, reason: str) -> None:
        """Give up on this input; ``reason`` is kept in ``stopped`` (benchmarks, tests)."""
        self.stopped = reason

    def _entity(self, body: bytes) -> int:
        text = _entity_text(body)
        if text is None:
            return -1
        number = self.entities.add(body)
        if number == len(self.entity_text):
            self.entity_text.append(text)
            if len(body) < 8:  # the word read after "&" holds the body and its ";"
                spelled = body + b";"
                self._spelling_mask[number] = _MASKS[len(spelled)]
                self._spelling_key[number] = _Table.split(spelled, 1)[0]
                self._spelling_body[number] = len(body)
                first = int.from_bytes(body[:2], "little")
                if self._guess[first] < 0:
                    self._guess[first] = number
        return number

    def _guess_spellings(self, word: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Spelling numbers and body lengths of entities from ``word`` (the 8 bytes after "&").

        Most entities are one of the few spellings seen before: each is guessed
        from its first two bytes and kept when the word starts with exactly that
        spelling and its ``;``. Returns the guesses and the places of those
        that missed, which :meth:`_spell` (the reference) reads byte by byte.
        """
        # np.take: fancy indexing by these arrays costs several times more
        entity = np.take(self._guess, word.astype(np.uint16)).astype(np.int64)
        body = np.take(self._spelling_body, entity)
        covered = word & np.take(self._spelling_mask, entity)
        missed = np.flatnonzero(covered != np.take(self._spelling_key, entity))
        return entity, body, missed

    def _spell(
        self, view: memoryview, amps: np.ndarray, word: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """Spelling numbers and body lengths of entities, read byte by byte from ``word``.

        ``word`` holds the 8 bytes after each "&" (at ``amps``).

        None (and ``stopped`` set) when one has no ``;`` within the 8 bytes, an
        empty body, or a body that is not an entity XML defines.
        """
        semi = word ^ _SEMIS
        flags = (semi - _ONES) & ~semi & _HIGHS  # 0x80 in each byte that is ";"
        if not flags.all():
            return self._stop("entity without ;")
        # the bytes before the first ";" (the body) are those below its flag bit
        below = ((flags & (~flags + np.uint64(1))) >> np.uint64(7)) - np.uint64(1)
        body = (np.bitwise_count(below) >> 3).astype(np.int64)
        if not body.all():
            return self._stop("empty entity")
        # no byte of a block is NUL (control bytes are checked before) and a body
        # reaching past the block would hold its final line end: so the word is
        # the body, and the table's one-word lookup is exact
        key = word & below
        entity = self.entities.lookup_word(key)
        unknown = np.flatnonzero(entity < 0)
        while len(unknown):
            at = int(amps[unknown[0]])
            if self._entity(bytes(view[at + 1 : at + 1 + int(body[unknown[0]])])) < 0:
                return self._stop("unknown entity")
            entity[unknown] = self.entities.lookup_word(key[unknown])
            unknown = unknown[entity[unknown] < 0]
        return entity, body

    def _scratch(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        """A byte array of ``size`` elements reused across blocks, and the same memory as flags.

        Each pass writes its flags over the bytes it compares (element by
        element, so in place is safe): one array instead of two keeps the
        passes' memory within the caches.
        """
        if len(self._bytes) < size:
            self._bytes = np.empty(size + (size >> 3), dtype=np.uint8)
        scratch = self._bytes[:size]
        return scratch, scratch.view(bool)

    def _counting(self, size: int) -> np.ndarray:
        """``np.arange(size)``, sliced from one kept across blocks."""
        if len(self._numbers) < size:
            self._numbers = np.arange(size + (size >> 3), dtype=np.int64)
        return self._numbers[:size]

    def _name(self, name: bytes) -> int:
        if _NAME.match(name) is None or len(self.names.keys) >= 64:
            return -1
        return self.names.add(name)

    def scan(
        self, buffer: bytes | bytearray, begin: int, end: int, first_line: int
    ) -> dict[str, object] | None:
        """Columns of the rows in ``buffer[begin:end]`` (whole lines, each one row), or None.

        ``buffer`` must hold :data:`PAD` bytes (any) after ``end``. String
        columns are ``pyarrow`` arrays (null where absent), lengths and
        ``_line`` int64 arrays; ``first_line`` is the line number of the first row.
        """
        size = end - begin
        if len(buffer) < end + PAD:
            raise ValueError(
                f"buffer must hold {PAD} bytes after the rows (got {len(buffer) - end})"
            )
        view = memoryview(buffer)[begin : end + PAD]
        raw = np.frombuffer(view, dtype=np.uint8, count=size)
        byte = np.frombuffer(view, dtype=np.uint8)
        wide = np.ndarray((size + PAD - 7,), dtype="<u8", buffer=view, strides=(1,))
        if not size or raw[-1] != 10:
            return self._stop("no final line end")
        # quotes and ampersands in one pass: (byte | 4) == 38 only for '"' and '&'
        scratch, flags = self._scratch(size)
        np.equal(np.bitwise_or(raw, 4, out=scratch), 38, out=flags)  # flags: over scratch
        marks = np.flatnonzero(flags)
        is_quote = np.take(raw, marks) == 34
        quotes = marks[is_quote]
        if not len(quotes) or len(quotes) % 2:
            return self._stop("quotes do not pair")
        opens, closes = quotes[0::2], quotes[1::2]
        after, after2 = np.take(byte[1:], closes), np.take(byte[2:], closes)
        ends_row = (after == 47) | ((after == 32) & (after2 == 47))
        if not ends_row[-1]:
            return self._stop("last row does not end")
        slash = closes + 1 + (after == 32)
        row_closes = slash[ends_row]
        has_cr = byte[row_closes + 2] == 13
        newlines = row_closes + 2 + has_cr
        rows = len(newlines)
        if newlines[-1] != size - 1:
            return self._stop("row ends at a line end")
        if not (
            (byte[row_closes + 1] == 62).all()
            & (byte[newlines] == 10).all()
            & ((after == 32) | ends_row).all()
        ):
            return self._stop("row end or attribute gap")
        # every control byte is a row's line end, or a tab inside a value, and the
        # only "<" are the rows' own. The common case (ASCII, neither) is one count
        line_ends = rows + int(has_cr.sum())
        odd = _count_odd(raw, scratch)
        ascii_only, tabs = True, 0
        if odd != line_ends + rows:  # count each kind on its own (below 32 or above 127)
            low = int(np.count_nonzero(np.less(raw.view(np.int8), 32, out=flags)))
            ascii_only = low == line_ends
            if not ascii_only:
                controls = int(np.count_nonzero(np.less(raw, 32, out=flags)))
                ascii_only = controls == low
                if controls != line_ends:
                    tabs = buffer.count(b"\t", begin, end)
                    if controls != line_ends + tabs:
                        return self._stop("control byte in a value")
            if not ascii_only:
                data = bytes(view[:size])
                try:
                    data.decode("utf-8")
                except UnicodeDecodeError:
                    return self._stop("invalid UTF-8")
                if b"\xef\xbf\xbe" in data or b"\xef\xbf\xbf" in data:  # U+FFFE, U+FFFF
                    return self._stop("U+FFFE or U+FFFF")
                del data
            if odd - low != rows:  # the "<" among the odd bytes
                return self._stop("< in a value")

        # the start of each row: indentation (as on the first line), then "<row "
        indent = buffer.find(b"<", begin, end) - begin
        if indent < 0 or bytes(view[:indent]).strip(b" ") or view[indent : indent + 5] != b"<row ":
            return self._stop("indentation or <row")
        line_starts = np.empty(rows, dtype=np.int64)
        line_starts[0] = 0
        line_starts[1:] = newlines[:-1] + 1
        prefix = b" " * indent + b"<row "
        prefix_words = _Table.split(prefix, 2)
        head = _words(wide, line_starts, len(prefix), 2)
        if len(prefix) > 16 or not all(
            (w == np.uint64(p)).all() for w, p in zip(head, prefix_words, strict=True)
        ):
            return self._stop("indentation or <row")

        first = np.empty(len(opens), dtype=bool)
        first[0] = True
        first[1:] = ends_row[:-1]
        row_of = np.cumsum(first)
        row_of -= 1
        row_firsts = np.flatnonzero(first)  # rows of them: the last attribute ends a row
        name_starts = np.empty(len(opens), dtype=np.int64)
        name_starts[1:] = closes[:-1] + 2  # after the previous value's quote and a space
        name_starts[row_firsts] = line_starts + len(prefix)
        name_lengths = opens - 1 - name_starts
        if not ((np.take(byte, opens - 1) == 61).all() and (name_lengths >= 1).all()):
            return self._stop("name followed by =")
        if (name_lengths > _MAX_NAME).any():
            return self._stop("name too long")
        # only as many words as the longest name needs: a key of the same length
        # has zeros beyond them, so the comparison stays exact
        longest = int(name_lengths.max())
        keys = _words(wide, name_starts, name_lengths, (longest + 7) // 8)
        number = self.names.lookup(keys, name_lengths)
        unknown = np.flatnonzero(number < 0)
        while len(unknown):
            position = int(unknown[0])
            start = int(name_starts[position])
            if self._name(bytes(view[start : start + int(name_lengths[position])])) < 0:
                return self._stop("unknown attribute name")
            number[unknown] = self.names.lookup([k[unknown] for k in keys], name_lengths[unknown])
            unknown = unknown[number[unknown] < 0]
        # an attribute twice in a row is not well-formed
        bits = np.left_shift(np.uint64(1), number.astype(np.uint64))
        seen = np.bitwise_or.reduceat(bits, row_firsts)
        if (np.bitwise_count(seen) != np.diff(np.append(row_firsts, len(opens)))).any():
            return self._stop("duplicate attribute")

        # entities: each "&" starts a known spelling ending with ";" within 8 bytes
        attributes = len(opens)
        amp_at = np.flatnonzero(~is_quote)  # "&" among the marks
        amps = np.take(marks, amp_at)
        entity = np.zeros(0, dtype=np.int64)
        amp_owner = np.zeros(0, dtype=np.int64)
        saved = np.zeros(attributes, dtype=np.int64)
        entities = np.zeros(attributes, dtype=bool)
        if len(amps):
            word = wide[1:][amps]  # the 8 bytes after each "&"
            entity, body, missed = self._guess_spellings(word)
            if len(missed):
                spelled = self._spell(view, amps[missed], word[missed])
                if spelled is None:
                    return None
                entity[missed], body[missed] = spelled
            # every "&" is inside a value (the bytes outside are checked above), so
            # the quotes before it (its place among the marks minus the "&" before
            # it) are 2 * attribute + 1
            amp_owner = np.subtract(amp_at, self._counting(len(amp_at)))
            amp_owner >>= 1
            entities[amp_owner] = True
            body += 1  # the "&" too
            np.add.at(saved, amp_owner, body)
        if not ascii_only:
            np.bitwise_and(raw, 0xC0, out=scratch)
            continuation = np.flatnonzero(np.equal(scratch, 0x80, out=flags))
            saved = saved + np.bincount(np.searchsorted(closes, continuation), minlength=attributes)

        block = _Block(view, rows, number, row_of, opens, closes, tabs)
        block.entity, block.amp_owner, block.entities, block.saved = (
            entity,
            amp_owner,
            entities,
            saved,
        )
        columns: dict[str, object] = self._fields(block)
        for name in self.lengths:
            columns[f"{name}_length"] = self._length(block, name)
        for name, needle in self.keep_if.items():
            columns[name] = self._kept(block, raw, name, needle)
        for name in self.texts:
            columns[TEXT_PREFIX + name] = self._strings(block, self._which(block, name))
        columns[LINE] = np.arange(first_line, first_line + rows, dtype=np.int64)
        return columns

    def _fields(self, block: _Block) -> dict[str, pa.Array]:
        """The ``fields``' values, cut out with one ``take`` for all of them."""
        rows, count = block.rows, len(self.fields)
        if not count:
            return {}
        # one pass over the attributes: field of each, its place in the taken values
        field = np.take(self._field_of, block.number)
        chosen = np.flatnonzero(field >= 0)
        index = np.zeros(rows * count, dtype=np.int64)  # 0: the empty piece (absent)
        index[np.take(field, chosen) * rows + np.take(block.row_of, chosen)] = 2 * chosen + 2
        values = self._take(block, index, index > 0)
        pieces = {
            name: values.slice(number * rows, rows) for number, name in enumerate(self.fields)
        }
        if block.tabs or np.take(block.entities, chosen).any():
            for name, piece in pieces.items():
                pieces[name] = self._decode(block, self._which(block, name), piece)
        return pieces

    @staticmethod
    def _take(block: _Block, index: np.ndarray, valid: np.ndarray) -> pa.Array:
        """Values ``index`` of ``pieces``: 0 empty, then gap, value 0, gap, value 1, ..."""
        attributes = len(block.opens)
        offsets = np.empty(2 * attributes + 2, dtype=np.int64)
        offsets[:2] = 0
        offsets[2::2] = block.opens + 1
        offsets[3::2] = block.closes
        pieces = pa.Array.from_buffers(
            pa.large_binary(),
            2 * attributes + 1,
            [None, pa.py_buffer(offsets), pa.py_buffer(block.data)],
        )
        taken = pc.take(pieces, index, boundscheck=False)  # index is ours: in range
        missing = len(valid) - int(np.count_nonzero(valid))
        if missing:
            bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
            taken = pa.Array.from_buffers(
                pa.large_binary(), len(valid), [bitmap, *taken.buffers()[1:]], missing
            )
        return taken.view(pa.large_string())

    def _which(self, block: _Block, name: str) -> np.ndarray:
        """The attributes (in file order) named ``name``."""
        if block.order is None and not block.searched:  # one search costs less than a sort
            block.searched = True
            return np.flatnonzero(block.number == self.names.find(name.encode()))
        if block.order is None:  # sorted once per block, when needed twice
            block.order = np.argsort(block.number.astype(np.int8), kind="stable")
            block.bounds = np.searchsorted(
                block.number[block.order], np.arange(len(self.names.keys) + 1)
            )
        number = self.names.find(name.encode())
        return block.order[block.bounds[number] : block.bounds[number + 1]]

    def _length(self, block: _Block, name: str) -> np.ndarray:
        """Decoded character counts of one attribute's values (0 where absent)."""
        which = self._which(block, name)
        out = np.zeros(block.rows, dtype=np.int64)
        out[block.row_of[which]] = block.closes[which] - block.opens[which] - 1 - block.saved[which]
        return out

    def _strings(self, block: _Block, which: np.ndarray) -> pa.Array:
        """The values of the attributes ``which``, decoded, one per row (null elsewhere)."""
        index = np.zeros(block.rows, dtype=np.int64)
        valid = np.zeros(block.rows, dtype=bool)
        index[block.row_of[which]] = 2 * which + 2
        valid[block.row_of[which]] = True
        return self._decode(block, which, self._take(block, index, valid))

    def _decode(self, block: _Block, which: np.ndarray, values: pa.Array) -> pa.Array:
        """Normalise tabs and decode the entities of the values of ``which``."""
        if block.tabs:
            values = pc.replace_substring(values, "\t", " ")
        inside = block.entities[which]
        if not inside.any():
            return values
        # which spellings occur in these values
        mine = np.zeros(len(block.opens), dtype=bool)
        mine[which] = True
        used = np.bincount(block.entity[mine[block.amp_owner]], minlength=len(self.entity_text))
        spellings = np.flatnonzero(used)
        ampersands = [s for s in spellings if self.entity_text[s] == "&"]
        if len(ampersands) > 1:  # replacing one by one could build a new entity: decode per value
            return self._decode_each(values, block.row_of[which[inside]])
        for s in [s for s in spellings if self.entity_text[s] != "&"] + ampersands:
            spelling = "&" + self.entities.keys[s].decode("ascii") + ";"
            values = pc.replace_substring(values, spelling, self.entity_text[s])
        return values

    def _kept(self, block: _Block, raw: np.ndarray, name: str, needle: str) -> pa.Array:
        """Values of ``name`` whose decoded text contains ``needle``; null for the others.

        Only candidates are decoded: values holding the needle's first byte, or
        an entity that stands for its first character (a superset of the rows
        that hold the needle once decoded).
        """
        which = self._which(block, name)
        lead = needle.encode()[:1]
        if not lead:
            return self._strings(block, which)
        candidate = np.zeros(len(block.opens), dtype=bool)
        _bytes, flags = self._scratch(len(raw))  # free again once the block is checked
        hits = np.flatnonzero(np.equal(raw, lead[0], out=flags))
        owner = np.searchsorted(block.closes, hits)
        inside = owner < len(block.opens)
        inside[inside] = block.opens[owner[inside]] < hits[inside]
        candidate[owner[inside]] = True
        spelled = np.array([needle[0] in text for text in self.entity_text], dtype=bool)
        if len(block.entity):
            candidate[block.amp_owner[spelled[block.entity]]] = True
        values = self._strings(block, which[candidate[which]])
        keep = pc.fill_null(pc.match_substring(values, needle), False)
        return pc.if_else(keep, values, pa.scalar(None, values.type))

    @staticmethod
    def _decode_each(values: pa.Array, rows: np.ndarray) -> pa.Array:
        out = values.to_pylist()
        for row in rows:
            out[row] = _decode_value(out[row])
        return pa.array(out, type=pa.large_string())


def join_columns(parts: Sequence[Mapping[str, object]]) -> dict[str, object]:
    """Join the columns of consecutive blocks: int64/float64 arrays, ``string`` arrays, ...

    Arrow string pieces become one Arrow-backed ``string`` array (copied into
    one buffer, so no block's memory stays referenced); pandas arrays are
    concatenated as they are.
    """
    columns: dict[str, object] = {}
    for name in parts[0]:
        pieces = [part[name] for part in parts]
        if isinstance(pieces[0], np.ndarray):
            columns[name] = np.concatenate(pieces)
        elif isinstance(pieces[0], pa.Array):
            large = pa.large_string()
            joined = pa.concat_arrays(
                [piece if piece.type == large else piece.cast(large) for piece in pieces]
            )
            columns[name] = pd.array(joined, dtype=STRING)
        else:
            columns[name] = pd.concat([pd.Series(piece) for piece in pieces]).array
    return columns


def empty_columns(scanner: RowScanner) -> dict[str, object]:
    """The columns of no rows, as :func:`join_columns` would give them."""
    columns: dict[str, object] = {}
    strings = pd.array([], dtype=STRING)
    for name in scanner.fields:
        columns[name] = strings
    for name in scanner.lengths:
        columns[f"{name}_length"] = np.zeros(0, dtype=np.int64)
    for name in scanner.keep_if:
        columns[name] = strings
    for name in scanner.texts:
        columns[TEXT_PREFIX + name] = strings
    columns[LINE] = np.zeros(0, dtype=np.int64)
    return columns


def scan_buffer(
    scanner: RowScanner, buffer: bytes | bytearray, begin: int, end: int, first_line: int
) -> list[dict[str, object]] | None:
    """Scan ``buffer[begin:end]`` (whole row lines) in blocks of about :data:`BLOCK_BYTES`.

    ``buffer`` must hold :data:`PAD` bytes after ``end``. Returns the blocks'
    columns, or None when the scanner gives up.
    """
    parts = []
    line = first_line
    while begin < end:
        cut = buffer.find(b"\n", min(begin + BLOCK_BYTES, end - 1), end) + 1
        cut = end if cut <= 0 else cut
        part = scanner.scan(buffer, begin, cut, line)
        if part is None:
            return None
        parts.append(part)
        line += len(part[LINE])
        begin = cut
    return parts


def _fill(stream: IO[bytes], view: memoryview) -> int:
    """Read into ``view`` until it is full or the stream ends; the bytes read."""
    done = 0
    readinto = getattr(stream, "readinto", None)
    while done < len(view):
        if readinto is not None:
            count = readinto(view[done:])
        else:  # pragma: no cover - streams without readinto
            more = stream.read(len(view) - done)
            view[done : done + len(more)] = more
            count = len(more)
        if not count:
            break
        done += count
    return done


def scan_rows_fast(
    stream: IO[bytes],
    fields: Sequence[str],
    *,
    lengths: Sequence[str] = (),
    keep_if: Mapping[str, str] | None = None,
    texts: Sequence[str] = (),
    chunk_bytes: int = 16 << 20,
    each: Callable[[dict[str, object]], dict[str, object]] | None = None,
) -> dict[str, object] | None:
    """The columns of a whole dump file, as ``scan_rows`` gives them (compact), or None.

    Parameters
    ----------
    stream : binary file
        Read in chunks of ``chunk_bytes`` cut at line ends (decompressed streams too).
    fields, lengths, keep_if
        As in :func:`influence.sources.stackexchange.scan_rows`.
    texts : sequence of str
        Attributes also returned whole and decoded.
    each : callable, optional
        Applied to the columns of every chunk (for example to score texts and
        drop them) before they are joined.

    Returns
    -------
    dict or None
        ``string`` arrays and int64 arrays; None when the file is not of the
        simple shape (read it with expat then). Nothing is read past the point
        of giving up, so the caller must reopen the file.

    Examples
    --------
    >>> import io
    >>> xml = b'<posts>\\n  <row Id="1" Body="&lt;p&gt;hi" />\\n  <row Id="2" />\\n</posts>'
    >>> columns = scan_rows_fast(io.BytesIO(xml), ["Id"], lengths=["Body"])
    >>> {name: values.tolist() for name, values in columns.items()}
    {'Id': ['1', '2'], 'Body_length': [5, 0], '_line': [2, 3]}

    A row without attributes is not of the simple shape (expat reads it):

    >>> scan_rows_fast(io.BytesIO(xml.replace(b'Id="2" ', b'')), ["Id"]) is None
    True
    """
    overlap = set(fields) & set(keep_if or {})
    if overlap:
        raise ValueError(f"keep_if must not repeat a field (got {sorted(overlap)})")
    scanner = RowScanner(fields, lengths=lengths, keep_if=keep_if, texts=texts)
    capacity = max(chunk_bytes, 1 << 16)
    buffer = bytearray(capacity + PAD)
    filled = _fill(stream, memoryview(buffer)[:capacity])
    found = _parse_head(bytes(buffer[: min(filled, 1 << 16)]))
    if found is None:
        return None
    start, root = found
    line = buffer.count(b"\n", 0, start) + 1
    parts: list[dict[str, object]] = []
    ended = filled < capacity
    spare = bytearray(capacity + PAD)
    while not ended:
        # hold back the last whole line: it may be the closing tag
        cut = buffer.rfind(b"\n", start, max(buffer.rfind(b"\n", start, filled), start)) + 1
        if cut > start:
            done = scan_buffer(scanner, buffer, start, cut, line)
            if done is None:
                return None
            for part in done:
                line += len(part[LINE])
                parts.append(each(part) if each else part)
            start = cut
        rest = filled - start
        if rest > capacity // 2:  # a very long line: make room
            capacity *= 2
        if len(spare) != capacity + PAD:
            spare = bytearray(capacity + PAD)
        spare[:rest] = buffer[start:filled]
        buffer, spare, start, filled = spare, buffer, 0, rest
        more = _fill(stream, memoryview(buffer)[filled:capacity])
        filled += more
        ended = filled < capacity
    rows_end = _tail(buffer, start, filled, root)
    if rows_end is None:
        return None
    done = scan_buffer(scanner, buffer, start, rows_end, line)
    if done is None:
        return None
    parts.extend(each(part) if each else part for part in done)
    if not parts:
        parts = [each(empty_columns(scanner)) if each else empty_columns(scanner)]
    return join_columns(parts)
