"""A TensorBoard event file's events, read by TensorBoard's own loader.

``tensorboard``'s ``EventFileLoader`` reads the TFRecord framing, checks each record's CRCs, stops quietly
at a truncated last record (a writer in the middle of it: the next read starts there) and parses each Event,
turning ``simple_value`` into the scalars plugin's tensors. It keeps every event: no reservoir sampling,
which only ``EventAccumulator``'s ``size_guidance`` adds. It opens a path, so an open file is given as
``/dev/fd/N``: the file already opened (without following links) inside the runs folder is the one read;
bytes from an upload are put in an unnamed temporary file first.

A run folder watched live reads only what was appended since the last read (:func:`records_from`): the
same TFRecord framing and masked CRC-32C checks as the loader's reader, from a byte offset it cannot start
at, stopping before a record still being written; the run list reads the last records of a file
(:func:`records_in_tail`) for the Trainer's final summary.
"""

from __future__ import annotations

import os
import struct
import tempfile
from collections.abc import Iterator
from typing import BinaryIO

from google.protobuf.message import DecodeError
from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
from tensorboard.compat.proto import event_pb2
from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c

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


_FRAME = 16  # a record's length (8 bytes), its masked CRC (4), then the data and the data's masked CRC (4)


def records_from(data: bytes) -> tuple[list[event_pb2.Event], int]:
    """The events of the whole records at the start of ``data`` (an event file from a record's start), and
    how many bytes they take: a record cut short (still being written) is left for the next read."""
    events, at = [], 0
    while len(data) - at >= _FRAME:
        (length,) = struct.unpack_from("<Q", data, at)
        if struct.unpack_from("<I", data, at + 8)[0] != masked_crc32c(data[at : at + 8]):
            raise EventFileError("An event file's record fails its length check (crc32c).")
        end = at + 12 + length
        if end + 4 > len(data):
            break
        record = data[at + 12 : end]
        if struct.unpack_from("<I", data, end)[0] != masked_crc32c(record):
            raise EventFileError("An event file's record fails its data check (crc32c).")
        try:
            events.append(event_pb2.Event.FromString(record))
        except DecodeError:
            raise EventFileError("An event file holds a record that is not a TensorBoard event.") from None
        at = end + 4
    return events, at


def records_in_tail(data: bytes) -> list[event_pb2.Event]:
    """The events of the whole records in ``data``, the end of an event file read from any byte: the first
    record is the first place whose length and data both pass their CRC checks (a false start passes one
    check in 2**32), and the records from there on are read as :func:`records_from` reads them."""
    for at in range(max(len(data) - _FRAME + 1, 0)):
        (length,) = struct.unpack_from("<Q", data, at)
        end = at + 12 + length
        if end + 4 > len(data) or struct.unpack_from("<I", data, at + 8)[0] != masked_crc32c(
            data[at : at + 8]
        ):
            continue
        if struct.unpack_from("<I", data, end)[0] != masked_crc32c(data[at + 12 : end]):
            continue
        try:
            return records_from(data[at:])[0]
        except EventFileError:
            continue
    return []
