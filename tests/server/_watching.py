"""Reading a raw watch stream in tests (bounded in time and count)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import orjson
import trio


async def read_watch(
    client: httpx.AsyncClient,
    url: str,
    params: dict[str, Any],
    *,
    count: int | None = None,
    on_line: Callable[[dict[str, Any]], None] | None = None,
    deadline: float = 5.0,
    raw: list[bytes] | None = None,
) -> list[dict[str, Any]]:
    """Decoded events of one watch until ``count`` events or the server ends the stream."""
    events: list[dict[str, Any]] = []
    with trio.fail_after(deadline):
        async with client.stream("GET", url, params={"watch": "true", **params}) as response:
            assert response.status_code == 200, await response.aread()
            async for line in response.aiter_lines():
                if not line:
                    continue
                if raw is not None:
                    raw.append(line.encode())
                try:
                    event = orjson.loads(line)
                except orjson.JSONDecodeError:
                    event = {"type": "GARBAGE", "line": line}
                events.append(event)
                if on_line is not None:
                    on_line(event)
                if count is not None and len(events) >= count:
                    break
    return events


def summary(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(type, name) pairs; bookmarks as (BOOKMARK, rv)."""
    out = []
    for e in events:
        if e["type"] == "BOOKMARK":
            out.append(("BOOKMARK", e["object"]["metadata"]["resourceVersion"]))
        elif e["type"] in ("ERROR", "GARBAGE"):
            out.append((e["type"], ""))
        else:
            out.append((e["type"], e["object"]["metadata"]["name"]))
    return out
