"""What compaction does to a watch that resumes too late, seen from the etcd source.

The informer does exactly this after a disconnection: it watches from the last revision it
saw. If etcd has compacted its history past that revision in the meantime, the watch is
refused, the source raises informer.Expired, and the informer lists again.
"""

from __future__ import annotations

import sys

import informer
import trio
from informer_etcd import EtcdClient, create_source, resource_for_prefix


async def main(url: str) -> None:
    resource = resource_for_prefix("/config/")
    source = create_source(informer.SourceSpec(resource, options={"url": url}))
    async with EtcdClient(url) as etcd:
        page = await source.list(resource_version=None, limit=None, continue_token=None)
        seen = page.resource_version
        print(f"listed {len(page.items)} keys at revision {seen}")

        # While nobody watches: a change, a deletion, and then the history is compacted.
        await etcd.put("/config/features/new-checkout", {"enabled": False, "owner": "payments"})
        await etcd.delete("/config/limits/upload-mb")
        compacted = await etcd.compact()
        print(f"etcd compacted its history up to revision {compacted}")

        try:
            async with source.watch(resource_version=seen, timeout_seconds=5) as events:
                async for event in events:
                    print("unexpected:", event)
        except informer.Expired as exc:
            print(f"watch from revision {seen}: Expired: {exc}")

        page = await source.list(resource_version=None, limit=None, continue_token=None)
        keys = sorted(key for key, _, _ in page.items if key is not None)
        print(f"listed again at revision {page.resource_version}: {keys}")
    await source.aclose()


if __name__ == "__main__":
    trio.run(main, sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:2379")
