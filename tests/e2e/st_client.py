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
    from websockets.sync.client import connect

    ws_url = base_url.replace("http://", "ws://", 1) + "/_stcore/stream"
    protocols = ["streamlit", "xsrf"] + ([session_id] if session_id else [])
    headers = {"Origin": base_url}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    out = Run()
    with connect(ws_url, subprotocols=protocols, additional_headers=headers, open_timeout=timeout,
                 max_size=2**26) as ws:
        back = BackMsg()
        back.rerun_script.query_string = query
        back.rerun_script.page_name = page
        ws.send(back.SerializeToString())
        while True:
            msg = ForwardMsg()
            msg.ParseFromString(ws.recv(timeout=timeout))
            kind = msg.WhichOneof("type")
            if kind == "new_session":
                out.session_id = msg.new_session.initialize.session_id
            elif kind == "delta":
                out.texts.append(text_format.MessageToString(msg.delta, as_utf8=True))
            elif kind == "script_finished":
                return out
