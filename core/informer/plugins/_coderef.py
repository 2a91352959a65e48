"""Resolving ``"module:attribute"`` code references, and checking what they resolve to.

A descriptor names code instead of holding it so that looking at a plugin (``informer-run
plugins``) is cheap and so that a typo is caught when the plugin is *loaded*, with the
plugin's name and the descriptor's path in the message, rather than at the first event.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

__all__ = ["CodeReferenceError", "check_arity", "describe_reference", "resolve_code_reference"]


class CodeReferenceError(ValueError):
    """A code reference does not resolve, or resolves to the wrong thing.

    Internal: the registry turns it into a :class:`informer.DescriptorError` naming the
    plugin and the path.
    """


def describe_reference(ref: Any) -> str:
    """How a reference is shown in listings: the string itself, or ``module:qualname``."""
    if isinstance(ref, str):
        return ref
    module = getattr(ref, "__module__", None)
    qualname = getattr(ref, "__qualname__", None) or getattr(ref, "__name__", None)
    if module and qualname:
        return f"{module}:{qualname}"
    return repr(ref)


def resolve_code_reference(ref: Any) -> Any:
    """Import ``"package.module:attr.sub"`` and return the attribute; objects pass through.

    Only the ``module:attribute`` form is accepted (not a dotted path alone) so that which
    part is imported and which is looked up is never ambiguous.
    """
    if not isinstance(ref, str):
        return ref
    module_name, sep, attribute = ref.partition(":")
    if not sep or not module_name or not attribute:
        raise CodeReferenceError(f"{ref!r} is not a code reference of the form 'module:attribute'")
    try:
        obj: Any = importlib.import_module(module_name)
    except (Exception, SystemExit) as exc:  # a plugin module must not end the host
        raise CodeReferenceError(
            f"cannot import module {module_name!r} of {ref!r}: {type(exc).__name__}: {exc}"
        ) from exc
    walked = module_name
    for part in attribute.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise CodeReferenceError(
                f"{ref!r} does not resolve: {walked!r} has no attribute {part!r}"
            ) from None
        walked = f"{walked}.{part}" if walked != module_name else f"{module_name}:{part}"
    return obj


def check_arity(obj: Any, positional: int, *, ref: Any, expects: str) -> None:
    """Check that ``obj`` is callable with exactly ``positional`` positional arguments.

    ``expects`` describes the call for the message, e.g. ``"fn(obj) -> str"``. Objects
    whose signature cannot be inspected (some builtins) are accepted: we check what we can
    and let the call itself be the last word.
    """
    if not callable(obj):
        raise CodeReferenceError(
            f"{describe_reference(ref)!s} is not callable (it is {type(obj).__name__}); expected {expects}"
        )
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return
    try:
        signature.bind(*([None] * positional))
    except TypeError:
        # shown without annotations: "(a, b)" is what the reader needs to see
        bare = signature.replace(
            parameters=[p.replace(annotation=inspect.Parameter.empty) for p in signature.parameters.values()],
            return_annotation=inspect.Signature.empty,
        )
        raise CodeReferenceError(
            f"{describe_reference(ref)!s} has the wrong signature {bare}; expected {expects}"
        ) from None
