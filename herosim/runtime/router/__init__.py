"""The HTTP(S) front door: a port that answers plain HTTP and TLS, llhttp framing, proxying to
web dynos, Heroku's headers, H-codes and router log lines."""
