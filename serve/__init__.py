"""The hosted instance's server: Streamlit behind a small authenticating gate, in one process.

``python -m serve`` (``make serve``, the Docker image) runs ``app.py`` as a Streamlit ``st.App`` with
:class:`serve.gate.Gate` as its outermost ASGI middleware. The gate owns the login (a form at
``/_cx/login`` and an HttpOnly cookie), refuses every anonymous request except the form and the
health check, binds Streamlit sessions to the login, and adds the framing headers. Local mode
(``make run``: ``streamlit run app.py``) does not use it.
"""
