"""Streaming a reasoning model: show the thinking (dimmed) apart from the answer as both arrive."""

import sys

from _common import example

from vllm_sdk import Content, Reasoning

DIM, RESET = ("\x1b[2m", "\x1b[0m") if sys.stdout.isatty() else ("", "")

with example(__doc__) as ex, ex.client() as client:
    stream = (
        client.chat.completions.create()
        .model(ex.model)
        .user("Is 391 a prime number?")
        .thinking(True)  # chat_template_kwargs={"enable_thinking": True}
        .max_tokens(512)
        .send_stream()
    )
    section = None
    for event in stream:
        match event:
            case Reasoning(text=text):
                if section != "reasoning":
                    print("--- thinking ---")
                    section = "reasoning"
                    text = text.lstrip("\n")  # reasoning models often open with blank lines
                print(f"{DIM}{text}{RESET}", end="", flush=True)
            case Content(text=text):
                if section != "answer":
                    print("\n--- answer ---")
                    section = "answer"
                    text = text.lstrip("\n")
                print(text, end="", flush=True)
    print()

    # collect() gives both parts of the final message at once.
    resp = stream.collect()
    print(
        f"[{len(resp.reasoning_content or '')} characters of reasoning, "
        f"{len(resp.content or '')} characters of answer]"
    )
