"""Uploads read from disk in chunks (``_file_source.py``, ``_multipart.open_file_input``): a path or a
seekable file object is never read whole, every attempt reads it again, the cap holds before anything is
read, and a file that cannot say its size is read whole under the cap."""

from __future__ import annotations

import asyncio
import io
import os
import threading
from email.parser import BytesParser
from email.policy import HTTP
from typing import TYPE_CHECKING

import pytest

from upload_files import CountingFile
from vllm_sdk import VllmError
from vllm_sdk._file_source import CHUNK_SIZE, HEAD_SIZE, FileSource
from vllm_sdk._multipart import StreamedBody, encode_multipart, open_file_input, read_file_input

if TYPE_CHECKING:
    from pathlib import Path

RIFF = b"RIFF\x00\x00\x00\x00WAVEfmt "


def _content(size: int) -> bytes:
    return RIFF + bytes(i % 251 for i in range(size - len(RIFF)))


class Pipe(io.RawIOBase):
    """A binary file that cannot seek (a pipe, a socket)."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1, /) -> bytes:
        return self._data.read(size)


def test_a_path_becomes_a_source_with_only_its_head_read(tmp_path: Path) -> None:
    data = _content(3 * CHUNK_SIZE + 17)
    path = tmp_path / "talk"
    path.write_bytes(data)
    filename, content, media = open_file_input(path)
    assert isinstance(content, FileSource)
    assert (filename, media) == ("talk", "audio/wav")  # sniffed from the head alone
    assert content.size == len(data)
    assert content.head == data[:HEAD_SIZE]
    chunks = list(content.chunks())
    assert max(len(c) for c in chunks) <= CHUNK_SIZE
    assert b"".join(chunks) == data
    assert b"".join(content.chunks()) == data  # a second attempt reads it all again


def test_a_seekable_file_object_is_read_in_chunks_from_where_it_stood() -> None:
    data = _content(2 * CHUNK_SIZE + 5)
    handle = CountingFile(b"skipped" + data)
    handle.seek(7)
    filename, content, media = open_file_input(handle)
    assert isinstance(content, FileSource)
    assert (filename, media) == ("upload.wav", "audio/wav")
    assert handle.reads == [HEAD_SIZE]  # nothing but the head before the request is sent
    for _ in range(2):  # two attempts: the same bytes, sought back each time
        handle.reads.clear()
        assert b"".join(content.chunks()) == data
        assert max(handle.reads) <= CHUNK_SIZE


def test_the_async_reads_give_the_same_bytes(tmp_path: Path) -> None:
    data = _content(CHUNK_SIZE + 1)
    path = tmp_path / "a.wav"
    path.write_bytes(data)
    _, content, _ = open_file_input(str(path))
    assert isinstance(content, FileSource)

    async def read() -> bytes:
        return b"".join([chunk async for chunk in content.achunks()])

    assert asyncio.run(read()) == data


def test_the_cap_holds_before_anything_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.wav"
    path.write_bytes(_content(1000))
    with pytest.raises(VllmError, match="upload limit"):
        open_file_input(path, max_bytes=999)
    handle = CountingFile(_content(1000))
    with pytest.raises(VllmError, match="upload limit"):
        open_file_input(handle, max_bytes=999)
    assert handle.reads == []


def test_a_file_that_cannot_seek_is_read_whole_under_the_cap() -> None:
    data = _content(5000)
    filename, content, media = open_file_input(Pipe(data))
    assert content == data
    assert media == "audio/wav"
    assert filename == "upload.wav"
    with pytest.raises(VllmError, match="upload limit"):
        open_file_input(Pipe(data), max_bytes=4999)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_is_read_whole_under_the_cap(tmp_path: Path) -> None:
    data = _content(70_000)
    fifo = tmp_path / "pipe.wav"
    os.mkfifo(fifo)

    def write() -> None:
        with fifo.open("wb") as sink:  # blocks until the reader opens the pipe
            sink.write(data)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        filename, content, media = open_file_input(fifo)
    finally:
        writer.join()
    assert (filename, content, media) == ("pipe.wav", data, "audio/wav")


def test_a_file_that_shrinks_during_the_upload_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "a.wav"
    path.write_bytes(_content(CHUNK_SIZE + 100))
    _, content, _ = open_file_input(path)
    assert isinstance(content, FileSource)
    path.write_bytes(_content(50))
    with pytest.raises(VllmError, match="short"):
        b"".join(content.chunks())


def test_a_streamed_body_is_the_multipart_form_with_its_length(tmp_path: Path) -> None:
    data = _content(CHUNK_SIZE * 2 + 3)
    path = tmp_path / "talk.wav"
    path.write_bytes(data)
    filename, content, media = open_file_input(path)
    upload = encode_multipart([("model", "m"), ("stream", True)], "file", filename, content, media)
    body = upload.content
    assert isinstance(body, StreamedBody)
    sync_bytes = b"".join(body.sync_stream())

    async def read() -> bytes:
        return b"".join([chunk async for chunk in body.async_stream()])

    assert asyncio.run(read()) == sync_bytes
    assert len(sync_bytes) == body.length
    head = f"Content-Type: {upload.content_type}\r\n\r\n".encode()
    parts = list(BytesParser(policy=HTTP).parsebytes(head + sync_bytes).iter_parts())
    assert [p.get_param("name", header="content-disposition") for p in parts] == ["model", "stream", "file"]
    assert parts[-1].get_filename() == "talk.wav"
    assert parts[-1].get_payload(decode=True) == data
    # The in-memory helper still gives the bytes.
    assert read_file_input(path) == ("talk.wav", data, "audio/wav")
