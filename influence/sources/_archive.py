"""Open archives (``.zip``, ``.7z``, ``.tar`` and compressed tars) safely for the readers.

Readers only ever see folders and files. When :func:`influence.read` is given
an archive, :func:`read_archive` extracts it member by member into a private
temporary folder (removed afterwards, also on error), hands the extracted
folder, or its single top-level folder, or its single data file, to the
reader, and puts the archive's name back into everything the reader says:

* errors read ``site.7z:Posts.xml:123: ...`` (the archive, then the member
  path inside it, then the line), never the temporary folder;
* ``read_stats`` sources become ``site.7z:Posts.xml``; derived sources such as
  ``(derived)`` are kept as they are;
* the Community's ``name`` is the archive's stem (``site`` for ``site.7z``,
  ``dump`` for ``dump.tar.gz``).

Archives come from the internet, so extraction trusts nothing in them:

* a member whose path is absolute, holds a ``..`` component or a drive letter,
  or resolves outside the target folder (zip slip) is refused;
* symbolic links, hard links, devices and FIFOs are refused; only regular files
  and folders are extracted, without their permissions or owners;
* bytes are counted as they are written, never trusting the sizes the headers
  declare (declared sizes are checked too, before anything is written): the
  total must stay within ``INFLUENCE_MAX_EXTRACT_BYTES`` (default 64 GiB), and a
  member (for ``.tar`` and ``.7z``, whose members share one compressed stream:
  the whole stream) that grows past 1 MiB may expand at most
  ``INFLUENCE_MAX_EXTRACT_RATIO`` (default 1000) times its compressed size, so
  a decompression bomb is stopped before it fills the disk;
* the number of members is limited by ``INFLUENCE_MAX_EXTRACT_MEMBERS``
  (default 1,000,000);
* encrypted members, corrupt and truncated archives give a
  :class:`~influence.errors.SourceError` naming the archive (and the member);
* an archive inside an archive is not opened (extract the outer one first).

The temporary folder is created by :mod:`tempfile`, so ``TMPDIR`` chooses
where a large dump is unpacked. macOS metadata (``__MACOSX/``, ``.DS_Store``)
is skipped.
"""

from __future__ import annotations

import errno
import io
import os
import re
import shutil
import stat
import tarfile
import tempfile
import warnings
import zipfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, TypeVar

from influence.community import Community, ReadStats
from influence.errors import SourceError

__all__ = [
    "ExtractLimits",
    "Extracted",
    "archive_kind",
    "archive_stem",
    "extract",
    "read_archive",
]

T = TypeVar("T")

#: Archive suffixes (lower case) and the kind of archive each names.
ARCHIVE_SUFFIXES: dict[str, str] = {
    ".zip": "zip",
    ".7z": "7z",
    ".tar": "tar",
    ".tar.gz": "tar",
    ".tgz": "tar",
    ".tar.bz2": "tar",
    ".tbz2": "tar",
    ".tbz": "tar",
    ".tar.xz": "tar",
    ".txz": "tar",
    ".tar.zst": "tar",
    ".tzst": "tar",
}
_COMPRESSED = (".gz", ".bz2", ".xz", ".lzma", ".zst")
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_7Z_MAGIC = b"7z\xbc\xaf\x27\x1c"
_JUNK_FOLDERS = frozenset({"__MACOSX"})
_JUNK_FILES = frozenset({".DS_Store", "Thumbs.db"})
CHUNK_BYTES = 1 << 20

ENV_BYTES = "INFLUENCE_MAX_EXTRACT_BYTES"
ENV_RATIO = "INFLUENCE_MAX_EXTRACT_RATIO"
ENV_MEMBERS = "INFLUENCE_MAX_EXTRACT_MEMBERS"
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


# --------------------------------------------------------------------------- limits


@dataclass(frozen=True)
class ExtractLimits:
    """How much an archive may unpack to.

    Parameters
    ----------
    max_bytes : int
        Total bytes written, all members together (default 64 GiB).
    max_ratio : float
        Largest ratio of uncompressed to compressed bytes (default 1000) ...
    ratio_floor : int
        ... checked once a member (or stream) has written more than this many
        bytes (default 1 MiB), so that tiny, very compressible files pass.
    max_members : int
        Most files and folders an archive may hold (default 1,000,000).

    Examples
    --------
    >>> ExtractLimits.from_environment({"INFLUENCE_MAX_EXTRACT_BYTES": "2G"}).max_bytes
    2147483648
    >>> ExtractLimits.from_environment({}).max_ratio
    1000.0
    """

    max_bytes: int = 64 << 30
    max_ratio: float = 1000.0
    ratio_floor: int = 1 << 20
    max_members: int = 1_000_000

    @classmethod
    def from_environment(
        cls, environ: Mapping[str, str] | None = None, *, archive: str | None = None
    ) -> ExtractLimits:
        """Read the limits from the environment; unset variables keep the defaults.

        ``INFLUENCE_MAX_EXTRACT_BYTES`` takes a byte count with an optional
        binary unit (``100000000000``, ``64G``, ``512MiB``);
        ``INFLUENCE_MAX_EXTRACT_RATIO`` and ``INFLUENCE_MAX_EXTRACT_MEMBERS`` a number.

        Raises
        ------
        SourceError
            When a variable is set to something that is not a positive number.
        """
        environ = os.environ if environ is None else environ
        default = cls()
        return cls(
            max_bytes=_env_number(environ, ENV_BYTES, default.max_bytes, archive, units=True),
            max_ratio=float(_env_number(environ, ENV_RATIO, default.max_ratio, archive)),
            max_members=int(_env_number(environ, ENV_MEMBERS, default.max_members, archive)),
        )


def _env_number(
    environ: Mapping[str, str], name: str, default, archive: str | None, *, units: bool = False
):
    text = environ.get(name, "").strip()
    if not text:
        return default
    pattern = r"(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?" if units else r"(\d+(?:\.\d+)?)()"
    match = re.fullmatch(pattern, text, flags=re.IGNORECASE)
    value = float(match.group(1)) * _UNITS[match.group(2).lower()] if match else 0.0
    if value <= 0:
        example = "a byte count such as 100000000000 or 100G" if units else "a positive number"
        raise SourceError(f"{name} must be {example} (got {text!r})", path=archive)
    return int(value) if units else value


class _Budget:
    """Counts what an extraction wrote and refuses, before writing, what passes a limit."""

    def __init__(self, archive: str, limits: ExtractLimits) -> None:
        self.archive = archive
        self.limits = limits
        self.members = 0
        self.written = 0

    def member(self, name: str) -> None:
        self.members += 1
        if self.members > self.limits.max_members:
            raise SourceError(
                f"archive must hold at most {self.limits.max_members} members (got more, "
                f"up to {name!r}); set {ENV_MEMBERS} to raise the limit",
                path=self.archive,
            )

    def declared(self, total: int, folder: Path) -> None:
        """Check the sizes the headers declare, before anything is written."""
        if total > self.limits.max_bytes:
            raise SourceError(
                f"archive must uncompress to at most {self.limits.max_bytes} bytes (got "
                f"{total} declared by its headers); set {ENV_BYTES} to raise the limit",
                path=self.archive,
            )
        free = shutil.disk_usage(folder).free
        if total > free:
            raise SourceError(
                f"archive must fit in the temporary folder once extracted (got {total} bytes "
                f"to write and {free} free in {folder.parent}); set TMPDIR to a folder with "
                "more room",
                path=self.archive,
            )

    def expect(self, name: str, size: int) -> None:
        """Refuse member ``name`` when ``size`` more bytes would pass the total limit."""
        if self.written + size > self.limits.max_bytes:
            raise SourceError(
                f"archive must uncompress to at most {self.limits.max_bytes} bytes (got more "
                f"than {self.limits.max_bytes} at member {name!r}); set {ENV_BYTES} to raise "
                "the limit",
                path=self.archive,
            )

    def take(self, name: str, size: int, expanded: int, compressed: int) -> None:
        """Check, then count, ``size`` more bytes of member ``name``, about to be written.

        ``expanded`` bytes, these included, came from ``compressed`` bytes of the
        archive: the member's (zip), or the whole stream's (tar, 7z).
        """
        self.expect(name, size)
        self.ratio(name, expanded, compressed)
        self.written += size

    def ratio(self, name: str, expanded: int, compressed: int) -> None:
        """Refuse ``expanded`` bytes (of a member, or of a whole stream) from ``compressed``."""
        limits = self.limits
        if expanded > limits.ratio_floor and expanded > limits.max_ratio * max(compressed, 1):
            raise SourceError(
                f"archive member must uncompress to at most {limits.max_ratio:g} times its "
                f"compressed size (got more for {name!r}, a likely decompression bomb); "
                f"set {ENV_RATIO} to raise the limit",
                path=self.archive,
            )


# --------------------------------------------------------------------------- detection


def archive_kind(path: str | Path) -> str | None:
    """Return ``"zip"``, ``"7z"`` or ``"tar"`` when ``path`` is such an archive, else None.

    The suffix decides (``.zip``, ``.7z``, ``.tar``, ``.tar.gz``, ``.tgz``,
    ``.tar.bz2``, ``.tar.xz``, ``.tar.zst``, ...); a file with another suffix is
    recognised by its first bytes (a ``.gz`` holding a tar is a tar). A plain
    compressed file (``Posts.xml.gz``) is not an archive. Never raises.

    Examples
    --------
    >>> import tempfile, pathlib, zipfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> with zipfile.ZipFile(folder / "export.bin", "w") as archive:
    ...     archive.writestr("posts.csv", "message_id\\n")
    >>> _ = (folder / "site.7z").write_bytes(b"")
    >>> _ = (folder / "posts.csv").write_text("message_id\\n")
    >>> [archive_kind(folder / n) for n in ("export.bin", "site.7z", "posts.csv", "missing")]
    ['zip', '7z', None, None]
    """
    path = Path(path)
    try:
        if not path.is_file():
            return None
        name = path.name.lower()
        for suffix, kind in ARCHIVE_SUFFIXES.items():
            if name.endswith(suffix):
                return kind
        with open(path, "rb") as handle:
            head = handle.read(512)
        if head.startswith(_ZIP_MAGIC):
            return "zip"
        if head.startswith(_7Z_MAGIC):
            return "7z"
        if _is_tar_header(head):
            return "tar"
        if name.endswith(_COMPRESSED):
            from influence.sources._common import open_binary

            with open_binary(path) as handle:
                if _is_tar_header(handle.read(512)):
                    return "tar"
    except Exception:  # a file we cannot read is simply not an archive
        return None
    return None


def _is_tar_header(head: bytes) -> bool:
    return len(head) >= 262 and head[257:262] == b"ustar"


def archive_stem(path: str | Path) -> str:
    """The archive's name without its archive suffix.

    Examples
    --------
    >>> archive_stem("dumps/conlang.meta.stackexchange.com.7z"), archive_stem("dump.tar.gz")
    ('conlang.meta.stackexchange.com', 'dump')
    """
    name = Path(path).name
    lowered = name.lower()
    for suffix in sorted(ARCHIVE_SUFFIXES, key=len, reverse=True):
        if lowered.endswith(suffix):
            return name[: -len(suffix)].strip() or "archive"
    return Path(name).stem or "archive"


# --------------------------------------------------------------------------- extraction


@dataclass(frozen=True)
class Extracted:
    """An extracted archive: where it lies and how to name what is inside.

    Attributes
    ----------
    archive : str
        The archive as the user named it (used in messages).
    root : Path
        The private folder the members were extracted into.
    path : Path
        What to read: ``root``, or its single top-level folder, or its single file.
    """

    archive: str
    root: Path
    path: Path

    def member(self, location: str) -> str:
        """Name a location inside the extraction as ``archive:member/path``.

        An absolute location is taken relative to :attr:`root`; a relative one
        (readers name files relative to the folder they read, e.g.
        ``Posts.xml``) relative to the folder of :attr:`path`. A location
        outside the extraction is returned unchanged.
        """
        where = Path(location)
        if not where.is_absolute():
            base = self.path if self.path.is_dir() else self.path.parent
            where = base / where
        try:
            inside = where.relative_to(self.root).as_posix()
        except ValueError:
            return location
        return self.archive if inside in ("", ".") else f"{self.archive}:{inside}"

    def relabel(self, text: str) -> str:
        """Replace the private folder in ``text`` by the archive's name."""
        root = str(self.root)
        return text.replace(root + os.sep, self.archive + ":").replace(root, self.archive)

    def relabel_error(self, err: SourceError) -> SourceError:
        """The same error, naming the archive member instead of the extracted file."""
        path = self.archive if err.path is None else self.member(str(err.path))
        reason = self.relabel(err.reason)
        try:
            return type(err)(reason, path=path, line=err.line)
        except TypeError:  # a subclass with another signature
            return SourceError(reason, path=path, line=err.line)

    def relabel_stats(self, stats: ReadStats) -> ReadStats:
        """A copy of ``stats`` whose sources name archive members."""
        out = ReadStats()
        for entry in stats.to_dict()["entries"]:
            source = entry["source"]
            if not source.startswith("("):
                source = self.member(source)
            out.record(
                source,
                entry["table"],
                read=entry["read"],
                kept=entry["kept"],
                dropped=entry["dropped"],
            )
        for text in stats.notes:
            out.note(self.relabel(text))
        return out

    def run(self, function: Callable[..., T], *args, **kwargs) -> T:
        """Call ``function``, relabelling its :class:`SourceError` and its warnings."""
        caught: list[warnings.WarningMessage] = []
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                return function(*args, **kwargs)
        except SourceError as err:
            raise self.relabel_error(err) from err
        finally:
            for warning in caught:
                warnings.warn(self.relabel(str(warning.message)), warning.category, stacklevel=4)


@contextmanager
def extract(path: str | Path, *, limits: ExtractLimits | None = None) -> Iterator[Extracted]:
    """Extract an archive into a private temporary folder, removed on exit.

    Parameters
    ----------
    path : str or Path
        A ``.zip``, ``.7z`` or (compressed) ``.tar`` archive.
    limits : ExtractLimits, optional
        Defaults to :meth:`ExtractLimits.from_environment`.

    Yields
    ------
    Extracted

    Raises
    ------
    SourceError
        For an unsafe member (path escaping the archive, link, device), a
        decompression bomb or an archive past the limits, an encrypted member,
        a corrupt or truncated archive, an empty one, or one whose only file is
        another archive. The message names the archive and, when known, the member.

    Examples
    --------
    >>> import tempfile, pathlib, zipfile
    >>> zipped = pathlib.Path(tempfile.mkdtemp()) / "export.zip"
    >>> with zipfile.ZipFile(zipped, "w") as archive:
    ...     archive.writestr("export/posts.csv", "message_id\\n")
    ...     archive.writestr("export/users.csv", "user_id\\n")
    >>> with extract(zipped) as inner:
    ...     sorted(p.name for p in inner.path.iterdir()), inner.member(str(inner.path))
    (['posts.csv', 'users.csv'], '...export.zip:export')
    """
    path = Path(path)
    archive = str(path)
    kind = archive_kind(path)
    if kind is None:
        raise SourceError("path must be a .zip, .7z or .tar archive (got no archive)", path=archive)
    if limits is None:
        limits = ExtractLimits.from_environment(archive=archive)
    with tempfile.TemporaryDirectory(prefix="influence-", ignore_cleanup_errors=True) as temp:
        root = Path(temp).resolve() / archive_stem(path)
        root.mkdir()
        budget = _Budget(archive, limits)
        _EXTRACTORS[kind](path, root, budget)
        yield Extracted(archive=archive, root=root, path=_entry_point(root, archive))


def read_archive(
    path: str | Path,
    read_inner: Callable[[Path], Community],
    *,
    limits: ExtractLimits | None = None,
) -> Community:
    """Extract ``path``, read it with ``read_inner`` and name the result after the archive.

    Parameters
    ----------
    path : str or Path
        The archive.
    read_inner : callable
        Reads the extracted folder or file (:func:`influence.read` with the
        caller's options).
    limits : ExtractLimits, optional
        Defaults to :meth:`ExtractLimits.from_environment`.

    Returns
    -------
    Community
        Named after the archive's stem, with ``read_stats`` sources naming members.

    Examples
    --------
    >>> import tempfile, pathlib, zipfile, influence
    >>> zipped = pathlib.Path(tempfile.mkdtemp()) / "export.zip"
    >>> with zipfile.ZipFile(zipped, "w") as archive:
    ...     archive.writestr("posts.csv", "message_id,author_id,created_at,parent_id\\n"
    ...                      "1,ann,1700000000,\\n2,bob,1700000060,1\\n")
    >>> community = read_archive(zipped, influence.read)
    >>> community.name, [e["source"] for e in community.read_stats.to_dict()["entries"]]
    ('export', ['...export.zip:posts.csv', '(derived)'])
    """
    with extract(path, limits=limits) as inner:
        community = inner.run(read_inner, inner.path)
        stats = inner.relabel_stats(community.read_stats)
    # The Community was just built for us and nobody else holds it: set the two
    # labels in place, as Community.__post_init__ does, rather than validate and
    # copy every table again with dataclasses.replace.
    object.__setattr__(community, "name", archive_stem(path))
    object.__setattr__(community, "read_stats", stats)
    return community


def _entry_point(root: Path, archive: str) -> Path:
    """The folder or file to read: the single top-level folder or file, else ``root``."""
    if not any(p.is_file() for p in root.rglob("*")):
        raise SourceError("archive must contain at least one file (got none)", path=archive)
    path = root
    while True:
        children = list(path.iterdir())
        if len(children) != 1:
            return path
        (child,) = children
        if child.is_dir():
            path = child
            continue
        if archive_kind(child) is not None:
            raise SourceError(
                "archive must not hold just another archive (got "
                f"{child.relative_to(root).as_posix()!r}); extract the outer one first",
                path=archive,
            )
        return child


def _target(root: Path, name: str, archive: str) -> Path | None:
    """Where member ``name`` goes under ``root``; None for junk or for the root itself.

    Raises
    ------
    SourceError
        When the name is absolute, has a ``..`` component or a drive, or
        otherwise resolves outside ``root``.
    """
    clean = name.replace("\\", "/")
    parts = [p for p in PurePosixPath(clean).parts if p not in ("", ".")]
    escapes = (
        clean.startswith("/")
        or "\x00" in clean
        or ".." in parts
        or (parts and re.match(r"[A-Za-z]:", parts[0]) is not None)
    )
    if escapes:
        raise SourceError(
            f"archive member must stay inside the archive (got {name!r})", path=archive
        )
    if not parts:
        return None
    if parts[0] in _JUNK_FOLDERS or parts[-1] in _JUNK_FILES:
        return None
    target = root.joinpath(*parts)
    if not target.resolve().is_relative_to(root):
        raise SourceError(
            f"archive member must stay inside the archive (got {name!r})", path=archive
        )
    return target


def _write(
    source: IO[bytes],
    target: Path,
    name: str,
    budget: _Budget,
    compressed: Callable[[], int],
    *,
    whole_stream: bool = False,
) -> None:
    """Copy ``source`` to ``target`` chunk by chunk, asking ``budget`` before each write.

    ``compressed()`` gives the compressed bytes behind the member (or, with
    ``whole_stream``, behind everything written so far) for the ratio check.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_file():  # a later copy of the same member replaces the former
        target.unlink()
    written = 0
    try:
        with open(target, "xb") as out:
            while chunk := source.read(CHUNK_BYTES):
                written += len(chunk)
                expanded = budget.written + len(chunk) if whole_stream else written
                budget.take(name, len(chunk), expanded, compressed())
                out.write(chunk)
    except OSError as err:
        if err.errno == errno.ENOSPC:
            raise SourceError(
                "archive must fit in the temporary folder once extracted (got no space left "
                f"while writing {name!r}); set TMPDIR to a folder with more room",
                path=budget.archive,
            ) from err
        raise


def _corrupt(kind: str, archive: str, err: BaseException, name: str | None) -> SourceError:
    where = "" if name is None else f" at member {name!r}"
    detail = str(err) or "no detail"
    return SourceError(
        f"archive must be a valid {kind} archive (got {type(err).__name__}{where}: {detail})",
        path=archive,
    )


def _guarded(kind: str):
    """Turn any third-party failure of an extractor into a SourceError naming the archive."""

    def wrap(function):
        def run(path: Path, root: Path, budget: _Budget) -> None:
            state: dict[str, str | None] = {"member": None}
            try:
                function(path, root, budget, state)
            except SourceError:
                raise
            except Exception as err:  # corrupt data raises many kinds of errors
                raise _corrupt(kind, budget.archive, err, state["member"]) from err

        return run

    return wrap


@_guarded("ZIP")
def _extract_zip(path: Path, root: Path, budget: _Budget, state: dict) -> None:
    archive = budget.archive
    size = path.stat().st_size
    with zipfile.ZipFile(path) as bundle:
        plan: list[tuple[zipfile.ZipInfo, Path]] = []
        declared = 0
        for info in bundle.infolist():
            target = _target(root, info.filename, archive)
            if target is None:
                continue
            budget.member(info.filename)
            mode = info.external_attr >> 16 if info.create_system == 3 else 0
            _check_type(mode, info.filename, archive)
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            if info.flag_bits & 0x1:
                raise SourceError(
                    f"archive member must not be encrypted (got {info.filename!r})", path=archive
                )
            declared += info.file_size
            plan.append((info, target))
        budget.declared(declared, root)
        for info, _ in plan:
            budget.ratio(info.filename, info.file_size, min(info.compress_size, size))
        for info, target in plan:
            state["member"] = info.filename
            packed = min(info.compress_size, size)
            with bundle.open(info) as source:
                _write(source, target, info.filename, budget, lambda p=packed: p)


def _check_type(mode: int, name: str, archive: str) -> None:
    """Refuse links and special files given a Unix ``st_mode`` (0: unknown, fine)."""
    kind = stat.S_IFMT(mode)
    if kind in (0, stat.S_IFREG, stat.S_IFDIR):
        return
    if kind == stat.S_IFLNK:
        raise SourceError(
            f"archive member must not be a symbolic link (got {name!r})", path=archive
        )
    raise SourceError(
        f"archive member must be a regular file or folder (got {name!r}, a special file)",
        path=archive,
    )


class _Counting(io.RawIOBase):
    """A read-only file that counts the bytes read from it."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.raw.read(len(buffer))
        buffer[: len(data)] = data
        self.count += len(data)
        return len(data)


@_guarded("tar")
def _extract_tar(path: Path, root: Path, budget: _Budget, state: dict) -> None:
    archive = budget.archive
    with open(path, "rb") as raw_file:
        raw = _Counting(raw_file)
        if path.name.lower().endswith((".zst", ".tzst")):
            import zstandard

            stream = zstandard.ZstdDecompressor(max_window_size=2**31).stream_reader(raw)
            bundle = tarfile.open(fileobj=stream, mode="r|")
        else:  # "r|*": streamed, gzip, bzip2 and xz detected from the first bytes
            bundle = tarfile.open(fileobj=raw, mode="r|*")
        with bundle:
            for member in bundle:
                state["member"] = member.name
                target = _target(root, member.name, archive)
                if target is None:
                    continue
                budget.member(member.name)
                if member.issym():
                    raise SourceError(
                        f"archive member must not be a symbolic link (got {member.name!r} -> "
                        f"{member.linkname!r})",
                        path=archive,
                    )
                if member.islnk():
                    raise SourceError(
                        f"archive member must not be a hard link (got {member.name!r} -> "
                        f"{member.linkname!r})",
                        path=archive,
                    )
                if member.isdir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                if not member.isreg():
                    raise SourceError(
                        f"archive member must be a regular file or folder (got "
                        f"{member.name!r}, a device or FIFO)",
                        path=archive,
                    )
                budget.expect(member.name, member.size)
                source = bundle.extractfile(member)
                _write(source, target, member.name, budget, lambda: raw.count, whole_stream=True)


@_guarded("7z")
def _extract_7z(path: Path, root: Path, budget: _Budget, state: dict) -> None:
    archive = budget.archive
    try:
        import py7zr
        from py7zr.io import Py7zIO, WriterFactory
    except ImportError as err:  # pragma: no cover - py7zr is a dependency
        raise SourceError(
            "reading .7z needs the 'py7zr' package (got it not installed); pip install py7zr",
            path=archive,
        ) from err
    size = path.stat().st_size

    class Writer(Py7zIO):
        """Writes one member to its checked target, counting every byte."""

        def __init__(self, name: str, target: Path) -> None:
            self.name = name
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.is_file():
                target.unlink()
            self.out = open(target, "xb")  # closed by close(), or below
            self.length = 0

        def write(self, data) -> int:
            state["member"] = self.name
            self.length += len(data)
            # members share one compressed stream: compare everything written to the archive
            budget.take(self.name, len(data), budget.written + len(data), size)
            return self.out.write(data)

        def read(self, size: int | None = None) -> bytes:
            return b""

        def seek(self, offset: int, whence: int = 0) -> int:
            return self.length

        def seekable(self) -> bool:
            return False

        def flush(self) -> None:
            self.out.flush()

        def size(self) -> int:
            return self.length

        def close(self) -> None:
            self.out.close()

    class Factory(WriterFactory):
        def __init__(self) -> None:
            self.writers: list[Writer] = []

        def create(self, filename: str) -> Py7zIO:
            target = _target(root, filename, archive)
            if target is None:  # never: only checked members are asked for
                raise SourceError(f"archive member must be wanted (got {filename!r})",
                                  path=archive)  # fmt: skip
            writer = Writer(filename, target)
            self.writers.append(writer)
            return writer

    # A file object (not a path) makes py7zr decompress in this thread, so the
    # errors our writer raises stop the extraction at once.
    with open(path, "rb") as raw, py7zr.SevenZipFile(raw, mode="r") as bundle:
        if bundle.needs_password():
            raise SourceError("archive must not be encrypted (got a password-protected 7z)",
                              path=archive)  # fmt: skip
        declared = 0
        wanted: list[str] = []
        for info in bundle.list():
            target = _target(root, info.filename, archive)
            if target is None:
                continue
            budget.member(info.filename)
            if info.is_symlink:
                raise SourceError(
                    f"archive member must not be a symbolic link (got {info.filename!r})",
                    path=archive,
                )
            if info.is_directory:
                target.mkdir(parents=True, exist_ok=True)
                continue
            if not info.is_file:
                raise SourceError(
                    f"archive member must be a regular file or folder (got {info.filename!r}, "
                    "a special file)",
                    path=archive,
                )
            declared += info.uncompressed or 0
            wanted.append(info.filename)
        budget.declared(declared, root)
        factory = Factory()
        try:
            if wanted:
                bundle.extract(targets=wanted, factory=factory)
        finally:
            for writer in factory.writers:
                writer.out.close()


_EXTRACTORS: dict[str, Callable[[Path, Path, _Budget], None]] = {
    "zip": _extract_zip,
    "tar": _extract_tar,
    "7z": _extract_7z,
}
