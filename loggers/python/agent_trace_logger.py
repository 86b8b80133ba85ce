"""Log an agent's run as an ``agent-trace/v1`` JSONL file, the format the Agent Trace Debugger opens.

A file named ``*.trace.jsonl`` opens in the extension's trace editor, also while it grows.
One file, standard library only (Python 3.8+): copy it next to your agent. Two lines to start::

    from agent_trace_logger import start_trace
    trace = start_trace("runs/agent.trace.jsonl", title="Book a flight")

Then one span per thing the agent does; ``end`` (or ``fail``, or leaving a ``with`` block) writes it::

    with trace.step("booking-agent") as agent:
        with agent.llm("plan", model="gpt-4o", input=messages) as plan:
            plan.set(output=[reply], usage={"input_tokens": 412, "output_tokens": 38})
        with agent.tool("search_flights", {"to": "SFO"}, call_id="call_1") as call:
            call.set(output=search_flights("SFO"))   # an exception here is recorded and re-raised
    trace.end()                                      # or: with start_trace(...) as trace:

How it writes: the ``trace`` line when the trace starts, then each step's line when that step ends
(so a parent's line comes after its children's), each as one ``os.write`` of a whole line to a
file opened for appending. A reader following the file never sees half a record except while a
write is under way, and threads never interleave lines (one lock guards every write). Several
traces logging to one file at the same time take turns: the file holds runs one after another
(the format gives each step to the ``trace`` line above it), so while one trace writes, another
trace's lines wait in memory and are written, in order, when the earlier one ends. Steps still open
when their trace ends, or when the interpreter exits, are written with status ``unset`` and no end
time.

Errors: ``start_trace`` raises ``OSError`` when the file cannot be created or written. A later
failed write (a full disk, a deleted folder) does not raise into your agent: it warns once per
trace (``RuntimeWarning``) and that line is lost.

Redaction: ``redact(text)`` (or ``redact(text, key)``, ``key`` being the name of the property that
holds the string, None for list items and names) is called on every string of a record (names,
messages, tool arguments and results, errors, attributes, metadata) before the line is written, so
a secret it masks never reaches the disk. The record's structure (type, ids, kind, status, times) is
not passed to it.

Fields a step records, given when it starts, with ``set``, or at ``end`` / ``fail``:
``input``, ``output`` (a list of chat messages, ``{"role", "content"}`` in OpenAI or this format's
shape, is written as messages; anything else as a value), ``model``, ``usage`` (``input_tokens`` /
``prompt_tokens``, ``output_tokens`` / ``completion_tokens``, ``total_tokens``,
``cache_read_input_tokens``, ``cache_creation_input_tokens``, ``reasoning_tokens``, ``cost``; other
numeric keys become attributes ``usage.<key>``), ``finish_reason``, ``available_tools``,
``attributes`` (merged across calls).

The TypeScript twin is loggers/typescript/agent-trace-logger.ts; see loggers/README.md.
"""
from __future__ import annotations

import atexit
import collections.abc
import dataclasses
import datetime as _dt
import enum
import inspect
import json
import math
import os
import secrets
import threading
import time
import traceback
import warnings
from typing import Any, Callable, Dict, List, Optional

__all__ = ["FORMAT", "STEP_KINDS", "start_trace", "Trace", "Span"]

FORMAT = "agent-trace/v1"
STEP_KINDS = ("agent", "llm", "tool", "retrieval", "message", "system", "other")
_FIELDS = ("input", "output", "model", "usage", "finish_reason", "available_tools", "attributes")
_ROLES = {"system", "developer", "user", "assistant", "tool"}
_USAGE_KEYS = {
    "inputTokens": "inputTokens", "input_tokens": "inputTokens", "prompt_tokens": "inputTokens", "promptTokens": "inputTokens",
    "outputTokens": "outputTokens", "output_tokens": "outputTokens", "completion_tokens": "outputTokens", "completionTokens": "outputTokens",
    "totalTokens": "totalTokens", "total_tokens": "totalTokens",
    "cacheReadTokens": "cacheReadTokens", "cache_read_tokens": "cacheReadTokens", "cache_read_input_tokens": "cacheReadTokens",
    "cacheWriteTokens": "cacheWriteTokens", "cache_write_tokens": "cacheWriteTokens", "cache_creation_input_tokens": "cacheWriteTokens",
    "reasoningTokens": "reasoningTokens", "reasoning_tokens": "reasoningTokens",
    "cost": "cost",
}
_MAX_DEPTH = 64

# One lock for every trace, span and file of the process: a step's state and its line change together.
_lock = threading.RLock()
_slots = {}  # type: Dict[str, _FileSlot]
_open_traces = []  # type: List[Trace]


class _SpanParent:
    """Spans that can hold child spans: a trace (top-level steps) and every span."""

    _trace = None  # type: Trace
    _parent_for_children = None  # type: Optional[str]

    def step(self, name: str, *, kind: str = "agent", **fields: Any) -> "Span":
        """Start a step of any kind (default ``agent``): an agent, a sub-agent, a plan, a turn."""
        if kind not in STEP_KINDS:
            raise ValueError("agent_trace_logger: kind must be one of %s, not %r" % (", ".join(STEP_KINDS), kind))
        return self._trace._open(kind, name, self._parent_for_children, fields, None)

    def llm(self, name: str, **fields: Any) -> "Span":
        """Start a model call."""
        return self._trace._open("llm", name, self._parent_for_children, fields, None)

    def tool(self, name: str, arguments: Any = None, *, call_id: Optional[str] = None, **fields: Any) -> "Span":
        """Start a tool call. ``call_id`` is the id the model gave the call (OpenAI ``tool_call_id``),
        which links it to the model message that asked for it."""
        call = {"name": name, "arguments": {} if arguments is None else arguments}
        if call_id is not None:
            call = {"id": call_id, "name": name, "arguments": call["arguments"]}
        return self._trace._open("tool", name, self._parent_for_children, fields, call)


class Span(_SpanParent):
    """One step of the run, open until ``end`` or ``fail`` writes it.

    Use it as a context manager: leaving the block ends it; an exception inside the block is
    recorded as the step's error and re-raised. Start children with ``step``, ``llm`` and ``tool``.
    """

    def __init__(self, trace: "Trace", span_id: str, kind: str, name: str, parent_id: Optional[str], fields: Dict[str, Any], tool_call: Any) -> None:
        self._trace = trace
        self._parent_for_children = span_id
        #: The step's id in the file (``s1``, ``s2``... in the order spans start).
        self.id = span_id
        self.parent_id = parent_id
        self.kind = kind
        self.name = name
        self._start = time.time()
        self._tool_call = tool_call
        self._fields = {}  # type: Dict[str, Any]
        self._done = False
        self.set(**fields)

    @property
    def ended(self) -> bool:
        """True once ``end`` or ``fail`` wrote the step (or its trace ended)."""
        return self._done

    def set(self, **fields: Any) -> "Span":
        """Record fields now (kept until the step is written); ``attributes`` are merged, others replaced."""
        unknown = sorted(set(fields) - set(_FIELDS))
        if unknown:
            raise TypeError("agent_trace_logger: unknown step field(s) %s; the fields are %s" % (", ".join(unknown), ", ".join(_FIELDS)))
        with _lock:
            self._assert_open("set")
            for key, value in fields.items():
                if value is None:
                    continue
                if key == "attributes" and isinstance(self._fields.get("attributes"), dict) and isinstance(value, dict):
                    value = {**self._fields["attributes"], **value}
                self._fields[key] = value
        return self

    def end(self, **fields: Any) -> None:
        """End the step as succeeded and write it. Raises RuntimeError if it already ended."""
        with _lock:
            self._assert_open("end")
            self.set(**fields)
            self._write("ok", None, time.time())

    def fail(self, error: Any, **fields: Any) -> None:
        """End the step as failed and write it with the error: an exception gives its type name,
        message and traceback; a string is the message. Raises RuntimeError if it already ended."""
        with _lock:
            self._assert_open("fail")
            self.set(**fields)
            self._write("error", _error_of(error), time.time())

    def __enter__(self) -> "Span":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        with _lock:
            if self._done:
                return False
            if exc is None:
                self.end()
                return False
            try:
                self.fail(exc)
            except Exception as log_error:  # the agent's own exception wins
                self._trace._warn(log_error)
        return False

    def _close_unfinished(self) -> None:
        if not self._done:
            self._write("unset", None, None)

    def _assert_open(self, what: str) -> None:
        if self._done:
            raise RuntimeError('agent_trace_logger: cannot %s step "%s" (%s) of trace %s: it already ended' % (what, self.name, self.id, self._trace.id))

    def _write(self, status: str, error: Optional[Dict[str, Any]], end: Optional[float]) -> None:
        self._assert_open("fail" if status == "error" else "end")
        self._done = True
        f = self._fields
        clean = self._trace._clean
        record = {
            "type": "step", "id": self.id, "parentId": self.parent_id, "kind": self.kind, "name": _text(clean(self.name)),
            "startTime": _iso(self._start), "endTime": None if end is None else _iso(end), "status": status,
        }  # type: Dict[str, Any]
        if error is not None:
            e = clean(error)
            record["error"] = {k: e[k] for k in ("type", "message", "stack") if isinstance(e.get(k), str)}
            record["error"].setdefault("message", "")
        if "model" in f:
            record["model"] = _text(clean(f["model"]))
        if self._tool_call is not None:
            record["toolCall"] = clean(self._tool_call)
        if "input" in f:
            record["input"] = _payload(clean(f["input"]))
        if "output" in f:
            record["output"] = _payload(clean(f["output"]))
        attributes = {}  # type: Dict[str, Any]
        if "usage" in f:
            usage, extra = _usage_of(clean(f["usage"]))
            if usage:
                record["usage"] = usage
            attributes.update(extra)
        if "finish_reason" in f:
            record["finishReason"] = _text(clean(f["finish_reason"]))
        if "available_tools" in f:
            tools = clean(f["available_tools"])
            if isinstance(tools, list):
                record["availableTools"] = [_text(t) for t in tools]
        if "attributes" in f:
            a = clean(f["attributes"])
            if isinstance(a, dict):
                attributes.update(a)
        if attributes:
            record["attributes"] = attributes
        self._trace._emit(_dumps(record), self)


class Trace(_SpanParent):
    """One run of the agent, logging to one file. Start it with :func:`start_trace`.

    Use it as a context manager to end it when the block ends (whether or not it raised).
    """

    def __init__(self, file: str, *, title: Optional[str] = None, id: Optional[str] = None, tools: Optional[List[Any]] = None,
                 metadata: Optional[Dict[str, Any]] = None, redact: Optional[Callable[..., str]] = None) -> None:
        self._trace = self
        self._parent_for_children = None
        #: The absolute path of the file written.
        self.file = os.path.abspath(os.fspath(file))
        #: The run's id (written on its ``trace`` line).
        self.id = id if id is not None else _default_run_id()
        self._redact = _redactor(redact)
        self._open_spans = []  # type: List[Span]
        self._next_step = 1
        self._done = False
        self._warned = False
        self._held = []  # type: List[str]
        header = {"type": "trace", "format": FORMAT, "id": self.id, "title": _text(self._clean(title if title is not None else self.id)),
                  "startTime": _iso(time.time())}  # type: Dict[str, Any]
        if tools is not None:
            header["tools"] = [_tool_definition(t) for t in self._clean(list(tools))]
        if metadata is not None:
            m = self._clean(metadata)
            if isinstance(m, dict):
                header["metadata"] = m
        folder = os.path.dirname(self.file)
        if folder:
            os.makedirs(folder, exist_ok=True)
        with _lock:
            self._slot = _slot_for(self.file)
            _open_traces.append(self)
            _ensure_exit_hook()
            try:
                # The first trace of a file writes its header now: a path that cannot be written fails here.
                self._emit(_dumps(header), None, raise_errors=True)
            except BaseException:
                _open_traces.remove(self)
                self._release_slot()
                raise

    @property
    def ended(self) -> bool:
        """True once ``end`` ran."""
        return self._done

    def end(self) -> None:
        """End the run: steps still open are written with status ``unset`` and no end time
        (innermost first), and the file goes to the next trace waiting for it. Again: nothing."""
        with _lock:
            if self._done:
                return
            for span in reversed(list(self._open_spans)):
                span._close_unfinished()
            self._done = True
            if self in _open_traces:
                _open_traces.remove(self)
            if self._slot.owner is self:
                self._release_slot()

    def __enter__(self) -> "Trace":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        self.end()
        return False

    def _open(self, kind: str, name: str, parent_id: Optional[str], fields: Dict[str, Any], tool_call: Any) -> Span:
        with _lock:
            if self._done:
                raise RuntimeError('agent_trace_logger: cannot start step "%s": trace %s already ended' % (name, self.id))
            span = Span(self, "s%d" % self._next_step, kind, name, parent_id, fields, tool_call)
            self._next_step += 1
            self._open_spans.append(span)
            return span

    def _clean(self, value: Any) -> Any:
        return _plain(value, self._redact, None, [])

    def _emit(self, line: str, span: Optional[Span], raise_errors: bool = False) -> None:
        """Write one line now if this trace holds the file, else keep it for its turn (under _lock)."""
        if span is not None and span in self._open_spans:
            self._open_spans.remove(span)
        slot = self._slot
        if slot.owner is None:
            slot.owner = self
        if slot.owner is not self:
            self._held.append(line)
            if self not in slot.waiting:
                slot.waiting.append(self)
            return
        self._append(line + "\n", raise_errors)

    def _append(self, text: str, raise_errors: bool) -> None:
        data = (self._slot.separator + text).encode("utf-8", "replace")
        try:
            fd = os.open(self.file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                # One write of whole lines (looped only if the OS writes part of it).
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
            finally:
                os.close(fd)
            self._slot.separator = ""
        except OSError as e:
            if raise_errors:
                raise
            self._warn(e)

    def _warn(self, e: BaseException) -> None:
        if self._warned:
            return
        self._warned = True
        warnings.warn("agent_trace_logger: could not write trace %s to %s: %s (lines are lost until writing works again)" % (self.id, self.file, e),
                      RuntimeWarning, stacklevel=3)

    def _release_slot(self) -> None:
        """Hand the file to the next waiting trace, which writes what it held; ended ones pass it on."""
        slot = self._slot
        slot.owner = None
        while slot.waiting:
            nxt = slot.waiting.pop(0)
            slot.owner = nxt
            lines, nxt._held = nxt._held, []
            if lines:
                nxt._append("\n".join(lines) + "\n", False)
            if not nxt._done:
                return
            slot.owner = None
        _slots.pop(self.file, None)


def start_trace(file: Any, *, title: Optional[str] = None, id: Optional[str] = None, tools: Optional[List[Any]] = None,
                metadata: Optional[Dict[str, Any]] = None, redact: Optional[Callable[..., str]] = None) -> Trace:
    """Start logging a run to ``file`` (folders are created; the file is appended to).

    Name it ``*.trace.jsonl`` so the editor opens it. ``tools`` are the tools the agent can call
    (``{"name", "description", "parameters"}`` or OpenAI's ``{"type": "function", "function": {...}}``);
    ``metadata`` facts about the run; ``redact`` see the module docs. Raises OSError when the file
    cannot be written.
    """
    return Trace(file, title=title, id=id, tools=tools, metadata=metadata, redact=redact)


# ---- one writer per file in this process ----

class _FileSlot:
    def __init__(self, file: str) -> None:
        self.owner = None  # type: Optional[Trace]
        self.waiting = []  # type: List[Trace]
        # "\n" when the file ends in a torn line (a crashed writer): our first line must not glue onto it.
        self.separator = "\n" if _ends_torn(file) else ""


def _slot_for(file: str) -> _FileSlot:
    slot = _slots.get(file)
    if slot is None:
        slot = _slots[file] = _FileSlot(file)
    return slot


def _ends_torn(file: str) -> bool:
    try:
        with open(file, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            if fh.tell() == 0:
                return False
            fh.seek(-1, os.SEEK_END)
            return fh.read(1) != b"\n"
    except OSError:
        return False


_exit_hooked = False


def _ensure_exit_hook() -> None:
    """An interpreter that exits without ending its traces still writes their open steps and held lines."""
    global _exit_hooked
    if not _exit_hooked:
        _exit_hooked = True
        atexit.register(_end_all)


def _end_all() -> None:
    with _lock:
        for trace in list(_open_traces):
            trace.end()


# ---- records ----

def _iso(t: float) -> str:
    ms = int(round(t * 1000))
    return _dt.datetime.fromtimestamp(ms // 1000, _dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % (ms % 1000)


def _default_run_id() -> str:
    return "run-%s-%s" % (_dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ"), secrets.token_hex(3))


def _dumps(record: Dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _text(v: Any) -> str:
    return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)


def _redactor(redact: Optional[Callable[..., str]]) -> Optional[Callable[[str, Optional[str]], str]]:
    """``redact`` called as ``redact(text, key)`` when it takes two arguments, else ``redact(text)``."""
    if redact is None:
        return None
    try:
        params = list(inspect.signature(redact).parameters.values())
        positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        two = len(positional) >= 2 or any(p.kind == p.VAR_POSITIONAL for p in params)
    except (TypeError, ValueError):
        two = False
    if two:
        return lambda text, key: str(redact(text, key))
    return lambda text, key: str(redact(text))


def _plain(value: Any, redact: Optional[Callable[[str, Optional[str]], str]], key: Optional[str], path: List[int]) -> Any:
    """``value`` as plain JSON data, every string passed through ``redact``: dataclasses, pydantic models
    (``model_dump``), enums, dates, exceptions and other objects become JSON; cycles and nesting deeper
    than 64 become a marker string."""
    if isinstance(value, str):
        return redact(value, key) if redact else value
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, enum.Enum):
        return _plain(value.value, redact, key, path)
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return _plain(value.isoformat(), redact, key, path)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "[%d bytes]" % len(value)
    if id(value) in path:
        return "[circular]"
    if len(path) >= _MAX_DEPTH:
        return "[nested too deep]"
    path.append(id(value))
    try:
        if isinstance(value, BaseException):
            return _plain({"name": type(value).__name__, "message": str(value)}, redact, key, path)
        if isinstance(value, collections.abc.Mapping):
            return {str(k): _plain(v, redact, str(k), path) for k, v in value.items()}
        if isinstance(value, (list, tuple, set, frozenset)):
            return [_plain(v, redact, None, path) for v in value]
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return _plain({f.name: getattr(value, f.name) for f in dataclasses.fields(value)}, redact, key, path)
        dump = getattr(value, "model_dump", None) or getattr(value, "dict", None)
        if callable(dump):
            try:
                return _plain(dump(), redact, key, path)
            except Exception:
                pass
        if hasattr(value, "__dict__") and not callable(value):
            return _plain({k: v for k, v in vars(value).items() if not k.startswith("_")}, redact, key, path)
        return _plain(str(value), redact, key, path)
    finally:
        path.pop()


def _error_of(error: Any) -> Dict[str, Any]:
    if isinstance(error, BaseException):
        out = {"type": type(error).__name__, "message": str(error) or type(error).__name__}
        if error.__traceback__ is not None:
            out["stack"] = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        return out
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return {k: error[k] for k in ("type", "message") if isinstance(error.get(k), str)}
    return {"message": error if isinstance(error, str) else _text(_plain(error, None, None, []))}


def _tool_definition(t: Any) -> Dict[str, Any]:
    d = t["function"] if isinstance(t, dict) and t.get("type") == "function" and isinstance(t.get("function"), dict) else t
    if not isinstance(d, dict) or not isinstance(d.get("name"), str):
        return {"name": _text(d.get("name") if isinstance(d, dict) else d)}
    out = {"name": d["name"]}  # type: Dict[str, Any]
    if isinstance(d.get("description"), str):
        out["description"] = d["description"]
    if "parameters" in d:
        out["parameters"] = d["parameters"]
    return out


def _payload(v: Any) -> Dict[str, Any]:
    """Input or output as the format's payload: chat messages when every item is one, else a value."""
    if isinstance(v, list) and v:
        messages = [_chat_message(m) for m in v]
        if all(m is not None for m in messages):
            return {"messages": messages}
    return {"value": v}


def _chat_message(m: Any) -> Optional[Dict[str, Any]]:
    if not isinstance(m, dict) or m.get("role") not in _ROLES:
        return None
    content = _content_text(m.get("content"))
    if content is False:
        return None
    out = {"role": m["role"], "content": content}  # type: Dict[str, Any]
    if isinstance(m.get("name"), str):
        out["name"] = m["name"]
    calls = m.get("toolCalls") if m.get("toolCalls") is not None else m.get("tool_calls")
    if isinstance(calls, list) and calls:
        tool_calls = [_tool_call_of(c) for c in calls]
        if any(c is None for c in tool_calls):
            return None
        out["toolCalls"] = tool_calls
    call_id = m.get("toolCallId") if m.get("toolCallId") is not None else m.get("tool_call_id")
    if isinstance(call_id, str):
        out["toolCallId"] = call_id
    is_error = m.get("isError") if m.get("isError") is not None else m.get("is_error")
    if isinstance(is_error, bool):
        out["isError"] = is_error
    return out


def _content_text(c: Any) -> Any:
    """A string, None, or content parts (their text joined; other parts as JSON); False: not content."""
    if c is None or isinstance(c, str):
        return c
    if isinstance(c, list):
        return "".join(p["text"] if isinstance(p, dict) and isinstance(p.get("text"), str) else p if isinstance(p, str) else _text(p) for p in c)
    return False


def _tool_call_of(c: Any) -> Optional[Dict[str, Any]]:
    if not isinstance(c, dict):
        return None
    fn = c["function"] if isinstance(c.get("function"), dict) else c
    if not isinstance(fn.get("name"), str):
        return None
    args = next((fn[k] for k in ("arguments", "args", "input") if fn.get(k) is not None), {})
    if isinstance(args, str):
        try:
            args = json.loads(args)
        except ValueError:
            pass  # not JSON: kept as the model wrote it
    out = {"name": fn["name"], "arguments": args}  # type: Dict[str, Any]
    if isinstance(c.get("id"), str):
        out = {"id": c["id"], "name": fn["name"], "arguments": args}
    return out


def _usage_of(u: Any) -> Any:
    usage = {}  # type: Dict[str, Any]
    extra = {}  # type: Dict[str, Any]
    if isinstance(u, dict):
        for k, v in u.items():
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                continue
            name = _USAGE_KEYS.get(k)
            if name:
                usage[name] = v
            else:
                extra["usage." + k] = v
    return usage, extra
