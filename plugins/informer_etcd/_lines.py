"""Newline-delimited JSON framing of the watch stream, split by hand.

httpx's ``aiter_lines`` decodes to ``str`` and handles every Unicode line break; the watch
stream only ever uses ``\\n`` and orjson parses bytes, so splitting the raw byte stream
ourselves is both cheaper and correct. There is no maximum line length: replaying the
history of a txn-seeded store sends one JSON object of many megabytes. Partial chunks are
kept in a list and joined once the line is complete, so a long line costs one copy, not
one per chunk.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

__all__ = ["LineReader"]


class LineReader:
    """Reads complete ``\\n``-terminated lines from an async iterator of byte chunks."""

    __slots__ = ("_chunks", "_lines", "_pending")

    def __init__(self, chunks: AsyncIterator[bytes]) -> None:
        self._chunks = chunks
        self._pending: list[bytes] = []
        # complete lines split from the last chunk, reversed so pop() is O(1)
        self._lines: list[bytes] = []

    async def readline(self) -> bytes | None:
        """The next non-empty line without its ``\\n``; ``None`` at the end of the stream.

        A final line without a terminating newline is still returned (a server that
        closes cleanly after its last object has said everything it meant to).
        """
        while True:
            while self._lines:
                line = self._lines.pop()
                if line.strip():
                    return line
            try:
                chunk = await self._chunks.__anext__()
            except StopAsyncIteration:
                if self._pending:
                    rest = b"".join(self._pending)
                    self._pending = []
                    if rest.strip():
                        return rest
                return None
            if b"\n" not in chunk:
                self._pending.append(chunk)
                continue
            if self._pending:
                self._pending.append(chunk)
                chunk = b"".join(self._pending)
                self._pending = []
            parts = chunk.split(b"\n")
            tail = parts.pop()
            if tail:
                self._pending.append(tail)
            parts.reverse()
            self._lines = parts
