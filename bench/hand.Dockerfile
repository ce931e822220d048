# The hand-written multi-stage Dockerfile herosim is measured against: the same
# base images (herosim's offline stack: forky, Python 3.13 as the microblog asks), the same
# pip, the same layout.
FROM herosim/stack-build:forky AS build
RUN python3.13 -m venv /app/.heroku/python
COPY requirements.txt ca.pem /tmp/build/
RUN /app/.heroku/python/bin/pip install --no-input --progress-bar off --cert /tmp/build/ca.pem \
      -r /tmp/build/requirements.txt

FROM herosim/stack-run:forky
COPY --from=build /app/.heroku /app/.heroku
COPY . /app/
WORKDIR /app
ENV HOME=/app PATH=/app/.heroku/python/bin:$PATH PYTHONUNBUFFERED=true
CMD ["bash", "-c", "flask db upgrade; exec gunicorn app:app"]
