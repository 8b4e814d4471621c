"""The HTTP transports under "Save all runs": one counts what goes over the wire (requests and bytes, for the
progress line), one answers a GET a second time from memory while one run is saved.

Saving a run reads it the page's way (``RunSource.load_run``: the job, its checkpoints, its result file or
its events) and then its files (the job again for their ids, its events, the result file again). The
second reads of the same URLs are answered by :class:`ReadOnce` from what the first read brought, so a run
costs each request once while the loader stays the page's own code. Both sit inside the retry transport of
``components.api.make_http_client``, which still reads every body within its byte limit and deadline.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx

Key = tuple[str, str]


@dataclass
class WireCount:
    """What went over the wire: requests sent (each attempt of a retried one) and answer bytes read."""

    requests: int = 0
    bytes_read: int = 0


class _CountedStream(httpx.SyncByteStream):
    def __init__(self, stream: httpx.SyncByteStream, count: WireCount) -> None:
        self._stream = stream
        self._count = count

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._stream:
            self._count.bytes_read += len(chunk)
            yield chunk

    def close(self) -> None:
        self._stream.close()


class CountingTransport(httpx.BaseTransport):
    """Counts every request it sends and every answer byte it reads into a :class:`WireCount`."""

    def __init__(self, count: WireCount, inner: httpx.BaseTransport | None = None) -> None:
        self._inner = inner or httpx.HTTPTransport()
        self._count = count

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._count.requests += 1
        response = self._inner.handle_request(request)
        assert isinstance(response.stream, httpx.SyncByteStream)
        response.stream = _CountedStream(response.stream, self._count)
        return response

    def close(self) -> None:
        self._inner.close()


class _KeptStream(httpx.SyncByteStream):
    """An answer's body as it is read; handed to ``keep`` once read to its end, if it fit ``room``."""

    def __init__(self, stream: httpx.SyncByteStream, room: int, keep: Callable[[bytes], None]) -> None:
        self._stream = stream
        self._room = room
        self._keep = keep

    def __iter__(self) -> Iterator[bytes]:
        chunks: list[bytes] | None = []
        size = 0
        for chunk in self._stream:
            size += len(chunk)
            if chunks is not None and size <= self._room:
                chunks.append(chunk)
            else:
                chunks = None  # too large to keep: passed on, not kept
            yield chunk
        if chunks is not None:
            self._keep(b"".join(chunks))

    def close(self) -> None:
        self._stream.close()


class ReadOnce(httpx.BaseTransport):
    """Answers a GET it has answered since :meth:`forget` from memory (successful answers only, up to
    ``budget`` bytes in all), so the reads of one run's save cost one request per URL.

    The key is the method, the URL and the ``Accept`` header; the client is one credential's, so nothing
    kept is ever served to another. Kept bodies are the bytes as they came (still encoded), with their
    headers, so the retry transport above reads them exactly as it read the first answer.
    """

    def __init__(self, inner: httpx.BaseTransport, budget: int) -> None:
        self._inner = inner
        self._budget = budget
        self._kept: dict[Key, tuple[int, list[tuple[str, str]], bytes]] = {}
        self._size = 0

    def forget(self) -> None:
        """Start a new run: nothing read before is answered again."""
        self._kept.clear()
        self._size = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        key = (str(request.url), request.headers.get("accept", ""))
        if request.method != "GET":
            return self._inner.handle_request(request)
        if key in self._kept:
            status, headers, body = self._kept[key]
            return httpx.Response(status, headers=headers, stream=httpx.ByteStream(body), request=request)
        response = self._inner.handle_request(request)
        if response.status_code != 200:
            return response
        assert isinstance(response.stream, httpx.SyncByteStream)
        headers = response.headers.multi_items()

        def keep(body: bytes) -> None:
            if self._size + len(body) <= self._budget:
                self._kept[key] = (response.status_code, headers, body)
                self._size += len(body)

        response.stream = _KeptStream(response.stream, self._budget - self._size, keep)
        return response

    def close(self) -> None:
        self._inner.close()
