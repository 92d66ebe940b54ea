"""The class's own drawings, in a real database through SQLAlchemy.

By default an embedded SQLite file ``class.sqlite`` in the data folder (``$DIGITCORE_DATA_DIR``,
default ``data/``); any SQLAlchemy URL in ``$DIGITCORE_DB_URL`` instead, so several app servers
can share one PostgreSQL. Each row holds the model's 28x28 input, a small PNG of the original
drawing or photo, the label, the model's answer and confidence, the model's name, the source
(challenge, correction, import) and the time. No names, no addresses.

SQLite runs in WAL mode with a busy timeout, and every write takes the write lock up front
(``BEGIN IMMEDIATE``), so thirty students saving at once queue for a few milliseconds instead of
failing with "database is locked". The schema is versioned in a ``schema_version`` table;
:data:`MIGRATIONS` brings an older database up to :data:`SCHEMA_VERSION` in one transaction.

Every problem reaches the caller as a :class:`ClassStoreError` with a sentence for the user;
each write is one transaction, so a failure leaves nothing half-written.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from .paths import data_dir

__all__ = [
    "ClassStore",
    "ClassStoreError",
    "StoredDrawing",
    "NewDrawing",
    "open_store",
    "default_url",
    "DB_URL_ENV",
    "SCHEMA_VERSION",
    "SOURCES",
    "MAX_IMPORT_ROWS",
    "MAX_IMPORT_BYTES",
    "thumbnail_png",
    "load_npz_digits",
    "check_label",
    "npz_bytes",
]

DB_URL_ENV = "DIGITCORE_DB_URL"
DB_FILE_NAME = "class.sqlite"
SCHEMA_VERSION = 1
SOURCES = ("challenge", "correction", "import")
#: An import bigger than this is refused before anything is read into memory or stored.
MAX_IMPORT_ROWS = 100_000
MAX_IMPORT_BYTES = 200 * 2**20
#: Longer side of the stored PNG of the original drawing or photo.
THUMB_SIDE = 96
#: How long a SQLite writer waits for another writer before giving up (milliseconds).
BUSY_TIMEOUT_MS = 30_000
MAX_MODEL_NAME = 200


class ClassStoreError(Exception):
    """The class store can't do what was asked; ``str(exc)`` is a sentence for the user."""


@dataclass
class NewDrawing:
    """One drawing to store. ``digit28`` is the model's input (28x28, uint8 0-255 or float 0-1)."""

    digit28: np.ndarray
    label: int
    source: str
    predicted: int | None = None
    confidence: float | None = None
    model: str = ""
    png: bytes | None = None


@dataclass
class StoredDrawing:
    """One stored row; ``digit28`` is uint8 (28, 28)."""

    id: int
    label: int
    predicted: int | None
    confidence: float | None
    model: str
    source: str
    created: datetime
    digit28: np.ndarray = field(repr=False)
    png: bytes | None = field(repr=False)

    @property
    def correct(self) -> bool | None:
        """Whether the model was right when the drawing was saved (None when it gave no answer)."""
        return None if self.predicted is None else self.predicted == self.label


# ----------------------------------------------------------------------------- helpers


def default_url() -> str:
    """``$DIGITCORE_DB_URL``, else a SQLite file ``class.sqlite`` in the data folder."""
    env = os.environ.get(DB_URL_ENV, "").strip()
    if env:
        return env
    return f"sqlite:///{data_dir() / DB_FILE_NAME}"


def _as_uint8_28(digit28: Any) -> np.ndarray:
    a = np.asarray(digit28)
    if a.shape != (28, 28):
        raise ClassStoreError(f"A drawing must be 28 x 28 pixels; this one is {' x '.join(map(str, a.shape))}.")
    if a.dtype == np.uint8:
        return np.ascontiguousarray(a)
    if not np.issubdtype(a.dtype, np.number) or a.dtype == np.bool_:
        raise ClassStoreError("A drawing must be numbers (grey levels).")
    a = a.astype(np.float64)
    if not np.isfinite(a).all():
        raise ClassStoreError("A drawing contains values that are not numbers.")
    if a.max(initial=0.0) <= 1.0 and a.min(initial=0.0) >= 0.0:
        a = a * 255.0  # float 0..1, as the preprocessing gives it
    if a.min(initial=0.0) < 0 or a.max(initial=0.0) > 255:
        raise ClassStoreError("A drawing's grey levels must be from 0 to 255 (or 0 to 1).")
    return np.round(a).astype(np.uint8)


def check_label(label: Any) -> int:
    """``label`` as an int 0-9, or a ClassStoreError saying why not."""
    if isinstance(label, (bool, np.bool_)):
        raise ClassStoreError(f"The label must be a digit from 0 to 9, got {label!r}.")
    if isinstance(label, str):
        text = label.strip()
        if not (len(text) == 1 and text.isdigit()):
            raise ClassStoreError(f"The label must be a digit from 0 to 9, got {label!r}.")
        return int(text)
    if isinstance(label, (int, np.integer)) and 0 <= int(label) <= 9:
        return int(label)
    raise ClassStoreError(f"The label must be a digit from 0 to 9, got {label!r}.")


def thumbnail_png(image: Any, side: int = THUMB_SIDE) -> bytes:
    """A small PNG (longer side ``side``) of an image array (grey, RGB or RGBA; RGBA onto black)."""
    from PIL import Image

    a = np.asarray(image)
    if a.dtype != np.uint8:
        a = np.clip(a.astype(np.float64) * (255.0 if a.max(initial=0) <= 1.0 else 1.0), 0, 255).astype(np.uint8)
    import cv2

    if a.ndim == 3 and a.shape[2] == 4:
        # The canvas draws white ink on transparent-over-black: flatten onto black (premultiplied alpha).
        a = cv2.cvtColor(a, cv2.COLOR_RGBA2mRGBA)[..., :3]
    h, w = a.shape[:2]
    f = side / max(h, w)
    if f < 1:  # area averaging, as PIL's thumbnail does, at a fraction of the time
        a = cv2.resize(a, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA)
    img = Image.fromarray(np.ascontiguousarray(a))
    buf = io.BytesIO()
    img.save(buf, format="PNG")  # optimize=True: ~10x the time (on the server) for a few % smaller
    return buf.getvalue()


def _check_new(d: NewDrawing) -> dict[str, Any]:
    label = check_label(d.label)
    if d.source not in SOURCES:
        raise ClassStoreError(f"Unknown source {d.source!r}; one of {', '.join(SOURCES)}.")
    predicted = None if d.predicted is None else int(d.predicted)
    if predicted is not None and not 0 <= predicted <= 10:  # 10: the "not a digit" output of an 11-way model
        raise ClassStoreError(f"The model's answer must be a digit, got {d.predicted!r}.")
    confidence = None if d.confidence is None else float(d.confidence)
    if confidence is not None and not (0.0 <= confidence <= 1.0):
        raise ClassStoreError(f"The confidence must be from 0 to 1, got {d.confidence!r}.")
    return {
        "label": label,
        "predicted": predicted,
        "confidence": confidence,
        "model": str(d.model or "")[:MAX_MODEL_NAME],
        "source": d.source,
        "created": datetime.now(timezone.utc),
        "digit28": _as_uint8_28(d.digit28).tobytes(),
        "png": d.png,
    }


def load_npz_digits(source: str | Path | bytes, *, name: str | None = None, max_bytes: int = MAX_IMPORT_BYTES,
                    max_rows: int = MAX_IMPORT_ROWS) -> tuple[np.ndarray, np.ndarray]:
    """``x`` (N,28,28) uint8 and ``y`` (N,) 0-9 from an .npz in MNIST layout (a path, or its bytes), checked.

    Accepts the arrays ``x``/``y`` (as ``class export`` writes) or ``x_train``/``y_train``.
    Pickled objects are never loaded; oversized files are refused before they are read; every
    problem is a ClassStoreError naming the file (``name``, default the path's name).
    """
    if isinstance(source, (bytes, bytearray)):
        label = name or "the upload"
        size = len(source)
        opened: Any = io.BytesIO(bytes(source))
    else:
        path = Path(source)
        label = name or path.name
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise ClassStoreError(f"Can't read {label}: {exc.strerror or exc}.") from None
        opened = path
    if size > max_bytes:
        raise ClassStoreError(f"{label} is {size / 2**20:.1f} MB; an import may be at most "
                              f"{max_bytes / 2**20:.1f} MB.")
    return _read_npz(opened, label, max_rows)


def _read_npz(path: Any, label: str, max_rows: int) -> tuple[np.ndarray, np.ndarray]:
    if not zipfile.is_zipfile(path):
        raise ClassStoreError(f"{label} is not a readable .npz file (an .npz is a zip archive of arrays).")
    if hasattr(path, "seek"):
        path.seek(0)  # is_zipfile moved it; np.load reads from the current position
    try:
        with np.load(path, allow_pickle=False) as npz:
            names = set(npz.files)
            xk, yk = ("x", "y") if {"x", "y"} <= names else ("x_train", "y_train")
            if not {xk, yk} <= names:
                raise ClassStoreError(f"{label} needs arrays 'x' and 'y' (MNIST layout); it has "
                                      f"{', '.join(sorted(names)) or 'none'}.")
            _check_header(path, xk, max_rows, label)  # before loading: a small file may unpack to gigabytes
            x, y = npz[xk], npz[yk]
    except ClassStoreError:
        raise
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            raise ClassStoreError(f"{label} contains pickled Python objects, which are never loaded "
                                  "(they could run code). Save plain number arrays.") from None
        raise ClassStoreError(f"{label} is not a readable .npz file ({exc}).") from None
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        raise ClassStoreError(f"{label} is not a readable .npz file ({exc}).") from None
    if x.ndim != 3 or x.shape[1:] != (28, 28):
        raise ClassStoreError(f"'{xk}' must have shape (N, 28, 28); it has {x.shape}.")
    if y.shape != (len(x),):
        raise ClassStoreError(f"'{yk}' must have shape ({len(x)},), one label per image; it has {y.shape}.")
    if len(x) > max_rows:
        raise ClassStoreError(f"{label} has {len(x):,} drawings; an import may have at most {max_rows:,}.")
    if not np.issubdtype(x.dtype, np.number) or not np.issubdtype(y.dtype, np.integer):
        raise ClassStoreError(f"'{xk}' must hold numbers and '{yk}' whole numbers.")
    if len(y) and (y.min() < 0 or y.max() > 9):
        raise ClassStoreError(f"Every label in '{yk}' must be a digit from 0 to 9 (found {int(y.min())} to "
                              f"{int(y.max())}).")
    if x.dtype != np.uint8:
        xf = x.astype(np.float64)
        if not np.isfinite(xf).all() or (len(xf) and (xf.min() < 0 or xf.max() > 255)):
            raise ClassStoreError(f"'{xk}' must hold grey levels from 0 to 255 (or 0 to 1).")
        x = np.round(xf * (255.0 if len(xf) and xf.max() <= 1.0 else 1.0)).astype(np.uint8)
    return np.ascontiguousarray(x), y.astype(np.int64)


def _check_header(path: Any, name: str, max_rows: int, label: str) -> None:
    """Refuse an image array whose header promises the wrong shape or too many rows, without reading it."""
    if hasattr(path, "seek"):
        path.seek(0)
    try:
        with zipfile.ZipFile(path) as zf, zf.open(f"{name}.npy") as fh:
            version = np.lib.format.read_magic(fh)
            read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            shape, _, dtype = read(fh)
    except (KeyError, ValueError, OSError, zipfile.BadZipFile) as exc:
        raise ClassStoreError(f"{label} is not a readable .npz file ({exc}).") from None
    if dtype.hasobject:
        raise ClassStoreError(f"{label} contains pickled Python objects, which are never loaded "
                              "(they could run code). Save plain number arrays.")
    if len(shape) != 3 or tuple(shape[1:]) != (28, 28):
        raise ClassStoreError(f"'{name}' must have shape (N, 28, 28); it has {tuple(shape)}.")
    if shape[0] > max_rows:
        raise ClassStoreError(f"{label} has {shape[0]:,} drawings; an import may have at most {max_rows:,}.")
    if hasattr(path, "seek"):
        path.seek(0)


# ----------------------------------------------------------------------------- schema


def _tables(metadata):
    from sqlalchemy import (
        CheckConstraint,
        Column,
        DateTime,
        Float,
        Integer,
        LargeBinary,
        SmallInteger,
        String,
        Table,
    )

    version = Table("schema_version", metadata, Column("version", Integer, nullable=False))
    drawings = Table(
        "drawings",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("created", DateTime(timezone=True), nullable=False),
        Column("label", SmallInteger, nullable=False),
        Column("predicted", SmallInteger, nullable=True),
        Column("confidence", Float, nullable=True),
        Column("model", String(MAX_MODEL_NAME), nullable=False, default=""),
        Column("source", String(20), nullable=False),
        Column("digit28", LargeBinary, nullable=False),
        Column("png", LargeBinary, nullable=True),
        CheckConstraint("label >= 0 AND label <= 9", name="label_is_digit"),
    )
    return version, drawings


def _migrate_to_1(conn, tables) -> None:
    """Version 1: the drawings table and its label index."""
    from sqlalchemy import Index

    _, drawings = tables
    drawings.create(conn, checkfirst=True)
    Index("ix_drawings_label", drawings.c.label).create(conn, checkfirst=True)


#: version -> the step that brings a database from version-1 to it. Add new versions here.
MIGRATIONS: dict[int, Callable[[Any, Any], None]] = {1: _migrate_to_1}


# ----------------------------------------------------------------------------- errors


def _describe(exc: BaseException, url_text: str) -> str:
    """A sentence for the user about a database error."""
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    low = text.lower()
    where = url_text
    if "not a database" in low or "malformed" in low or "file is encrypted" in low:
        return f"The class database {where} is damaged ({text}). Move it aside; a new one is made on the next start."
    if "readonly" in low or "read-only" in low:
        return f"The class database {where} is read-only ({text}); drawings can't be saved."
    if "unable to open" in low:
        return f"The class database {where} can't be opened ({text}): check the folder exists and may be written."
    if "locked" in low or "busy" in low:
        return f"The class database {where} is busy ({text}); try again in a moment."
    if "disk" in low and ("full" in low or "i/o" in low):
        return f"The class database {where} can't be written ({text})."
    if "connection" in low or "connect" in low or "could not translate host" in low or "timeout" in low:
        return f"The class database server {where} can't be reached ({text})."
    return f"The class database {where} failed: {text}"


# ----------------------------------------------------------------------------- store


class ClassStore:
    """The class's drawings in one database (see the module docstring). Thread-safe; share one per process."""

    def __init__(self, url: str | None = None, *, connect_timeout_s: float = 5.0) -> None:
        from sqlalchemy import MetaData, create_engine, event
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError, SQLAlchemyError

        self.url = url or default_url()
        try:
            parsed = make_url(self.url)
        except ArgumentError:
            raise ClassStoreError(f"{self.url!r} is not a database URL (e.g. sqlite:///class.sqlite or "
                                  "postgresql+psycopg://user@host/db).") from None
        self.dialect = parsed.get_backend_name()
        self.where = self._where(parsed)
        kwargs: dict[str, Any] = {"future": True}
        if self.dialect == "sqlite":
            db = parsed.database or ""
            if db and db != ":memory:" and not db.startswith("file:"):
                try:
                    Path(db).expanduser().parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise ClassStoreError(f"The class database folder {Path(db).parent} can't be made "
                                          f"({exc.strerror or exc}).") from None
            kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
        elif self.dialect == "postgresql":
            kwargs["connect_args"] = {"connect_timeout": max(1, int(connect_timeout_s))}
            kwargs["pool_pre_ping"] = True
        try:
            self.engine = create_engine(parsed, **kwargs)
        except (ArgumentError, ImportError, SQLAlchemyError) as exc:
            raise ClassStoreError(f"Can't use the class database {self.where}: {exc}") from None
        if self.dialect == "sqlite":
            self._sqlite_events(event)
        self.metadata = MetaData()
        self.tables = _tables(self.metadata)
        self.version_table, self.drawings = self.tables
        self.migrate()

    @staticmethod
    def _where(parsed) -> str:
        if parsed.get_backend_name() == "sqlite":
            return str(parsed.database or ":memory:")
        return parsed.render_as_string(hide_password=True)

    def _sqlite_events(self, event) -> None:
        @event.listens_for(self.engine, "connect")
        def _on_connect(dbapi_conn, _record):
            # SQLAlchemy, not the sqlite3 module, decides where transactions begin (see _on_begin).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            try:
                cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                mode = cur.execute("PRAGMA journal_mode = WAL").fetchone()
                # WAL needs a writable folder; a read-only file stays in its old mode and only reads work.
                if mode and str(mode[0]).lower() == "wal":
                    cur.execute("PRAGMA synchronous = NORMAL")  # safe with WAL: a crash loses no commit
            finally:
                cur.close()

        @event.listens_for(self.engine, "begin")
        def _on_begin(conn):
            # Writers take the lock at BEGIN, so they wait (busy_timeout) instead of failing half-way.
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")

    # ------------------------------------------------------------------ transactions

    @contextmanager
    def _tx(self, write: bool) -> Iterator[Any]:
        from sqlalchemy.exc import SQLAlchemyError

        try:
            with self.engine.connect() as conn:
                conn = conn.execution_options(write=write)
                with conn.begin():
                    yield conn
        except ClassStoreError:
            raise
        except (SQLAlchemyError, OSError) as exc:
            raise ClassStoreError(_describe(exc, self.where)) from exc

    def _recorded_version(self) -> int | None:
        from sqlalchemy import func, inspect, select

        with self._tx(write=False) as conn:
            if not inspect(conn).has_table("schema_version"):
                return None
            value = conn.execute(select(func.max(self.version_table.c.version))).scalar()
            return None if value is None else int(value)

    def migrate(self) -> int:
        """Create or upgrade the schema to :data:`SCHEMA_VERSION` (one transaction); returns the version.

        An up-to-date database is only read, so a read-only one still opens (and refuses writes).
        """
        from sqlalchemy import func, insert, select, text, update

        current = self._recorded_version()
        if current == SCHEMA_VERSION:
            return current
        if current is not None and current > SCHEMA_VERSION:
            raise ClassStoreError(f"The class database {self.where} was made by a newer version of this app "
                                  f"(schema {current}, this app knows up to {SCHEMA_VERSION}).")
        with self._tx(write=True) as conn:
            if self.dialect == "postgresql":
                # Several servers starting at once: one migrates, the others wait and then see it done.
                conn.execute(text("SELECT pg_advisory_xact_lock(1414)"))
            self.version_table.create(conn, checkfirst=True)
            current = conn.execute(select(func.max(self.version_table.c.version))).scalar()
            if current is None:
                current = 0
                conn.execute(insert(self.version_table).values(version=0))
            if current > SCHEMA_VERSION:
                raise ClassStoreError(f"The class database {self.where} was made by a newer version of this app "
                                      f"(schema {current}, this app knows up to {SCHEMA_VERSION}).")
            for version in range(current + 1, SCHEMA_VERSION + 1):
                MIGRATIONS[version](conn, self.tables)
            if current != SCHEMA_VERSION:
                conn.execute(update(self.version_table).values(version=SCHEMA_VERSION))
        return SCHEMA_VERSION

    def schema_version(self) -> int:
        """The version recorded in the database."""
        from sqlalchemy import func, select

        with self._tx(write=False) as conn:
            return int(conn.execute(select(func.max(self.version_table.c.version))).scalar() or 0)

    # ------------------------------------------------------------------ writing

    def add(self, drawing: NewDrawing) -> int:
        """Store one drawing; returns its id. Bad input raises ClassStoreError and stores nothing."""
        return self.add_many([drawing])[0]

    def add_many(self, drawings: Sequence[NewDrawing]) -> list[int]:
        """Store all drawings in one transaction (all or none); returns their ids in order."""
        from sqlalchemy import insert

        rows = [_check_new(d) for d in drawings]  # every row checked before anything is written
        if not rows:
            return []
        stmt = insert(self.drawings).returning(self.drawings.c.id, sort_by_parameter_order=True)
        with self._tx(write=True) as conn:
            # executemany with RETURNING: batched inserts, ids in the order given.
            return [int(i) for i in conn.execute(stmt, rows).scalars()]

    def import_arrays(self, x: np.ndarray, y: np.ndarray, *, model: str = "") -> int:
        """Store (N,28,28) images with labels as source "import" (one transaction); returns how many."""
        if len(x) > MAX_IMPORT_ROWS:
            raise ClassStoreError(f"{len(x):,} drawings; an import may have at most {MAX_IMPORT_ROWS:,}.")
        new = [NewDrawing(digit28=x[i], label=int(y[i]), source="import", model=model,
                          png=thumbnail_png(x[i], 28)) for i in range(len(x))]
        return len(self.add_many(new))

    def import_npz(self, path: str | Path) -> int:
        """Import an .npz in MNIST layout (see :func:`load_npz_digits`); returns how many drawings were added."""
        x, y = load_npz_digits(path)
        return self.import_arrays(x, y)

    def delete(self, drawing_id: int) -> bool:
        """Delete one drawing; False when there was no such id."""
        from sqlalchemy import delete

        with self._tx(write=True) as conn:
            return conn.execute(delete(self.drawings).where(self.drawings.c.id == int(drawing_id))).rowcount > 0

    def clear(self) -> int:
        """Delete every drawing; returns how many there were."""
        from sqlalchemy import delete

        with self._tx(write=True) as conn:
            return int(conn.execute(delete(self.drawings)).rowcount or 0)

    # ------------------------------------------------------------------ reading

    def count(self) -> int:
        """How many drawings are stored."""
        from sqlalchemy import func, select

        with self._tx(write=False) as conn:
            return int(conn.execute(select(func.count()).select_from(self.drawings)).scalar() or 0)

    def per_digit(self) -> dict[int, int]:
        """Drawings per label, every digit 0-9 present (0 when none)."""
        from sqlalchemy import func, select

        counts = dict.fromkeys(range(10), 0)
        with self._tx(write=False) as conn:
            for label, n in conn.execute(select(self.drawings.c.label, func.count()).group_by(self.drawings.c.label)):
                counts[int(label)] = int(n)
        return counts

    def list(self, digit: int | None = None, *, limit: int | None = None, offset: int = 0,
             newest_first: bool = True, with_images: bool = True) -> list[StoredDrawing]:
        """Stored drawings (optionally of one label), newest first by default."""
        from sqlalchemy import select

        d = self.drawings
        cols = [d.c.id, d.c.label, d.c.predicted, d.c.confidence, d.c.model, d.c.source, d.c.created, d.c.digit28]
        if with_images:
            cols.append(d.c.png)
        q = select(*cols).order_by(d.c.id.desc() if newest_first else d.c.id.asc())
        if digit is not None:
            q = q.where(d.c.label == check_label(digit))
        if limit is not None:
            q = q.limit(int(limit))
        if offset:
            q = q.offset(int(offset))
        with self._tx(write=False) as conn:
            rows = conn.execute(q).all()
        out = []
        for r in rows:
            created = r.created if r.created.tzinfo else r.created.replace(tzinfo=timezone.utc)
            out.append(StoredDrawing(
                id=int(r.id), label=int(r.label), predicted=None if r.predicted is None else int(r.predicted),
                confidence=None if r.confidence is None else float(r.confidence), model=r.model, source=r.source,
                created=created, digit28=np.frombuffer(r.digit28, np.uint8).reshape(28, 28).copy(),
                png=r.png if with_images else None,
            ))
        return out

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``ids`` (N,), ``x`` (N,28,28) uint8 and ``y`` (N,) of every drawing, oldest first."""
        from sqlalchemy import select

        d = self.drawings
        with self._tx(write=False) as conn:
            rows = conn.execute(select(d.c.id, d.c.digit28, d.c.label).order_by(d.c.id.asc())).all()
        ids = np.array([r.id for r in rows], dtype=np.int64)
        x = (np.stack([np.frombuffer(r.digit28, np.uint8).reshape(28, 28) for r in rows])
             if rows else np.zeros((0, 28, 28), np.uint8))
        y = np.array([r.label for r in rows], dtype=np.int64)
        return ids, x, y

    def export_npz(self, path: str | Path) -> int:
        """Write every drawing as ``x`` (N,28,28) uint8 and ``y`` (N,) to an .npz, atomically; returns N."""
        from .atomic import atomic_write_with

        _, x, y = self.arrays()
        try:
            atomic_write_with(path, lambda tmp: _savez(tmp, x, y))
        except OSError as exc:
            raise ClassStoreError(f"Can't write {Path(path).name}: {exc.strerror or exc}.") from None
        return int(len(x))

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def _savez(tmp: Path, x: np.ndarray, y: np.ndarray) -> None:
    with open(tmp, "wb") as fh:  # a file object, so numpy doesn't append ".npz" to the temporary name
        np.savez_compressed(fh, x=x, y=y.astype(np.uint8))


def npz_bytes(x: np.ndarray, y: np.ndarray) -> bytes:
    """``x`` and ``y`` as the bytes of an .npz in MNIST layout (what ``export_npz`` writes), for a download."""
    buf = io.BytesIO()
    np.savez_compressed(buf, x=np.asarray(x, np.uint8), y=np.asarray(y).astype(np.uint8))
    return buf.getvalue()


def open_store(url: str | None = None) -> ClassStore:
    """A :class:`ClassStore` for ``url`` (default: :func:`default_url`), schema created or upgraded."""
    return ClassStore(url)
