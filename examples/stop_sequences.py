"""Stop sequences end the generation early; vLLM reports which one matched in stop_reason."""

from _common import example

from vllm_sdk.types import ChatCompletionMessageParam

with example(__doc__) as ex, ex.client() as client:
    question: list[ChatCompletionMessageParam] = [
        {"role": "user", "content": "List five fruits, one per line."}
    ]

    full = client.chat.completions.create(model=ex.model, messages=question, max_tokens=64, temperature=0)
    print("without stop:", repr(full.content))

    # Stop at the first occurrence of any of these strings; pick one that occurs in the text above.
    words = (full.content or "").split()
    stop_word = words[3] if len(words) > 3 else "\n"
    cut = client.chat.completions.create(
        model=ex.model, messages=question, max_tokens=64, temperature=0, stop=[stop_word, "END"]
    )
    print(f"stop={stop_word!r}:", repr(cut.content))
    print("finish_reason:", cut.finish_reason, "| stop_reason:", repr(cut.choices[0].stop_reason))

    # include_stop_str_in_output keeps the matched string in the content.
    kept = (
        client.chat.completions.create()
        .model(ex.model)
        .messages(question)
        .max_tokens(64)
        .temperature(0)
        .stop([stop_word])
        .include_stop_str_in_output(True)
        .send()
    )
    print("with the stop string kept:", repr(kept.content))
