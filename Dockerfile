# CX Workbench as a shared (hosted) instance: login, roles, share links, behind the login gate.
#   docker build -t cx-workbench .
#   docker run -p 8501:8501 -v cxdata:/data cx-workbench
#   docker run --rm -it -v cxdata:/data cx-workbench python -m cxlib users add ann --role editor
# Data (workspace database, stored datasets, users file) lives in the /data volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CX_MODE=hosted \
    CX_DATA_DIR=/data \
    CX_USERS_FILE=/data/users.json \
    CX_MAX_UPLOAD_MB=200 \
    PORT=8501

WORKDIR /app
COPY requirements.txt requirements-hosted.txt ./
RUN pip install -r requirements-hosted.txt

# The code belongs to root and is read-only for the app's user; only /data is writable.
COPY . .
RUN useradd --create-home --uid 10001 --user-group cx \
    && mkdir -p /data && chown cx:cx /data && chmod 700 /data
USER cx
VOLUME ["/data"]
EXPOSE 8501

# slim has no curl: ask Streamlit's health endpoint with the standard library.
HEALTHCHECK --interval=30s --timeout=5s --start-period=40s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/_stcore/health' % os.environ.get('PORT', '8501'), timeout=4)"

# The app behind its login gate (serve/gate.py): python -m serve, never a bare `streamlit run` here.
CMD ["sh", "-c", "exec python -m serve --host 0.0.0.0 --port \"${PORT}\""]
