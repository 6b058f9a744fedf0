"""Code generation for vllm_sdk.

Run as ``python -m codegen COMMAND``:

* ``vendor``   — turn a live vLLM server's ``/openapi.json`` (plus the pooling server's document and the
  response-schema dump) into the committed ``schema/openapi.yaml``, applying the documented fix-ups of
  :mod:`codegen.fixups`.
* ``generate`` — ``schema/openapi.yaml`` → ``src/vllm_sdk/types/_generated.py`` (pydantic v2 models, by
  datamodel-code-generator) and ``src/vllm_sdk/_generated_endpoints.py`` (route table, builder bases,
  keyword ``TypedDict`` s; by :mod:`codegen.endpoints`).
* ``check``    — regenerate into a temporary directory and fail with a unified diff when anything committed
  is stale.

Nothing here is imported by the SDK at run time.
"""
