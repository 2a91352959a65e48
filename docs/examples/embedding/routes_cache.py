"""A trio program with a live, indexed cache of an API gateway's routes.

It starts an embedded list/watch server to have something to watch — in your program,
point the source at your own server instead — and then:

1. describes the resource and makes a source for it,
2. runs an informer and waits until its cache is synced,
3. reads the cache, by key and through an index,
4. reacts to changes with a handler,
5. stops cleanly.
"""

from __future__ import annotations

from typing import Any

import informer
import trio
from informer.plugins import load_plugins
from informer.server import ServerResource, open_embedded_server

ROUTES = "routes.gateway.example.com"


def route(name: str, prefix: str, service: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": "shop"},
        "spec": {"pathPrefix": prefix, "service": service, "port": 8080},
    }


def by_service(obj: dict[str, Any]) -> list[str]:
    """Indexer: file each route under the service it sends traffic to."""
    return [obj["spec"]["service"]]


class RouteChanges:
    """A handler: any object with some of on_add, on_update, on_delete (sync or async).

    This one describes each change and hands it to the rest of the program over a trio
    memory channel; it never blocks, so it never slows the informer down.
    """

    def __init__(self, send: trio.MemorySendChannel[str]) -> None:
        self.send = send

    def on_add(self, obj: dict[str, Any], initial: bool) -> None:
        when = "initial" if initial else "new"
        self.send.send_nowait(f"added ({when}): {obj['metadata']['name']} {obj['spec']['pathPrefix']}")

    def on_update(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        name = new["metadata"]["name"]
        self.send.send_nowait(f"updated: {name} {old['spec']['service']} -> {new['spec']['service']}")

    def on_delete(self, obj: dict[str, Any]) -> None:
        self.send.send_nowait(f"deleted: {obj['metadata']['name']}")


async def main() -> None:
    async with open_embedded_server([ServerResource.parse(ROUTES)]) as server:
        server.create(ROUTES, route("catalog", "/catalog", "catalog"))
        server.create(ROUTES, route("cart", "/cart", "checkout"))
        server.create(ROUTES, route("pay", "/pay", "checkout"))

        # 1. What to watch, and where. A ResourceType says where the resource lives on a
        #    Kubernetes-style server and how to file its objects; the "http" plugin's source
        #    speaks that server's list+watch protocol.
        resource = informer.ResourceType(
            name=ROUTES,
            kind="Route",
            group="gateway.example.com",
            version="v1",
            plural="routes",
            namespaced=True,
            indexers={"by-service": by_service},
        )
        registry = load_plugins(["http"])
        make_source = registry.source_factory("http")
        source = make_source(informer.SourceSpec(resource, options={"url": server.url}))

        # 2. Run the informer for the duration of the block; wait for the first full list.
        async with informer.open_informer(resource, source) as routes:
            await routes.wait_synced(timeout=10)
            print(f"synced: {len(routes.store)} routes")

            # 3. Read the cache: by key (namespace/name), and through the index.
            print("shop/catalog ->", routes.store.get("shop/catalog")["spec"]["pathPrefix"])
            checkout = sorted(r["metadata"]["name"] for r in routes.store.by_index("by-service", "checkout"))
            print("routes to checkout:", checkout)

            # 4. React to changes. A handler added now first receives the current contents
            #    (initial=True), then every change, in its own task.
            send, changes = trio.open_memory_channel[str](100)
            registration = routes.add_handler(RouteChanges(send))

            async def show(count: int) -> None:
                with trio.fail_after(10):
                    for _ in range(count):
                        print("  " + await changes.receive())

            await show(3)
            server.create(ROUTES, route("search", "/search", "catalog"))
            await show(1)
            server.update(ROUTES, route("pay", "/pay", "payments"))
            await show(1)
            server.delete(ROUTES, "shop/cart")
            await show(1)

            checkout = sorted(r["metadata"]["name"] for r in routes.store.by_index("by-service", "checkout"))
            print("routes to checkout:", checkout)
            print(f"handler backlog {registration.backlog}, errors {registration.errors}")
        # 5. Leaving the block stopped the informer: its tasks are cancelled, the source closed.
        print("stopped")


if __name__ == "__main__":
    trio.run(main)
