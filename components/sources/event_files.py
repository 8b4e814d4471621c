"""A TensorBoard event file's events, read by TensorBoard's own loader.

``tensorboard``'s ``EventFileLoader`` reads the TFRecord framing, checks each record's CRCs, stops quietly
at a truncated last record (a writer in the middle of it: the next read starts there) and parses each Event,
turning ``simple_value`` into the scalars plugin's tensors. It keeps every event: no reservoir sampling,
which only ``EventAccumulator``'s ``size_guidance`` adds. It opens a path, so an open file is given as
``/dev/fd/N``: the file already opened (without following links) inside the runs folder is the one read;
bytes from an upload are put in an unnamed temporary file first.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from typing import BinaryIO

from google.protobuf.message import DecodeError
from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
from tensorboard.compat.proto import event_pb2

from components.errors import MalformedDataError


class EventFileError(MalformedDataError):
    """An event file whose records are not TensorBoard events."""


def events_in(handle: BinaryIO) -> Iterator[event_pb2.Event]:
    """Every event of the open regular file ``handle``, from its start, in order."""
    loader = EventFileLoader(f"/dev/fd/{handle.fileno()}")
    try:
        yield from loader.Load()
    except DecodeError:
        raise EventFileError("An event file holds a record that is not a TensorBoard event.") from None


def events_of_bytes(data: bytes) -> list[event_pb2.Event]:
    """Every event of an event file given as bytes (an upload)."""
    with tempfile.TemporaryFile() as handle:
        handle.write(data)
        handle.flush()
        os.lseek(handle.fileno(), 0, os.SEEK_SET)
        return list(events_in(handle))
