"""Thinking on and off: hybrid reasoning models (Qwen3, ...) switch per request via the chat template."""

from _common import example

QUESTION = (
    "A bat and a ball cost 1.10 in total; the bat costs 1.00 more than the ball. What does the ball cost?"
)

with example(__doc__) as ex, ex.client() as client:
    for enabled in (True, False):
        resp = (
            client.chat.completions.create()
            .model(ex.model)
            .user(QUESTION)
            .thinking(enabled)  # = chat_template_kwargs={"enable_thinking": enabled}
            .max_tokens(512)
            .send()
        )
        reasoning = resp.reasoning_content or ""
        print(f"thinking={enabled}: {len(reasoning)} characters of reasoning")
        if reasoning:
            print("  reasoning:", reasoning[:80].replace("\n", " "), "...")
        print("  answer:   ", (resp.content or "").strip()[:80])

    # The keyword form of the same switch.
    resp = client.chat.completions.create(
        model=ex.model,
        messages=[{"role": "user", "content": QUESTION}],
        chat_template_kwargs={"enable_thinking": False},
        max_tokens=128,
    )
    print("keywords, thinking off: reasoning =", repr(resp.reasoning_content))
