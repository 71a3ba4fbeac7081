FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY factcheck ./factcheck
COPY claims ./claims
COPY sources ./sources
COPY public ./public
COPY accounts ./accounts
COPY notifications ./notifications
COPY manage.py ./
COPY deploy/gunicorn.conf.py ./deploy/
RUN pip install --no-cache-dir . && useradd --system --home /app factcheck \
    && DJANGO_SECRET_KEY=build-only DJANGO_DEBUG=0 DATABASE_URL=postgres://build-only@localhost/none \
       python manage.py collectstatic --noinput \
    && mkdir -p /app/var/media && chown factcheck /app/var/media
USER factcheck
# var/media: the captures' files (a volume in docker-compose.yml); owned here so the volume starts writable.
EXPOSE 8000
# Meant to run behind deploy/nginx.conf (docker-compose.yml): worker class and timeouts in deploy/gunicorn.conf.py.
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "factcheck.wsgi:application"]
