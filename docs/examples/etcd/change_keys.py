"""Change the configuration under /config/: switch a flag, delete one, write a value that is not JSON."""

from __future__ import annotations

import sys

import trio
from informer_etcd import EtcdClient


async def main(url: str) -> None:
    async with EtcdClient(url) as etcd:
        await etcd.put("/config/features/new-checkout", {"enabled": True, "owner": "payments"})
        await etcd.delete("/config/features/dark-mode")
        await etcd.put("/config/limits/broken", b"this is not JSON")
        revision = await etcd.put("/config/limits/upload-mb", {"value": 50})
        print(f"4 changes written, etcd is at revision {revision}")


if __name__ == "__main__":
    trio.run(main, sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:2379")
