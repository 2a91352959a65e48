"""The command line of ``informer-run``: every flag, subcommand and exit code, in one place."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

__all__ = ["EXIT_FAILURE", "EXIT_OK", "EXIT_USAGE", "UsageError", "build_parser"]

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2

_EPILOG = """\
with no arguments, informer-run starts an embedded list/watch server with a small demo world (API-gateway
services and routes, changing a few times a second) and shows its informers live.

examples:
  informer-run                                           embedded demo, live view
  informer-run --source http://127.0.0.1:8080 --resource routes.gateway.example.com --output jsonl
  informer-run --source etcd://127.0.0.1:2379 --resource /registry/services/
  informer-run --source k8s --context prod --resource deployments.apps --namespace web
  informer-run --config informers.yaml --watch-config --metrics-port 9100 --snapshot cache.json
  informer-run serve --port 8080 --resource routes.gateway.example.com --watch-drop-after 50
  informer-run validate informers.yaml
  informer-run plugins --json

exit status:
  0  clean exit (including Ctrl-C / SIGTERM)
  1  runtime failure (server unreachable, informers not synced in --sync-timeout, internal error)
  2  usage or configuration error (bad flag, bad config, unknown resource, plugin failure with --strict)

environment:
  INFORMER_PLUGINS=a,b   load only these plugins (like --plugins)
"""


class UsageError(Exception):
    """A command-line value is wrong; printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors as one line (``informer-run: error: ...``) and exit status 2."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {message} (see {self.prog} --help)\n")
        raise SystemExit(EXIT_USAGE)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {text!r}")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port out of range: {text!r}")
    return value


def _common(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("logging and diagnostics")
    g.add_argument(
        "--log-level",
        default=None,
        choices=["debug", "info", "warning", "error"],
        help="log level of informer's own loggers (default: info; warning under the live view)",
    )
    g.add_argument(
        "--log-format",
        default="text",
        choices=["text", "json"],
        help="logs on stderr as text or one JSON object per line (default: text)",
    )
    g.add_argument("--debug", action="store_true", help="show tracebacks instead of one-line errors")


def _plugin_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("plugins")
    g.add_argument(
        "--plugins",
        metavar="A,B",
        help="load only these plugins (entry-point names; default: all installed, or $INFORMER_PLUGINS)",
    )
    g.add_argument(
        "--no-autoload",
        action="store_true",
        help="do not load installed plugins (only those named by --plugins)",
    )
    g.add_argument("--strict", action="store_true", help="refuse to start if any plugin fails to load")


def _server_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    p.add_argument("--port", type=_port, default=8080, help="port to bind; 0 = ephemeral (default: 8080)")
    p.add_argument(
        "--resource",
        action="append",
        default=[],
        metavar="NAME",
        help="also serve this resource, named as kubectl names it (configmaps, "
        "routes.gateway.example.com, routes.v2.gateway.example.com); repeatable",
    )
    p.add_argument("--no-demo", action="store_true", help="do not serve the demo world")
    p.add_argument("--no-churn", action="store_true", help="serve the demo world without changing it")
    p.add_argument(
        "--churn-rate",
        type=_positive_float,
        default=3.0,
        metavar="PER_SECOND",
        help="changes per second to the demo world (default: 3)",
    )
    f = p.add_argument_group("fault injection (see informer.server.Faults)")
    f.add_argument("--watch-drop-after", type=int, metavar="N", help="end every watch stream after N events")
    f.add_argument(
        "--history",
        type=int,
        metavar="N",
        help="keep only the last N changes: older resourceVersions get 410 Gone",
    )
    f.add_argument(
        "--error-rate", type=_positive_float, metavar="R", help="fail this fraction of requests with 5xx"
    )
    f.add_argument(
        "--garbage-every", type=int, metavar="N", help="send a malformed line every N watch events"
    )
    f.add_argument("--delay", type=_positive_float, metavar="SECONDS", help="delay every response")
    t = p.add_argument_group("TLS and auth")
    t.add_argument("--tls-cert", metavar="PEM", help="serve HTTPS with this certificate (chain)")
    t.add_argument("--tls-key", metavar="PEM", help="private key of --tls-cert")
    t.add_argument(
        "--token", action="append", default=[], metavar="TOKEN", help="require this bearer token (repeatable)"
    )


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="informer-run",
        description="Run informers: local, always-current caches of list+watch resources, with handlers.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from informer import __version__

    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    what = p.add_argument_group("what to watch")
    what.add_argument("--config", metavar="FILE", help="informers config file (YAML or TOML)")
    what.add_argument(
        "--watch-config",
        action="store_true",
        help="with --config: apply edits of the file while running (only changed informers restart)",
    )
    what.add_argument(
        "--source",
        metavar="URL",
        help="server to watch: http(s)://HOST:PORT (Kubernetes wire), etcd://HOST:PORT, "
        "or k8s / kubernetes (kubeconfig)",
    )
    what.add_argument(
        "--resource",
        action="append",
        default=[],
        metavar="NAME",
        help="resource to watch: a kubectl name (pods, deployments.apps, "
        "routes.gateway.example.com) or an etcd prefix (/registry/); repeatable",
    )
    what.add_argument("--namespace", "-n", metavar="NS", help="only this namespace")
    what.add_argument("--selector", "-l", metavar="S", help="label selector (app=web,tier!=db)")
    what.add_argument("--field-selector", metavar="S", help="field selector (metadata.name=x)")
    what.add_argument("--context", metavar="NAME", help="kubeconfig context (with --source k8s)")
    what.add_argument(
        "--discover",
        action="store_true",
        help="with --source k8s or http: watch every resource the server's discovery lists",
    )
    what.add_argument("--page-size", type=int, default=500, metavar="N", help="list page size (default: 500)")
    _plugin_flags(p)
    out = p.add_argument_group("output")
    out.add_argument(
        "--output",
        "-o",
        choices=["auto", "live", "log", "jsonl"],
        default="auto",
        help="live: terminal view; log: progress in the log; jsonl: one JSON object per event on "
        "stdout; auto (default): live on a terminal, else log",
    )
    out.add_argument(
        "--snapshot",
        metavar="PATH",
        help="on exit, write every cache as JSON {resource: {key: object}} (atomically)",
    )
    out.add_argument(
        "--metrics-port",
        type=_port,
        metavar="P",
        help="serve /metrics, /healthz, /readyz and /debug/cache on this port (0 = ephemeral)",
    )
    out.add_argument(
        "--metrics-host",
        default="127.0.0.1",
        metavar="HOST",
        help="address of the metrics endpoint (default: 127.0.0.1)",
    )
    out.add_argument(
        "--events", type=int, default=8, metavar="N", help="latest events in the live view (default: 8)"
    )
    life = p.add_argument_group("lifecycle")
    life.add_argument(
        "--sync-timeout",
        type=_positive_float,
        default=60.0,
        metavar="SECONDS",
        help="exit 1 if an informer has not synced this long after start (0 = wait forever; default: 60)",
    )
    life.add_argument(
        "--no-gc-freeze",
        dest="gc_freeze",
        action="store_false",
        help="do not move synced caches out of the garbage collector's sight (gc.freeze);"
        " by default informers freeze after each list, since a full collection over"
        " 100,000 cached objects pauses the process for seconds",
    )
    life.add_argument(
        "--drain-timeout",
        type=_positive_float,
        default=5.0,
        metavar="SECONDS",
        help="on exit, give handlers this long to finish buffered events (default: 5)",
    )
    _common(p)

    sub = p.add_subparsers(dest="command", metavar="{serve,validate,plugins}")
    serve = sub.add_parser(
        "serve",
        help="run the embedded list/watch server",
        description="Run the embedded list/watch server "
        "(Kubernetes wire format) until SIGINT/SIGTERM; prints its URL on stdout.",
    )
    _server_flags(serve)
    _common(serve)

    validate = sub.add_parser(
        "validate",
        help="check a config file without connecting anywhere",
        description="Check a config file and the plugins it needs; connects nowhere. "
        "Exit 0 if valid, 2 with file and path of each error otherwise.",
    )
    validate.add_argument("config", metavar="CONFIG", help="config file (YAML or TOML)")
    _plugin_flags(validate)
    _common(validate)

    plugins = sub.add_parser(
        "plugins",
        help="list installed plugins and their contributions",
        description="List installed plugins: version, where from, what each contributes.",
    )
    plugins.add_argument("--json", action="store_true", help="machine-readable output")
    _plugin_flags(plugins)
    _common(plugins)

    return p
