"""A minimal Streamlit websocket client for tests against a real server: connect (with cookies and, like a
reconnecting browser, an existing session id), run a page, read what it drew and which session it got."""
from __future__ import annotations

from dataclasses import dataclass, field

from google.protobuf import text_format
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg


@dataclass
class Run:
    session_id: str = ""
    texts: list[str] = field(default_factory=list)           # every element drawn, as protobuf text

    @property
    def text(self) -> str:
        return "\n".join(self.texts)


def run_page(base_url: str, *, cookies: dict[str, str] | None = None, session_id: str | None = None,
             page: str = "", query: str = "", timeout: float = 120.0) -> Run:
    """Open the websocket like the browser does, ask for one run of ``page`` and collect it.

    Raises ``websockets.exceptions.InvalidStatus`` when the server refuses the handshake."""
    with Session(base_url, cookies=cookies, session_id=session_id, timeout=timeout) as session:
        return session.run(page, query)


class Session:
    """One websocket kept open: several runs of one Streamlit session (a browser tab without the DOM)."""

    def __init__(self, base_url: str, *, cookies: dict[str, str] | None = None, session_id: str | None = None,
                 timeout: float = 120.0) -> None:
        from websockets.sync.client import connect
        ws_url = base_url.replace("http://", "ws://", 1) + "/_stcore/stream"
        headers = {"Origin": base_url}
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        self.timeout = timeout
        self.session_id = ""
        self._connection = connect(ws_url, subprotocols=["streamlit", "xsrf"] + ([session_id] if session_id else []),
                                   additional_headers=headers, open_timeout=timeout, max_size=2**26)
        self._ws = self._connection.__enter__()

    def run(self, page: str = "", query: str = "") -> Run:
        back = BackMsg()
        back.rerun_script.query_string = query
        back.rerun_script.page_name = page
        self._ws.send(back.SerializeToString())
        out = Run()
        while True:
            msg = ForwardMsg()
            msg.ParseFromString(self._ws.recv(timeout=self.timeout))
            kind = msg.WhichOneof("type")
            if kind == "new_session":
                out.session_id = self.session_id = msg.new_session.initialize.session_id
            elif kind == "delta":
                out.texts.append(text_format.MessageToString(msg.delta, as_utf8=True))
            elif kind == "script_finished":
                out.session_id = out.session_id or self.session_id
                return out

    def close(self) -> None:
        self._connection.__exit__(None, None, None)

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
