"""kubeconfig and in-cluster loading, with files shaped like the ones kubectl users have."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
import trustme
from informer import ConfigError
from informer_kubernetes.kubeconfig import load_client_config, load_in_cluster, load_kubeconfig

from ._kubeconfigs import b64, exec_user, kubeconfig_doc, write_kubeconfig


@pytest.fixture
def pki() -> dict[str, bytes]:
    ca = trustme.CA()
    client = ca.issue_cert("alice")
    return {
        "ca": ca.cert_pem.bytes(),
        "cert": client.cert_chain_pems[0].bytes(),
        "key": client.private_key_pem.bytes(),
    }


def multi_context(pki: dict[str, bytes]) -> dict[str, Any]:
    """A kubeconfig like a developer's: a kind cluster, a prod cluster, three users."""
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "kind-dev",
        "clusters": [
            {
                "name": "kind-dev",
                "cluster": {
                    "server": "https://127.0.0.1:6443/",
                    "certificate-authority-data": b64(pki["ca"]),
                },
            },
            {
                "name": "prod",
                "cluster": {
                    "server": "https://prod.example.com",
                    "certificate-authority": "pki/ca.crt",
                    "tls-server-name": "kubernetes.default",
                    "proxy-url": "http://proxy.example.com:3128",
                },
            },
            {
                "name": "legacy",
                "cluster": {"server": "https://old.example.com", "insecure-skip-tls-verify": True},
            },
        ],
        "users": [
            {
                "name": "kind-dev",
                "user": {
                    "client-certificate-data": b64(pki["cert"]),
                    "client-key-data": b64(pki["key"]),
                },
            },
            {"name": "ops", "user": {"client-certificate": "pki/alice.crt", "client-key": "pki/alice.key"}},
            {"name": "robot", "user": {"tokenFile": "tokens/robot"}},
            {"name": "basic", "user": {"username": "admin", "password": "s3cret"}},
        ],
        "contexts": [
            {"name": "kind-dev", "context": {"cluster": "kind-dev", "user": "kind-dev"}},
            {"name": "prod-ops", "context": {"cluster": "prod", "user": "ops", "namespace": "payments"}},
            {"name": "prod-robot", "context": {"cluster": "prod", "user": "robot", "namespace": "ci"}},
            {"name": "legacy", "context": {"cluster": "legacy", "user": "basic"}},
        ],
    }


def write_pki(folder: Path, pki: dict[str, bytes]) -> None:
    (folder / "pki").mkdir(parents=True, exist_ok=True)
    (folder / "pki" / "ca.crt").write_bytes(pki["ca"])
    (folder / "pki" / "alice.crt").write_bytes(pki["cert"])
    (folder / "pki" / "alice.key").write_bytes(pki["key"])
    (folder / "tokens").mkdir(exist_ok=True)
    (folder / "tokens" / "robot").write_text("robot-token\n")


def test_current_context_with_inline_data(tmp_path: Path, pki: dict[str, bytes]) -> None:
    path = write_kubeconfig(tmp_path / "config", multi_context(pki))
    cfg = load_kubeconfig(path)
    assert cfg.context == "kind-dev"
    assert cfg.server == "https://127.0.0.1:6443"
    assert cfg.namespace == "default"
    assert cfg.ca_data == pki["ca"]
    assert cfg.client_cert_data == pki["cert"] and cfg.client_key_data == pki["key"]
    assert cfg.token is None and cfg.exec is None
    assert "kind-dev" in cfg.description


def test_other_contexts_resolve_relative_paths_against_the_file(
    tmp_path: Path, pki: dict[str, bytes]
) -> None:
    folder = tmp_path / "home" / ".kube"
    write_pki(folder, pki)
    path = write_kubeconfig(folder / "config", multi_context(pki))

    ops = load_kubeconfig(path, context="prod-ops")
    assert ops.namespace == "payments"
    assert ops.ca_data == pki["ca"]
    assert ops.client_key_data == pki["key"]
    assert ops.tls_server_name == "kubernetes.default"
    assert ops.proxy_url == "http://proxy.example.com:3128"

    robot = load_kubeconfig(path, context="prod-robot")
    assert robot.token_file == folder / "tokens" / "robot"
    assert robot.namespace == "ci"

    legacy = load_kubeconfig(path, context="legacy")
    assert legacy.insecure_skip_tls_verify
    assert (legacy.username, legacy.password) == ("admin", "s3cret")


def test_kubeconfig_env_merges_first_file_wins(tmp_path: Path, pki: dict[str, bytes]) -> None:
    first = kubeconfig_doc("https://first.example.com", context="shared")
    first["current-context"] = None  # first file sets no current-context: the second's applies
    second = kubeconfig_doc("https://second.example.com", context="shared")
    second["contexts"].append(
        {"name": "only-second", "context": {"cluster": "shared-cluster", "user": "shared-user"}}
    )
    second["current-context"] = "only-second"
    a = write_kubeconfig(tmp_path / "a.yaml", first)
    b = write_kubeconfig(tmp_path / "b.yaml", second)
    missing = tmp_path / "missing.yaml"
    env = {"KUBECONFIG": os.pathsep.join([str(missing), str(a), str(b)]), "HOME": str(tmp_path)}

    cfg = load_kubeconfig(env=env)
    # the context comes from the second file, but the cluster named in it from the first
    assert cfg.context == "only-second"
    assert cfg.server == "https://first.example.com"
    assert load_kubeconfig(env=env, context="shared").server == "https://first.example.com"


def test_default_location_is_home_kube_config(tmp_path: Path) -> None:
    write_kubeconfig(
        tmp_path / ".kube" / "config", kubeconfig_doc("https://home.example.com", user={"token": "t"})
    )
    cfg = load_kubeconfig(env={"HOME": str(tmp_path)})
    assert cfg.server == "https://home.example.com"
    assert cfg.token == "t"


def test_exec_user_is_parsed(tmp_path: Path) -> None:
    doc = kubeconfig_doc("https://exec.example.com", user=exec_user(tmp_path / "plugin"))
    doc["clusters"][0]["cluster"]["extensions"] = [
        {"name": "client.authentication.k8s.io/exec", "extension": {"audience": "kube"}}
    ]
    cfg = load_kubeconfig(write_kubeconfig(tmp_path / "config", doc))
    assert cfg.exec is not None
    assert cfg.exec.api_version == "client.authentication.k8s.io/v1"
    assert cfg.exec.env == (("PLUGIN_ENV", "from-kubeconfig"),)
    assert cfg.exec.provide_cluster_info
    assert cfg.exec.cluster_config == {"audience": "kube"}
    assert cfg.exec.interactive_mode == "Never"


def test_options_pick_kubeconfig_context_or_server(tmp_path: Path, pki: dict[str, bytes]) -> None:
    write_pki(tmp_path, pki)
    path = write_kubeconfig(tmp_path / "config", multi_context(pki))
    cfg = load_client_config(
        {"kubeconfig": str(path), "context": "prod-ops", "server": "https://override:1/"}
    )
    assert cfg.context == "prod-ops"
    assert cfg.server == "https://override:1"


def test_in_cluster(tmp_path: Path, pki: dict[str, bytes]) -> None:
    (tmp_path / "token").write_text("sa-token")
    (tmp_path / "ca.crt").write_bytes(pki["ca"])
    (tmp_path / "namespace").write_text("kube-system\n")
    env = {"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"}
    cfg = load_in_cluster(tmp_path, env=env)
    assert cfg.server == "https://10.96.0.1:443"
    assert cfg.namespace == "kube-system"
    assert cfg.ca_data == pki["ca"]
    assert cfg.token_file == tmp_path / "token"
    assert cfg.description == "in-cluster"

    v6 = load_in_cluster(
        tmp_path, env={"KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "443"}
    )
    assert v6.server == "https://[fd00::1]:443"

    opts = load_client_config({"in_cluster": True, "in_cluster_dir": str(tmp_path)}, env=env)
    assert opts.server == "https://10.96.0.1:443"


def test_in_cluster_outside_a_pod(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="KUBERNETES_SERVICE_HOST"):
        load_in_cluster(tmp_path, env={})
    env = {"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"}
    with pytest.raises(ConfigError, match=r"in-cluster: .*token: cannot read service-account token"):
        load_in_cluster(tmp_path, env=env)


# ---------------------------------------------------------------------------- bad kubeconfigs


def _bad_key(doc: dict[str, Any]) -> None:
    doc["users"][0]["user"]["client-key-data"] = "not*base64!"


def _bad_ca_pem(doc: dict[str, Any]) -> None:
    doc["clusters"][0]["cluster"]["certificate-authority-data"] = b64(b"-----BEGIN CERTIFICATE-----\nnope\n")


def _no_server(doc: dict[str, Any]) -> None:
    del doc["clusters"][0]["cluster"]["server"]


def _users_not_list(doc: dict[str, Any]) -> None:
    doc["users"] = {"name": "x"}


def _insecure_is_string(doc: dict[str, Any]) -> None:
    doc["clusters"][0]["cluster"]["insecure-skip-tls-verify"] = "yes"


def _unknown_user(doc: dict[str, Any]) -> None:
    doc["contexts"][0]["context"]["user"] = "nobody"


def _missing_token_file(doc: dict[str, Any]) -> None:
    doc["users"][0]["user"] = {"tokenFile": "secrets/token"}


def _exec_v1alpha1(doc: dict[str, Any]) -> None:
    doc["users"][0]["user"] = {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1alpha1",
            "command": "x",
            "interactiveMode": "Never",
        }
    }


def _exec_v1_without_mode(doc: dict[str, Any]) -> None:
    doc["users"][0]["user"] = {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": "x"}}


def _ca_and_insecure(doc: dict[str, Any]) -> None:
    doc["clusters"][0]["cluster"]["insecure-skip-tls-verify"] = True


def _token_and_basic(doc: dict[str, Any]) -> None:
    doc["users"][0]["user"] = {"token": "t", "username": "u", "password": "p"}


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (_bad_key, r"config: users\[0\]\.user\.client-key-data: not valid base64$"),
        (
            _bad_ca_pem,
            r"config: clusters\[0\]\.cluster\.certificate-authority-data: not a valid PEM certificate",
        ),
        (_no_server, r"config: clusters\[0\]\.cluster\.server: missing"),
        (_users_not_list, r"config: users: must be a list, not dict"),
        (_insecure_is_string, r"clusters\[0\]\.cluster\.insecure-skip-tls-verify: must be true or false"),
        (
            _unknown_user,
            r"config: contexts\[0\]\.context\.user: user 'nobody' was not found for context 'test'",
        ),
        (_missing_token_file, r"config: users\[0\]\.user\.tokenFile: cannot read .*secrets/token"),
        (
            _exec_v1alpha1,
            r"users\[0\]\.user\.exec\.apiVersion: 'client\.authentication\.k8s\.io/v1alpha1' is not",
        ),
        (_exec_v1_without_mode, r"users\[0\]\.user\.exec\.interactiveMode: required"),
        (_ca_and_insecure, r"clusters\[0\]\.cluster: certificate-authority cannot be combined with insecure"),
        (_token_and_basic, r"users\[0\]\.user: more than one authentication method"),
    ],
)
def test_bad_kubeconfig_names_file_and_field(
    tmp_path: Path, pki: dict[str, bytes], mutate: Any, expected: str
) -> None:
    doc = kubeconfig_doc(
        "https://127.0.0.1:6443",
        ca=pki["ca"],
        user={"client-certificate-data": b64(pki["cert"]), "client-key-data": b64(pki["key"])},
    )
    mutate(doc)
    path = write_kubeconfig(tmp_path / "config", doc)
    with pytest.raises(ConfigError) as info:
        load_kubeconfig(path)
    message = str(info.value)
    assert message.startswith(str(tmp_path)), message
    assert re.search(expected, message), message


def test_home_is_shown_as_tilde(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    doc = kubeconfig_doc("https://x", user={"client-key-data": "@@@", "client-certificate-data": "QQ=="})
    write_kubeconfig(tmp_path / ".kube" / "config", doc)
    with pytest.raises(
        ConfigError, match=r"^~/\.kube/config: users\[0\]\.user\.client-key-data: not valid base64$"
    ):
        load_kubeconfig(env={"HOME": str(tmp_path)})


def test_bad_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text("apiVersion: v1\nclusters:\n- name: a\n  cluster: {server: [\n")
    with pytest.raises(ConfigError, match=r"config: line \d+: not valid YAML"):
        load_kubeconfig(path)


def test_unknown_context_lists_the_known_ones(tmp_path: Path) -> None:
    path = write_kubeconfig(tmp_path / "config", kubeconfig_doc("https://x", context="dev"))
    with pytest.raises(ConfigError, match=r"context 'prod' not found \(contexts: dev\)"):
        load_kubeconfig(path, context="prod")


def test_no_kubeconfig_anywhere(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no kubeconfig found"):
        load_kubeconfig(env={"HOME": str(tmp_path)})
    with pytest.raises(ConfigError, match="does not exist"):
        load_kubeconfig(tmp_path / "nope")
    with pytest.raises(ConfigError, match="none of these files exists"):
        load_kubeconfig(env={"HOME": str(tmp_path), "KUBECONFIG": str(tmp_path / "x")})


def test_an_odd_unused_user_does_not_block_the_current_context(tmp_path: Path) -> None:
    doc = kubeconfig_doc("https://good.example.com", user={"token": "t"})
    doc["users"].append({"name": "legacy", "user": {"token": "a", "username": "b", "exec": {"command": "x"}}})
    cfg = load_kubeconfig(write_kubeconfig(tmp_path / "config", doc))
    assert cfg.token == "t"
    doc["contexts"].append({"name": "legacy", "context": {"cluster": "test-cluster", "user": "legacy"}})
    with pytest.raises(ConfigError, match=r"users\[1\]\.user: more than one authentication method"):
        load_kubeconfig(write_kubeconfig(tmp_path / "config", doc), context="legacy")
