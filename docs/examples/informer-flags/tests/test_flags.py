"""informer-flags, tested with trio-informer's pytest plugin: a real embedded server, real
informers, the plugin loaded by its entry point exactly as informer-run loads it."""

from __future__ import annotations

from typing import Any

import pytest
import trio
from informer_flags import Flag
from informer_flags.handler import FlagAnnouncer

FLAGS = "flags.flags.example.com"


def flag(name: str, enabled: bool, owner: str = "web", namespace: str = "shop") -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"enabled": enabled, "owner": owner, "rolloutPercent": 25},
    }


def test_the_plugin_loads_cleanly(informer_plugins: Any) -> None:
    registry = informer_plugins("flags", strict=True)  # strict: any problem fails the test
    flags = registry.resource_type(FLAGS)
    assert (flags.group, flags.version, flags.plural) == ("flags.example.com", "v1", "flags")
    decoded = flags.decoder(flag("dark-mode", True))
    assert isinstance(decoded, Flag)
    assert decoded.spec.rollout_percent == 25  # camelCase on the wire, snake_case here
    assert flags.key(decoded) == "shop.dark-mode"
    assert flags.indexers["flags.by-owner"](decoded) == ["web"]


@pytest.mark.informer_server(
    resources=[FLAGS],
    objects={FLAGS: [flag("dark-mode", True), flag("new-checkout", False, owner="payments")]},
)
async def test_the_cache_is_typed_keyed_and_indexed(informer_server: Any, informer_informer: Any) -> None:
    async with informer_informer(FLAGS, informer_server) as flags:
        await flags.wait_synced(timeout=10)
        assert sorted(flags.store.keys()) == ["shop.dark-mode", "shop.new-checkout"]
        assert isinstance(flags.store.get("shop.dark-mode"), Flag)
        owned = flags.store.by_index("flags.by-owner", "payments")
        assert [f.metadata.name for f in owned] == ["new-checkout"]


class Lines:
    """A text stream for the announcer to print to: each complete line goes to a trio channel."""

    def __init__(self) -> None:
        self.send, self.receive = trio.open_memory_channel[str](100)
        self._partial = ""

    def write(self, text: str) -> int:
        *complete, self._partial = (self._partial + text).split("\n")
        for line in complete:
            self.send.send_nowait(line)
        return len(text)

    def flush(self) -> None:
        pass


@pytest.mark.informer_server(resources=[FLAGS], objects={FLAGS: [flag("dark-mode", True)]})
async def test_the_handler_announces_flags_switched_on_and_off(
    informer_server: Any, informer_informer: Any
) -> None:
    out = Lines()
    announcer = FlagAnnouncer(out)  # type: ignore[arg-type]
    async with informer_informer(FLAGS, informer_server, handlers=[announcer]) as flags:
        await flags.wait_synced(timeout=10)
        informer_server.create(FLAGS, flag("new-checkout", True, owner="payments"))
        informer_server.update(FLAGS, flag("dark-mode", False))
        informer_server.delete(FLAGS, "shop/new-checkout")
        with trio.fail_after(10):
            printed = [await out.receive.receive() for _ in range(4)]
    assert printed == [
        "flag shop.dark-mode on",
        "flag shop.new-checkout on",
        "flag shop.dark-mode off",
        "flag shop.new-checkout off",
    ]
    assert announcer.enabled == set()
