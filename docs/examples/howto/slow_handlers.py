"""Two slow handlers on one informer: one keeps every notification, one coalesces per key."""

from __future__ import annotations

from typing import Any

import informer
import trio
from informer.plugins import load_plugins
from informer.server import ServerResource, open_embedded_server

CONFIGMAPS = "configmaps"


FINAL = {f"cm-{i}": "29" for i in range(5)}


class SlowHandler:
    """Takes 10 ms per notification; remembers the last value it saw for each key."""

    def __init__(self) -> None:
        self.handled = 0
        self.values: dict[str, str] = {}
        self.caught_up = trio.Event()  # set once it has seen the final state

    async def on_add(self, obj: dict[str, Any], initial: bool) -> None:
        await self.on_update(None, obj)

    async def on_update(self, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
        await trio.sleep(0.01)
        self.handled += 1
        self.values[new["metadata"]["name"]] = new["data"]["value"]
        if self.values == FINAL:
            self.caught_up.set()

    async def on_delete(self, obj: dict[str, Any]) -> None:
        await trio.sleep(0.01)
        self.handled += 1
        self.values.pop(obj["metadata"]["name"], None)


async def main() -> None:
    async with open_embedded_server([ServerResource.parse(CONFIGMAPS)]) as server:
        resource = informer.ResourceType(name=CONFIGMAPS, kind="ConfigMap", plural="configmaps")
        source = load_plugins(["http"]).source_factory("http")(
            informer.SourceSpec(resource, options={"url": server.url})
        )
        async with informer.open_informer(resource, source) as configmaps:
            await configmaps.wait_synced(timeout=10)
            every = SlowHandler()
            latest = SlowHandler()
            every_reg = configmaps.add_handler(every, name="every")
            latest_reg = configmaps.add_handler(latest, name="latest", policy=informer.BacklogPolicy.COALESCE)

            # 5 config maps, each changed 30 times, as fast as the server takes it.
            peak = {"every": 0, "latest": 0}
            for version in range(30):
                for i in range(5):
                    obj = {
                        "metadata": {"name": f"cm-{i}", "namespace": "default"},
                        "data": {"value": str(version)},
                    }
                    if version == 0:
                        server.create(CONFIGMAPS, obj)
                    else:
                        server.update(CONFIGMAPS, obj)
                await trio.sleep(0.001)
                peak["every"] = max(peak["every"], every_reg.backlog)
                peak["latest"] = max(peak["latest"], latest_reg.backlog)

            # Wait until both handlers have caught up with the cache.
            with trio.fail_after(30):
                await every.caught_up.wait()
                await latest.caught_up.wait()

            for name, handler in (("every", every), ("latest", latest)):
                print(f"{name:>6}: handled {handler.handled:3d} notifications, peak backlog {peak[name]:3d}")
            print("same final view:", every.values == latest.values)


if __name__ == "__main__":
    trio.run(main)
