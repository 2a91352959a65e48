"""Put a little configuration under /config/ in etcd: two feature flags and a limit."""

from __future__ import annotations

import sys

import trio
from informer_etcd import EtcdClient


async def main(url: str) -> None:
    async with EtcdClient(url) as etcd:
        await etcd.put("/config/features/dark-mode", {"enabled": True, "owner": "web"})
        await etcd.put("/config/features/new-checkout", {"enabled": False, "owner": "payments"})
        revision = await etcd.put("/config/limits/upload-mb", {"value": 25})
        print(f"3 keys written, etcd is at revision {revision}")


if __name__ == "__main__":
    trio.run(main, sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:2379")
