# floorkeeper: one process, one uvicorn worker (room state and hubs live in it).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DATABASE_URL=sqlite:////data/floorkeeper.db \
    FLOORKEEPER_ENVIRONMENT=production \
    FLOORKEEPER_HOST=0.0.0.0 \
    PORT=8000

RUN useradd --create-home --uid 10001 floorkeeper && mkdir /data && chown floorkeeper /data
WORKDIR /srv/floorkeeper
COPY pyproject.toml README.md alembic.ini ./
COPY alembic ./alembic
COPY app ./app
RUN pip install -e .

USER floorkeeper
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/api/health', timeout=2)"

# `serve` runs the migrations, then uvicorn. The image is production: its first start
# needs FLOORKEEPER_SECRET_KEY (32+ random characters, e.g. `openssl rand -base64 32`);
# it prints no link (they are credentials): `docker exec … floorkeeper links
# --base-url https://…` prints them. DATABASE_URL may point at PostgreSQL.
CMD ["floorkeeper", "serve"]
