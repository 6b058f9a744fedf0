"""Token usage of a request, non-streamed and streamed, and the server's tokenizer."""

from _common import example

from vllm_sdk import Usage
from vllm_sdk.types import ChatCompletionMessageParam

with example(__doc__) as ex, ex.client() as client:
    messages: list[ChatCompletionMessageParam] = [
        {"role": "user", "content": "Explain tokenization in two sentences."}
    ]

    resp = client.chat.completions.create(model=ex.model, messages=messages, max_tokens=64)
    u = resp.usage  # vLLM always sends usage on a non-streamed answer; the type allows None (streams)
    if u is not None:
        print(
            f"non-streamed: prompt={u.prompt_tokens} completion={u.completion_tokens} total={u.total_tokens}"
        )

    # Streams ask for usage by default (stream_options.include_usage; stream_usage=False turns it off):
    # the final Usage event. Setting it explicitly, as here, also works.
    stream = (
        client.chat.completions.create()
        .model(ex.model)
        .messages(messages)
        .max_tokens(64)
        .stream_options(include_usage=True)
        .send_stream()
    )
    for event in stream:
        if isinstance(event, Usage):
            print(
                f"streamed:     prompt={event.prompt_tokens} completion={event.completion_tokens} "
                f"total={event.total_tokens}"
            )

    # The server's tokenizer, to count tokens before sending.
    toks = client.tokenize(model=ex.model, prompt="Explain tokenization in two sentences.")
    print(f"tokenize: {toks.count} tokens")
