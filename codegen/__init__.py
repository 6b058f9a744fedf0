"""Code generation for vllm_sdk.

Run as ``python -m codegen COMMAND``:

* ``vendor``   — turn a live vLLM server's ``/openapi.json`` (plus the pooling server's document and the
  response-schema dump) into the committed ``schema/openapi.yaml``, applying the documented fix-ups of
  :mod:`codegen.fixups`.
* ``generate`` — ``schema/openapi.yaml`` → ``src/vllm_sdk/types/_generated.py`` (pydantic v2 models, by
  datamodel-code-generator) and ``src/vllm_sdk/_generated_endpoints.py`` (route table, builder bases,
  keyword ``TypedDict`` s; by :mod:`codegen.endpoints`) and ``src/vllm_sdk/types/_generated_params.py``
  (the chat message, content-part and tool ``TypedDict`` s; by :mod:`codegen.params`).
* ``check``    — regenerate in memory (and re-vendor into a temporary directory when the sources are at
  hand) and fail with a unified diff when anything committed is stale.
* ``dump-responses`` — run inside vLLM's own environment: writes the response-model file ``vendor
  --responses`` reads (vLLM's served document has no response schemas).

Updating to a new vLLM release: start the server twice (a generative and an embedding model), run
``python -m codegen dump-responses --out responses.json`` in the server's environment, then run
``python -m codegen vendor --from http://HOST:PORT/openapi.json --pooling http://HOST:PORT2/openapi.json
--responses responses.json`` and ``python -m codegen generate``, and review the diff of ``schema/`` and of
the two generated files. New request fields become builder setters and keyword parameters with no hand
edits; a setter name that clashes with a hand-written builder method is renamed in
``[tool.vllm_sdk.codegen.setter_renames]`` (generation fails with a pointer there).

Nothing here is imported by the SDK at run time.
"""
