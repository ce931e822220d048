"""Which module of herosim/cli defines each command (its aliases included), so that a
command imports its own module and not all twenty: most of a quick command's time is its
start-up, and tests and scripts run hundreds of them. tests/unit/cli/test_commands.py keeps
this table equal to what the modules register."""

from __future__ import annotations

MODULES: dict[str, tuple[str, ...]] = {
    "addons": ("addons", "addons:create", "addons:add", "addons:docs", "addons:destroy", "addons:info"),
    "apps": ("up", "wait", "build", "down", "stack"),
    "audits": ("fs:diff", "doctor"),
    "certs": ("certs", "certs:ca"),
    "ci": ("ci",),
    "config": ("config", "config:get", "config:set", "config:unset", "releases", "releases:info",
               "releases:rollback", "rollback"),
    "dashboard": ("dashboard",),
    "dev": ("dev", "local"),
    "drains": ("drains", "drains:add", "drains:remove", "drains:info"),
    "dynos": ("recycle", "restart", "ps:scale", "run", "run:detached", "ps", "logs"),
    "git": ("git:remote",),
    "heroku_apps": ("apps:create", "create", "apps", "list", "apps:list", "apps:info", "info", "apps:destroy",
                    "destroy", "apps:delete", "apps:rename", "rename", "apps:open", "open"),
    "metrics": ("metrics",),
    "pg": ("pg:psql", "pg:info", "pg", "pg:reset", "pg:ps", "pg:killall", "pg:connection-pooling:attach",
           "pg:unfollow", "pg:credentials:url", "pg:credentials:rotate", "pg:backups", "pg:backups:capture",
           "pg:backups:restore", "pg:backups:download", "pg:pull", "pg:push"),
    "pgextras": ("pg:blocking", "pg:cache-hit", "pg:cache_hit", "pg:index-usage", "pg:index_usage", "pg:seq-scans",
                 "pg:seq_scans", "pg:vacuum-stats", "pg:bloat", "pg:long-running-queries",
                 "pg:long_running_queries", "pg:locks", "pg:outliers", "pg:diagnose"),
    "ps": ("ps:kill", "dyno:stop", "dyno:kill", "ps:stop", "ps:exec", "ps:wait", "maintenance", "maintenance:on",
           "maintenance:off", "labs", "labs:enable", "labs:disable"),
    "redis": ("redis:info", "redis", "redis:cli", "redis:maxmemory", "redis:timeout", "redis:credentials"),
    "scheduler": ("scheduler", "scheduler:add", "scheduler:remove", "scheduler:run"),
    "snapshots": ("snapshot:save", "snapshot:load", "snapshots", "snapshot:remove"),
    "testing": ("fork",),
}

OWNER = {name: module for module, names in MODULES.items() for name in names}
