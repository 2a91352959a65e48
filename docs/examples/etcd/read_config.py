"""The /config/ prefix as a live cache in a trio program of your own."""

from __future__ import annotations

import sys

import informer
import trio
from informer_etcd import create_source, resource_for_prefix


async def main(url: str) -> None:
    resource = resource_for_prefix("/config/")
    source = create_source(informer.SourceSpec(resource, options={"url": url}))
    async with informer.open_informer(resource, source) as config:
        await config.wait_synced(timeout=10)
        for key, value in sorted(config.store.items()):
            print(f"{key}: {value}")


if __name__ == "__main__":
    trio.run(main, sys.argv[1] if len(sys.argv) > 1 else "etcd://127.0.0.1:2379")
