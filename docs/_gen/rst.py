"""Just enough reStructuredText-to-Markdown for the project's docstrings.

The code's docstrings are written for humans reading the source (and for mkdocstrings):
``double backticks``, Sphinx roles (:func:`x`, :class:`~informer.Store`) and literal blocks
introduced by ``::``. The generated reference renders them as Markdown.
"""

from __future__ import annotations

import inspect
import re

__all__ = ["docstring_to_markdown"]

_ROLE = re.compile(r":(?:func|class|meth|data|attr|mod|exc|obj|py:\w+):`~?([^`]+)`")


def _inline(line: str) -> str:
    return _ROLE.sub(lambda m: f"`{m.group(1)}`", line)


def docstring_to_markdown(doc: str | None, *, language: str = "python") -> str:
    """Convert a docstring: roles become code spans, ``::`` blocks become fenced code."""
    if not doc:
        return ""
    lines = inspect.cleandoc(doc).splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.rstrip().endswith("::"):
            stripped = line.rstrip()[:-2].rstrip()
            # "Example::" -> "Example:"; a bare "::" line disappears.
            if stripped:
                out.append(_inline(stripped) + ":")
            out.append("")
            i += 1
            while i < len(lines) and not lines[i].strip():
                i += 1
            block: list[str] = []
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith((" ", "\t"))):
                block.append(lines[i])
                i += 1
            while block and not block[-1].strip():
                block.pop()
            indent = min((len(b) - len(b.lstrip()) for b in block if b.strip()), default=0)
            lang = language
            if any(b.strip().startswith("[") and b.strip().endswith("]") for b in block[:1]):
                lang = "toml"
            out.append(f"```{lang}")
            out.extend(b[indent:] for b in block)
            out.append("```")
            out.append("")
            continue
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if line.strip() and not line.startswith((" ", "\t")) and nxt.startswith("    ") and nxt.strip():
            # a definition list item: "``term``" then its indented definition
            out.append(_inline(line))
            i += 1
            first = True
            while i < len(lines) and lines[i].startswith("    ") and lines[i].strip():
                out.append((":   " if first else "    ") + _inline(lines[i].strip()))
                first = False
                i += 1
            out.append("")
            continue
        out.append(_inline(line))
        i += 1
    return "\n".join(out).strip() + "\n"
