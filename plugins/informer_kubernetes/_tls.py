"""The TLS context of a :class:`~informer_kubernetes.kubeconfig.ClientConfig`.

Python's :mod:`ssl` loads client certificates only from files, while kubeconfigs (and exec
credential plugins) often carry them inline; the PEM is written to a private temporary
directory just long enough to load it.
"""

from __future__ import annotations

import os
import ssl
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from informer import ConfigError

if TYPE_CHECKING:
    from .kubeconfig import ClientConfig

__all__ = ["load_client_cert", "make_ssl_context"]


def _reason(exc: ssl.SSLError | OSError) -> str:
    if isinstance(exc, ssl.SSLError) and exc.reason:
        return str(exc.reason).lower().replace("_", " ")
    return exc.strerror or str(exc)


def load_client_cert(ctx: ssl.SSLContext, cert: bytes, key: bytes, *, where: str) -> None:
    """Load a PEM client certificate and key held in memory into ``ctx``."""
    with tempfile.TemporaryDirectory(prefix="informer-k8s-") as folder:
        cert_path = Path(folder) / "client.crt"
        key_path = Path(folder) / "client.key"
        for path, data in ((cert_path, cert), (key_path, key)):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
        try:
            ctx.load_cert_chain(cert_path, key_path)
        except (ssl.SSLError, OSError) as exc:
            raise ConfigError(
                f"{where}: client certificate and key are not a usable PEM pair ({_reason(exc)})"
            ) from None


def make_ssl_context(config: ClientConfig) -> ssl.SSLContext:
    """A client TLS context trusting ``config``'s CA (or the system's) with its client certificate."""
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    if config.insecure_skip_tls_verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    elif config.ca_data is not None:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # only the configured CA, as kubectl
        try:
            ctx.load_verify_locations(cadata=config.ca_data.decode("ascii", "replace"))
        except (ssl.SSLError, ValueError) as exc:
            reason = _reason(exc) if isinstance(exc, ssl.SSLError) else str(exc)
            raise ConfigError(f"{config.origin('ca_data')}: not a valid PEM certificate ({reason})") from None
    if config.client_cert_data is not None and config.client_key_data is not None:
        where = config.origins.get("client_cert_data") or config.description
        load_client_cert(ctx, config.client_cert_data, config.client_key_data, where=where)
    return ctx
