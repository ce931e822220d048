"""The `.profile.d/` scripts the buildpack puts in the slug, sourced at every dyno boot:
python.sh (paths and Python settings), WEB_CONCURRENCY.sh, python.gunicorn.sh. herosim
writes its own, with the same effects and lines, for its dynos."""

from __future__ import annotations

from herosim.slug.managers import PackageManager

# The buildpack also sets PYTHONHOME=$HOME/.heroku/python, where its own Python lives. herosim's
# Python is the stack's interpreter in a virtual environment there: PYTHONHOME would break it,
# so it stays unset (sys.prefix is /app/.heroku/python either way).
PYTHON_SH = """\
export PATH="${HOME}/.heroku/python/bin:${PATH}"
export PYTHONUNBUFFERED=true
export LIBRARY_PATH="${HOME}/.heroku/python/lib${LIBRARY_PATH:+:${LIBRARY_PATH}}"
export LD_LIBRARY_PATH="${HOME}/.heroku/python/lib${LD_LIBRARY_PATH:+:${LD_LIBRARY_PATH}}"
export LANG="${LANG:-en_US.UTF-8}"
export PYTHONPATH="${PYTHONPATH:-${HOME}}"
"""

# The dyno's memory is its size's quota: the platform sets it as the container's memory
# reservation (the soft limit; its hard limit is the R15 kill threshold). The core count is
# the one a Heroku dyno of that size reports.
WEB_CONCURRENCY_SH = """\
# Sets WEB_CONCURRENCY at dyno boot, unless it is set: the lower of (cores * 2 + 1) and
# (memory in MB / 256), as the Python buildpack does.
herosim_output() {
\tif [[ "${DYNO:-}" == web.* ]]; then
\t\techo "Python buildpack: $*" >&2
\tfi
}

herosim_memory_mb() {
\tlocal file value
\tfor file in /sys/fs/cgroup/memory/memory.soft_limit_in_bytes /sys/fs/cgroup/memory.low; do
\t\tif [[ -r "${file}" ]] && value=$(cat "${file}") && [[ "${value}" =~ ^[0-9]+$ ]]; then
\t\t\tvalue=$((value / 1048576))
\t\t\tif ((value > 0 && value <= 1048576)); then
\t\t\t\techo "${value}"
\t\t\t\treturn 0
\t\t\tfi
\t\tfi
\tdone
\treturn 1
}

if ! available_memory_in_mb=$(herosim_memory_mb); then
\therosim_output "Couldn't determine available memory. Skipping automatic configuration of WEB_CONCURRENCY."
\treturn 0
fi
case "${available_memory_in_mb}" in
\t512 | 1024 | 14336 | 63488) cpu_cores=8 ;;
\t2560) cpu_cores=2 ;;
\t30720) cpu_cores=4 ;;
\t129024) cpu_cores=16 ;;
\t*) cpu_cores=$(nproc) ;;
esac

herosim_output "Detected ${available_memory_in_mb} MB available memory and ${cpu_cores} CPU cores."
export DYNO_RAM="${available_memory_in_mb}"

if [[ -v WEB_CONCURRENCY ]]; then
\therosim_output "Skipping automatic configuration of WEB_CONCURRENCY since it's already set."
\treturn 0
fi

export WEB_CONCURRENCY_SET_BY="heroku/python"
if ((available_memory_in_mb < 256)); then
\tby_memory=1
else
\tby_memory=$((available_memory_in_mb / 256))
fi
by_cores=$((cpu_cores * 2 + 1))
if ((by_memory < by_cores)); then
\texport WEB_CONCURRENCY="${by_memory}"
\therosim_output "Defaulting WEB_CONCURRENCY to ${WEB_CONCURRENCY} based on the available memory."
else
\texport WEB_CONCURRENCY="${by_cores}"
\therosim_output "Defaulting WEB_CONCURRENCY to ${WEB_CONCURRENCY} based on the number of CPU cores."
fi
"""

GUNICORN_SH = """\
export FORWARDED_ALLOW_IPS='*'
export GUNICORN_CMD_ARGS=${GUNICORN_CMD_ARGS:-"--access-logfile -"}
"""


def scripts(manager: PackageManager) -> dict[str, str]:
    """`.profile.d/` file name -> content, for an app installed with `manager`."""
    # In the buildpack's order: the package manager's lines first (written when it is installed;
    # lib/pipenv.sh keeps Pipenv on PATH at run time, "for historical reasons"), then bin/compile's own.
    python = "".join(line + "\n" for line in manager.profile) + PYTHON_SH
    return {"python.sh": python, "WEB_CONCURRENCY.sh": WEB_CONCURRENCY_SH, "python.gunicorn.sh": GUNICORN_SH}
