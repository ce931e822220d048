"""herosim: a local Heroku in Docker."""

__version__ = "0.1.0"
