"""Custom HTTP headers: on the client, on a derived client, on one request, and from the environment."""

from _common import example

with example(__doc__) as ex:
    with ex.client(headers={"X-Team": "search"}) as client:
        # A derived client shares the connection pool and adds a header of its own.
        tenant = client.with_header("X-Tenant", "acme")
        tenant.chat.completions.create(
            model=ex.model,
            messages=[{"role": "user", "content": "hi"}],
            max_tokens=8,
            extra_headers={"X-Request-Id": "example-42"},  # this request only
        )
        client.chat.completions.create(
            model=ex.model, messages=[{"role": "user", "content": "hi"}], max_tokens=8
        )

    if ex.server is not None:
        # The mock server records every request: show the headers each one carried.
        for request in ex.server.requests:
            if request.path.endswith("/chat/completions"):
                seen = {
                    k: v for k, v in request.headers.items() if k.startswith("x-") and k != "x-mock-fault"
                }
                print(f"{request.method} {request.path}: {seen}")
    print("Headers can also come from the environment: VLLM_CUSTOM_HEADERS, one 'Name: value' per line.")
