"""A multi-turn conversation helper: the server is stateless, so the history travels with every request."""

from __future__ import annotations

from _common import example

from vllm_sdk import VllmClient
from vllm_sdk.types import ChatCompletionMessageParam


class Conversation:
    """Keeps the message history and sends it with each new user turn."""

    def __init__(
        self, client: VllmClient, model: str, system: str | None = None, max_turns: int = 20
    ) -> None:
        self.client = client
        self.model = model
        self.max_turns = max_turns
        self.messages: list[ChatCompletionMessageParam] = []
        if system:
            self.messages.append({"role": "system", "content": system})

    def ask(self, text: str) -> str:
        self.messages.append({"role": "user", "content": text})
        resp = self.client.chat.completions.create(model=self.model, messages=self._window(), max_tokens=128)
        self.messages.append(resp.assistant_message())  # the assistant turn, in the shape the API wants
        return (resp.content or "").strip()

    def _window(self) -> list[ChatCompletionMessageParam]:
        # Keep the system prompt and the last `max_turns` user/assistant pairs, so the prompt stays bounded.
        system = [m for m in self.messages[:1] if m["role"] == "system"]
        rest = self.messages[len(system) :]
        return system + rest[-2 * self.max_turns + 1 :]


with example(__doc__) as ex, ex.client() as client:
    chat = Conversation(client, ex.model, system="You are a friendly assistant with a good memory.")
    for question in [
        "Hi! My name is Ada and I like graph theory.",
        "What is my name?",
        "And what do I like?",
    ]:
        print(f"user:      {question}")
        print(f"assistant: {chat.ask(question)}\n")
    print(f"history: {len(chat.messages)} messages")
