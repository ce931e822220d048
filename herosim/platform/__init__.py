"""Heroku's model of an app and the files that keep it: Procfile, formation, dyno sizes,
config-var rules, timeouts, releases, app.json, and the private state files (atomic JSON,
locks, the app's log). Pure rules next to small, locked file I/O: nothing here talks to
Docker."""
