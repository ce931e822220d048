"""Log drains, as Logplex ships them: the app's log to HTTPS endpoints (batches of
octet-counted RFC 5424 frames) and to syslog servers (RFC 6587 over TCP or TLS).

`model` and `store` are the drains an app has (`drains:add`); `frames` and `buffer` are pure
(Logplex's framing and its bounded message buffer); `http` and `syslog` deliver; `shipper`
fans the app's log out to them inside the dyno manager."""
