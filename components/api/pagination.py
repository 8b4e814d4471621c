"""How far a cursor-paged list has been read: the resumable state of one list of one job.

The API lists checkpoints and events newest first in pages of at most 100, each continued with
``after=<last id of the page before>`` (shared/api.md §5). A :class:`ListProgress` records how far a
walk got and why it stopped, so a failure on page N keeps pages 1..N-1 and a later read continues from
the saved cursor instead of starting over. ``newest_id`` is where an incremental refresh (issue 10) can
stop reading a newer head of the list.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

Item = dict[str, Any]


@dataclass(frozen=True)
class ListProgress:
    """Pages read so far of one list; immutable and picklable, so it can live in Streamlit's cache.

    Walking a list only counts; the items themselves travel beside it and are attached with
    :meth:`holding` only when a run must be resumed later. They are kept as one compact JSON bytes
    object because a cached copy is unpickled on every rerun, and bytes unpickle far faster than a
    hundred thousand dicts.
    """

    pages: int = 0
    count: int = 0
    cursors: tuple[str, ...] = ()  # the ``after`` of every page after the first, in order
    complete: bool = False
    stopped_by: str | None = None  # why the walk stopped before the end (safe to show); None otherwise
    newest_id: str | None = None
    items_json: bytes | None = field(default=None, repr=False)

    @property
    def after(self) -> str | None:
        """The cursor of the next page to read (None: the first page)."""
        return self.cursors[-1] if self.cursors else None

    def next_page(self, data: list[Item], has_more: object) -> ListProgress:
        """The progress after one more page, by the cursor rules of shared/api.md §7.1: the list ends when a
        page is empty or ``has_more`` is anything but ``true``; otherwise the next cursor is the last id."""
        ends = not data or has_more is not True
        return ListProgress(
            pages=self.pages + 1,
            count=self.count + len(data),
            cursors=self.cursors if ends else (*self.cursors, data[-1]["id"]),
            complete=ends,
            newest_id=self.newest_id if self.newest_id is not None or not data else data[0]["id"],
        )

    def stopped(self, reason: str) -> ListProgress:
        """This progress, marked as stopped before the end because of ``reason``."""
        return replace(self, stopped_by=reason)

    def holding(self, items: list[Item] | None) -> ListProgress:
        """This progress carrying ``items`` (all read so far, newest first) to resume from; None: none."""
        encoded = None if items is None else json.dumps(items, separators=(",", ":")).encode()
        return replace(self, items_json=encoded)

    def items(self) -> list[Item]:
        """The items attached by :meth:`holding`, or none."""
        return json.loads(self.items_json) if self.items_json is not None else []
