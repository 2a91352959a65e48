"""The kubernetes source driving a real informer against the embedded server over HTTPS.

Every scenario ends with the same assertion a user cares about: the informer's cache
equals the server's state (``server.list_objects``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
import trio
from informer import (
    INITIAL_EVENTS_END,
    Backoff,
    Informer,
    InformerSpec,
    ResourceType,
    Scope,
    SourceSpec,
    SyncTimeout,
    open_informer,
    open_manager,
)
from informer.server import EmbeddedServer, Faults
from informer_kubernetes.source import KubernetesSource, create_source, options_from_url

from ._kubeconfigs import exec_user, kubeconfig_doc, write_kubeconfig
from .conftest import Cluster, ClusterFactory

PODS = ResourceType(name="pods", kind="Pod", group="", version="v1", plural="pods", namespaced=True)
DEPLOYMENTS = ResourceType(
    name="deployments.apps", kind="Deployment", group="apps", version="v1", plural="deployments"
)


def pod(name: str, namespace: str = "default", **labels: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {"containers": [{"name": "app", "image": "nginx"}]},
    }


def fast_backoff() -> Backoff:
    return Backoff(initial=0.02, maximum=0.1)


@asynccontextmanager
async def informer_for(
    c: Cluster,
    resource: ResourceType = PODS,
    *,
    scope: Scope | None = None,
    options: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> AsyncIterator[Informer]:
    spec = SourceSpec(resource=resource, scope=scope or Scope(), options={**c.options, **(options or {})})
    source = create_source(spec)
    async with open_informer(resource, source, backoff=fast_backoff(), **kwargs) as inf:
        yield inf


def cached(inf: Informer) -> dict[str, str]:
    return {key: obj["metadata"]["resourceVersion"] for key, obj in inf.store.items()}


def expected(server: EmbeddedServer, resource: str = "pods") -> dict[str, str]:
    return {key: obj["metadata"]["resourceVersion"] for key, obj in server.list_objects(resource).items()}


async def eventually(condition: Callable[[], bool]) -> None:
    """Poll ``condition`` (callers bound the wait with trio.fail_after). Polling, because the
    things compared — a cache and the server's oracle — change in two different places."""
    while not condition():  # noqa: ASYNC110
        await trio.sleep(0.01)


async def converge(inf: Informer, server: EmbeddedServer, resource: str = "pods") -> None:
    """Wait until the cache holds exactly the server's objects at their versions."""
    with trio.move_on_after(15):
        await eventually(lambda: cached(inf) == expected(server, resource))
        return
    recent = [f"{r.method} {r.path}?{r.query} -> {r.status}" for r in server.requests[-8:]]
    raise AssertionError(
        f"cache did not converge: cache={cached(inf)} server={expected(server, resource)} "
        f"last_error={inf.stats.last_error} relists={inf.stats.relists} requests={recent}"
    )


async def watches_closed(server: EmbeddedServer, resource: str = "pods") -> None:
    """The server records a watch request when its stream ends: wait for that."""
    await eventually(lambda: not server.watch_count(resource))


def queries(server: EmbeddedServer, *, watch: bool) -> list[dict[str, list[str]]]:
    out = []
    for record in server.requests:
        q = parse_qs(record.query, keep_blank_values=True)
        if record.path.endswith("/pods") and ("watch" in q) == watch:
            out.append(q)
    return out


async def test_list_and_watch_over_https_with_bearer_token(cluster: ClusterFactory) -> None:
    with trio.fail_after(20):
        async with cluster(["pods"]) as c:
            server = c.server
            for i in range(12):
                server.create("pods", pod(f"p{i}", namespace="a" if i % 2 else "b"))
            async with informer_for(c, page_size=5) as inf:
                await inf.wait_synced(timeout=10)
                assert cached(inf) == expected(server)
                first = inf.store.get("a/p1")
                assert first["kind"] == "Pod" and first["apiVersion"] == "v1"

                await server.wait_watching("pods")
                server.create("pods", pod("new", "a"))
                server.update("pods", {**pod("p2", "b"), "spec": {"changed": True}})
                server.delete("pods", "a/p3")
                await converge(inf, server)
            await watches_closed(server)
            lists = queries(server, watch=False)
            watches = queries(server, watch=True)
    # client-go's first list: resourceVersion=0, limit=page size, then continue tokens
    assert lists[0]["resourceVersion"] == ["0"]
    assert lists[0]["limit"] == ["5"]  # the informer's page size (no page_size option given)
    watch = watches[0]
    assert watch["allowWatchBookmarks"] == ["true"]
    assert 300 <= int(watch["timeoutSeconds"][0]) <= 600
    assert watch["resourceVersion"][0] not in ("", "0")


async def test_page_size_option_pages_the_list(cluster: ClusterFactory) -> None:
    with trio.fail_after(20):
        async with cluster(["pods"]) as c:
            for i in range(7):
                c.server.create("pods", pod(f"p{i}"))
            async with informer_for(c, options={"page_size": 3}, page_size=100) as inf:
                await inf.wait_synced(timeout=10)
                assert cached(inf) == expected(c.server)
            lists = queries(c.server, watch=False)
    assert [q["limit"] for q in lists] == [["3"]] * 3
    assert "continue" in lists[1] and "continue" in lists[2]


async def test_namespace_and_selectors_scope_the_informer(cluster: ClusterFactory) -> None:
    with trio.fail_after(20):
        async with cluster(["pods"]) as c:
            server = c.server
            server.create("pods", pod("web-1", "shop", app="web"))
            server.create("pods", pod("db-1", "shop", app="db"))
            server.create("pods", pod("web-2", "other", app="web"))
            scope = Scope(namespace="shop", label_selector="app=web")
            async with informer_for(c, scope=scope) as inf:
                await inf.wait_synced(timeout=10)
                assert set(inf.store.keys()) == {"shop/web-1"}
                await server.wait_watching("pods")
                server.create("pods", pod("web-3", "shop", app="web"))
                server.create("pods", pod("web-4", "other", app="web"))
                await eventually(lambda: "shop/web-3" in inf.store)
                assert set(inf.store.keys()) == {"shop/web-1", "shop/web-3"}
            paths = {r.path for r in server.requests if "pods" in r.path}
    assert paths == {"/api/v1/namespaces/shop/pods"}


FAULTS = [
    pytest.param({"watch_drop_after": 3}, id="watch-drops"),
    pytest.param({"history": 2}, id="history-410"),
    pytest.param({"error_rate": 0.3}, id="500s"),
    pytest.param({"garbage_every": 2}, id="garbage-lines"),
    pytest.param({"delay": 0.05}, id="delay"),
]


@pytest.mark.parametrize("fault", FAULTS)
async def test_cache_converges_through_faults(cluster: ClusterFactory, fault: dict[str, Any]) -> None:
    with trio.fail_after(30):
        async with cluster(["deployments.apps"]) as c:
            server = c.server
            for i in range(6):
                server.create("deployments.apps", {"metadata": {"name": f"d{i}"}, "spec": {"replicas": 1}})
            async with informer_for(c, DEPLOYMENTS, page_size=4) as inf:
                await inf.wait_synced(timeout=20)
                await converge(inf, server, "deployments.apps")
                for name, value in fault.items():
                    setattr(server.faults, name, value)
                for round_ in range(3):
                    for i in range(6):
                        server.apply(
                            "deployments.apps",
                            {"metadata": {"name": f"d{i}"}, "spec": {"replicas": round_ + 2}},
                        )
                    server.delete("deployments.apps", f"default/d{round_}")
                    server.create("deployments.apps", {"metadata": {"name": f"n{round_}"}, "spec": {}})
                    await converge(inf, server, "deployments.apps")
                server.faults = Faults()
                await converge(inf, server, "deployments.apps")
                stats = inf.stats
    if "history" in fault:
        assert stats.relists >= 1
    if "garbage_every" in fault:
        assert stats.decode_errors >= 1


async def test_streaming_list(cluster: ClusterFactory) -> None:
    with trio.fail_after(20):
        async with cluster(["pods"]) as c:
            for i in range(5):
                c.server.create("pods", pod(f"p{i}"))
            async with informer_for(c, watch_list=True, watch_list_timeout=5) as inf:
                await inf.wait_synced(timeout=10)
                assert cached(inf) == expected(c.server)
                c.server.create("pods", pod("late"))
                await converge(inf, c.server)
            await watches_closed(c.server)
            watches = queries(c.server, watch=True)
            assert not queries(c.server, watch=False)
    assert watches[0]["sendInitialEvents"] == ["true"]
    assert watches[0]["resourceVersionMatch"] == ["NotOlderThan"]


@pytest.mark.parametrize(
    ("token", "pattern"),
    [
        ("wrong-token", r"list pods on https://127\.0\.0\.1:\d+: unauthorized \(401\)"),
        ("nobody", r"list pods on https://127\.0\.0\.1:\d+: forbidden \(403\)"),
    ],
)
async def test_rejected_credentials_are_reported_and_retried(
    cluster: ClusterFactory, token: str, pattern: str
) -> None:
    with trio.fail_after(20):
        async with cluster(["pods"], token=token) as c:
            c.server.create("pods", pod("p"))
            async with informer_for(c) as inf:
                with pytest.raises(SyncTimeout, match=pattern):
                    await inf.wait_synced(timeout=0.5)
                attempts = len(queries(c.server, watch=False))
                assert attempts >= 2  # it keeps trying, with backoff
                assert not inf.synced


async def test_reader_token_may_list_and_watch(cluster: ClusterFactory) -> None:
    with trio.fail_after(20):
        async with cluster(["pods"], token="reader") as c:
            c.server.create("pods", pod("p"))
            async with informer_for(c) as inf:
                await inf.wait_synced(timeout=10)
                assert cached(inf) == expected(c.server)


async def test_unknown_resource_is_a_clear_error(cluster: ClusterFactory) -> None:
    widgets = ResourceType(name="widgets.example.com", kind="Widget", group="example.com", plural="widgets")
    with trio.fail_after(20):
        async with cluster(["pods"]) as c, informer_for(c, widgets) as inf:
            with pytest.raises(
                SyncTimeout, match=r"widgets\.example\.com: the server at .* does not serve it \(404\)"
            ):
                await inf.wait_synced(timeout=0.5)


async def test_tls_failure_names_host_and_reason(cluster: ClusterFactory, tmp_path: Path) -> None:
    import trustme

    with trio.fail_after(20):
        async with cluster(["pods"]) as c:
            other_ca = trustme.CA().cert_pem.bytes()
            doc = kubeconfig_doc(c.server.url, ca=other_ca, user={"token": "s3cret-token"})
            path = write_kubeconfig(tmp_path / "untrusted", doc)
            async with informer_for(c, options={"kubeconfig": str(path)}) as inf:
                with pytest.raises(SyncTimeout) as info:
                    await inf.wait_synced(timeout=0.5)
    message = str(info.value)
    assert "TLS handshake with 127.0.0.1 failed" in message
    assert "certificate verify failed" in message or "unable to get local issuer" in message


async def test_exec_plugin_credentials_shared_by_informers(
    cluster: ClusterFactory, tmp_path: Path, ca: Any
) -> None:
    state = tmp_path / "plugin"
    configmaps = ResourceType(name="configmaps", kind="ConfigMap", plural="configmaps")
    with trio.fail_after(20):
        async with cluster(["pods", "configmaps"]) as c:
            c.server.create("pods", pod("p"))
            c.server.create("configmaps", {"metadata": {"name": "cm"}, "data": {"k": "v"}})
            doc = kubeconfig_doc(c.server.url, ca=ca.cert_pem.bytes(), user=exec_user(state))
            path = write_kubeconfig(tmp_path / "exec-config", doc)
            (state / "token").write_text("s3cret-token")
            opts = {"kubeconfig": str(path)}
            async with (
                informer_for(c, options=opts) as pods,
                informer_for(c, configmaps, options=opts) as cms,
            ):
                await pods.wait_synced(timeout=10)
                await cms.wait_synced(timeout=10)
                assert cached(pods) == expected(c.server)
                assert cached(cms) == expected(c.server, "configmaps")
    # one identity, one plugin run: cached across list and watch and across informers
    assert (state / "runs.jsonl").read_text().count("\n") == 1


async def test_in_cluster_service_account(
    cluster: ClusterFactory, tmp_path: Path, ca: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sa = tmp_path / "serviceaccount"
    sa.mkdir()
    (sa / "token").write_text("s3cret-token\n")
    (sa / "ca.crt").write_bytes(ca.cert_pem.bytes())
    (sa / "namespace").write_text("default")
    with trio.fail_after(20):
        async with cluster(["pods"]) as c:
            host, port = c.server.url.removeprefix("https://").rsplit(":", 1)
            monkeypatch.setenv("KUBERNETES_SERVICE_HOST", host)
            monkeypatch.setenv("KUBERNETES_SERVICE_PORT", port)
            c.server.create("pods", pod("p"))
            spec = SourceSpec(resource=PODS, options={"url": "k8s://in-cluster", "in_cluster_dir": str(sa)})
            source = create_source(spec)
            assert isinstance(source, KubernetesSource)
            assert source.config.description == "in-cluster"
            async with open_informer(PODS, source, backoff=fast_backoff()) as inf:
                await inf.wait_synced(timeout=10)
                assert cached(inf) == expected(c.server)


def test_options_from_url() -> None:
    assert options_from_url("k8s://") == {}
    assert options_from_url("k8s://kind-dev") == {"context": "kind-dev"}
    assert options_from_url("kubernetes://arn:aws:eks:eu-west-1:1:cluster/prod") == {
        "context": "arn:aws:eks:eu-west-1:1:cluster/prod"
    }
    assert options_from_url("k8s://in-cluster") == {"in_cluster": True}
    assert options_from_url("k8s://dev?kubeconfig=/etc/k.yaml") == {
        "context": "dev",
        "kubeconfig": "/etc/k.yaml",
    }
    assert options_from_url("https://10.0.0.1:6443") == {"server": "https://10.0.0.1:6443"}


async def test_watch_list_option_reaches_the_informer(cluster: ClusterFactory) -> None:
    with trio.fail_after(20):
        async with cluster(["pods"]) as c:
            for i in range(3):
                c.server.create("pods", pod(f"p{i}"))
            spec = InformerSpec(
                name="pods",
                resource=PODS,
                source_factory=create_source,
                source_options={**c.options, "watch_list": True, "watch_list_deadline": 5},
            )
            async with open_manager() as manager:
                inf = await manager.start(spec)
                await inf.wait_synced(timeout=10)
                assert cached(inf) == expected(c.server)
                await manager.stop("pods")
            await watches_closed(c.server)
            assert not queries(c.server, watch=False)
            assert queries(c.server, watch=True)[0]["sendInitialEvents"] == ["true"]


class NoEndBookmark:
    """A server that accepts a streaming list but never ends it (the case client-go hangs
    on), made by hiding the initial-events-end bookmark of the real source's stream."""

    def __init__(self, source: KubernetesSource) -> None:
        self.source = source
        self.description = source.description

    async def list(self, **kwargs: Any) -> Any:
        return await self.source.list(**kwargs)

    @asynccontextmanager
    async def watch(self, **kwargs: Any) -> AsyncIterator[AsyncIterator[Any]]:
        async with self.source.watch(**kwargs) as events:

            async def filtered() -> AsyncIterator[Any]:
                async for ev in events:
                    if ev.key != INITIAL_EVENTS_END:
                        yield ev

            yield filtered()

    async def aclose(self) -> None:
        await self.source.aclose()


async def test_watch_list_without_end_bookmark_falls_back_to_a_list(cluster: ClusterFactory) -> None:
    with trio.fail_after(20):
        async with cluster(["pods"]) as c:
            for i in range(3):
                c.server.create("pods", pod(f"p{i}"))
            source = NoEndBookmark(create_source(SourceSpec(resource=PODS, options=c.options)))
            async with open_informer(
                PODS, source, backoff=fast_backoff(), watch_list=True, watch_list_timeout=0.3
            ) as inf:
                await inf.wait_synced(timeout=10)
                assert cached(inf) == expected(c.server)
                c.server.create("pods", pod("after"))
                await converge(inf, c.server)
            await watches_closed(c.server)
            assert queries(c.server, watch=True)[0]["sendInitialEvents"] == ["true"]
            assert queries(c.server, watch=False)  # the fallback list


async def test_rotated_service_account_token_is_picked_up_after_a_401(
    cluster: ClusterFactory, tmp_path: Path, ca: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sa = tmp_path / "serviceaccount"
    sa.mkdir()
    (sa / "token").write_text("token-1")
    (sa / "ca.crt").write_bytes(ca.cert_pem.bytes())
    tokens: dict[str, Any] = {"token-1": None}
    with trio.fail_after(20):
        async with cluster(["pods"], tokens=tokens) as c:
            host, port = c.server.url.removeprefix("https://").rsplit(":", 1)
            monkeypatch.setenv("KUBERNETES_SERVICE_HOST", host)
            monkeypatch.setenv("KUBERNETES_SERVICE_PORT", port)
            c.server.create("pods", pod("p"))
            source = create_source(
                SourceSpec(resource=PODS, options={"in_cluster": True, "in_cluster_dir": str(sa)})
            )
            async with open_informer(PODS, source, backoff=fast_backoff()) as inf:
                await inf.wait_synced(timeout=10)
                await c.server.wait_watching("pods")
                # kubelet rotates the token; the API server stops accepting the old one
                (sa / "token").write_text("token-2")
                tokens["token-2"] = None
                del tokens["token-1"]
                c.server.faults.watch_drop_after = 1  # the next event ends the watch: re-watch
                c.server.create("pods", pod("q"))
                c.server.create("pods", pod("r"))
                await converge(inf, c.server)
                assert inf.stats.last_error is None or "401" not in inf.stats.last_error
            statuses = [r.status for r in c.server.requests if r.path.endswith("/pods")]
    assert 401 in statuses  # the stale token was refused once, then the re-read one accepted
