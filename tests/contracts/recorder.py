"""A dict that records every key read from it, recursively: the evidence of which API fields code reads.

``record(item, reads, "ec2.DescribeVpcs")`` wraps a stored item (and every dict below it, inside lists
too) so that ``get``, ``[]``, ``in``, ``setdefault``, ``pop`` record the key's path — whether or not
the key is there, which is what catches a misspelt field — and iteration (``keys``, ``items``,
``values``, ``for k in``, ``dict(item)``, ``{**item}``, ``json.dumps``) records every key present.
Paths name list members ``[]``: ``("CidrBlockAssociationSet", "[]", "CidrBlock")``.

The wrapper is a real ``dict`` subclass, so ``isinstance(x, dict)`` code paths are unchanged, and it
is built eagerly (children are wrapped once), so in-place mutation by the code under test behaves
as on a plain dict. ``pd.DataFrame(rows, columns=[...])`` selects columns without reading keys:
:func:`recording_pandas` records those columns as reads.

Limit: a copy made with ``dict(item)`` or ``{**item}`` is a plain dict (its values stay recorded); reads of
absent keys on such a copy are not seen. ``copy()``/``deepcopy`` keep recording.
"""

from __future__ import annotations

import contextlib
import copy
import threading
from collections.abc import Iterator
from typing import Any

import pandas as pd

Path = tuple[str, ...]
MEMBER = "[]"


class Reads:
    """Thread-safe set of ``(source, path)`` reads."""

    def __init__(self) -> None:
        self.paths: set[tuple[str, Path]] = set()
        self.enabled = True  # False: reads are not recorded (e.g. while the test itself serialises the data)
        self._lock = threading.Lock()

    def add(self, source: str, path: Path) -> None:
        if self.enabled:
            with self._lock:
                self.paths.add((source, path))

    def clear(self) -> None:
        with self._lock:
            self.paths.clear()

    def of(self, source: str) -> set[Path]:
        return {path for src, path in self.paths if src == source}

    def sources(self) -> set[str]:
        return {src for src, _ in self.paths}


def show(path: Path) -> str:
    """``("Vpcs", "[]", "CidrBlock") -> 'Vpcs[].CidrBlock'``."""
    out = ""
    for part in path:
        out += part if part == MEMBER else (f".{part}" if out else part)
    return out


def _wrap(value: Any, reads: Reads, source: str, path: Path) -> Any:
    if isinstance(value, RecordedDict):
        return value
    if isinstance(value, dict):
        return RecordedDict(value, reads, source, path)
    if isinstance(value, list):
        return [_wrap(v, reads, source, (*path, MEMBER)) for v in value]
    if isinstance(value, tuple):
        return tuple(_wrap(v, reads, source, (*path, MEMBER)) for v in value)
    return value


def record(value: Any, reads: Reads, source: str, path: Path = ()) -> Any:
    """``value`` with every dict in it replaced by a :class:`RecordedDict` reporting to ``reads``."""
    return _wrap(value, reads, source, path)


class RecordedDict(dict):
    __slots__ = ("_path", "_reads", "_source")

    def __init__(self, raw: dict[Any, Any], reads: Reads, source: str, path: Path = ()):
        super().__init__({k: _wrap(v, reads, source, (*path, str(k))) for k, v in raw.items()})
        self._reads, self._source, self._path = reads, source, path

    def _note(self, key: Any) -> None:
        self._reads.add(self._source, (*self._path, str(key)))

    def _note_all(self) -> None:
        for key in dict.__iter__(self):
            self._note(key)

    # reads of one key (present or not)
    def __getitem__(self, key: Any) -> Any:
        self._note(key)
        return super().__getitem__(key)

    def get(self, key: Any, default: Any = None) -> Any:
        self._note(key)
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        self._note(key)
        return super().__contains__(key)

    def setdefault(self, key: Any, default: Any = None) -> Any:
        self._note(key)
        return super().setdefault(key, _wrap(default, self._reads, self._source, (*self._path, str(key))))

    def pop(self, key: Any, *default: Any) -> Any:
        self._note(key)
        return super().pop(key, *default)

    # reads of every key present
    def __iter__(self) -> Iterator[Any]:
        self._note_all()
        return super().__iter__()

    def keys(self):  # type: ignore[override]
        self._note_all()
        return super().keys()

    def items(self):  # type: ignore[override]
        self._note_all()
        return super().items()

    def values(self):  # type: ignore[override]
        self._note_all()
        return super().values()

    # writes keep the recording below the new value
    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, _wrap(value, self._reads, self._source, (*self._path, str(key))))

    def copy(self) -> RecordedDict:  # type: ignore[override]
        self._note_all()
        return RecordedDict(dict(super().items()), self._reads, self._source, self._path)

    def __copy__(self) -> RecordedDict:
        return self.copy()

    def __deepcopy__(self, memo: dict[int, Any]) -> RecordedDict:
        self._note_all()
        raw = {k: copy.deepcopy(v, memo) for k, v in super().items()}
        return RecordedDict(raw, self._reads, self._source, self._path)

    def __reduce__(self) -> Any:  # pickling (multiprocessing) sees a plain dict
        return (dict, (dict(super().items()),))


@contextlib.contextmanager
def recording_pandas() -> Iterator[None]:
    """While active, ``pd.DataFrame(rows, columns=cols)`` / ``from_records`` record ``cols`` on recorded rows
    (pandas picks those columns without reading the keys from each row)."""
    init, from_records = pd.DataFrame.__init__, pd.DataFrame.from_records.__func__  # type: ignore[attr-defined]

    def note(data: Any, columns: Any) -> None:
        if columns is None or not isinstance(data, list | tuple):
            return
        for row in data:
            if isinstance(row, RecordedDict):
                for column in columns:
                    row._note(column)

    def patched_init(self: pd.DataFrame, data: Any = None, index: Any = None, columns: Any = None, *a, **k) -> None:
        note(data, columns)
        init(self, data, index, columns, *a, **k)

    def patched_from_records(cls: type, data: Any, *a: Any, columns: Any = None, **k: Any) -> pd.DataFrame:
        note(data, columns)
        return from_records(cls, data, *a, columns=columns, **k)

    pd.DataFrame.__init__ = patched_init  # type: ignore[method-assign]
    pd.DataFrame.from_records = classmethod(patched_from_records)  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        pd.DataFrame.__init__ = init  # type: ignore[method-assign]
        pd.DataFrame.from_records = classmethod(from_records)  # type: ignore[method-assign,assignment]
