"""Every developer task is a nox session: ``nox -s tests lint typecheck docs bench``."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True

GATEWAY = "./contrib/informer-gateway"


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite (the same command README.md and .ci/run use)."""
    session.install("-e", ".[test,docs]", "-e", GATEWAY)
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff on everything."""
    session.install("ruff")
    session.run("ruff", "check", "core", "plugins", "contrib", "tests", "noxfile.py")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on core/ and plugins/."""
    session.install("-e", ".[dev]", "-e", GATEWAY)
    session.run("mypy", "--strict", "core/informer", "plugins", "contrib/informer-gateway/src")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the docs site with --strict (broken links and references fail)."""
    session.install("-e", ".[docs]", "-e", GATEWAY)
    session.run("mkdocs", "build", "--strict", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks (not tests): events/s of the pipeline vs a bare watch loop, list memory, etcd."""
    session.install("-e", ".[test]", "-e", GATEWAY)
    session.run("python", "benchmarks/run.py", *session.posargs)
