"""A small deterministic, reversible tokenizer for the mock server.

Text is split into word-ish pieces (a regex in the spirit of GPT-2's pre-tokenizer). A piece found in
the vocabulary is one token; any other piece falls back to one token per UTF-8 byte, so every string
encodes and ``decode(encode(text)) == text`` holds for all valid text. Ids are stable across processes:
0–2 are the special tokens, 3–258 the 256 bytes, then the word table.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = [
    "BYTE_OFFSET",
    "CONTENT_WORDS",
    "EOS_ID",
    "MULTIBYTE_WORDS",
    "SPECIAL_TOKENS",
    "decode",
    "encode",
    "split_pieces",
    "token_str",
    "vocab_piece",
]

SPECIAL_TOKENS = ("<|endoftext|>", "<|im_start|>", "<|im_end|>")
EOS_ID = 0
BYTE_OFFSET = len(SPECIAL_TOKENS)
VOCAB_SIZE = 2048

#: Words the generator draws from; each appears bare and with a leading space in the vocabulary.
CONTENT_WORDS = (
    "the",
    "a",
    "an",
    "and",
    "or",
    "but",
    "so",
    "of",
    "to",
    "in",
    "on",
    "at",
    "by",
    "for",
    "with",
    "from",
    "about",
    "into",
    "over",
    "under",
    "after",
    "before",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "being",
    "has",
    "have",
    "had",
    "do",
    "does",
    "did",
    "will",
    "would",
    "can",
    "could",
    "should",
    "may",
    "might",
    "I",
    "you",
    "he",
    "she",
    "it",
    "we",
    "they",
    "me",
    "him",
    "her",
    "us",
    "them",
    "my",
    "your",
    "his",
    "its",
    "our",
    "their",
    "this",
    "that",
    "these",
    "those",
    "model",
    "server",
    "token",
    "stream",
    "answer",
    "question",
    "request",
    "response",
    "result",
    "value",
    "data",
    "text",
    "word",
    "line",
    "small",
    "tiny",
    "quick",
    "brown",
    "fox",
    "lazy",
    "dog",
    "cat",
    "bird",
    "tree",
    "river",
    "mountain",
    "city",
    "road",
    "house",
    "garden",
    "time",
    "day",
    "night",
    "morning",
    "evening",
    "year",
    "week",
    "hour",
    "minute",
    "second",
    "moment",
    "story",
    "idea",
    "plan",
    "test",
    "good",
    "great",
    "simple",
    "clear",
    "short",
    "long",
    "fast",
    "slow",
    "new",
    "old",
    "first",
    "last",
    "next",
    "other",
    "same",
    "different",
    "make",
    "take",
    "give",
    "tell",
    "ask",
    "say",
    "think",
    "know",
    "see",
    "look",
    "find",
    "use",
    "work",
    "call",
    "try",
    "help",
    "need",
    "want",
    "like",
    "here",
    "there",
    "now",
    "then",
    "today",
    "always",
    "never",
    "often",
    "sometimes",
    "again",
    "also",
    "only",
    "just",
    "very",
    "more",
    "most",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "many",
    "few",
    "some",
    "all",
    "each",
    "every",
    "any",
    "no",
    "not",
    "Hello",
    "Once",
    "upon",
    "There",
    "This",
    "The",
    "It",
    "We",
    "You",
    "Sure",
    "Yes",
    "Of",
    "course",
    "Let",
    "Here",
    "weather",
    "Paris",
    "London",
    "Tokyo",
    "Berlin",
    "mock",
    "vLLM",
    "GPU",
    "CPU",
    "batch",
    "cache",
    "memory",
    "queue",
    "world",
    "Hi",
    "user",
    "assistant",
    "system",
    "tool",
    "A",
    "Across",
    "Again",
    "Answer",
    "Answered",
    "Around",
    "At",
    "Behind",
    "Beside",
    "Bird",
    "Brave",
    "Bright",
    "Build",
    "Built",
    "Café",
    "Can",
    "Carefully",
    "Carried",
    "Carry",
    "Cat",
    "City",
    "Clever",
    "Cloud",
    "Could",
    "Cross",
    "Crossed",
    "Curious",
    "Describe",
    "Described",
    "Dog",
    "Engine",
    "Every",
    "Explain",
    "Explained",
    "Find",
    "Follow",
    "Followed",
    "Found",
    "Fox",
    "Garden",
    "Gentle",
    "Happy",
    "Idea",
    "Inside",
    "Last",
    "Lazy",
    "Library",
    "Might",
    "Model",
    "Mountain",
    "Naïve",
    "Near",
    "New",
    "Old",
    "One",
    "Open",
    "Opened",
    "Over",
    "Question",
    "Quick",
    "Quickly",
    "Quiet",
    "Remember",
    "Remembered",
    "River",
    "Robot",
    "Server",
    "Should",
    "Simple",
    "Slowly",
    "Small",
    "Story",
    "Stream",
    "They",
    "Tiny",
    "Today",
    "Together",
    "Token",
    "Under",
    "Visit",
    "Visited",
    "Watch",
    "Watched",
    "Will",
    "across",
    "answered",
    "around",
    "asks",
    "behind",
    "beside",
    "brave",
    "bright",
    "build",
    "built",
    "carefully",
    "carried",
    "carry",
    "clever",
    "cloud",
    "cross",
    "crossed",
    "curious",
    "describe",
    "described",
    "engine",
    "explain",
    "explained",
    "follow",
    "followed",
    "found",
    "gentle",
    "happy",
    "inside",
    "library",
    "near",
    "open",
    "opened",
    "quickly",
    "quiet",
    "remember",
    "remembered",
    "robot",
    "slowly",
    "together",
    "visit",
    "visited",
    "wants",
    "watch",
    "watched",
)

#: Occasional multi-byte words, so clients see UTF-8 sequences of 2, 3 and 4 bytes.
MULTIBYTE_WORDS = ("café", "naïve", "über", "déjà", "日本", "你好", "世界", "🙂", "🚀", "—")

_PUNCTUATION = (".", ",", "!", "?", ":", ";", "\n", "\n\n", ".\n", " -", "'s", "(", ")", '"')
_JSON_PIECES = ('{"', '":', ' "', '"}', '",', '", "', '"', "{", "}", "[", "]", ", ", ": ", " [", "],")
_DIGITS = tuple(str(d) for d in range(10)) + tuple(f" {d}" for d in range(10))

_PIECE_RE = re.compile(
    r"<\|[a-z_0-9]+\|>"  # special tokens
    r"| ?[^\W\d_]+"  # a word, with its leading space
    r"| ?\d"  # one digit at a time, like most LLM tokenizers
    r"| ?(?:[^\s\w]|_)+"  # a run of punctuation, with its leading space
    r"|\s*\n+"  # newlines (with any spaces before them)
    r"|\s+(?!\S)|\s+"  # other whitespace
    r"|[\s\S]",  # anything else, one character at a time
    re.UNICODE,
)


def _build_vocab() -> tuple[list[str], dict[str, int]]:
    pieces: list[str] = list(SPECIAL_TOKENS)
    pieces.extend(f"<0x{b:02X}>" for b in range(256))
    seen: set[str] = set()
    words = [*CONTENT_WORDS, *MULTIBYTE_WORDS]
    for w in [*words, *(" " + w for w in words), *_PUNCTUATION, *_JSON_PIECES, *_DIGITS]:
        if w not in seen:
            seen.add(w)
            pieces.append(w)
    # Pad to the vocabulary size of the model the transcripts came from, so every id below it decodes.
    pieces.extend(f"<|extra_{i}|>" for i in range(len(pieces), VOCAB_SIZE))
    ids = {p: i for i, p in enumerate(pieces) if i < BYTE_OFFSET or i >= BYTE_OFFSET + 256}
    return pieces, ids


_PIECES, _IDS = _build_vocab()


def split_pieces(text: str) -> list[str]:
    """Split ``text`` into word-ish pieces whose concatenation is ``text``."""
    return _PIECE_RE.findall(text)


@lru_cache(maxsize=65536)
def _encode_piece(piece: str) -> tuple[int, ...]:
    tid = _IDS.get(piece)
    if tid is not None:
        return (tid,)
    return tuple(BYTE_OFFSET + b for b in piece.encode("utf-8"))


def encode(text: str) -> list[int]:
    """Token ids of ``text`` (vocabulary pieces, else one id per UTF-8 byte)."""
    out: list[int] = []
    for piece in split_pieces(text):
        out.extend(_encode_piece(piece))
    return out


def token_str(tid: int) -> str:
    """The vocabulary string of one id (``<0xAB>`` for byte tokens)."""
    return _PIECES[tid]


def vocab_piece(tid: int) -> str | None:
    """The text of a non-byte token, or None for byte tokens and unknown ids."""
    if 0 <= tid < len(_PIECES) and not BYTE_OFFSET <= tid < BYTE_OFFSET + 256:
        return _PIECES[tid]
    return None


def decode(ids: list[int]) -> str:
    """Inverse of :func:`encode`; byte runs that are not valid UTF-8 decode with U+FFFD.

    Raises ``IndexError`` for an id outside the vocabulary.
    """
    out: list[str] = []
    pending = bytearray()
    for tid in ids:
        if tid < 0 or tid >= len(_PIECES):
            raise IndexError(tid)
        if BYTE_OFFSET <= tid < BYTE_OFFSET + 256:
            pending.append(tid - BYTE_OFFSET)
            continue
        if pending:
            out.append(pending.decode("utf-8", errors="replace"))
            pending.clear()
        out.append(_PIECES[tid])
    if pending:
        out.append(pending.decode("utf-8", errors="replace"))
    return "".join(out)
