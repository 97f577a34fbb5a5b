"""A web process's own short-lived store: values kept for some seconds within a size budget.

The anonymous page cache (web.page_cache) keeps rendered pages in it and the search
(sellers.search) its typo corrections. What is kept here costs no round trip to read or write;
each web process has its own copy, so a value is at most `seconds` old in every process and may
differ between processes within that time.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class TimedStore:
    """Values by key, each kept `seconds`, within `max_size` (the least recently used go
    first). `size_of(key, value)` measures an entry (1 each by default); an entry larger than
    `largest` is not kept. Thread-safe: the development server and the browser tests serve from
    threads."""

    def __init__(self, *, seconds: float, max_size: int, largest: int | None = None,
                 size_of: Callable[[Hashable, Any], int] = lambda key, value: 1):
        self.seconds, self.max_size, self.size_of = seconds, max_size, size_of
        self.largest = max_size if largest is None else largest
        self._entries: OrderedDict[Hashable, tuple[float, int, Any]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable, default=None):
        with self._lock:
            kept = self._entries.get(key)
            if kept is None:
                return default
            if kept[0] <= time.monotonic():
                self._drop(key)
                return default
            self._entries.move_to_end(key)
            return kept[2]

    def put(self, key: Hashable, value) -> None:
        size = self.size_of(key, value)
        if size > self.largest:
            return
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = (time.monotonic() + self.seconds, size, value)
            self._size += size
            while self._size > self.max_size:
                self._drop(next(iter(self._entries)))

    @property
    def stored_size(self) -> int:
        """The sum of the kept entries' sizes."""
        return self._size

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0

    def _drop(self, key: Hashable) -> None:
        _expires, size, _value = self._entries.pop(key)
        self._size -= size
