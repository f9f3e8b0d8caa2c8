"""Core statements compiled once per dialect and run straight on the driver's cursor.

For the paths where the same few statements run for every message (intake, replies, the live
chat's checks and claim): SQLAlchemy's own execution (cache key, execution context, result
object, events) costs several times what the driver does for a one-row statement. A ``Prepared``
statement is an ordinary Core statement; SQLAlchemy compiles it (once per dialect) and supplies
the type conversions (dates, JSON) for its parameters and result columns, and each run is one
``cursor.execute``. Driver errors come out as SQLAlchemy's exceptions (``IntegrityError``,
``OperationalError``), as they would from ``Connection.execute``. ``read_connection`` and
``write_connection`` give the connection to run them on.

Rules for statements given here: every value is a named ``bindparam`` or a constant (no
expanding ``IN``: write constants with ``literal_column``), and an INSERT or UPDATE names every
column that has a Python-side default or ``onupdate``, since nothing runs those here.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from desk.extensions import db


class Raw:
    """The driver connection under a Core connection, for a run of statements in one transaction."""

    __slots__ = ("dbapi", "dialect", "cursor")

    def __init__(self, conn: Connection) -> None:
        self.dbapi = conn.connection.dbapi_connection
        self.dialect = conn.dialect
        self.cursor = self.dbapi.cursor()  # one cursor for the run: every statement reads one row at most

    def sql(self, statement: str) -> None:
        """A fixed statement without parameters (BEGIN IMMEDIATE, COMMIT)."""
        try:
            self.cursor.execute(statement)
        except self.dialect.loaded_dbapi.Error as exc:
            raise DBAPIError.instance(statement, (), exc, self.dialect.loaded_dbapi.Error,
                                      dialect=self.dialect) from exc

    def close(self) -> None:
        self.cursor.close()


_NO_DEFAULT = object()


class _Compiled:
    __slots__ = ("sql", "names", "plan", "positional", "columns", "results")

    def __init__(self, statement, dialect, columns) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=list(columns) if columns else None)
        if getattr(compiled, "insert_prefetch", None) or getattr(compiled, "update_prefetch", None):
            missing = [c.key for c in (compiled.insert_prefetch or []) + (compiled.update_prefetch or [])]
            raise ValueError(f"give these columns a value; their defaults do not run here: {missing}")
        if "POSTCOMPILE" in compiled.string:
            raise ValueError("expanding parameters are not supported here; use literal constants")
        self.sql = compiled.string
        self.positional = dialect.positional
        if self.positional:
            self.names = tuple(compiled.positiontup)
        else:
            self.names = tuple(dict.fromkeys(compiled.bind_names.values()))
        binds = compiled.binds
        # Per parameter: (name, default, processor, whether None passes through unconverted).
        plan = []
        for name in self.names:
            bind = binds[name]
            default = _NO_DEFAULT if bind.required else bind.effective_value
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            plan.append((name, default, processor, processor is None or processor(None) is None))
        self.plan = tuple(plan)
        self.columns = [(c.key, c.type) for c in statement.exported_columns] \
            if getattr(statement, "exported_columns", None) is not None else []
        self.results = None  # result processors, set up from the first cursor description

    def params(self, given: dict[str, Any] | None):
        given = given or {}
        values = []
        for name, default, processor, none_passes in self.plan:
            value = given.get(name, default)
            if value is _NO_DEFAULT:
                raise KeyError(f"no value for parameter {name!r}")
            if processor is not None and (value is not None or not none_passes):
                value = processor(value)
            values.append(value)
        return tuple(values) if self.positional else dict(zip(self.names, values))

    def result_processors(self, description, dialect) -> list:
        processors = []
        for (key, type_), column in zip(self.columns, description):
            processors.append(type_.dialect_impl(dialect).result_processor(dialect, column[1]))
        self.results = processors if any(p is not None for p in processors) else []
        return self.results


class Prepared:
    """A Core statement to run on a ``Raw`` connection."""

    __slots__ = ("statement", "_by_dialect", "keys", "columns")

    def __init__(self, statement, *, columns: tuple[str, ...] = ()) -> None:
        """``columns``: for an INSERT, the columns given a value (each passed by its key)."""
        self.statement = statement
        self.columns = columns
        self._by_dialect: dict[str, _Compiled] = {}
        self.keys = tuple(c.key for c in statement.exported_columns) \
            if getattr(statement, "exported_columns", None) is not None else ()

    def _compiled(self, dialect) -> _Compiled:
        compiled = self._by_dialect.get(dialect.name)
        if compiled is None:
            compiled = self._by_dialect[dialect.name] = _Compiled(self.statement, dialect, self.columns)
        return compiled

    def run(self, raw: Raw, params: dict[str, Any] | None = None):
        """Execute; returns (cursor, compiled)."""
        compiled = self._compiled(raw.dialect)
        args = compiled.params(params)
        cursor = raw.cursor
        try:
            cursor.execute(compiled.sql, args)
        except raw.dialect.loaded_dbapi.Error as exc:
            raise DBAPIError.instance(compiled.sql, args, exc, raw.dialect.loaded_dbapi.Error,
                                      dialect=raw.dialect) from exc
        return cursor, compiled

    def first(self, raw: Raw, params: dict[str, Any] | None = None) -> tuple | None:
        """The first row as a tuple with its values converted (None when there is none)."""
        cursor, compiled = self.run(raw, params)
        row = cursor.fetchone()
        if row is None:
            return None
        return _converted(cursor, compiled, raw, [row])[0]

    def all(self, raw: Raw, params: dict[str, Any] | None = None) -> list[tuple]:
        """Every row, as tuples with their values converted."""
        cursor, compiled = self.run(raw, params)
        return _converted(cursor, compiled, raw, cursor.fetchall())

    def scalar(self, raw: Raw, params: dict[str, Any] | None = None):
        row = self.first(raw, params)
        return row[0] if row is not None else None

    def mapping(self, raw: Raw, params: dict[str, Any] | None = None) -> dict[str, Any] | None:
        """The first row as {column key: value} (None when there is none)."""
        row = self.first(raw, params)
        return dict(zip(self.keys, row)) if row is not None else None

    def execute(self, raw: Raw, params: dict[str, Any] | None = None) -> int:
        """Run a statement that returns no rows; returns the row count."""
        cursor, _ = self.run(raw, params)
        return cursor.rowcount


def _converted(cursor, compiled: _Compiled, raw: Raw, rows: list) -> list[tuple]:
    processors = compiled.results
    if processors is None:
        processors = compiled.result_processors(cursor.description, raw.dialect)
    if processors:
        return [tuple(p(v) if p is not None else v for p, v in zip(processors, row)) for row in rows]
    return [tuple(row) for row in rows]


# -- connections ---------------------------------------------------------------------------------

@contextmanager
def read_connection() -> Iterator[Raw]:
    """A pooled connection for a few prepared reads, outside the session's transaction (which
    would cost a BEGIN and a COMMIT through SQLAlchemy): on SQLite each statement reads what is
    committed when it runs; on PostgreSQL they share one short transaction, rolled back when the
    connection goes back to the pool."""
    with db.engine.connect() as conn:
        raw = Raw(conn)
        try:
            yield raw
        finally:
            raw.close()


@contextmanager
def write_connection(session: Session) -> Iterator[Raw]:
    """``db.write()`` on a bare Core connection: commits on success, rolls back on error.

    The session's own transaction (a read snapshot) ends first, as ``db.write()`` does, so the
    objects handed back afterwards read what was just committed. On SQLite the transaction starts
    with ``BEGIN IMMEDIATE``: the write lock is held from the first statement on.
    """
    if session.in_transaction():
        session.commit()
    with db.engine.connect() as conn:
        raw = Raw(conn)
        try:
            if db.is_sqlite:  # the transaction on the driver connection itself: two statements, no more
                raw.sql("BEGIN IMMEDIATE")
                try:
                    yield raw
                    raw.sql("COMMIT")
                except BaseException:
                    if raw.dbapi.in_transaction:
                        raw.dbapi.rollback()
                    raise
            else:
                with conn.begin():
                    yield raw
        finally:
            raw.close()
