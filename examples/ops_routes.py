"""vLLM's extra routes: several conversations in one request, render without generating, generative
scoring, structured decisions, Cohere-style embeddings, sleep mode (the query-parameter routes), KV-event
sources and elastic EP status."""

from _common import example

from vllm_sdk import ApiError

with example(__doc__) as ex, ex.client() as client:
    # /v1/chat/completions/batch: one choice per conversation, in order (no streaming, n = 1)
    batch = client.chat.completions.batch(
        model=ex.model,
        messages=[
            [{"role": "user", "content": "Say hello."}],
            [{"role": "user", "content": "Name a colour."}],
        ],
        max_tokens=12,
    )
    for choice in batch.choices:
        print(f"conversation {choice.index}:", (choice.message.content or "")[:40])

    # render: the token ids and sampling parameters a request turns into, without generating
    # (a real server needs --enable-scale-out for these; PermissionDeniedError otherwise)
    try:
        rendered = client.chat.completions.render(
            model=ex.model, messages=[{"role": "user", "content": "Hello"}], max_tokens=8
        )
        print(
            "rendered prompt tokens:",
            len(rendered.token_ids),
            "max_tokens:",
            rendered.sampling_params.max_tokens,
        )
        per_prompt = client.completions.render(model=ex.model, prompt=["Hello world", "Good night"])
        print("completions render:", [len(r.token_ids) for r in per_prompt], "tokens per prompt")
    except ApiError as exc:
        print("render unavailable:", exc)

    # generative scoring: how likely each label token is right after query + item
    yes, no = (client.tokenize(model=ex.model, prompt=word).tokens[0] for word in (" yes", " no"))
    scores = client.generative_scoring(
        model=ex.model,
        query="Is this review positive? Review:",
        items=[" I loved it.", " Terrible service."],
        label_token_ids=[yes, no],
    )
    print("scores:", [round(item.score, 3) for item in scores.data])

    # /v1/systemone: questions about a state, answered from label probabilities (a real server serves it
    # only for the architectures vLLM has a read strategy for: InternalServerError 501 otherwise)
    try:
        decision = client.structured_decisions.create(
            model=ex.model,
            state="The parcel came two weeks late and broken. I want my money back.",
            questions={
                "mood": {"type": "choice", "criteria": {"happy": None, "angry": None}},
                "refund": {"type": "noul", "instructions": "Does the customer ask for a refund?"},
            },
        )
        print("decision:", decision.answers["mood"]["choice"], round(decision.answers["refund"]["noul"], 3))
    except ApiError as exc:
        print("structured decisions unavailable:", exc)

    # /v2/embed (Cohere's API; a pooling model on a real server)
    try:
        emb = client.embed(model=ex.model, texts=["hello", "world"], embedding_types=["float", "ubinary"])
        floats, packed = emb.embeddings.float_ or [], emb.embeddings.ubinary or []
        print(f"embed: {len(floats)} vectors of {len(floats[0])}, {len(packed[0])} packed bytes each")
    except ApiError as exc:
        print("embed unavailable:", exc)

    # sleep mode (a real server needs VLLM_SERVER_DEV_MODE=1): query parameters, typed keywords
    try:
        print("sleep:", client.sleep(level=1, mode="wait").status)
        print("is_sleeping:", client.is_sleeping().is_sleeping)
        print("wake_up weights:", client.wake_up(tags=["weights"]).status)
        print("wake_up all:", client.wake_up().status, "| is_sleeping:", client.is_sleeping().is_sleeping)
    except ApiError as exc:
        print("sleep mode unavailable:", exc)

    # KV-event publishers by data-parallel rank ({} without --kv-events-config) and elastic EP status
    print("kv event sources:", dict(client.kv_event_sources().items()))
    print("scaling elastic EP:", client.is_scaling_elastic_ep().is_scaling_elastic_ep)
