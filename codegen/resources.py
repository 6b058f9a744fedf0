"""Our own generator, part two: the vendored schema → the keyword surface of both clients.

Two generated modules, next to the hand-written resources:

* ``resources/_generated_builders.py`` — per route with a JSON body, a sync and an async *route builder*:
  the typed setters of every request variant of the route (the ``<Model>BuilderBase`` classes of the
  endpoints module; where variants type one field differently, a setter taking either), ``extra()`` /
  ``to_dict()`` from the hand-written ``BuilderMixin``, and ``send()`` (plus ``send_stream()`` where the
  route streams);
* ``resources/_generated.py`` — per route the sync and the async method, on a resource class named after
  the dotted route name (``chat.completions.create`` → ``ChatCompletions.create``, mounted as
  ``client.chat.completions``) or on the client itself (``tokenize``). Methods take the route's
  ``Params`` TypedDict as keywords (one overload per request variant; ``stream: Literal[True]`` overloads
  where the route streams), return the schema's response model — or the hand-written subclass that
  ``[tool.vllm_sdk.codegen.response_classes]`` names — and with no argument at all return the route's
  builder (the hand-written subclass that the route's ``builder_classes`` names, when there is one).
  Each body is one call into the requester protocol (``vllm_sdk._requester``).

An operation's query parameters (``in: query``) become typed keyword arguments of its method and setters of
its route builder that fill the URL query (see ``codegen/query.py``); a body-less route with query
parameters gets a builder too. A route answering a bare JSON array names its model class in
``response_classes`` (a type alias is no model).

Everything the generated code takes from hand-written code is named in the configuration (the requester
protocol and ``NOT_GIVEN`` of the ground floor aside): ``builder_base`` (the builders' root mixin, with
``extra()`` and ``to_dict()``), ``response_classes``, and per route its stream and builder classes, so the
import rule that generated code imports hand-written code only where configured is checked by a test.

Per-route settings live in ``[tool.vllm_sdk.codegen.routes."<dotted name>"]``: ``stream_classes`` (the sync
and async stream class of a streaming route), ``builder_classes``, ``hand_written = true`` for a route whose
method is a hand-written shortcut with other semantics (``health() -> bool``, ``version() -> str``).
``[tool.vllm_sdk.codegen.resource_bases]`` names hand-written bases of resource classes
(``{"chat.completions": [sync, async]}``) for methods the schema cannot say, such as
``chat.completions.parse()``.

Every mounted resource class also gets typed ``with_raw_response`` / ``with_streaming_response`` views
(``<Class>WithRawResponse`` / ``<Class>WithStreamingResponse``): the same overloads as its methods, each
returning ``RawResponse[T]`` / ``StreamedRawResponseManager[T]`` (async: ``AsyncRawResponse[T]`` /
``AsyncStreamedRawResponseManager[T]``) of the method's return type ``T``. A resource with a hand-written base
``X`` (``resource_bases``) gets its views from ``XWithRawResponse`` / ``XWithStreamingResponse`` of the same
module, which declare the hand-written methods.
Class references are ``"module:Name"`` strings; modules of ``vllm_sdk`` are imported relatively.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import query as _query
from .endpoints import HEADER as _ENDPOINTS_HEADER
from .endpoints import EndpointsError, EndpointsRenderer, RouteInfo
from .endpoints import _docstring as _raw_docstring

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

BUILDERS_HEADER = _ENDPOINTS_HEADER.replace("codegen/endpoints.py", "codegen/resources.py")
PER_CALL = (
    "extra_body: Mapping[str, Any] | None = None,\n"
    "extra_headers: Mapping[str, str | None] | None = None,\n"
    "extra_query: Mapping[str, Any] | None = None,\n"
    "timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,\n"
    "max_retries: int | None = None,\n"
)
SEND_OPTIONS = (
    "timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,\n"
    "extra_headers: Mapping[str, str | None] | None = None,\n"
    "extra_query: Mapping[str, Any] | None = None,\n"
    "max_retries: int | None = None,\n"
)
IDLE = "stream_idle_timeout: float | None = None,\n"


@dataclass(frozen=True)
class ClassRef:
    """A class named by ``"module:Name"`` in the codegen configuration."""

    module: str
    name: str

    @classmethod
    def parse(cls, text: str) -> ClassRef:
        module, _, name = text.partition(":")
        if not module or not name.isidentifier():
            raise EndpointsError(f"class reference {text!r} is not 'module:Name'")
        return cls(module, name)

    def import_from(self, here: str) -> str:
        """The module to import from, relative when it lies inside ``vllm_sdk`` (``here`` is the package
        of the generated module, e.g. ``vllm_sdk.resources``)."""
        if not self.module.startswith("vllm_sdk"):
            return self.module
        target = self.module.split(".")
        base = here.split(".")
        common = 0
        while common < min(len(target), len(base)) and target[common] == base[common]:
            common += 1
        return "." * (len(base) - common + 1) + ".".join(target[common:])


#: The hand-written mixins giving every generated resource class ``with_raw_response`` and
#: ``with_streaming_response`` [sync, async].
RAW_MIXINS = (
    ClassRef("vllm_sdk.resources._raw", "RawResponsesMixin"),
    ClassRef("vllm_sdk.resources._raw", "AsyncRawResponsesMixin"),
)


#: The hand-written untyped raw views the generated typed views derive from [sync, async].
RAW_VIEWS = (
    ClassRef("vllm_sdk.resources._raw", "RawResponseView"),
    ClassRef("vllm_sdk.resources._raw", "AsyncRawResponseView"),
)

#: What a raw view's method returns for a method returning ``T``, by (async, streaming).
RAW_WRAPPERS = {
    (False, False): "RawResponse[{}]",
    (False, True): "StreamedRawResponseManager[{}]",
    (True, False): "Coroutine[Any, Any, AsyncRawResponse[{}]]",
    (True, True): "AsyncStreamedRawResponseManager[{}]",
}

PLAIN_OPTIONS = (
    "timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,\n"
    "extra_headers: Mapping[str, str | None] | None = None,\n"
    "extra_query: Mapping[str, Any] | None = None,\n"
    "max_retries: int | None = None,\n"
)


@dataclass(frozen=True)
class RouteSettings:
    """``[tool.vllm_sdk.codegen.routes."<name>"]``."""

    stream_classes: tuple[ClassRef, ClassRef] | None = None
    builder_classes: tuple[ClassRef, ClassRef] | None = None
    hand_written: bool = False
    builder: bool = False

    @property
    def mounts_builder(self) -> bool:
        """Whether the method with no argument returns the route's builder (``create()`` of chat...)."""
        return self.builder or self.builder_classes is not None

    @classmethod
    def parse(cls, name: str, table: Mapping[str, Any]) -> RouteSettings:
        def pair(key: str) -> tuple[ClassRef, ClassRef] | None:
            value = table.get(key)
            if value is None:
                return None
            if not isinstance(value, list) or len(value) != 2:
                raise EndpointsError(f"routes.{name}.{key} must be [sync, async] class references")
            return ClassRef.parse(value[0]), ClassRef.parse(value[1])

        return cls(
            pair("stream_classes"),
            pair("builder_classes"),
            bool(table.get("hand_written", False)),
            bool(table.get("builder", False)),
        )


def _camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[._]", name) if part)


class ResourcesRenderer:
    """Renders ``resources/_generated_builders.py`` and ``resources/_generated.py``."""

    PACKAGE = "vllm_sdk.resources"

    def __init__(
        self,
        endpoints: EndpointsRenderer,
        route_settings: Mapping[str, Mapping[str, Any]],
        response_classes: Mapping[str, str],
        models_module: str,
        builder_base: str = "vllm_sdk.resources._builder:BuilderMixin",
        resource_bases: Mapping[str, Any] | None = None,
    ) -> None:
        self.e = endpoints
        self.models_module = models_module
        self.builder_base = ClassRef.parse(builder_base)
        self.routes = [r for r in endpoints.routes]
        known = {r.name for r in self.routes}
        unknown = sorted(set(route_settings) - known)
        if unknown:
            raise EndpointsError(f"[tool.vllm_sdk.codegen.routes] names routes the schema lacks: {unknown}")
        self.settings = {
            r.name: RouteSettings.parse(r.name, route_settings.get(r.name, {})) for r in self.routes
        }
        self.responses = {model: ClassRef.parse(ref) for model, ref in response_classes.items()}
        self.bases: dict[tuple[str, ...], tuple[ClassRef, ClassRef]] = {}
        for dotted, pair in (resource_bases or {}).items():
            if not isinstance(pair, list) or len(pair) != 2:
                raise EndpointsError(f"resource_bases.{dotted} must be [sync, async] class references")
            self.bases[tuple(dotted.split("."))] = (ClassRef.parse(pair[0]), ClassRef.parse(pair[1]))
        for route in self.routes:
            if endpoints.is_alias(route.response) and route.response not in self.responses:
                raise EndpointsError(
                    f"route {route.name!r} answers a bare JSON array or free-keyed object "
                    f"({route.response}): name the model class that validates it in "
                    "[tool.vllm_sdk.codegen.response_classes]"
                )
            if route.query and self.settings[route.name].mounts_builder:
                raise EndpointsError(
                    f"route {route.name!r} has query parameters: its method cannot also return a builder "
                    "when called without arguments (query parameters are keywords and builder setters)"
                )
            if route.stream_response and self.settings[route.name].stream_classes is None:
                raise EndpointsError(
                    f"route {route.name!r} streams: name its stream classes in "
                    f'[tool.vllm_sdk.codegen.routes."{route.name}"] stream_classes = [sync, async]'
                )

    # ------------------------------------------------------------------ names

    @staticmethod
    def builder_name(route: RouteInfo, is_async: bool) -> str:
        return ("Async" if is_async else "") + _camel(route.name) + "Builder"

    def _public_builder(self, route: RouteInfo, is_async: bool) -> str:
        refs = self.settings[route.name].builder_classes
        return refs[is_async].name if refs else self.builder_name(route, is_async)

    def _response(self, route: RouteInfo) -> str | None:
        if route.response is None:
            return None
        ref = self.responses.get(route.response)
        return ref.name if ref else route.response

    def _is_text(self, route: RouteInfo) -> bool:
        op = self.e.doc["paths"][route.path][route.method.lower()]
        content = op.get("responses", {}).get("200", {}).get("content", {})
        return "text/plain" in content and "application/json" not in content

    def _operation(self, route: RouteInfo) -> Mapping[str, Any]:
        op: Mapping[str, Any] = self.e.doc["paths"][route.path][route.method.lower()]
        return op

    def _summary(self, route: RouteInfo) -> str:
        op = self._operation(route)
        text = str(op.get("description") or op.get("summary") or route.name).strip()
        first = text.split("\n\n")[0].strip()
        return first if first.endswith(".") else first + "."

    # ------------------------------------------------------------------ imports

    def _imports(self, refs: Iterable[ClassRef]) -> str:
        grouped: dict[str, set[str]] = {}
        for ref in refs:
            grouped.setdefault(ref.import_from(self.PACKAGE), set()).add(ref.name)
        return "".join(
            # Sorted as ruff's isort does: constants first, then case-insensitively.
            f"from {module} import {', '.join(sorted(names, key=_import_order))}\n"
            for module, names in sorted(grouped.items())
        )

    def _model_refs(self, models: Iterable[str]) -> list[ClassRef]:
        out = []
        for model in models:
            ref = self.responses.get(model)
            out.append(ref if ref else ClassRef(self.models_module, model))
        return out

    # ------------------------------------------------------------------ builders module

    def render_builders(self) -> str:
        # Routes with a body get a builder; so do body-less routes with query parameters (its setters fill
        # the URL query: ``SleepBuilder(requester).level(2).send()``).
        routes = [r for r in self.routes if r.request_variants or r.query]
        refs: list[ClassRef] = [
            ClassRef("vllm_sdk._config", "NOT_GIVEN"),
            ClassRef("vllm_sdk._requester", "CallOptions"),
            self.builder_base,
        ]
        if any(r.query for r in routes):
            refs.append(ClassRef("vllm_sdk._requester", "query_options"))
        for r in routes:
            refs += [ClassRef("vllm_sdk._generated_endpoints", f"{v}BuilderBase") for v in r.request_variants]
            if r.response:
                refs += self._model_refs([r.response])
            streams = self.settings[r.name].stream_classes
            if streams:
                refs += list(streams)
        refs += [ClassRef("vllm_sdk.resources._raw", n) for n in ("async_builder_raw", "builder_raw")]
        out = [
            BUILDERS_HEADER,
            '"""Route builders (generated): typed setters of every request variant, then ``send()``.\n\n',
            "Hand-written builders (``resources/chat.py``...) subclass these to add conveniences.\n",
            '"""\n\nfrom __future__ import annotations\n\n',
            "from typing import TYPE_CHECKING, Any\n\n",
            self._imports(refs),
            "\nif TYPE_CHECKING:\n",
            "__TYPING_ONLY__\n",
            "    from .._config import NotGiven, TimeoutLike\n",
            "    from .._requester import AsyncRequester, Requester\n",
            "    from ._raw import AsyncRawResponse, RawResponse\n\n",
        ]
        names: list[str] = []
        for route in routes:
            for is_async in (False, True):
                out.append(self._render_builder(route, is_async))
                names.append(self.builder_name(route, is_async))
        out.append(_all(names))
        text = "".join(out)
        # Merged setters may need typing names at annotation time only.
        abc_names = ["Mapping", *(n for n in ("Sequence",) if f"{n}[" in text)]
        extra = f"    from collections.abc import {', '.join(abc_names)}\n"
        if "Literal[" in text:
            extra += "    from typing import Literal\n"
        if "-> Self:" in text:
            extra += "\n    from typing_extensions import Self\n"
        return text.replace("__TYPING_ONLY__\n", extra + "\n")

    def _merged_setters(self, route: RouteInfo) -> list[str]:
        """Setters whose annotation differs between the route's variants: one taking any of them."""
        if len(route.request_variants) < 2:
            return []
        seen: dict[str, tuple[str, list[str], str]] = {}
        order: list[str] = []
        for variant in route.request_variants:
            for key, schema in self.e._fields(variant):
                if key == "stream":
                    continue
                setter = self.e._setter_name(variant, key)
                annotation = self.e.types.annotation(schema)
                if setter not in seen:
                    seen[setter] = (key, [annotation], str(schema.get("description") or ""))
                    order.append(setter)
                elif annotation not in seen[setter][1]:
                    seen[setter][1].append(annotation)
        out = []
        for setter in order:
            key, annotations, description = seen[setter]
            if len(annotations) < 2:
                continue
            parts: list[str] = []
            for annotation in annotations:
                for member in _split_union(annotation):
                    if member not in parts:
                        parts.append(member)
            if "None" in parts:
                parts.remove("None")
                parts.append("None")
            joined = " | ".join(parts)
            doc = description or f"Set the ``{key}`` field of the request body."
            out.append(
                f"\n    def {setter}(self, value: {joined}) -> Self:\n"
                + _docstring(doc, "        ")
                + f"        return self._set({key!r}, value)\n"
            )
        return out

    def _render_builder(self, route: RouteInfo, is_async: bool) -> str:
        name = self.builder_name(route, is_async)
        bases = ", ".join([self.builder_base.name, *(f"{v}BuilderBase" for v in route.request_variants)])
        requester = "AsyncRequester" if is_async else "Requester"
        response = self._response(route)
        streams = self.settings[route.name].stream_classes
        doc = (
            f"A ``{route.method} {route.path}`` request being built: one typed setter per field of the "
            "schema, then ``send()``"
            + (" or ``send_stream()``" if streams else "")
            + (" (``await`` them)." if is_async else ".")
        )
        out = [f"\n\nclass {name}({bases}):\n", _docstring(doc, "    ")]
        out.append(f"\n    _route = {route.name!r}\n")
        out.append(
            f"\n    def __init__(self, requester: {requester}) -> None:\n"
            "        super().__init__()\n"
            "        self._requester = requester\n"
        )
        out.extend(self._merged_setters(route))
        taken = [self.e._setter_name(v, k) for v in route.request_variants for k, _ in self.e._fields(v)]
        out.extend(_query.setters(route, self.e.types, taken))
        aw, asy = ("await ", "async ") if is_async else ("", "")
        query = "query_options(self._query, extra_query)" if route.query else "extra_query"
        options = f"CallOptions(self._extra, extra_headers, {query}, timeout, max_retries)"
        body = "self._body" if route.request_variants else "None"
        if response is not None:
            send_doc = "Send the request and return the whole response."
            call = f"{aw}self._requester.call(self._route, {body}, {options}, {response})"
            returns = response
        elif self._is_text(route):
            send_doc, returns = "Send the request and return the body as text.", "str"
            call = f"{aw}self._requester.call_text(self._route, {body}, {options})"
        else:
            send_doc, returns = "Send the request (its answer has no body worth parsing).", "None"
            call = f"{aw}self._requester.call_empty(self._route, {body}, {options})"
        send_doc += (
            " Raises :class:`~vllm_sdk.MissingParameterError` before any I/O without the required fields."
        )
        out.append(
            _signature(asy, "send", SEND_OPTIONS, returns)
            + _docstring(send_doc, "        ")
            + f"        return {call}\n"
        )
        out.append(self._raw_sender("send", returns, SEND_OPTIONS, is_async))
        if streams:
            out.append(self._raw_sender("send_stream", streams[is_async].name, SEND_OPTIONS + IDLE, is_async))
        if streams:
            stream_cls = streams[is_async].name
            stream_options = (
                f"CallOptions(self._extra, extra_headers, {query}, timeout, max_retries, stream_idle_timeout)"
            )
            out.append(
                f"\n    {asy}def send_stream(\n        self,\n        *,\n"
                f"{_indent(SEND_OPTIONS + IDLE, 8)}    ) -> {stream_cls}:\n"
                + _docstring(
                    f"Send the request with ``stream: true`` and return the :class:`~vllm_sdk.{stream_cls}`. "
                    "Retries apply until the server answers 2xx; a stream is never retried once returned.",
                    "        ",
                )
                + f"        return {aw}self._requester.call_stream("
                f"self._route, self._body, {stream_options}, "
                f"{stream_cls})\n"
            )
        return "".join(out)

    @staticmethod
    def _raw_sender(method: str, returns: str, params: str, is_async: bool) -> str:
        """``send_raw()`` / ``send_stream_raw()``: ``method`` answered as a raw response (the builder form of
        ``with_raw_response``)."""
        asy, aw = ("async ", "await ") if is_async else ("", "")
        typed = f"AsyncRawResponse[{returns}]" if is_async else f"RawResponse[{returns}]"
        helper = "async_builder_raw" if is_async else "builder_raw"
        names = [line.split(":")[0].strip() for line in params.splitlines()]
        forward = ", ".join(f"{n!r}: {n}" for n in names)
        doc = (
            f"``{method}()`` answered as a raw response (status, headers, request id); its ``parse()`` "
            f"gives what ``{method}()`` returns."
        )
        return (
            _signature(asy, f"{method}_raw", params, typed)
            + _docstring(doc, "        ")
            + f"        raw: {typed} = {aw}{helper}(self, {method!r}, {{{forward}}})\n"
            + "        return raw\n"
        )

    # ------------------------------------------------------------------ resources module

    def _tree(self) -> dict[tuple[str, ...], list[RouteInfo]]:
        """Routes by the resource path that holds them (``()`` is the client itself)."""
        tree: dict[tuple[str, ...], list[RouteInfo]] = {(): []}
        for route in self.routes:
            if self.settings[route.name].hand_written:
                continue
            parts = tuple(route.name.split("."))
            for depth in range(1, len(parts)):
                tree.setdefault(parts[:depth], [])
            tree[parts[:-1]].append(route)
        return tree

    def resource_class(self, path: tuple[str, ...], is_async: bool) -> str:
        if not path:
            return "AsyncClientResources" if is_async else "ClientResources"
        return ("Async" if is_async else "") + "".join(_camel(p) for p in path)

    def render_resources(self) -> str:
        tree = self._tree()
        routes = [r for rs in tree.values() for r in rs]
        refs: list[ClassRef] = [
            ClassRef("vllm_sdk._config", "NOT_GIVEN"),
            ClassRef("vllm_sdk._requester", "CallOptions"),
        ]
        params: set[str] = set()
        unknown = sorted(".".join(p) for p in self.bases if p not in tree or not p)
        if unknown:
            raise EndpointsError(
                f"[tool.vllm_sdk.codegen.resource_bases] names resources the schema lacks: {unknown}"
            )
        for pair in self.bases.values():
            refs += list(pair)
        refs += list(RAW_MIXINS) + list(RAW_VIEWS)
        for pair in self.bases.values():  # their raw views (see the module docstring)
            refs += [
                ClassRef(ref.module, ref.name + suffix)
                for ref in pair
                for suffix in ("WithRawResponse", "WithStreamingResponse")
            ]
        if any(r.query for r in routes):
            refs.append(ClassRef("vllm_sdk._requester", "query_options"))
        for r in routes:
            if r.response:
                refs += self._model_refs([r.response])
            s = self.settings[r.name]
            if s.stream_classes:
                refs += list(s.stream_classes)
            if r.request_variants:
                if s.builder_classes:
                    refs += list(s.builder_classes)
                elif s.builder:
                    refs += [
                        ClassRef("vllm_sdk.resources._generated_builders", self.builder_name(r, a))
                        for a in (False, True)
                    ]
                params.update(f"{v}Params" for v in r.request_variants)
        out = [
            BUILDERS_HEADER,
            '"""The keyword surface of both clients (generated): one method per route of the schema.\n\n',
            "``ClientResources`` / ``AsyncClientResources`` are mixed into the clients; each method is\n",
            "one call into the requester protocol. See ``codegen/resources.py`` for the rules.\n",
            '"""\n\nfrom __future__ import annotations\n\n',
            "from typing import TYPE_CHECKING, Any, Literal, overload\n\n",
            self._imports(refs),
            "\nif TYPE_CHECKING:\n",
            "    from collections.abc import Coroutine, Mapping\n\n",
            "    from typing_extensions import Unpack\n\n",
            "    from .._config import NotGiven, TimeoutLike\n",
            f"    from .._generated_endpoints import {', '.join(sorted(params))}\n",
            "    from .._requester import AsyncRequester, Requester\n",
            "    from ._raw import (\n        AsyncRawResponse,\n        AsyncStreamedRawResponseManager,\n"
            "        RawResponse,\n        StreamedRawResponseManager,\n    )\n",
        ]
        names: list[str] = []
        # Deepest first, so that a class is defined before the class that mounts it.
        for path in sorted(tree, key=lambda p: (-len(p), p)):
            for is_async in (False, True):
                for streaming in (False, True):
                    out.append(self._render_raw_view(path, tree, is_async, streaming))
                    names.append(self.raw_view_class(path, is_async, streaming))
                out.append(self._render_resource(path, tree, is_async))
                names.append(self.resource_class(path, is_async))
        out.append(_all(names))
        text = "".join(out)
        if "Sequence[" in text:  # a query parameter typed as an array (``tags`` of ``/wake_up``)
            text = text.replace(
                "from collections.abc import Coroutine, Mapping\n",
                "from collections.abc import Coroutine, Mapping, Sequence\n",
                1,
            )
        return text

    # ------------------------------------------------------------------ typed raw views

    def raw_view_class(self, path: tuple[str, ...], is_async: bool, streaming: bool) -> str:
        """``ChatCompletionsWithRawResponse``, ``AsyncModelsWithStreamingResponse``..."""
        suffix = "WithStreamingResponse" if streaming else "WithRawResponse"
        return self.resource_class(path, is_async) + suffix

    def _raw_signatures(self, route: RouteInfo, is_async: bool) -> list[tuple[str, str]]:
        """The keyword signatures of a route's method that send a request (``params`` text, the return
        type): the method's overloads without the builder one."""
        streams = self.settings[route.name].stream_classes
        stream_cls = streams[is_async].name if streams else None
        response = self._response(route)
        if response is None:
            response = "str" if self._is_text(route) else "None"
        query = _query.signature(route, self.e.types)  # the method's query keywords come first
        if not route.request_variants:
            return [(query + PLAIN_OPTIONS, response)]
        out: list[tuple[str, str]] = []
        for variant in route.request_variants:
            unpack = f"**params: Unpack[{variant}Params],\n"
            if not self.settings[route.name].mounts_builder:
                out.append((query + PER_CALL + unpack, response))
            elif stream_cls:
                out += [
                    ("stream: Literal[False] = False,\n" + PER_CALL + unpack, response),
                    ("stream: Literal[True],\n" + PER_CALL + IDLE + unpack, stream_cls),
                    ("stream: bool,\n" + PER_CALL + IDLE + unpack, f"{response} | {stream_cls}"),
                ]
            else:
                out.append((PER_CALL + unpack, response))
        return out

    def _render_raw_view(
        self,
        path: tuple[str, ...],
        tree: Mapping[tuple[str, ...], list[RouteInfo]],
        is_async: bool,
        streaming: bool,
    ) -> str:
        name = self.raw_view_class(path, is_async, streaming)
        base = self.bases.get(path)
        suffix = "WithStreamingResponse" if streaming else "WithRawResponse"
        parent = base[is_async].name + suffix if base else RAW_VIEWS[is_async].name
        where = f"client.{'.'.join(path)}" if path else "the client"
        kind = "with_streaming_response" if streaming else "with_raw_response"
        what = (
            "a context manager over the unread answer"
            if streaming
            else ("an awaitable raw response" if is_async else "a raw response")
        )
        out = [
            f"\n\nclass {name}({parent}):\n",
            _docstring(
                f"``{where}.{kind}``: each method takes the arguments of the plain method and returns "
                f"{what} whose ``parse()`` gives what the plain method returns.",
                "    ",
            ),
        ]
        # Sub-resources reached through the view (``client.with_raw_response.chat.completions``, as in
        # openai-python); the tree is rendered deepest first, so their view classes are already defined.
        for child in sorted(p for p in tree if len(p) == len(path) + 1 and p[: len(path)] == path):
            view = self.raw_view_class(child, is_async, streaming)
            out.append(
                f"\n    @property\n    def {child[-1]}(self) -> {view}:\n"
                + _docstring(f"``client.{'.'.join(child)}``'s methods, answered as {what}.", "        ")
                + f"        return self._child({child[-1]!r}, {view})\n"
            )
        wrapper = RAW_WRAPPERS[(is_async, streaming)]
        for route in tree[path]:
            method = route.name.split(".")[-1]
            signatures = self._raw_signatures(route, is_async)
            doc = f"``{method}()`` (``{route.method} {route.path}``), answered as {what}."
            if len(signatures) == 1:
                params, returns = signatures[0]
                names = [line.split(":")[0].strip() for line in params.splitlines()]
                forward = ", ".join(f"{n}={n}" if not n.startswith("**") else n for n in names)
                typed = wrapper.format(returns)
                out.append(
                    _signature("", method, params, typed)
                    + _docstring(doc, "        ")
                    + f"        raw: {typed} = self._call({method!r}, {forward})\n"
                    + "        return raw\n"
                )
                continue
            for params, returns in signatures:
                out.append(
                    "\n    @overload"
                    + _signature("", method, params, wrapper.format(returns)).rstrip(":\n")
                    + ": ...\n"
                )
            out.append(
                f"\n    def {method}(self, **kwargs: Any) -> Any:\n"
                + _docstring(doc, "        ")
                + f"        return self._call({method!r}, **kwargs)\n"
            )
        return "".join(out)

    def _render_resource(
        self, path: tuple[str, ...], tree: Mapping[tuple[str, ...], list[RouteInfo]], is_async: bool
    ) -> str:
        name = self.resource_class(path, is_async)
        requester = "AsyncRequester" if is_async else "Requester"
        children = sorted(p for p in tree if len(p) == len(path) + 1 and p[: len(path)] == path)
        base = self.bases.get(path)
        bases = [base[is_async].name] if base else []
        if path:  # every mounted resource gets with_raw_response / with_streaming_response
            bases.append(RAW_MIXINS[is_async].name)
        out = [f"\n\nclass {name}({', '.join(bases)}):\n" if bases else f"\n\nclass {name}:\n"]
        if path:
            dotted = ".".join(path)
            out.append(
                _docstring(f"``client.{dotted}``" + (" of the async client." if is_async else "."), "    ")
            )
            out.append(
                f"\n    def __init__(self, requester: {requester}) -> None:\n"
                "        self._requester = requester\n"
            )
        else:
            out.append(
                _docstring(
                    "The routes and resources mounted on the "
                    + ("async client" if is_async else "client")
                    + "; the client provides ``_requester``.",
                    "    ",
                )
            )
            out.append(
                "\n    @property\n"
                f"    def _requester(self) -> {requester}:\n"
                '        """The client core the methods call into (provided by the client class)."""\n'
                "        raise NotImplementedError\n"
            )
        if path:
            for streaming in (False, True):
                view = self.raw_view_class(path, is_async, streaming)
                prop = "with_streaming_response" if streaming else "with_raw_response"
                what = "context managers over the unread answer" if streaming else "raw responses"
                out.append(
                    f"\n    @property\n    def {prop}(self) -> {view}:\n"
                    + _docstring(
                        f"This resource's methods answering with {what} (status, headers, request id, "
                        "``parse()``).",
                        "        ",
                    )
                    + f"        return {view}(type(self), self._requester, streaming={streaming})\n"
                )
        for child in children:
            cls = self.resource_class(child, is_async)
            routes_under = ", ".join(
                f"``{r.name}``" for p, rs in tree.items() if p[: len(child)] == child for r in rs
            )
            out.append(
                f"\n    @property\n    def {child[-1]}(self) -> {cls}:\n"
                + _docstring(f"``client.{'.'.join(child)}``: {routes_under}.", "        ")
                + f"        return {cls}(self._requester)\n"
            )
        for route in tree[path]:
            out.append(self._render_method(route, is_async))
        return "".join(out)

    def _render_method(self, route: RouteInfo, is_async: bool) -> str:
        method = route.name.split(".")[-1]
        streams = self.settings[route.name].stream_classes
        stream_cls = streams[is_async].name if streams else None
        response = self._response(route)
        if response is None:
            response = "str" if self._is_text(route) else "None"
        doc = self._summary(route) + f" (``{route.method} {route.path}``)"
        if not route.request_variants:
            return self._render_plain_method(route, method, response, doc, is_async)
        if not self.settings[route.name].mounts_builder:
            return self._render_keyword_method(route, method, response, doc, is_async)
        builder = self._public_builder(route, is_async)

        def ret(value: str) -> str:
            return f"Coroutine[Any, Any, {value}]" if is_async else value

        per_call = PER_CALL + (IDLE if stream_cls else "")
        out = [f"\n    @overload\n    def {method}(self) -> {builder}: ...\n"]
        for variant in route.request_variants:
            unpack = f"**params: Unpack[{variant}Params],\n"
            if stream_cls:
                out.append(
                    f"\n    @overload\n    def {method}(\n        self,\n        *,\n"
                    f"        stream: Literal[False] = False,\n{_indent(PER_CALL + unpack, 8)}"
                    f"    ) -> {ret(response)}: ...\n"
                    f"\n    @overload\n    def {method}(\n        self,\n        *,\n"
                    f"        stream: Literal[True],\n{_indent(per_call + unpack, 8)}"
                    f"    ) -> {ret(stream_cls)}: ...\n"
                    f"\n    @overload\n    def {method}(\n        self,\n        *,\n"
                    f"        stream: bool,\n{_indent(per_call + unpack, 8)}"
                    f"    ) -> {ret(f'{response} | {stream_cls}')}: ...\n"
                )
            else:
                out.append(
                    "\n    @overload"
                    + _signature("", method, PER_CALL + unpack, ret(response)).rstrip(":\n")
                    + ": ...\n"
                )
        stream_param = "        stream: bool | None = None,\n" if stream_cls else ""
        result = f"{builder} | {response}" + (f" | {stream_cls}" if stream_cls else "")
        if is_async:
            result = f"{builder} | Coroutine[Any, Any, Any]"
        idle = "stream_idle_timeout" if stream_cls else "None"
        full_doc = (
            doc + "\n\nWith keyword parameters (the fields of the request body, checked by type) the request "
            "is sent at once"
            + (" (``await`` the result)" if is_async else "")
            + "; ``extra_body``, ``extra_headers``, ``extra_query``, ``timeout`` and ``max_retries`` "
            "apply to this call only"
            + (", and ``stream=True`` returns the stream" if stream_cls else "")
            + f". Without any argument: a :class:`{builder}` with typed setters."
        )
        body = [
            f"\n    def {method}(\n        self,\n        *,\n{stream_param}"
            f"{_indent(per_call if stream_cls else PER_CALL, 8)}        **params: Any,\n    ) -> {result}:\n",
            _docstring(full_doc, "        "),
            "        options = CallOptions(extra_body, extra_headers, extra_query, timeout, max_retries, "
            f"{idle})\n",
            "        if not params and "
            + ("stream is None and " if stream_cls else "")
            + "options.is_default():\n",
            f"            return {builder}(self._requester)\n",
        ]
        if stream_cls:
            body.append(
                "        if stream:\n"
                "            return self._requester.call_stream("
                f"{route.name!r}, params, options, {stream_cls})\n"
            )
        body.append(f"        return {self._call_expr(route, response, 'params', 'options')}\n")
        return "".join(out) + "".join(body)

    def _render_keyword_method(
        self, route: RouteInfo, method: str, response: str, doc: str, is_async: bool
    ) -> str:
        """A keyword-only method (a coroutine function on the async client), one overload per variant."""
        asy, aw = ("async ", "await ") if is_async else ("", "")
        out = []
        # The query keywords come first in every overload, as in the implementation: an overload without
        # them would make a call passing one a type error.
        query = _query.signature(route, self.e.types)
        if len(route.request_variants) > 1:
            for variant in route.request_variants:
                unpack = f"**params: Unpack[{variant}Params],\n"
                out.append(
                    f"\n    @overload\n    {asy}def {method}(\n        self,\n        *,\n"
                    f"{_indent(query + PER_CALL + unpack, 8)}    ) -> {response}: ...\n"
                )
            params = "**params: Any,\n"
        else:
            params = f"**params: Unpack[{route.request_variants[0]}Params],\n"
        full_doc = (
            doc + "\n\nThe keyword parameters are the fields of the request body (checked by type); "
            "``extra_body``, ``extra_headers``, ``extra_query``, ``timeout`` and ``max_retries`` "
            "apply to this call only."
        )
        query_doc = _query.docs(route.query)
        if query_doc:
            full_doc += "\n\n" + query_doc
        out.append(
            _signature(asy, method, query + PER_CALL + params, response)
            + _docstring(full_doc, "        ")
            + f"        options = {_query.options_expr(route, 'extra_body')}\n"
            + f"        return {aw}{self._call_expr(route, response, 'params', 'options')}\n"
        )
        return "".join(out)

    def _call_expr(self, route: RouteInfo, response: str, body: str, options: str) -> str:
        if response == "str":
            return f"self._requester.call_text({route.name!r}, {body}, {options})"
        if response == "None":
            return f"self._requester.call_empty({route.name!r}, {body}, {options})"
        return f"self._requester.call({route.name!r}, {body}, {options}, {response})"

    def _render_plain_method(
        self, route: RouteInfo, method: str, response: str, doc: str, is_async: bool
    ) -> str:
        asy, aw = ("async ", "await ") if is_async else ("", "")
        params = _query.signature(route, self.e.types) + (
            "timeout: TimeoutLike | NotGiven | None = NOT_GIVEN,\n"
            "extra_headers: Mapping[str, str | None] | None = None,\n"
            "extra_query: Mapping[str, Any] | None = None,\n"
            "max_retries: int | None = None,\n"
        )
        query_doc = _query.docs(route.query)
        if query_doc:
            doc += "\n\n" + query_doc
        return (
            f"\n    {asy}def {method}(\n        self,\n        *,\n{_indent(params, 8)}    ) -> {response}:\n"
            + _docstring(doc, "        ")
            + f"        options = {_query.options_expr(route, 'None')}\n"
            + f"        return {aw}{self._call_expr(route, response, 'None', 'options')}\n"
        )


def _import_order(name: str) -> tuple[bool, str, str]:
    return (not name.isupper(), name.lower(), name)


def _signature(prefix: str, method: str, params: str, returns: str) -> str:
    """``{prefix}def method(self, *, <params>) -> returns:`` laid out one parameter a line."""
    return (
        f"\n    {prefix}def {method}(\n        self,\n        *,\n{_indent(params, 8)}    ) -> {returns}:\n"
    )


def _docstring(text: str, indent: str) -> str:
    """A docstring whose paragraphs are wrapped to fit the line length (schema text is kept as written)."""
    width = max(40, 108 - len(indent))
    paragraphs = [textwrap.fill(p, width=width) if "\n" not in p else p for p in text.split("\n\n")]
    return _raw_docstring("\n\n".join(paragraphs), indent)


def _split_union(annotation: str) -> list[str]:
    """Top-level members of ``A | B[C | D] | None``."""
    parts: list[str] = []
    depth = 0
    current = ""
    i = 0
    while i < len(annotation):
        ch = annotation[i]
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        if depth == 0 and annotation.startswith(" | ", i):
            parts.append(current)
            current = ""
            i += 3
            continue
        current += ch
        i += 1
    parts.append(current)
    return parts


def _indent(text: str, spaces: int) -> str:
    pad = " " * spaces
    return "".join(pad + line + "\n" for line in text.splitlines())


def _all(names: Iterable[str]) -> str:
    body = "".join(f"    {name!r},\n" for name in sorted(names))
    return f"\n\n__all__ = [\n{body}]\n"
