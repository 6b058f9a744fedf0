"""Query parameters in the generated methods and route builders (``codegen/resources.py`` calls these).

An operation's ``in: query`` parameters (:class:`~codegen.endpoints.QueryParam`) become

* keyword-only arguments of the resource method, typed from their schema: a required one has no default,
  an optional one defaults to ``NOT_GIVEN`` and is then left out of the URL (so the server's default
  applies, as with openai-python's omitted arguments);
* setters of the route builder that store into the builder's query (``BuilderMixin._set_query``), never
  into the JSON body.

Either way the generated code hands the given values to ``vllm_sdk._requester.query_options``, which puts
them under the per-call ``extra_query`` (so ``extra_query`` still wins, as for every other per-call
override).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .endpoints import EndpointsError, TypeMapper, _identifier

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .endpoints import QueryParam, RouteInfo

#: Keyword arguments every generated method already takes: a query parameter must not shadow one.
_TAKEN = frozenset(
    {"self", "extra_body", "extra_headers", "extra_query", "timeout", "max_retries", "stream", "params"}
    | {"stream_idle_timeout", "options"}
)


def argument(param: QueryParam) -> str:
    """The Python name of ``param`` (an identifier; a clash with the per-call options is an error)."""
    name = _identifier(param.name)
    if name in _TAKEN:
        raise EndpointsError(f"query parameter {param.name!r} clashes with a per-call option of the methods")
    return name


def signature(route: RouteInfo, types: TypeMapper) -> str:
    """The keyword-only parameter lines for the query parameters of ``route`` (required ones first)."""
    ordered = sorted(route.query, key=lambda p: not p.required)
    lines = []
    for param in ordered:
        annotation = types.annotation(dict(param.schema))
        if param.required:
            lines.append(f"{argument(param)}: {annotation},\n")
        else:
            lines.append(f"{argument(param)}: {annotation} | NotGiven = NOT_GIVEN,\n")
    return "".join(lines)


def given(route: RouteInfo) -> str:
    """A dict expression of the query parameters as given (``NOT_GIVEN`` ones are dropped later)."""
    items = ", ".join(f"{p.name!r}: {argument(p)}" for p in route.query)
    return "{" + items + "}"


def options_expr(route: RouteInfo, extra_body: str, idle: str | None = None) -> str:
    """The ``CallOptions`` expression of a method of ``route``: its query merged under ``extra_query``."""
    query = f"query_options({given(route)}, extra_query)" if route.query else "extra_query"
    tail = f", {idle}" if idle else ""
    return f"CallOptions({extra_body}, extra_headers, {query}, timeout, max_retries{tail})"


def docs(params: Sequence[QueryParam]) -> str:
    """A paragraph naming the query parameters and what they do ("" without any)."""
    if not params:
        return ""
    parts = []
    for param in params:
        text = param.description.strip().rstrip(".") or "see the server's documentation"
        default = param.schema.get("default")
        suffix = f" (server default: ``{default!r}``)" if default is not None else ""
        parts.append(f"``{param.name}``: {text}{suffix}.")
    return "Query parameters (sent in the URL, left out when not given): " + " ".join(parts)


def setters(route: RouteInfo, types: TypeMapper, taken: Sequence[str]) -> list[str]:
    """Builder setters for the query parameters of ``route``; ``taken`` are the body setters' names."""
    out = []
    for param in route.query:
        name = argument(param)
        if name in taken:
            raise EndpointsError(
                f"route {route.name!r}: query parameter {param.name!r} clashes with a body field setter"
            )
        annotation = types.annotation(dict(param.schema))
        text = (param.description.strip() or f"Set the ``{param.name}`` query parameter.").rstrip(".")
        doc = f"{text} (the ``{param.name}`` query parameter of the URL)."
        out.append(
            f"\n    def {name}(self, value: {annotation}) -> Self:\n"
            f'        """{doc}"""\n'
            f"        return self._set_query({param.name!r}, value)\n"
        )
    return out
