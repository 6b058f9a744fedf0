"""A system prompt sets the assistant's behaviour for the whole conversation."""

from _common import example

with example(__doc__) as ex, ex.client() as client:
    resp = (
        client.chat.completions.create()
        .model(ex.model)
        .system("You are a pirate. Answer every question in pirate speak, in at most two sentences.")
        .user("How do I make a cup of tea?")
        .max_tokens(96)
        .send()
    )
    print((resp.content or "").strip())

    # The same request in the keyword style: the system message is simply the first message.
    resp = client.chat.completions.create(
        model=ex.model,
        messages=[
            {"role": "system", "content": "Reply in French only."},
            {"role": "user", "content": "Good morning!"},
        ],
        max_tokens=32,
    )
    print((resp.content or "").strip())
