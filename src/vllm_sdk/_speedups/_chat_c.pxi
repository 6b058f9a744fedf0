# Included by _sse_c.pyx (one extension module: no call crosses a module boundary).
# The shared parser driver and the chat-completion delta parser (twin: _sse_py.py).


cdef class _BaseParser(_Framer):
    """Shared driver: framing, [DONE], error events, deferred errors, usage and metadata."""

    cdef bint _keep_raw
    cdef list _raw
    cdef bint _done
    cdef bint _stopped
    cdef object _pending
    cdef Py_ssize_t _events
    cdef object _id_
    cdef object _created
    cdef object _model
    cdef object _fingerprint
    cdef object _usage
    cdef dict _by_index
    cdef object _last_index
    cdef object _last_state
    # The envelope memo (see _Framer._prefix): the members of the prefix, decoded once.
    cdef dict _prefix_dict
    cdef object _p_id
    cdef object _p_object
    cdef object _p_created
    cdef object _p_model
    cdef int _memo_tries
    # The text memo (see _Framer._tpre): the state of the choice its lines belong to, and tries left.
    cdef object _tstate
    cdef int _text_tries
    # The payload being handled, for error messages (restored to the bytes received when it is a tail).
    cdef bytes _payload
    cdef bint _payload_tail
    # Characters of text accumulated (every choice together) and their bound (max_accumulated).
    cdef Py_ssize_t _taken
    cdef Py_ssize_t _max_accumulated

    def __init__(
        self, *, max_event_size=DEFAULT_MAX_EVENT_SIZE, keep_raw=False, max_accumulated=DEFAULT_MAX_ACCUMULATED
    ):
        self._set_max(max_event_size)
        self._max_accumulated = accumulation_limit(max_accumulated)
        self._taken = 0
        self._keep_raw = bool(keep_raw)
        self._raw = []
        self._done = False
        self._stopped = False
        self._pending = None
        self._events = 0
        self._id_ = None
        self._created = None
        self._model = None
        self._fingerprint = None
        self._usage = None
        self._by_index = {}
        self._last_index = None
        self._last_state = None
        self._prefix_dict = None
        self._memo_tries = 0
        self._tstate = None
        self._text_tries = 0
        self._payload = None
        self._payload_tail = False

    @property
    def done(self):
        """Whether ``data: [DONE]`` was seen."""
        return self._done

    def take_raw(self):
        """The decoded chunk dicts since the last call (only with ``keep_raw=True``; else always ``[]``)."""
        raw = self._raw
        self._raw = []
        return raw

    def feed(self, data):
        """Feed body bytes; return the events they complete.

        A malformed or oversized event raises :class:`~vllm_sdk.StreamError`; when events came before it
        in the same call they are returned first and the error is raised by the next call.
        """
        cdef list out = []
        if self._pending is not None:
            pending = self._pending
            self._pending = None
            raise pending
        if self._stopped:
            return []
        try:
            self._frame(_as_bytes(data), out)
        except StreamError as exc:
            self._events += len(out)
            self._stopped = True
            exc.partial_content = self._partial_content()
            exc.partial = self.snapshot()
            if out:
                self._pending = exc
                return out
            raise
        self._events += len(out)
        return out

    def close(self):
        """End of body: ``[]`` after [DONE] (or an error event); a truncated stream raises StreamError."""
        if self._pending is not None:
            pending = self._pending
            self._pending = None
            raise pending
        if self._stopped:
            return []
        self._stopped = True
        self._reset()
        raise truncated_error(self._events, self._partial_content(), self.snapshot())

    cdef bytes _received(self):
        # The payload as it was received (a tail is rebuilt from the memoised prefix).
        if self._payload_tail:
            return self._prefix + b"," + self._payload[1:]
        return self._payload

    cdef object _shape(self, str what):
        return shape_error(what, self._received())

    cdef int _remember_prefix(self, bytes payload) except -1:
        # Find the envelope before "choices" and check it decodes on its own to id/object/created/model.
        cdef Py_ssize_t k = payload.find(b',"choices":')
        cdef object obj
        self._memo_tries += 1
        if k <= 0:
            return 0
        try:
            obj = _loads(payload[:k] + b"}")
        except ValueError:
            return 0
        if type(obj) is not dict:
            return 0
        for key in <dict>obj:
            if key not in ("id", "object", "created", "model"):
                return 0
        if (<dict>obj).get("object") == "error":
            return 0
        self._prefix = payload[:k]
        self._prefix_dict = <dict>obj
        self._p_id = (<dict>obj).get("id")
        self._p_object = (<dict>obj).get("object")
        self._p_created = (<dict>obj).get("created")
        self._p_model = (<dict>obj).get("model")
        return 0

    cdef int _emit(self, bytes payload, bint tail, list out) except -1:
        cdef dict chunk
        cdef object obj, key, value
        cdef PyObject* pkey
        cdef PyObject* pvalue
        cdef Py_ssize_t pos = 0
        cdef object v_id = None, v_object = None, v_created = None, v_model = None
        cdef object v_choices = None, v_usage = None, v_fingerprint = None, v_error = None
        cdef bint has_error = False
        cdef int k
        if PyBytes_GET_SIZE(payload) == 0:
            return 0
        self._payload = payload
        self._payload_tail = tail
        try:
            obj = _loads(payload)
        except ValueError:
            if tail:
                # The decoder refused the tail: decide on the bytes as received, as the Python build does.
                payload = self._received()
                self._payload = payload
                self._payload_tail = tail = False
            if payload.strip() == _DONE_PAYLOAD:
                self._finish_all(out)
                out.append(_DONE)
                self._done = True
                self._stopped = True
                return 1
            obj = loads_fallback(payload)
        if type(obj) is not dict:
            raise self._shape("not a JSON object")
        chunk = <dict>obj
        if tail:
            v_id = self._p_id
            v_object = self._p_object
            v_created = self._p_created
            v_model = self._p_model
        while PyDict_Next(chunk, &pos, &pkey, &pvalue):
            key = <object>pkey
            k = _key(key)
            if k == K_CHOICES:
                v_choices = <object>pvalue
            elif k == K_ID:
                v_id = <object>pvalue
            elif k == K_OBJECT:
                v_object = <object>pvalue
            elif k == K_CREATED:
                v_created = <object>pvalue
            elif k == K_MODEL:
                v_model = <object>pvalue
            elif k == K_USAGE:
                v_usage = <object>pvalue
            elif k == K_FINGERPRINT:
                v_fingerprint = <object>pvalue
            elif k == K_ERROR:
                has_error = True
                v_error = <object>pvalue
        if self._keep_raw:
            if tail:
                obj = dict(self._prefix_dict)
                (<dict>obj).update(chunk)
                self._raw.append(obj)
            else:
                self._raw.append(chunk)
        if (has_error and v_error is not None) or v_object == "error":
            out.append(error_event(self._received(), self._partial_content(), self.snapshot()))
            self._stopped = True
            return 1
        if not tail and self._prefix is None and self._memo_tries < 4:
            self._remember_prefix(payload)
        if self._id_ is None:
            self._id_ = v_id
            self._created = v_created
            self._model = v_model
        if v_choices:
            if type(v_choices) is not list:
                raise self._shape("choices is not a list")
            self._choices(<list>v_choices, out)
        if v_usage is not None:
            if type(v_usage) is not dict:
                raise self._shape("usage is not an object")
            self._usage = v_usage
            out.append(_usage(<dict>v_usage))
        if v_fingerprint is not None:
            self._fingerprint = v_fingerprint
        if tail and self._tpre is None and self._text_tries < 4 and not self._keep_raw:
            self._learn_text(payload, chunk)
        return 0

    cdef int _learn_text(self, bytes payload, dict chunk) except -1:
        # Called after a tail was handled in full. When it is a plain text delta - "choices" its only
        # member, one choice, no finish reason, no logprobs, a non-empty text - remember the bytes around
        # the text, so that later lines equal to them but for the text skip the JSON decoder.
        #
        # Why that is exact: the text needs no JSON escape and occurs exactly once as `"<key>":"<text>"`,
        # and a probe with another text at that place decodes to the same shape with the probe as the
        # choice's text. A later line whose middle has no quote, backslash or control byte and is valid
        # UTF-8 then tokenises like the probe but for that one string, so decoding it in full would give
        # this chunk with only the text changed - and handling it would do what _emit_text does.
        cdef object choices, item, index, text, probe
        cdef bytes raw, needle, key
        cdef Py_ssize_t pos, start
        self._text_tries += 1
        if len(chunk) != 1:
            return 0
        choices = chunk.get("choices")
        if type(choices) is not list or len(<list>choices) != 1:
            return 0
        item = (<list>choices)[0]
        if type(item) is not dict:
            return 0
        if (<dict>item).get("finish_reason") is not None or (<dict>item).get("logprobs") is not None:
            return 0
        index = (<dict>item).get("index", 0)
        if type(index) is not int or index not in self._by_index:
            return 0
        text = self._text_of(<dict>item)
        if text is None:
            return 0
        raw = (<str>text).encode("utf-8")
        if not _plain(raw):
            return 0
        key = self._text_key()
        needle = key + raw + b'"'
        pos = payload.find(needle)
        if pos < 0 or payload.find(needle, pos + 1) >= 0:
            return 0
        start = pos + PyBytes_GET_SIZE(key)
        try:
            probe = _loads(payload[:start] + _PROBE + payload[start + PyBytes_GET_SIZE(raw) :])
        except ValueError:
            return 0
        if type(probe) is not dict or len(<dict>probe) != 1:
            return 0
        choices = (<dict>probe).get("choices")
        if type(choices) is not list or len(<list>choices) != 1 or type((<list>choices)[0]) is not dict:
            return 0
        if self._text_of(<dict>(<list>choices)[0]) != _PROBE_TEXT:
            return 0
        self._tpre = payload[1:start]
        self._tsuf = payload[start + PyBytes_GET_SIZE(raw) :]
        self._tstate = self._by_index[index]
        return 0

    cdef object _text_of(self, dict item):
        # The choice's text when the choice is a plain text delta (a non-empty string), else None.
        return None

    cdef bytes _text_key(self):
        return b""

    cdef tuple _meta(self):
        return (self._id_, self._created, self._model, self._fingerprint, self._usage)

    cdef int _choices(self, list choices, list out) except -1:
        return 0

    cdef int _finish_all(self, list out) except -1:
        return 0

    cdef str _partial_content(self):
        return ""

    def snapshot(self):
        """The response accumulated so far, in the non-streaming wire shape."""
        raise NotImplementedError


cdef inline int _take(_BaseParser parser, Py_ssize_t size) except -1:
    # Count `size` more characters of accumulated text; past max_accumulated, StreamError.
    if size > parser._max_accumulated - parser._taken:
        raise accumulated_too_large(parser._max_accumulated)
    parser._taken += size
    return 0


cdef class ChatStreamParser(_BaseParser):
    """Incremental chat-completions stream parser: body bytes in, :data:`~vllm_sdk.StreamEvent` out.

    ``feed(bytes)`` returns the events the bytes complete; ``close()`` ends the body (raising
    :class:`~vllm_sdk.StreamError` when ``[DONE]`` never came). ``snapshot()`` is the accumulated response
    as vLLM would have returned it without streaming (content split from ``<think>`` blocks the same way
    the events are). ``keep_raw=True`` keeps the decoded chunk dicts for :meth:`take_raw`.
    ``max_accumulated`` bounds the characters of text kept for the snapshot (content, reasoning, tool-call
    names and arguments, every choice together; ``None``: no bound): a delta that would pass it raises
    :class:`~vllm_sdk.StreamError` like an oversized event.
    """

    cdef int _choices(self, list choices, list out) except -1:
        cdef dict delta
        cdef _ChoiceState st
        cdef object item, index, value, key
        cdef object v_delta, v_logprobs, v_finish, v_stop
        cdef object reasoning, reasoning_content, content, tool_calls, role
        cdef PyObject* pkey
        cdef PyObject* pvalue
        cdef Py_ssize_t pos
        cdef int k
        cdef bint has_index
        for item in choices:
            if type(item) is not dict:
                raise self._shape("choice is not an object")
            index = 0
            v_delta = v_logprobs = v_finish = v_stop = None
            pos = 0
            while PyDict_Next(item, &pos, &pkey, &pvalue):
                k = _key(<object>pkey)
                if k == K_DELTA:
                    v_delta = <object>pvalue
                elif k == K_INDEX:
                    index = <object>pvalue
                elif k == K_FINISH:
                    v_finish = <object>pvalue
                elif k == K_LOGPROBS:
                    v_logprobs = <object>pvalue
                elif k == K_STOP:
                    v_stop = <object>pvalue
            if type(index) is not int:
                raise self._shape("choice index is not an integer")
            if self._last_state is not None and (index is self._last_index or index == self._last_index):
                st = <_ChoiceState>self._last_state
            else:
                value = self._by_index.get(index)
                if value is None:
                    st = _ChoiceState(index)
                    self._by_index[index] = st
                else:
                    st = <_ChoiceState>value
                self._last_index = index
                self._last_state = st
            if v_delta:
                if type(v_delta) is not dict:
                    raise self._shape("delta is not an object")
                reasoning = reasoning_content = content = tool_calls = role = None
                pos = 0
                while PyDict_Next(v_delta, &pos, &pkey, &pvalue):
                    k = _key(<object>pkey)
                    if k == K_CONTENT:
                        content = <object>pvalue
                    elif k == K_REASONING:
                        reasoning = <object>pvalue
                    elif k == K_TOOL_CALLS:
                        tool_calls = <object>pvalue
                    elif k == K_ROLE:
                        role = <object>pvalue
                    elif k == K_REASONING_CONTENT:
                        reasoning_content = <object>pvalue
                if reasoning is None:
                    reasoning = reasoning_content
                if reasoning:
                    if type(reasoning) is not str:
                        raise self._shape("reasoning is not a string")
                    _take(self, PyUnicode_GET_LENGTH(reasoning))
                    if st.think == _START:
                        # The server splits reasoning itself: content is never a think block.
                        _settle_start(st, out)
                    _add(st.reasoning, <str>reasoning, &st.reasoning_at)
                    out.append(_event(_Reasoning, (reasoning, index)))
                if content:
                    if type(content) is not str:
                        raise self._shape("content is not a string")
                    _take(self, PyUnicode_GET_LENGTH(content))
                    if st.think == _PLAIN:
                        _add(st.content, <str>content, &st.content_at)
                        out.append(_event(_Content, (content, index)))
                    else:
                        _think_content(st, <str>content, out)
                if tool_calls:
                    if type(tool_calls) is not list:
                        raise self._shape("tool_calls is not a list")
                    _tool_calls(self, st, <list>tool_calls, out)
                if role is not None:
                    st.role = role
            if v_logprobs is not None:
                st.logprobs = merge_logprobs(st.logprobs, v_logprobs)
            if v_finish is not None:
                _finish(st, out)
                st.finish_reason = v_finish
                st.stop_reason = v_stop
                out.append(_event(_FinishReason, (v_finish, index, v_stop)))
        return 0

    cdef object _text_of(self, dict item):
        cdef object delta = item.get("delta")
        cdef object content
        if type(delta) is not dict or len(<dict>delta) != 1:
            return None
        content = (<dict>delta).get("content")
        return content if type(content) is str and content else None

    cdef bytes _text_key(self):
        return b'"content":"'

    cdef int _emit_text(self, str text, list out) except -1:
        # A line of the text memo: what _choices does for a delta with this content and nothing else.
        cdef _ChoiceState st = <_ChoiceState>self._tstate
        self._last_index = st.index
        self._last_state = st
        if text:
            _take(self, PyUnicode_GET_LENGTH(text))
            if st.think == _PLAIN:
                _add(st.content, text, &st.content_at)
                out.append(_event(_Content, (text, st.index)))
            else:
                _think_content(st, text, out)
        return 0

    cdef int _finish_all(self, list out) except -1:
        cdef object index
        for index in sorted(self._by_index):
            _finish(<_ChoiceState>self._by_index[index], out)
        return 0

    cdef str _partial_content(self):
        cdef object value = self._by_index.get(0)
        cdef _ChoiceState st
        if value is None:
            return ""
        st = <_ChoiceState>value
        text = "".join(st.content)
        return text + st.held if st.think == _START else text

    def snapshot(self):
        """The chat response accumulated so far, in vLLM's non-streaming wire shape (a new dict)."""
        cdef _ChoiceState st
        choices = []
        for value in self._by_index.values():
            st = <_ChoiceState>value
            content = "".join(st.content)
            reasoning = "".join(st.reasoning)
            if st.held:
                if st.think == _THINK:
                    reasoning += st.held
                else:
                    content += st.held
            tool_calls = [_tool_call(st.calls[i]).to_dict() for i in sorted(st.calls)]
            choices.append(
                (
                    st.index,
                    st.role,
                    content if content or not tool_calls else None,
                    reasoning if st.reasoning or (st.held and st.think == _THINK) else None,
                    tool_calls,
                    st.logprobs,
                    st.finish_reason,
                    st.stop_reason,
                )
            )
        return chat_snapshot(self._meta(), choices)


cdef int _settle_start(_ChoiceState st, list out) except -1:
    # Leave the undecided state: text held as a possible "<think>" start was content after all.
    st.think = _PLAIN
    cdef str held = st.held
    if held:
        st.held = ""
        _add(st.content, held, &st.content_at)
        out.append(_event(_Content, (held, st.index)))
    return 0


cdef int _think_content(_ChoiceState st, str text, list out) except -1:
    cdef object index = st.index
    cdef str held, buf, reasoning, rest
    cdef Py_ssize_t end, size, cut
    if st.think == _START:
        held = st.held + text
        if held[:7] == _THINK_OPEN:
            st.think = _THINK
            st.held = ""
            text = held[7:]
            if not text:
                return 0
        elif _THINK_OPEN.startswith(held):
            st.held = held
            return 0
        else:
            st.think = _PLAIN
            st.held = ""
            _add(st.content, held, &st.content_at)
            out.append(_event(_Content, (held, index)))
            return 0
    buf = st.held + text if st.held else text
    end = buf.find(_THINK_CLOSE)
    if end >= 0:
        st.held = ""
        st.think = _PLAIN
        if end:
            reasoning = buf[:end]
            _add(st.reasoning, reasoning, &st.reasoning_at)
            out.append(_event(_Reasoning, (reasoning, index)))
        rest = buf[end + 8:]
        if rest:
            _add(st.content, rest, &st.content_at)
            out.append(_event(_Content, (rest, index)))
        return 0
    # Hold back a tail that may be the start of "</think>": it begins at the last "<" of the last 7.
    size = len(buf)
    cut = buf.rfind("<", size - 7 if size > 7 else 0)
    if cut >= 0 and _THINK_CLOSE.startswith(buf[cut:]):
        st.held = buf[cut:]
        buf = buf[:cut]
    else:
        st.held = ""
    if buf:
        _add(st.reasoning, buf, &st.reasoning_at)
        out.append(_event(_Reasoning, (buf, index)))
    return 0


cdef int _tool_calls(_BaseParser parser, _ChoiceState st, list tool_calls, list out) except -1:
    cdef object choice = st.index
    cdef Py_ssize_t position = 0
    cdef object item, index, call_id, call_type, function, name, arguments, value
    cdef list call
    cdef PyObject* pkey
    cdef PyObject* pvalue
    cdef Py_ssize_t pos
    cdef int k
    for item in tool_calls:
        if type(item) is not dict:
            raise parser._shape("tool call is not an object")
        index = position
        position += 1
        call_id = call_type = function = name = arguments = None
        pos = 0
        while PyDict_Next(item, &pos, &pkey, &pvalue):
            k = _key(<object>pkey)
            if k == K_INDEX:
                index = <object>pvalue
            elif k == K_FUNCTION:
                function = <object>pvalue
            elif k == K_ID:
                call_id = <object>pvalue
            elif k == K_TYPE:
                call_type = <object>pvalue
        if type(index) is not int:
            raise parser._shape("tool call index is not an integer")
        if function is not None:
            if type(function) is not dict:
                raise parser._shape("tool call function is not an object")
            pos = 0
            while PyDict_Next(function, &pos, &pkey, &pvalue):
                k = _key(<object>pkey)
                if k == K_ARGUMENTS:
                    arguments = <object>pvalue
                elif k == K_NAME:
                    name = <object>pvalue
        if not (call_id is None or type(call_id) is str) or not (call_type is None or type(call_type) is str):
            raise parser._shape("tool call id or type is not a string")
        if not (name is None or type(name) is str) or not (arguments is None or type(arguments) is str):
            raise parser._shape("tool call name or arguments is not a string")
        _take(
            parser,
            (PyUnicode_GET_LENGTH(name) if name else 0) + (PyUnicode_GET_LENGTH(arguments) if arguments else 0),
        )
        value = st.calls.get(index)
        if value is None:
            # A new call starts: the ones before it can no longer change.
            if st.open:
                _complete(st, out)
            call = [None, None, None, [], _COMPACT_PIECES]
            st.calls[index] = call
            st.open.append(index)
        else:
            call = <list>value
        if call_id:
            call[0] = call_id
        if call_type:
            call[1] = call_type
        if name:
            call[2] = name
        if arguments:
            (<list>call[3]).append(arguments)
            if PyList_GET_SIZE(<list>call[3]) > <Py_ssize_t>call[4]:
                call[4] = compact(call[3], call[4])
        out.append(_event(_ToolCallDelta, (index, call_id, name, arguments or "", choice)))
    return 0


cdef object _tool_call(list call):
    return _ToolCall(call[0] or "", call[2] or "", "".join(call[3]), call[1] or "function")


cdef int _complete(_ChoiceState st, list out) except -1:
    cdef object index
    for index in st.open:
        out.append(_event(_ToolCallComplete, (_tool_call(<list>st.calls[index]), st.index)))
    st.open = []
    return 0


cdef int _finish(_ChoiceState st, list out) except -1:
    # The choice is over: flush held think text and complete its open tool calls.
    cdef str held = st.held
    if held:
        st.held = ""
        if st.think == _THINK:
            _add(st.reasoning, held, &st.reasoning_at)
            out.append(_event(_Reasoning, (held, st.index)))
        else:
            _add(st.content, held, &st.content_at)
            out.append(_event(_Content, (held, st.index)))
    if st.think == _START:
        st.think = _PLAIN
    if st.open:
        _complete(st, out)
    return 0
