"""wait_synced() says why an informer is not synced: here, nothing listens on port 9."""

from __future__ import annotations

import informer
import trio
from informer.plugins import load_plugins


async def main() -> None:
    resource = informer.ResourceType(name="configmaps", kind="ConfigMap", plural="configmaps")
    source = load_plugins(["http"]).source_factory("http")(
        informer.SourceSpec(resource, options={"url": "http://127.0.0.1:9"})
    )
    async with informer.open_informer(resource, source) as configmaps:
        try:
            await configmaps.wait_synced(timeout=1)
        except informer.SyncTimeout as exc:
            print(exc)
            print("last error:", configmaps.last_error)
            print("listing:", configmaps.stats.listing, "objects so far:", configmaps.stats.list_objects)


if __name__ == "__main__":
    trio.run(main)
