"""Streaming: print the answer as it is generated, three ways."""

from _common import example

from vllm_sdk import Content, Done, FinishReason

with example(__doc__) as ex, ex.client() as client:
    # 1. The event loop: match on the typed events.
    stream = client.chat.completions.create().model(ex.model).user("Tell me a short story.").send_stream()
    for event in stream:
        match event:
            case Content(text=text):
                print(text, end="", flush=True)
            case FinishReason(reason=reason):
                print(f"\n[finish_reason: {reason}]")
            case Done():
                print("[done]")

    # 2. Only the text: stream.text_stream yields the content pieces as plain strings.
    stream = client.chat.completions.create(
        model=ex.model, messages=[{"role": "user", "content": "Count to ten."}], stream=True
    )
    with stream:  # closes the connection even if the loop stops early
        for piece in stream.text_stream:
            print(piece, end="", flush=True)
    print()

    # 3. Stream, but keep the complete response: collect() returns a ChatCompletionResponse.
    resp = client.chat.completions.create().model(ex.model).user("Name a colour.").send_stream().collect()
    print("collected:", resp.content, "|", resp.finish_reason)
