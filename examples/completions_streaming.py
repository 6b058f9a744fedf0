"""The legacy /v1/completions endpoint: raw prompt in, text out, streamed."""

from _common import example

from vllm_sdk import FinishReason, Text, Usage

with example(__doc__) as ex, ex.client() as client:
    stream = (
        client.completions.create()
        .model(ex.model)
        .prompt("Once upon a time, in a data centre far away,")
        .max_tokens(48)
        .stream_options(include_usage=True)
        .send_stream()
    )
    for event in stream:
        match event:
            case Text(text=text):
                print(text, end="", flush=True)
            case FinishReason(reason=reason):
                print(f"\n[finish_reason: {reason}]")
            case Usage(completion_tokens=n):
                print(f"[{n} tokens]")

    # Keyword style, collected into one string.
    stream = client.completions.create(
        model=ex.model, prompt="The capital of France is", max_tokens=8, stream=True
    )
    print("collected:", repr(stream.collect_text()))

    # Non-streamed, with echo and logprobs: the prompt's tokens get log-probabilities too.
    resp = client.completions.create(
        model=ex.model, prompt="Paris is lovely", max_tokens=2, echo=True, logprobs=1
    )
    lp = resp.choices[0].logprobs
    print("echoed:", repr(resp.choices[0].text))
    if lp is not None and lp.tokens and lp.token_logprobs:
        for token, logprob in zip(lp.tokens, lp.token_logprobs, strict=True):
            print(f"  {token!r:>12} {logprob}")
