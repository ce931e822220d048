"""Heroku Git, locally: a bare repository per app under $HEROSIM_HOME whose pre-receive hook
builds and releases the pushed commit (repo.py, hook.py, receive.py), and the remotes of the
developer's own repository that point at it (remotes.py)."""
