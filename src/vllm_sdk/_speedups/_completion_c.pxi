# Included by _sse_c.pyx (one extension module: no call crosses a module boundary).
# The legacy-completion delta parser (twin: _sse_py.py).


cdef class CompletionStreamParser(_BaseParser):
    """Incremental legacy-completions stream parser: body bytes in, :data:`CompletionStreamEvent` out.

    Same driver as :class:`ChatStreamParser`; yields :class:`~vllm_sdk.Text` for generated text and
    ``snapshot()`` gives the response in the non-streaming ``text_completion`` shape; ``max_accumulated``
    bounds the characters of text kept for it, every choice together.
    """

    cdef int _choices(self, list choices, list out) except -1:
        cdef dict by_index = self._by_index
        cdef dict choice
        cdef _TextState st
        cdef object item, index, value, text, finish_reason, stop_reason
        for item in choices:
            if type(item) is not dict:
                raise self._shape("choice is not an object")
            choice = <dict>item
            index = choice.get("index", 0)
            if type(index) is not int:
                raise self._shape("choice index is not an integer")
            value = by_index.get(index)
            if value is None:
                st = _TextState(index)
                by_index[index] = st
            else:
                st = <_TextState>value
            text = choice.get("text")
            if text:
                if type(text) is not str:
                    raise self._shape("text is not a string")
                _take(self, PyUnicode_GET_LENGTH(text))
                _add(st.text, <str>text, &st.text_at)
                out.append(_event(_Text, (text, index)))
            value = choice.get("logprobs")
            if value is not None:
                st.logprobs = merge_logprobs(st.logprobs, value)
            finish_reason = choice.get("finish_reason")
            if finish_reason is not None:
                stop_reason = choice.get("stop_reason")
                st.finish_reason = finish_reason
                st.stop_reason = stop_reason
                out.append(_event(_FinishReason, (finish_reason, index, stop_reason)))
        return 0

    cdef object _text_of(self, dict item):
        cdef object text = item.get("text")
        return text if type(text) is str and text else None

    cdef bytes _text_key(self):
        return b'"text":"'

    cdef int _emit_text(self, str text, list out) except -1:
        # A line of the text memo: what _choices does for a choice with this text and nothing else.
        cdef _TextState st = <_TextState>self._tstate
        if text:
            _take(self, PyUnicode_GET_LENGTH(text))
            _add(st.text, text, &st.text_at)
            out.append(_event(_Text, (text, st.index)))
        return 0

    cdef str _partial_content(self):
        cdef object value = self._by_index.get(0)
        if value is None:
            return ""
        return "".join((<_TextState>value).text)

    def snapshot(self):
        """The completion accumulated so far, in vLLM's non-streaming wire shape (a new dict)."""
        cdef _TextState st
        choices = []
        for value in self._by_index.values():
            st = <_TextState>value
            choices.append((st.index, "".join(st.text), st.logprobs, st.finish_reason, st.stop_reason))
        return completion_snapshot(self._meta(), choices)
