"""The demo world's starting population: who lives where, before any churn.

Kept as plain data (tuples of names and path prefixes) so a reader can see the whole
world at a glance, and so :func:`informer_demo.world.seed` is a pure function of it.
The shape is an API gateway's: services own endpoints, routes send a path prefix to a
service in the same namespace.
"""

from __future__ import annotations

from typing import Any

__all__ = ["GROUP", "ROUTES", "SERVICES", "VERSION", "endpoint", "route_object", "service_object"]

GROUP = "demo.informer.dev"
VERSION = "v1"

#: (namespace, service name, number of endpoints, port)
SERVICES: tuple[tuple[str, str, int, int], ...] = (
    ("shop", "frontend", 3, 8080),
    ("shop", "catalog", 3, 8080),
    ("shop", "cart", 2, 8080),
    ("shop", "search", 2, 9200),
    ("payments", "checkout", 3, 8443),
    ("payments", "billing", 2, 8443),
    ("payments", "fraud", 2, 7000),
    ("identity", "auth", 3, 9000),
    ("identity", "users", 2, 9000),
    ("identity", "sessions", 2, 6379),
)

#: (namespace, route name, path prefix, service name) — ~20 routes, some nested prefixes so
#: that longest-prefix matching has something to decide.
ROUTES: tuple[tuple[str, str, str, str], ...] = (
    ("shop", "root", "/", "frontend"),
    ("shop", "static", "/static", "frontend"),
    ("shop", "catalog", "/catalog", "catalog"),
    ("shop", "catalog-items", "/catalog/items", "catalog"),
    ("shop", "catalog-search", "/catalog/search", "search"),
    ("shop", "search", "/search", "search"),
    ("shop", "cart", "/cart", "cart"),
    ("shop", "cart-items", "/cart/items", "cart"),
    ("payments", "checkout", "/checkout", "checkout"),
    ("payments", "checkout-confirm", "/checkout/confirm", "checkout"),
    ("payments", "billing", "/billing", "billing"),
    ("payments", "invoices", "/billing/invoices", "billing"),
    ("payments", "fraud-score", "/api/fraud", "fraud"),
    ("payments", "payments-api", "/api/payments", "checkout"),
    ("identity", "login", "/login", "auth"),
    ("identity", "logout", "/logout", "auth"),
    ("identity", "oauth", "/oauth2", "auth"),
    ("identity", "users", "/users", "users"),
    ("identity", "me", "/users/me", "users"),
    ("identity", "sessions", "/api/sessions", "sessions"),
)


def endpoint(
    namespace_index: int, service_index: int, n: int, port: int, *, ready: bool = True
) -> dict[str, Any]:
    """One endpoint; addresses are stable per (namespace, service, n) so a reader can follow them."""
    return {"address": f"10.{namespace_index}.{service_index}.{n + 1}", "port": port, "ready": ready}


def service_object(namespace: str, name: str, endpoints: list[dict[str, Any]]) -> dict[str, Any]:
    """A Service as the server stores it (the server fills uid, resourceVersion, timestamps)."""
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "Service",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app": name, "tier": namespace}},
        "spec": {"endpoints": endpoints},
    }


def route_object(namespace: str, name: str, path_prefix: str, service: str, port: int) -> dict[str, Any]:
    """A Route: ``path_prefix`` on the gateway goes to ``service``'s endpoints on ``port``."""
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "Route",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app": service}},
        "spec": {"pathPrefix": path_prefix, "service": service, "port": port},
    }
