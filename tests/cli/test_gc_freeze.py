"""``informer-run`` freezes synced caches by default (``--no-gc-freeze`` turns it off)."""

from __future__ import annotations

import trio
from informer import InformerSpec, ResourceType, open_manager
from informer.cli._args import build_parser
from informer.cli._run import Runtime
from informer.server import ServerResource, open_embedded_server
from informer_http.source import create_source

ROUTES = "routes.gateway.example.com"
RESOURCE = ResourceType(
    name=ROUTES, kind="Route", group="gateway.example.com", version="v1", plural="routes", namespaced=True
)


def test_gc_freeze_is_the_default_and_the_flag_turns_it_off() -> None:
    assert build_parser().parse_args([]).gc_freeze is True
    assert build_parser().parse_args(["--no-gc-freeze"]).gc_freeze is False


async def test_the_runtime_starts_informers_frozen_and_keeps_the_configured_spec() -> None:
    async with open_embedded_server([ServerResource.parse(ROUTES)]) as server:
        spec = InformerSpec(name="routes", resource=RESOURCE, source_factory=create_source,
                            source_options={"url": server.url})
        for gc_freeze in (True, False):
            async with open_manager() as manager, trio.open_nursery() as nursery:
                rt = Runtime(manager, nursery, jsonl=None, events=None, gc_freeze=gc_freeze)
                inf = await rt.start(spec)
                with trio.fail_after(10):
                    await inf.wait_synced()
                assert inf.gc_freeze is gc_freeze
                # what ``apply`` compares with the next config is the spec as configured
                assert rt.specs["routes"] is spec
                # an unchanged config changes nothing (the frozen informer keeps running)
                assert await rt.apply([spec], {}) == ([], [], [])
                await rt.stop("routes")
