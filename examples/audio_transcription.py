"""Speech to text: transcribe and translate an audio file (json, text, verbose_json, streamed)."""

import io
import wave

from _common import example

from vllm_sdk import Content, Done, Usage


def tone_wav(seconds: float = 2.0, rate: int = 16000) -> bytes:
    """A short WAV file made in memory (a real script would pass a path: file="talk.wav")."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(b"\x00\x10" * int(seconds * rate))
    return buffer.getvalue()


with example(__doc__) as ex, ex.client() as client:
    audio = tone_wav()
    # file= takes a path, bytes, a binary file object or a (filename, bytes) tuple; the MIME type is sniffed
    result = client.audio.transcriptions.create(file=("tone.wav", audio), model=ex.model)
    print("json:", result.text[:60])
    print("audio seconds:", result.usage and result.usage["seconds"])
    text = client.audio.transcriptions.create(file=io.BytesIO(audio), model=ex.model, response_format="text")
    print("text is a str:", isinstance(text, str))
    verbose = client.audio.transcriptions.create(
        file=audio, model=ex.model, response_format="verbose_json", language="en"
    )
    print(f"verbose_json: duration={verbose.duration:.1f}s, {len(verbose.segments or [])} segment(s)")

    # stream=True: the transcript arrives as Content events, then Usage and Done
    with client.audio.transcriptions.create(file=audio, model=ex.model, stream=True) as stream:
        for event in stream:
            match event:
                case Content():
                    pass
                case Usage(completion_tokens=n):
                    print("streamed tokens:", n)
                case Done():
                    print("[done]")
        print("streamed text matches:", stream.collect().text == result.text)

    english = client.audio.translations.create(file=audio, model=ex.model)
    print("translation:", english.text[:60])
