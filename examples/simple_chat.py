"""The smallest useful program: one question, one answer, in both call styles."""

from _common import example

with example(__doc__) as ex, ex.client() as client:
    # Builder style: chain typed setters, finish with .send().
    resp = client.chat.completions.create().model(ex.model).user("What is vLLM, in one sentence?").send()
    print("builder:", (resp.content or "").strip())

    # Keyword style, exactly like openai-python: the call sends at once.
    resp = client.chat.completions.create(
        model=ex.model,
        messages=[{"role": "user", "content": "What is vLLM, in one sentence?"}],
    )
    print("keywords:", (resp.content or "").strip())
    print("finish reason:", resp.finish_reason)
