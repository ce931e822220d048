"""Audits that read an app without running it on Heroku: `doctor` (what will break, before a
build) and the ephemeral-filesystem audit (`fs:diff`)."""
