"""Where the cluster is and who we are: kubeconfig files and in-cluster service accounts.

This module turns the two ways a Kubernetes client learns its connection settings into one
value, :class:`ClientConfig` (client-go's ``rest.Config``):

* :func:`load_kubeconfig` reads kubeconfig files the way ``kubectl`` does:

  - an explicit file (``--kubeconfig``) is used alone and must exist;
  - otherwise ``$KUBECONFIG`` is a ``os.pathsep``-separated list of files, missing ones
    skipped, **merged per name with the first file winning** (for clusters, users and
    contexts alike, and for ``current-context``);
  - otherwise ``~/.kube/config``.

  Relative paths inside a file (``certificate-authority``, ``client-certificate``,
  ``client-key``, ``tokenFile`` and an ``exec`` command containing a path separator) are
  resolved against *that file's* directory before merging, as client-go does.
  The context is ``context=`` or the merged ``current-context``.

* :func:`load_in_cluster` reads the service-account files a pod is given
  (``/var/run/secrets/kubernetes.io/serviceaccount/{token,ca.crt,namespace}``) and the
  ``KUBERNETES_SERVICE_HOST``/``KUBERNETES_SERVICE_PORT`` variables. The directory and the
  environment are parameters so tests can point them elsewhere.

Every fault in a file is a :class:`informer.ConfigError` naming the file and the field,
e.g. ``~/.kube/config: users[0].user.client-key-data: not valid base64``. The whole file is
checked when it is read (kubectl refuses a file with one bad entry too); files referenced
by the chosen context (certificates, keys, token files) are checked when the context is
resolved, and PEM data by building the TLS context once.

Credentials that change while the program runs (token files, exec plugins) are not read
here once and for all: :class:`ClientConfig` keeps *where* they come from, and
:class:`informer_kubernetes.client.KubeAuth` refreshes them.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import attrs
import yaml
from informer import ConfigError

__all__ = [
    "DEFAULT_IN_CLUSTER_DIR",
    "ClientConfig",
    "ExecConfig",
    "display_path",
    "load_client_config",
    "load_in_cluster",
    "load_kubeconfig",
    "merged_options",
    "options_from_url",
]

#: where kubelet mounts a pod's service-account credentials
DEFAULT_IN_CLUSTER_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")

_SCHEMES = ("k8s", "kubernetes")
_EXEC_API_VERSIONS = ("client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1")
_INTERACTIVE_MODES = ("Never", "IfAvailable", "Always")


def display_path(path: str | os.PathLike[str]) -> str:
    """``path`` as a person would write it in a message: the home directory as ``~``."""
    text = os.fspath(path)
    home = os.path.expanduser("~")
    if home not in ("", "/", "~") and (text == home or text.startswith(home + os.sep)):
        return "~" + text[len(home) :]
    return text


@attrs.frozen(slots=True)
class ExecConfig:
    """An ``exec`` credential plugin, as the kubeconfig describes it (``users[].user.exec``)."""

    command: str
    args: tuple[str, ...] = ()
    #: extra environment variables for the plugin, on top of ours
    env: tuple[tuple[str, str], ...] = ()
    api_version: str = "client.authentication.k8s.io/v1"
    install_hint: str = ""
    provide_cluster_info: bool = False
    interactive_mode: str = "IfAvailable"
    #: ``clusters[].cluster.extensions[client.authentication.k8s.io/exec]``, passed on in
    #: ``KUBERNETES_EXEC_INFO`` when ``provide_cluster_info`` is set
    cluster_config: Any = None
    #: where this came from, for messages (``file: users[2].user.exec``)
    origin: str = ""


@attrs.frozen(slots=True)
class ClientConfig:
    """Everything needed to talk to one API server as one identity (client-go's ``rest.Config``).

    PEM data is held in memory (``ca_data``, ``client_cert_data``, ``client_key_data``)
    whether the kubeconfig gave a file or inline base64. ``token_file`` is kept as a path:
    it is re-read while running, because service-account tokens rotate.

    ``origins`` maps a field name of this class to where its value came from
    (``~/.kube/config: users[0].user.client-key-data``) so later faults can name it.
    """

    server: str
    namespace: str = "default"
    context: str | None = None
    #: a short human description: ``kubeconfig ~/.kube/config (context kind-dev)`` or ``in-cluster``
    description: str = ""
    ca_data: bytes | None = None
    insecure_skip_tls_verify: bool = False
    tls_server_name: str | None = None
    proxy_url: str | None = None
    client_cert_data: bytes | None = None
    client_key_data: bytes | None = None
    token: str | None = None
    token_file: Path | None = None
    username: str | None = None
    password: str | None = None
    exec: ExecConfig | None = None
    origins: Mapping[str, str] = attrs.field(factory=dict)

    def origin(self, field: str) -> str:
        """Where ``field`` came from, or the config's description."""
        return self.origins.get(field, self.description)


# --------------------------------------------------------------------------- file parsing


@attrs.frozen(slots=True)
class _Entry:
    """One named cluster, user or context of one file, with where it sits in that file."""

    name: str
    body: Mapping[str, Any]
    #: ``~/.kube/config: users[0].user``
    where: str
    base: Path


@attrs.frozen(slots=True)
class _File:
    path: Path
    current_context: str | None
    clusters: dict[str, _Entry]
    users: dict[str, _Entry]
    contexts: dict[str, _Entry]


def _fail(where: str, message: str) -> ConfigError:
    return ConfigError(f"{where}: {message}")


def _expect_str(body: Mapping[str, Any], key: str, where: str) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _fail(f"{where}.{key}", f"must be a string, not {type(value).__name__}")
    return value


def _expect_bool(body: Mapping[str, Any], key: str, where: str) -> bool:
    value = body.get(key, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise _fail(f"{where}.{key}", f"must be true or false, not {value!r}")
    return value


def _b64(body: Mapping[str, Any], key: str, where: str) -> bytes | None:
    text = _expect_str(body, key, where)
    if text is None:
        return None
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise _fail(f"{where}.{key}", "not valid base64") from None


def _named_list(doc: Mapping[str, Any], section: str, inner: str, display: str) -> list[tuple[int, str, Any]]:
    raw = doc.get(section)
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise _fail(f"{display}: {section}", f"must be a list, not {type(raw).__name__}")
    out = []
    for index, item in enumerate(raw):
        where = f"{display}: {section}[{index}]"
        if not isinstance(item, Mapping):
            raise _fail(where, "must be a mapping with 'name' and '" + inner + "'")
        name = item.get("name")
        if not isinstance(name, str) or not name:
            raise _fail(f"{where}.name", "missing or not a string")
        body = item.get(inner)
        if body is None:
            body = {}
        if not isinstance(body, Mapping):
            raise _fail(f"{where}.{inner}", f"must be a mapping, not {type(body).__name__}")
        out.append((index, name, body))
    return out


_CLUSTER_STR = ("server", "certificate-authority", "tls-server-name", "proxy-url")
_USER_STR = ("client-certificate", "client-key", "token", "tokenFile", "username", "password")
_CONTEXT_STR = ("cluster", "user", "namespace")


def _check_cluster(body: Mapping[str, Any], where: str) -> None:
    for key in _CLUSTER_STR:
        _expect_str(body, key, where)
    _expect_bool(body, "insecure-skip-tls-verify", where)
    _b64(body, "certificate-authority-data", where)


def _check_user(body: Mapping[str, Any], where: str) -> None:
    # Types and base64 of every user, as client-go's decoding of the file; whether the
    # credentials make sense together is checked only for the user in use (below), so an
    # odd entry for another cluster does not stop this one — as kubectl behaves.
    for key in _USER_STR:
        _expect_str(body, key, where)
    _b64(body, "client-certificate-data", where)
    _b64(body, "client-key-data", where)
    if body.get("exec") is not None and not isinstance(body["exec"], Mapping):
        raise _fail(f"{where}.exec", "must be a mapping")


def _check_user_usable(body: Mapping[str, Any], where: str) -> None:
    if body.get("exec") is not None and body.get("auth-provider") is not None:
        raise _fail(where, "auth-provider cannot be combined with an exec plugin")
    has_token = body.get("token") or body.get("tokenFile")
    has_basic = body.get("username") or body.get("password")
    if has_token and has_basic:
        raise _fail(
            where, "more than one authentication method (token and username/password); only one is allowed"
        )


def _parse_exec(raw: Any, where: str, base: Path) -> ExecConfig:
    if not isinstance(raw, Mapping):
        raise _fail(where, "must be a mapping")
    command = _expect_str(raw, "command", where)
    if not command:
        raise _fail(f"{where}.command", "missing")
    if os.sep in command or (os.altsep and os.altsep in command):
        # client-go resolves a command with a path separator against the kubeconfig's directory
        command = os.fspath(base / command)
    api_version = _expect_str(raw, "apiVersion", where)
    if api_version not in _EXEC_API_VERSIONS:
        raise _fail(
            f"{where}.apiVersion",
            f"{api_version!r} is not supported; use one of {', '.join(_EXEC_API_VERSIONS)}",
        )
    args_raw = raw.get("args") or []
    if not isinstance(args_raw, list) or not all(isinstance(a, str) for a in args_raw):
        raise _fail(f"{where}.args", "must be a list of strings")
    env_raw = raw.get("env") or []
    if not isinstance(env_raw, list):
        raise _fail(f"{where}.env", "must be a list of {name, value}")
    env: list[tuple[str, str]] = []
    for i, item in enumerate(env_raw):
        if (
            not isinstance(item, Mapping)
            or not isinstance(item.get("name"), str)
            or not isinstance(item.get("value", ""), str)
        ):
            raise _fail(f"{where}.env[{i}]", "must be a mapping with string 'name' and 'value'")
        env.append((item["name"], item.get("value", "")))
    mode = _expect_str(raw, "interactiveMode", where)
    if mode is None:
        if api_version.endswith("/v1"):
            # as client-go: v1 makes the field mandatory, v1beta1 defaults it
            raise _fail(f"{where}.interactiveMode", "required for client.authentication.k8s.io/v1")
        mode = "IfAvailable"
    if mode not in _INTERACTIVE_MODES:
        raise _fail(
            f"{where}.interactiveMode", f"must be one of {', '.join(_INTERACTIVE_MODES)}, not {mode!r}"
        )
    return ExecConfig(
        command=command,
        args=tuple(args_raw),
        env=tuple(env),
        api_version=api_version,
        install_hint=_expect_str(raw, "installHint", where) or "",
        provide_cluster_info=_expect_bool(raw, "provideClusterInfo", where),
        interactive_mode=mode,
        origin=where,
    )


def _read_file(path: Path) -> _File:
    display = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{display}: cannot read kubeconfig: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{display}: not UTF-8 text") from None
    try:
        doc = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f"line {mark.line + 1}: " if mark is not None else ""
        raise ConfigError(f"{display}: {line}not valid YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{display}: not valid YAML: {exc}") from None
    if doc is None:
        doc = {}
    if not isinstance(doc, Mapping):
        raise ConfigError(f"{display}: a kubeconfig must be a mapping, not {type(doc).__name__}")
    base = path.parent
    current = doc.get("current-context")
    if current is not None and not isinstance(current, str):
        raise ConfigError(f"{display}: current-context: must be a string, not {type(current).__name__}")
    files = _File(path=path, current_context=current or None, clusters={}, users={}, contexts={})
    for section, inner, target, check in (
        ("clusters", "cluster", files.clusters, _check_cluster),
        ("users", "user", files.users, _check_user),
        ("contexts", "context", files.contexts, None),
    ):
        for index, name, body in _named_list(doc, section, inner, display):
            where = f"{display}: {section}[{index}].{inner}"
            if check is not None:
                check(body, where)
            else:
                for key in _CONTEXT_STR:
                    _expect_str(body, key, where)
            # within one file the first entry of a name wins too (client-go errors on
            # duplicates in newer versions; the first is the useful one)
            target.setdefault(name, _Entry(name=name, body=body, where=where, base=base))
    return files


# --------------------------------------------------------------------------- merging and resolving


def _kubeconfig_paths(explicit: str | os.PathLike[str] | None, env: Mapping[str, str]) -> list[Path]:
    if explicit is not None:
        path = Path(os.path.expanduser(os.fspath(explicit)))
        if not path.exists():
            raise ConfigError(f"{display_path(path)}: kubeconfig file does not exist")
        return [path]
    listed = env.get("KUBECONFIG", "")
    if listed:
        seen: list[Path] = []
        for part in listed.split(os.pathsep):
            if part and Path(part) not in seen:
                seen.append(Path(part))
        existing = [p for p in seen if p.exists()]
        if not existing:
            raise ConfigError(
                f"KUBECONFIG={listed}: none of these files exists "
                "(set KUBECONFIG to a kubeconfig file or pass kubeconfig=)"
            )
        return existing
    home = env.get("HOME") or os.path.expanduser("~")
    default = Path(home) / ".kube" / "config"
    if not default.exists():
        raise ConfigError(
            f"{display_path(default)}: no kubeconfig found (set KUBECONFIG, pass kubeconfig=, "
            "or use in_cluster=true inside a pod)"
        )
    return [default]


def _read_bytes(value: str, base: Path, where: str) -> tuple[bytes, Path]:
    path = Path(value)
    if not path.is_absolute():
        path = base / path
    try:
        return path.read_bytes(), path
    except OSError as exc:
        raise _fail(where, f"cannot read {display_path(path)}: {exc.strerror or exc}") from None


def _pem_or_file(
    body: Mapping[str, Any], file_key: str, data_key: str, entry: _Entry, origins: dict[str, str], field: str
) -> bytes | None:
    # the -data form wins over the file form, as in client-go
    data = _b64(body, data_key, entry.where)
    if data is not None:
        origins[field] = f"{entry.where}.{data_key}"
        return data
    file_value = _expect_str(body, file_key, entry.where)
    if file_value:
        content, path = _read_bytes(file_value, entry.base, f"{entry.where}.{file_key}")
        origins[field] = f"{entry.where}.{file_key} ({display_path(path)})"
        return content
    return None


def load_kubeconfig(
    kubeconfig: str | os.PathLike[str] | None = None,
    *,
    context: str | None = None,
    env: Mapping[str, str] | None = None,
) -> ClientConfig:
    """Resolve one context of the kubeconfig into a :class:`ClientConfig`.

    ``kubeconfig`` is an explicit file (as ``kubectl --kubeconfig``); ``None`` means
    ``$KUBECONFIG`` or ``~/.kube/config``. ``context`` defaults to ``current-context``.
    ``env`` replaces :data:`os.environ` (for ``KUBECONFIG`` and ``HOME``).
    Raises :class:`informer.ConfigError` naming the file and field at fault.
    """
    environ = os.environ if env is None else env
    files = [_read_file(p) for p in _kubeconfig_paths(kubeconfig, environ)]
    names = ", ".join(display_path(f.path) for f in files)

    clusters: dict[str, _Entry] = {}
    users: dict[str, _Entry] = {}
    contexts: dict[str, _Entry] = {}
    current: str | None = None
    for f in files:  # first file wins, per name
        for name, entry in f.clusters.items():
            clusters.setdefault(name, entry)
        for name, entry in f.users.items():
            users.setdefault(name, entry)
        for name, entry in f.contexts.items():
            contexts.setdefault(name, entry)
        if current is None:
            current = f.current_context

    chosen = context or current
    if not chosen:
        raise ConfigError(f"{names}: no current-context is set and no context was given")
    ctx = contexts.get(chosen)
    if ctx is None:
        known = ", ".join(sorted(contexts)) or "none"
        raise ConfigError(f"{names}: context {chosen!r} not found (contexts: {known})")
    cluster_name = ctx.body.get("cluster")
    if not cluster_name:
        raise ConfigError(f"{ctx.where}.cluster: missing")
    cluster = clusters.get(cluster_name)
    if cluster is None:
        raise ConfigError(
            f"{ctx.where}.cluster: cluster {cluster_name!r} was not found for context {chosen!r}"
        )
    user_name = ctx.body.get("user")
    user: _Entry | None = None
    if user_name:
        user = users.get(user_name)
        if user is None:
            raise ConfigError(f"{ctx.where}.user: user {user_name!r} was not found for context {chosen!r}")

    origins: dict[str, str] = {}
    cb = cluster.body
    server = _expect_str(cb, "server", cluster.where)
    if not server:
        raise ConfigError(f"{cluster.where}.server: missing (cluster {cluster_name!r} has no server)")
    origins["server"] = f"{cluster.where}.server"
    ca = _pem_or_file(cb, "certificate-authority", "certificate-authority-data", cluster, origins, "ca_data")
    insecure = _expect_bool(cb, "insecure-skip-tls-verify", cluster.where)
    if insecure and ca is not None:
        raise ConfigError(
            f"{cluster.where}: certificate-authority cannot be combined with insecure-skip-tls-verify"
        )
    exec_extension = None
    extensions = cb.get("extensions")
    if isinstance(extensions, list):
        for ext in extensions:
            if isinstance(ext, Mapping) and ext.get("name") == "client.authentication.k8s.io/exec":
                exec_extension = ext.get("extension")

    fields: dict[str, Any] = {}
    if user is not None:
        ub = user.body
        _check_user_usable(ub, user.where)
        fields["client_cert_data"] = _pem_or_file(
            ub, "client-certificate", "client-certificate-data", user, origins, "client_cert_data"
        )
        fields["client_key_data"] = _pem_or_file(
            ub, "client-key", "client-key-data", user, origins, "client_key_data"
        )
        if (fields["client_cert_data"] is None) != (fields["client_key_data"] is None):
            raise ConfigError(f"{user.where}: a client certificate needs both a certificate and a key")
        token = _expect_str(ub, "token", user.where)
        if token:
            fields["token"] = token
            origins["token"] = f"{user.where}.token"
        token_file = _expect_str(ub, "tokenFile", user.where)
        if token_file:
            path = Path(token_file)
            if not path.is_absolute():
                path = user.base / path
            _read_bytes(os.fspath(path), user.base, f"{user.where}.tokenFile")  # exists and readable now
            fields["token_file"] = path
            origins["token_file"] = f"{user.where}.tokenFile ({display_path(path)})"
        username = _expect_str(ub, "username", user.where)
        if username is not None:
            fields["username"] = username
            fields["password"] = _expect_str(ub, "password", user.where) or ""
        if ub.get("exec") is not None:
            ex = _parse_exec(ub["exec"], f"{user.where}.exec", user.base)
            fields["exec"] = attrs.evolve(ex, cluster_config=exec_extension)
        elif ub.get("auth-provider") is not None and not (token or token_file or username):
            provider = ub["auth-provider"]
            pname = provider.get("name") if isinstance(provider, Mapping) else provider
            raise ConfigError(
                f"{user.where}.auth-provider: auth provider {pname!r} is not supported; "
                "use an exec credential plugin instead (as kubectl 1.26+ requires)"
            )

    namespace = _expect_str(ctx.body, "namespace", ctx.where) or "default"
    config = ClientConfig(
        server=server.rstrip("/"),
        namespace=namespace,
        context=chosen,
        description=f"kubeconfig {names} (context {chosen})",
        ca_data=ca,
        insecure_skip_tls_verify=insecure,
        tls_server_name=_expect_str(cb, "tls-server-name", cluster.where) or None,
        proxy_url=_expect_str(cb, "proxy-url", cluster.where) or None,
        origins=origins,
        **fields,
    )
    _validate_tls(config)
    return config


def load_in_cluster(
    directory: str | os.PathLike[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
) -> ClientConfig:
    """The configuration of a pod's service account (client-go's ``rest.InClusterConfig``).

    Reads ``token``, ``ca.crt`` and ``namespace`` from ``directory`` (default
    :data:`DEFAULT_IN_CLUSTER_DIR`) and the server from ``KUBERNETES_SERVICE_HOST`` and
    ``KUBERNETES_SERVICE_PORT``. The token is kept as a file and re-read while running
    (bound service-account tokens are rotated by kubelet).
    """
    environ = os.environ if env is None else env
    folder = Path(directory) if directory is not None else DEFAULT_IN_CLUSTER_DIR
    host = environ.get("KUBERNETES_SERVICE_HOST", "")
    port = environ.get("KUBERNETES_SERVICE_PORT", "")
    if not host or not port:
        raise ConfigError(
            "in-cluster: not running inside a pod "
            "(KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set)"
        )
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # IPv6 literal
    token_path = folder / "token"
    where = f"in-cluster: {display_path(token_path)}"
    try:
        token_path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read service-account token: {exc.strerror or exc}") from None
    origins = {"token_file": where}
    ca_path = folder / "ca.crt"
    ca: bytes | None
    try:
        ca = ca_path.read_bytes()
        origins["ca_data"] = f"in-cluster: {display_path(ca_path)}"
    except FileNotFoundError:
        ca = None  # client-go logs and goes on with the system roots
    except OSError as exc:
        raise ConfigError(f"in-cluster: {display_path(ca_path)}: {exc.strerror or exc}") from None
    try:
        namespace = (folder / "namespace").read_text(encoding="utf-8").strip() or "default"
    except OSError:
        namespace = "default"
    config = ClientConfig(
        server=f"https://{host}:{port}",
        namespace=namespace,
        context=None,
        description="in-cluster",
        ca_data=ca,
        token_file=token_path,
        origins=origins,
    )
    _validate_tls(config)
    return config


def options_from_url(url: str) -> dict[str, Any]:
    """``k8s://prod?kubeconfig=/etc/kube.yaml`` -> ``{"context": "prod", "kubeconfig": ...}``.

    Context names may hold ``:`` and ``@`` (``arn:aws:eks:...``, ``user@cluster``), so the
    part after ``k8s://`` is taken verbatim up to ``?`` rather than parsed as a host.
    """
    scheme, sep, rest = url.partition(":")
    if not sep:
        return {}
    if scheme.lower() in ("http", "https"):
        return {"server": url}
    if scheme.lower() not in _SCHEMES:
        raise ConfigError(f"kubernetes source: url {url!r}: expected k8s://[CONTEXT] or an https:// URL")
    rest = rest.removeprefix("//")
    target, _, query = rest.partition("?")
    out: dict[str, Any] = {}
    if target == "in-cluster":
        out["in_cluster"] = True
    elif target:
        out["context"] = target
    for key, value in parse_qsl(query):
        if key in ("kubeconfig", "context", "server"):
            out[key] = value
        elif key == "in_cluster":
            out[key] = value.lower() in ("1", "true", "yes")
        else:
            raise ConfigError(f"kubernetes source: url {url!r}: unknown parameter {key!r}")
    return out


def merged_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """``options`` with a ``url`` option expanded by :func:`options_from_url` (explicit options win)."""
    merged = dict(options)
    url = merged.pop("url", None)
    if isinstance(url, str) and url:
        for key, value in options_from_url(url).items():
            merged.setdefault(key, value)  # explicit options win over the URL's
    return merged


def load_client_config(options: Mapping[str, Any], *, env: Mapping[str, str] | None = None) -> ClientConfig:
    """The :class:`ClientConfig` a source's options ask for.

    Options (all optional): ``url`` (see :func:`options_from_url`), ``in_cluster`` (bool;
    ``in_cluster_dir`` overrides the directory), ``kubeconfig`` (path), ``context`` (name).
    Without ``in_cluster`` the kubeconfig is used. ``server`` overrides the server address
    of either.
    """
    options = merged_options(options)
    if options.get("in_cluster"):
        config = load_in_cluster(options.get("in_cluster_dir"), env=env)
    else:
        config = load_kubeconfig(options.get("kubeconfig"), context=options.get("context"), env=env)
    server = options.get("server")
    if server:
        config = attrs.evolve(config, server=str(server).rstrip("/"))
    return config


def _validate_tls(config: ClientConfig) -> None:
    # Building the TLS context once here turns bad PEM into a message naming the field,
    # instead of an opaque ssl error at the first connection.
    from ._tls import make_ssl_context

    make_ssl_context(config)
