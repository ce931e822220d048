#!/bin/sh
# The official valkey image's contract: `valkey-server …` started as root runs as the
# valkey user, with /data handed to it first.
set -e
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
	set -- valkey-server "$@"
fi
if [ "$1" = "valkey-server" ] && [ "$(id -u)" = "0" ]; then
	find . \! -user valkey -exec chown valkey:valkey '{}' +
	exec setpriv --reuid=valkey --regid=valkey --clear-groups -- "$0" "$@"
fi
exec "$@"
