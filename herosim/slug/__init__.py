"""The slug compiler, as heroku-buildpack-python: the source git would push, detection, the
Python version, the package managers, dependencies and their cache, hooks, the slug image
and its size."""
