# One image for the Rasa server and the action server of docker-compose.yml. Building it
# runs what `make run` would: the venv, the converted BERT weights, the Rasa model and the
# GPT-2 reply generator (about 30 minutes on 2 cores). Nothing is downloaded at run time.
FROM python:3.10-slim-bookworm

RUN apt-get update \
    && apt-get install -y --no-install-recommends make \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY . .
RUN make train train-generator

ENV PATH=/app/.venv/bin:$PATH \
    RASA_TELEMETRY_ENABLED=false \
    TF_CPP_MIN_LOG_LEVEL=2
EXPOSE 5005 5055
CMD ["rasa", "run", "--model", "models/assistant.tar.gz", "--port", "5005", "--endpoints", "deploy/endpoints.yml"]
