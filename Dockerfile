# Production image: one image for web (gunicorn), worker and beat.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir -c requirements/constraints.txt . \
    && useradd --create-home --uid 1000 app \
    && DEBUG=1 python manage.py collectstatic --noinput \
    && mkdir -p /app/media && chown -R app:app /app/media
USER app
ENV DEBUG=0 MEDIA_ROOT=/app/media
EXPOSE 8000
CMD ["gunicorn", "marketplace.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
