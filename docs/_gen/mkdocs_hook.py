"""mkdocs hook: fill the reference pages' markers with Markdown generated from the code.

``mkdocs.yml`` names this file under ``hooks:``. A page marks where generated content goes
with ``<!-- informer-reference: NAME -->`` (NAME one of :data:`_gen.GENERATORS`).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

_DOCS = Path(__file__).resolve().parent.parent
if str(_DOCS) not in sys.path:
    sys.path.insert(0, str(_DOCS))

import _gen  # noqa: E402  (needs docs/ on sys.path, set just above)

_MARKER = re.compile(r"^<!-- informer-reference: ([\w-]+) -->$", re.M)
# The code's docstrings use Sphinx roles (:class:`~informer.Store`) for readers of the source;
# mkdocstrings renders them as ":class:" followed by a code span. Keep the code span only,
# shortened to its last component when the role asked for it with "~".
_ROLE_HTML = re.compile(r":(?:py:)?(?:class|func|meth|data|attr|mod|exc|obj):<code>(~?)([^<]*)</code>")


def on_page_markdown(markdown: str, *, page: Any, config: Any, files: Any) -> str:
    return _MARKER.sub(lambda m: _gen.render(m.group(1)), markdown)


def _role(match: re.Match[str]) -> str:
    short, target = match.groups()
    return f"<code>{target.rsplit('.', 1)[-1] if short else target}</code>"


# reStructuredText's "Example::" introduces a literal block; mkdocstrings renders the block
# as code but leaves both colons.
_LITERAL_INTRO = re.compile(r"::</p>")


def on_page_content(html: str, *, page: Any, config: Any, files: Any) -> str:
    return _LITERAL_INTRO.sub(":</p>", _ROLE_HTML.sub(_role, html))
