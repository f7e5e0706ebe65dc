FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY . .
RUN pip install --no-cache-dir -e . && mkdir -p /data/var /data/media
EXPOSE 8000
CMD ["gunicorn", "oceanis.wsgi:application", "--bind", "0.0.0.0:8000"]
