"""CI builds the docs: a strict mkdocs build (broken links, missing snippets or references fail)."""

from __future__ import annotations

from pathlib import Path

PAGES = [
    "index.html",
    "quickstart/index.html",
    "tutorials/first-plugin/index.html",
    "tutorials/kubernetes/index.html",
    "tutorials/etcd/index.html",
    "tutorials/embedding/index.html",
    "howto/slow-handlers/index.html",
    "howto/production/index.html",
    "howto/config-reload/index.html",
    "howto/stuck-sync/index.html",
    "concepts/index.html",
    "reference/hooks/index.html",
    "reference/descriptors/index.html",
    "reference/config/index.html",
    "reference/cli/index.html",
    "reference/metrics/index.html",
    "reference/pytest-plugin/index.html",
    "reference/builtin-plugins/index.html",
    "reference/api/index.html",
]


def test_strict_build_renders_every_page(built_site: Path) -> None:
    missing = [page for page in PAGES if not (built_site / page).is_file()]
    assert not missing


def test_no_generator_placeholder_left_in_reference(built_site: Path) -> None:
    for page in (built_site / "reference").rglob("index.html"):
        text = page.read_text()
        assert "informer-reference:" not in text, page
        assert "Not generated yet" not in text, page
