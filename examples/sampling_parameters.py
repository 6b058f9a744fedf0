"""Sampling parameters, including vLLM's own (top_k, min_p, repetition_penalty), as typed arguments."""

from _common import example

PROMPT = "Write a one-line slogan for a bicycle shop."

with example(__doc__) as ex, ex.client() as client:
    # Greedy decoding: temperature 0 always picks the most likely token.
    greedy = (
        client.chat.completions.create().model(ex.model).user(PROMPT).temperature(0).max_tokens(48).send()
    )
    print("greedy:  ", greedy.content)

    # Creative sampling with vLLM's extra knobs: no extra_body needed, every one is a typed setter.
    creative = (
        client.chat.completions.create()
        .model(ex.model)
        .user(PROMPT)
        .temperature(1.0)
        .top_p(0.95)
        .top_k(50)
        .min_p(0.05)
        .repetition_penalty(1.1)
        .max_tokens(48)
        .send()
    )
    print("creative:", creative.content)

    # The same knobs as keywords; a fixed seed makes sampling reproducible.
    runs = [
        client.chat.completions.create(
            model=ex.model,
            messages=[{"role": "user", "content": PROMPT}],
            temperature=0.9,
            top_k=40,
            seed=1234,
            max_tokens=48,
        ).content
        for _ in range(2)
    ]
    print("seeded:  ", runs[0])
    print("same seed, same text:", runs[0] == runs[1])

    # Several candidates in one request.
    resp = client.chat.completions.create(
        model=ex.model, messages=[{"role": "user", "content": PROMPT}], n=3, temperature=1.0, max_tokens=32
    )
    for choice in resp.choices:
        print(f"candidate {choice.index}:", choice.message.content)
