"""``python -m codegen dump-responses``: write the response-schema file ``vendor --responses`` reads.

vLLM's served ``/openapi.json`` leaves 200 responses without a schema, so the response models come from
vLLM itself: run this **inside the Python environment of the vLLM server** (it imports vLLM) to get
``{"how": ..., "vllm_version": ..., "models": {Name: {"module": ..., "schema": model_json_schema()}}}``.

Classes are found by name rather than by module path (vLLM moves its protocol modules between releases):
every module under ``--package`` is imported and each wanted name is taken from the module whose path
mentions ``protocol`` first, then any other.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import pkgutil
from typing import TYPE_CHECKING, Any

from .routes import FIXUP_RESPONSES, ROUTE_SPECS

if TYPE_CHECKING:
    from collections.abc import Iterable

HOW = "pydantic model_json_schema() of vLLM's own response models (python -m codegen dump-responses)"


def wanted_models() -> list[str]:
    """The response models the route table wires, plus the error body (nested models come as ``$defs``)."""
    names = {"ErrorResponse"}
    for spec in ROUTE_SPECS:
        names.update(n for n in (spec.response, spec.stream_response) if n)
    # The schema fix-ups define these (status_payloads, render_routes, sleep_routes): not vLLM classes.
    return sorted(names - FIXUP_RESPONSES)


def _modules(package: str) -> Iterable[Any]:
    root = importlib.import_module(package)
    yield root
    for info in pkgutil.walk_packages(getattr(root, "__path__", []), prefix=package + "."):
        try:
            yield importlib.import_module(info.name)
        except Exception:  # optional vLLM modules fail on missing optional deps or hardware: skip them
            continue


def find_models(package: str, names: Iterable[str]) -> dict[str, type[Any]]:
    """Map each wanted class name to a pydantic model class found under ``package``."""
    from pydantic import BaseModel

    wanted = set(names)
    found: dict[str, type[Any]] = {}
    for module in _modules(package):
        for name in wanted:
            cls = getattr(module, name, None)
            if not (isinstance(cls, type) and issubclass(cls, BaseModel)):
                continue
            previous = found.get(name)
            if previous is None or ("protocol" in cls.__module__ and "protocol" not in previous.__module__):
                found[name] = cls
    return found


def dump_responses(package: str = "vllm.entrypoints", names: Iterable[str] | None = None) -> dict[str, Any]:
    """Build the response-schema document; raises ``LookupError`` naming any model not found."""
    wanted = list(names) if names is not None else wanted_models()
    found = find_models(package, wanted)
    missing = sorted(set(wanted) - set(found))
    if missing:
        raise LookupError(f"not found under {package}: {', '.join(missing)}")
    dist = package.split(".")[0]
    try:
        version = importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    return {
        "how": HOW,
        "vllm_version": version,
        "models": {
            name: {"module": cls.__module__, "schema": cls.model_json_schema()}
            for name, cls in sorted(found.items())
        },
    }
