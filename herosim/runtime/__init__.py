"""The dyno manager — one process per running app (entry point, server, the pure convergence
plan, the dyno state machine on a Docker backend, its periodic duties, the router as a child
process) — and the CLI's side of it: the control channel's client and protocol, the launcher
that starts and stops a manager, and one-off dynos attached to a terminal."""
