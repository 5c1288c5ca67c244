"""``python -m serve [--host HOST] [--port PORT]``: the hosted instance (login, roles, share links).

Runs ``app.py`` in hosted mode (``CX_MODE=hosted``) as a Streamlit ``st.App`` behind
:class:`serve.gate.Gate`, on ``$PORT`` (8501) of every interface by default. ``make serve`` and the
Docker image start it this way; ``make run`` (local mode) is plain ``streamlit run app.py``.
"""
from __future__ import annotations

import argparse
import math
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build_app():
    """The ``st.App``: the app's pages with the gate as the outermost middleware."""
    import streamlit as st
    from starlette.middleware import Middleware

    from serve.gate import Gate
    return st.App(str(ROOT / "app.py"), middleware=[Middleware(Gate)])


def server_config(host: str, port: int) -> dict:
    """Streamlit settings of the hosted instance (the rest comes from ``.streamlit/config.toml``)."""
    from serve.gate import trusted_user_headers
    upload_mb = float(os.environ.get("CX_MAX_UPLOAD_MB") or 200)
    return {"server.address": host, "server.port": port, "server.headless": True,
            "server.maxUploadSize": max(1, math.ceil(upload_mb)), "browser.gatherUsageStats": False,
            "server.enableXsrfProtection": True, "server.trustedUserHeaders": trusted_user_headers()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m serve", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("HOST") or "0.0.0.0")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8501))
    args = parser.parse_args(argv)
    os.environ["CX_MODE"] = "hosted"
    os.chdir(ROOT)                        # the project's .streamlit/config.toml and relative CX_DATA_DIR
    import threading

    from serve import worker
    threading.Thread(target=worker.warm, name="cx-parse-warm", daemon=True).start()
    build_app().run(config=server_config(args.host, args.port))


if __name__ == "__main__":
    main()
