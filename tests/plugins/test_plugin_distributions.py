"""Plugins as a third party ships them: real distributions (``pyproject.toml`` with an
``informer`` entry point) built and ``pip install``-ed into a virtual environment, then
looked at through the real ``informer-run`` process.

The environment is built once per session (a venv with ``--system-site-packages`` so it
sees trio-informer and its dependencies; the test distributions are installed into the
venv only, so the outer environment is never changed). One distribution holds the good
plugins, one a plugin for every way of being broken, one a second claim on an entry-point
name; a hand-written ``.dist-info`` carries a malformed entry point (setuptools refuses to
build one, but an installed distribution can still have it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import venv
from pathlib import Path
from typing import Any

import pytest

GOOD = {
    "pyproject.toml": """
        [build-system]
        requires = ["setuptools>=61", "wheel"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "informer-test-widgets"
        version = "1.2.3"
        dependencies = ["trio-informer"]

        [project.entry-points.informer]
        widgets = "itw.plugin"
        gadgets = "itw.gadgets"
    """,
    "itw/__init__.py": "",
    "itw/model.py": """
        from typing import Any

        import attrs


        @attrs.frozen
        class Meta:
            name: str
            namespace: str | None = None
            resource_version: str = ""


        @attrs.frozen
        class WidgetSpec:
            colour: str
            size_mm: int = 0


        @attrs.frozen
        class Widget:
            metadata: Meta
            spec: WidgetSpec


        def by_colour(widget: Widget) -> list[str]:
            return [widget.spec.colour]


        class Tally:
            def __init__(self, options: Any) -> None:
                self.count = 0

            def on_add(self, obj: Any, initial: bool) -> None:
                self.count += 1
    """,
    "itw/plugin.py": """
        from informer.plugins import hookimpl


        @hookimpl
        def informer_resource_types():
            return [{
                "name": "widgets.example.com", "kind": "Widget", "group": "example.com",
                "version": "v1", "plural": "widgets", "decoder": "widgets.typed",
                "indexers": ["widgets.by-colour"], "description": "Widgets of the test world.",
            }]


        @hookimpl
        def informer_decoders():
            return [{"name": "widgets.typed", "type": "itw.model:Widget"}]


        @hookimpl
        def informer_indexers():
            return [{"name": "widgets.by-colour", "function": "itw.model:by_colour"}]


        @hookimpl
        def informer_handlers():
            return [{"name": "widgets.tally", "factory": "itw.model:Tally",
                     "resource_types": ["widgets.example.com"]}]
    """,
    "itw/gadgets.py": """
        from informer.plugins import hookimpl


        @hookimpl
        def informer_resource_types():
            return [{"name": "gadgets.example.com", "kind": "Gadget", "group": "example.com",
                     "plural": "gadgets", "transform": "drop-managed-fields"}]
    """,
}

BROKEN = {
    "pyproject.toml": """
        [build-system]
        requires = ["setuptools>=61", "wheel"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "informer-test-broken"
        version = "0.0.1"

        [project.entry-points.informer]
        import-error = "itb.import_error"
        hook-raises = "itb.hook_raises"
        bad-schema = "itb.bad_schema"
        unknown-name = "itb.unknown_name"
        bad-ref = "itb.bad_ref"
        bad-arity = "itb.bad_arity"
        duplicate = "itb.duplicate"
        misspelt = "itb.misspelt"
        twin = "itb.twin"
    """,
    "itb/__init__.py": "",
    "itb/import_error.py": """
        import informer_no_such_dependency  # noqa: F401
    """,
    "itb/hook_raises.py": """
        from informer.plugins import hookimpl


        @hookimpl
        def informer_resource_types():
            raise RuntimeError("catalogue service unavailable")
    """,
    "itb/bad_schema.py": """
        from informer.plugins import hookimpl


        @hookimpl
        def informer_resource_types():
            return [{"name": "sprockets.example.com", "kind": "Sprocket", "namespaced": "yes"}]
    """,
    "itb/unknown_name.py": """
        from informer.plugins import hookimpl


        @hookimpl
        def informer_resource_types():
            return [{"name": "cogs.example.com", "kind": "Cog", "key": "nme"}]
    """,
    "itb/bad_ref.py": """
        from informer.plugins import hookimpl


        @hookimpl
        def informer_indexers():
            return [{"name": "badref.index", "function": "itb.bad_ref:no_such_function"}]
    """,
    "itb/bad_arity.py": """
        from informer.plugins import hookimpl


        def two_args(obj, extra):
            return ""


        @hookimpl
        def informer_key_functions():
            return [{"name": "badarity.key", "function": "itb.bad_arity:two_args"}]
    """,
    "itb/duplicate.py": """
        from informer.plugins import hookimpl


        @hookimpl
        def informer_resource_types():
            return [{"name": "gadgets.example.com", "kind": "Gadget", "group": "example.com"}]
    """,
    "itb/misspelt.py": """
        from informer.plugins import hookimpl


        @hookimpl
        def informer_resource_type():
            return []
    """,
    "itb/twin.py": "",
}

TWIN = {
    "pyproject.toml": """
        [build-system]
        requires = ["setuptools>=61", "wheel"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "informer-test-twin"
        version = "0.0.2"

        [project.entry-points.informer]
        twin = "itt"
    """,
    "itt/__init__.py": "",
}

#: every error a broken plugin gets in the listing (exact, or a prefix ending in "...")
EXPECTED_ERRORS = {
    "import-error": "import-error: cannot import 'itb.import_error': ModuleNotFoundError: "
    "No module named 'informer_no_such_dependency'",
    "hook-raises": "hook-raises: informer_resource_types() raised RuntimeError: "
    "catalogue service unavailable",
    "bad-schema": "bad-schema: resource_types[0].namespaced: 'yes' is not of type 'boolean'",
    "unknown-name": "unknown-name: resource_types[0].key: 'nme' is not one of ['name', 'namespace-name']",
    "bad-ref": "bad-ref: indexers[0].function: 'itb.bad_ref:no_such_function' does not resolve: "
    "'itb.bad_ref' has no attribute 'no_such_function'",
    "bad-arity": "bad-arity: key_functions[0].function: itb.bad_arity:two_args has the wrong signature "
    "(obj, extra); expected function(obj) -> str",
    "duplicate": "duplicate: resource_types[0].name: resource type 'gadgets.example.com' is also "
    "contributed by plugin 'gadgets'",
    "misspelt": "misspelt: unknown hook 'informer_resource_type' (did you mean 'informer_resource_types'?)",
    "twin": "twin: entry point declared by more than one distribution: ...",
    "malformed": "malformed: malformed entry point malformed = 'itm/plugin.py' in distribution "
    "informer-test-malformed: expected 'package.module' or 'package.module:attribute'",
}


def _write_tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    return root


def _write_malformed_dist(site: Path) -> None:
    info = site / "informer_test_malformed-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: informer-test-malformed\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[informer]\nmalformed = itm/plugin.py\n")
    (info / "RECORD").write_text("")


class PluginEnv:
    """A venv with the test distributions installed; runs ``informer-run`` in it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        bindir = "Scripts" if sys.platform == "win32" else "bin"
        self.python = root / "venv" / bindir / "python"

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("INFORMER_")}
        env.update(extra)
        return env

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.python), "-m", "informer.cli", *args],
            capture_output=True,
            text=True,
            timeout=60,
            env=self.env(**env),
            cwd=self.root,
            stdin=subprocess.DEVNULL,
        )

    def listing(self, *args: str, **env: str) -> dict[str, dict[str, Any]]:
        done = self.run("plugins", "--json", *args, **env)
        assert done.returncode == 0, done.stderr
        return {p["name"]: p for p in json.loads(done.stdout)}


@pytest.fixture(scope="session")
def plugin_env(tmp_path_factory: pytest.TempPathFactory) -> PluginEnv:
    root = tmp_path_factory.mktemp("plugin-dists")
    dists = [
        _write_tree(root / "widgets", GOOD),
        _write_tree(root / "broken", BROKEN),
        _write_tree(root / "twin", TWIN),
    ]
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(root / "venv")
    env = PluginEnv(root)
    # pip from the outer environment, run by the venv's python, installs into the venv;
    # --no-build-isolation builds with the setuptools/wheel this environment already has.
    done = subprocess.run(
        [
            str(env.python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            *map(str, dists),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env=env.env(PIP_DISABLE_PIP_VERSION_CHECK="1"),
        cwd=root,
    )
    assert done.returncode == 0, f"pip install failed:\n{done.stdout}\n{done.stderr}"
    site = subprocess.run(
        [str(env.python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
        env=env.env(),
    ).stdout.strip()
    _write_malformed_dist(Path(site))
    return env


def test_installed_plugins_are_discovered_with_version_and_origin(plugin_env: PluginEnv) -> None:
    listed = plugin_env.listing("--plugins", "widgets,gadgets")
    widgets = listed["widgets"]
    assert widgets["status"] == "ok", widgets["errors"]
    assert (widgets["version"], widgets["distribution"], widgets["module"], widgets["builtin"]) == (
        "1.2.3",
        "informer-test-widgets",
        "itw.plugin",
        False,
    )
    assert widgets["location"].endswith(os.path.join("site-packages", "itw", "plugin.py"))
    assert str(plugin_env.root / "venv") in widgets["location"]
    assert widgets["contributions"] == {
        "resource_types": ["widgets.example.com"],
        "sources": [],
        "decoders": ["widgets.typed"],
        "key_functions": [],
        "indexers": ["widgets.by-colour"],
        "transforms": [],
        "handlers": ["widgets.tally"],
    }
    assert widgets["hooks"] == [
        "informer_decoders",
        "informer_handlers",
        "informer_indexers",
        "informer_resource_types",
    ]
    assert listed["gadgets"]["status"] == "ok"
    # built-ins load too; every other installed plugin is listed but not loaded
    assert all(listed[name]["status"] == "ok" for name in ("core", "http", "etcd", "kubernetes", "demo"))
    assert {listed[name]["status"] for name in EXPECTED_ERRORS} == {"skipped"}


def test_every_broken_plugin_is_reported_by_name_and_the_others_still_load(plugin_env: PluginEnv) -> None:
    listed = plugin_env.listing()
    for name, expected in EXPECTED_ERRORS.items():
        assert listed[name]["status"] == "error", name
        (error,) = listed[name]["errors"]
        if expected.endswith("..."):
            assert error.startswith(expected[:-3]), error
        else:
            assert error == expected
    # where a plugin that failed to import lives is still shown
    assert listed["import-error"]["location"].endswith(
        os.path.join("site-packages", "itb", "import_error.py")
    )
    assert "informer-test-broken (itb.twin)" in listed["twin"]["errors"][0]
    assert "informer-test-twin (itt)" in listed["twin"]["errors"][0]
    # a clash between two third-party plugins refuses both, each naming the other
    assert listed["gadgets"]["errors"] == [
        "gadgets: resource_types[0].name: resource type 'gadgets.example.com' is also contributed by plugin "
        "'duplicate'"
    ]
    assert listed["widgets"]["status"] == "ok"
    assert listed["demo"]["status"] == "ok"


def test_the_table_shows_the_errors(plugin_env: PluginEnv) -> None:
    done = plugin_env.run("plugins")
    assert done.returncode == 0, done.stderr
    shown = " ".join(done.stdout.split())  # the table may wrap long cells
    assert "informer-test-widgets" in shown
    for name in ("bad-schema", "unknown-name", "misspelt"):
        assert f"error: {EXPECTED_ERRORS[name]}" in shown


def test_strict_turns_any_problem_into_exit_status_2(plugin_env: PluginEnv) -> None:
    done = plugin_env.run("plugins", "--strict", "--plugins", "widgets,bad-arity")
    assert done.returncode == 2
    assert "1 plugin problems (--strict)" in done.stderr
    assert plugin_env.run("plugins", "--strict", "--plugins", "widgets,gadgets").returncode == 0


def test_an_unknown_plugin_name_is_a_usage_error(plugin_env: PluginEnv) -> None:
    done = plugin_env.run("plugins", "--plugins", "widgest")
    assert done.returncode == 2
    assert "widgest: no such plugin (did you mean 'widgets'?)" in done.stderr


def test_environment_variables_select_plugins_and_disable_autoload(plugin_env: PluginEnv) -> None:
    named = plugin_env.listing(INFORMER_PLUGINS="gadgets")
    assert named["gadgets"]["status"] == "ok" and named["widgets"]["status"] == "skipped"
    off = plugin_env.listing(INFORMER_DISABLE_PLUGIN_AUTOLOAD="1")
    assert off["widgets"]["status"] == "skipped" and off["demo"]["status"] == "ok"
    assert plugin_env.listing("--no-autoload")["bad-schema"]["status"] == "skipped"


def test_validate_names_the_file_and_path_of_what_a_plugin_lacks(plugin_env: PluginEnv) -> None:
    config = plugin_env.root / "widgets.yaml"
    config.write_text(
        "plugins: [widgets]\n"
        "sources:\n  local: {type: http, url: 'http://127.0.0.1:9'}\n"
        "informers:\n"
        "  - resource: widgets.example.com\n    handlers: [widgets.tally]\n"
        "  - resource: widgets.example.com\n    name: second\n    handlers: [widgets.taly]\n"
    )
    done = plugin_env.run("validate", str(config))
    assert done.returncode == 2, done.stdout + done.stderr
    assert (
        f"{config}:9: informers[1].handlers[0]: "
        "unknown handler 'widgets.taly' (did you mean 'widgets.tally'?)" in (done.stdout + done.stderr)
    )
    config.write_text(config.read_text().replace("widgets.taly", "widgets.tally"))
    done = plugin_env.run("validate", str(config))
    assert done.returncode == 0, done.stdout + done.stderr
