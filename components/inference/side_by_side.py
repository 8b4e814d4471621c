"""Several answers at once: bounded worker threads ask, the caller's thread receives every piece in order.

Each request runs in a worker thread (the pooled httpx client is thread-safe); every piece of text and
every finished answer is handed back, in the order it arrived, through :func:`iter_answers` on the
*calling* thread, so a Streamlit script can write them into its placeholders (Streamlit elements must be
written from the script's own thread). One answer failing is that answer's :class:`ChatError`; the others go
on. Nothing is sent until the iterator is first advanced, and nothing is cached.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from components.api.chat import UNEXPECTED, ChatAnswer, ChatClient, ChatRequest

DEFAULT_WORKERS = 4
MAX_WORKERS = 8
"""Requests in flight at once, at most: a provider's rate limit is per key, and so is this dashboard's use."""


@dataclass(frozen=True)
class ChatEvent:
    """A piece of one request's answer (``delta``), or its end (``answer`` set, ``delta`` empty)."""

    index: int  # the request's position in the list asked
    delta: str = ""
    answer: ChatAnswer | None = None

    @property
    def done(self) -> bool:
        return self.answer is not None


def iter_answers(
    client: ChatClient, requests: Sequence[ChatRequest], *, max_workers: int = DEFAULT_WORKERS
) -> Iterator[ChatEvent]:
    """The requests' answers as they arrive: every streamed piece, then each one's :class:`ChatAnswer`.

    At most ``max_workers`` (capped at :data:`MAX_WORKERS`) requests are in flight. Closing the iterator
    early stops the streams still running (their answers end "stopped") and waits for them to close.
    """
    if not requests:
        return
    events: queue.SimpleQueue[ChatEvent] = queue.SimpleQueue()
    stop = threading.Event()

    def ask(index: int, request: ChatRequest) -> None:
        # answer() turns every failure into the answer's error; the default is the guard against a hang
        answer = ChatAnswer(request.model, streamed=request.stream, error=UNEXPECTED)
        try:
            answer = client.answer(request, lambda piece: events.put(ChatEvent(index, piece)), stop=stop)
        finally:
            events.put(ChatEvent(index, answer=answer))

    workers = max(1, min(max_workers, MAX_WORKERS, len(requests)))
    with ThreadPoolExecutor(workers, thread_name_prefix="chat-answer") as pool:
        futures = [pool.submit(ask, index, request) for index, request in enumerate(requests)]
        try:
            remaining = len(requests)
            while remaining:
                event = events.get()
                remaining -= event.done
                yield event
        finally:
            stop.set()
            for future in futures:
                future.cancel()


def answer_all(
    client: ChatClient,
    requests: Sequence[ChatRequest],
    *,
    max_workers: int = DEFAULT_WORKERS,
    on_event: Callable[[ChatEvent], None] | None = None,
) -> list[ChatAnswer]:
    """Every request's answer, in the order asked; ``on_event`` sees each piece and each end as it arrives
    (on the calling thread)."""
    answers: list[ChatAnswer | None] = [None] * len(requests)
    for event in iter_answers(client, requests, max_workers=max_workers):
        if on_event is not None:
            on_event(event)
        if event.answer is not None:
            answers[event.index] = event.answer
    return [answer for answer in answers if answer is not None]
