"""After the install: Django's collectstatic and the bin/post_compile hook (bin/pre_compile
runs before it, in the dependency step). They run on the whole app, on every build."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import docker

from herosim.slug.step import BuildStep, environment
from herosim.const import LABEL_APP, LABEL_ROLE, ROLE_COMPILE
from herosim.errors import BuildError
from herosim.progress import Progress
from herosim.engine.tarball import TarWriter

SLUG_ROOT = "/slug"  # the compiled app ends up at /slug/app, so COPY keeps /app's owner


@dataclass(frozen=True)
class CompilePlan:
    pre_compile: bool
    post_compile: bool
    manage_py: str | None   # collectstatic runs when set

    @property
    def needed(self) -> bool:
        return self.pre_compile or self.post_compile or self.manage_py is not None


def manage_py(files: tuple[str, ...]) -> str | None:
    """The shallowest manage.py within 3 directory levels of the root, as the buildpack looks."""
    found = sorted((f for f in files if f.split("/")[-1] == "manage.py" and f.count("/") <= 3),
                   key=lambda f: (f.count("/"), f))
    return found[0] if found else None


def plan(files: tuple[str, ...], dependencies: frozenset[str], config_vars: dict[str, str]) -> CompilePlan:
    django = "django" in dependencies
    disabled = config_vars.get("DISABLE_COLLECTSTATIC", "") not in ("", "0")
    return CompilePlan(pre_compile="bin/pre_compile" in files, post_compile="bin/post_compile" in files,
                       manage_py=manage_py(files) if django and not disabled else None)


def script(compile_plan: CompilePlan) -> str:
    lines = ["export PATH=/app/.heroku/python/bin:$PATH"]
    if compile_plan.manage_py:
        lines += [
            f'echo "-----> $ python {compile_plan.manage_py} collectstatic --noinput"',
            f"sub_env python {compile_plan.manage_py} collectstatic --noinput || exit 71",
        ]
    if compile_plan.post_compile:
        lines += ['echo "-----> Running post-compile hook"', "chmod +x bin/post_compile",
                  "sub_env bin/post_compile || exit 72"]
    lines += [f"mkdir -p {SLUG_ROOT}", "cd /", f"mv /app {SLUG_ROOT}/app"]
    return "\n".join(lines) + "\n"


def run(client: docker.DockerClient, printer: Progress, app: str, deps_ref: str, compile_plan: CompilePlan,
        root: Path, files: tuple[str, ...], ca_bundle: Path | None, config_vars: dict[str, str]) -> str:
    """The compiled app as an image (`herosim-compile/<app>`), its tree at /slug/app."""
    context = TarWriter()
    if not compile_plan.pre_compile:  # else the dependency step already holds the (hooked) tree
        for name in files:
            context.add_file(f"app/{name}", root / name)

    def failure(status: int) -> BuildError:
        if status == 71:
            return BuildError("Unable to generate Django static files (`python manage.py collectstatic --noinput` "
                              "failed; its error is above)",
                              hint="fix it, or skip the step: herosim config:set DISABLE_COLLECTSTATIC=1")
        if status == 72:
            return BuildError("The post_compile hook failed (bin/post_compile exited non-zero)",
                              hint="fix bin/post_compile: a failing hook fails the build, as on Heroku")
        return BuildError(f"The compile step failed (status {status})", hint="see the output above")

    ref = f"herosim-compile/{app}:latest"
    BuildStep(client, printer, app).run(
        deps_ref, script(compile_plan), context, environment(ca_bundle), ca_bundle, failure, config_vars=config_vars,
        commit_ref=ref, commit_changes=[f"LABEL {LABEL_APP}={app} {LABEL_ROLE}={ROLE_COMPILE}"])
    return ref
