"""The slug image: the run image, the dependency layer, the app's files, herosim's dyno init."""

from __future__ import annotations

import json
import os
from pathlib import Path

from herosim.const import (
    LABEL_APP,
    LABEL_PROCESSES,
    LABEL_PYTHON,
    LABEL_ROLE,
    LABEL_STACK,
    ROLE_SLUG,
)
from herosim.engine import images, resources
from herosim.engine.stack import OFFICIAL
from herosim.engine.tarball import TarWriter
from herosim.errors import BuildError
from herosim.slug import profile
from herosim.slug.context import BuildContext, Target
from herosim.slug.managers import PackageManager
from herosim.slug.source import inside

DYNO_UID = 1000  # dynos run unprivileged, as on Heroku: only /app and /tmp are writable

# Everything that rarely changes comes first, so a code-only change runs one step:
# the legacy builder commits a layer per instruction, even for ENV and LABEL.
HEAD = """\
FROM {run_image}
LABEL {labels}
{runtime_libraries}COPY herosim-dyno /usr/local/bin/herosim-dyno
ENV HOME=/app PATH=/usr/local/bin:/usr/bin:/bin
RUN echo "u{uid}:x:{uid}:{uid}:dyno:/app:/bin/bash" >> /etc/passwd && echo "u{uid}:x:{uid}:" >> /etc/group
"""
# The usual slug: dependencies from their cached layer, the app's files from the context.
FROM_CONTEXT = """\
COPY --from={deps_ref} --chown={uid}:{uid} /app/.heroku /app/.heroku
WORKDIR /app
USER {uid}:{uid}
COPY --chown={uid}:{uid} root/ /
"""
# After hooks or collectstatic: the whole compiled tree from the compile step.
FROM_COMPILE = """\
COPY --from={compile_ref} --chown={uid}:{uid} /slug/ /
WORKDIR /app
USER {uid}:{uid}
COPY --chown={uid}:{uid} root/ /
"""
# The official slim images lack libpq, which psycopg2 built from source needs at run time
# (Heroku's run stack has it); herosim's offline run image already carries it.
LIBPQ = ("RUN ldconfig -p | grep -q libpq.so.5 || (apt-get update -q && apt-get install -y -q "
         "--no-install-recommends libpq5 && rm -rf /var/lib/apt/lists/*)\n")


def build(ctx: BuildContext, target: Target, deps_ref: str, processes: dict[str, str],
          compile_ref: str | None = None) -> str:
    """The slug image (`herosim-slug/<app>:latest`): the dependency layer and the app's files,
    or the compile step's tree when hooks or collectstatic ran."""
    app, stack, root, files = ctx.app, target.stack, ctx.source.root, ctx.source.files
    labels = {
        LABEL_APP: app, LABEL_ROLE: ROLE_SLUG, LABEL_STACK: stack.name, LABEL_PYTHON: target.python,
        LABEL_PROCESSES: json.dumps(processes),
    }
    values = dict(run_image=stack.run_image, deps_ref=deps_ref, compile_ref=compile_ref, uid=DYNO_UID,
                  runtime_libraries=LIBPQ if stack.source == OFFICIAL else "",
                  labels=" ".join(f"{key}={json.dumps(value)}" for key, value in labels.items()))
    dockerfile = HEAD + (FROM_COMPILE if compile_ref else FROM_CONTEXT)
    context = TarWriter()
    context.add_bytes("Dockerfile", dockerfile.format(**values).encode())
    context.add_bytes("herosim-dyno", resources.read("dyno/herosim-dyno"), mode=0o755)
    # `root/app/…` rather than `slug/…`: COPY then creates /app itself with the
    # dyno's owner, so the app can write in $HOME as on Heroku.
    context.add_dir("root/app")
    written = profile_files(root, files, target.manager)
    if not compile_ref:
        for name in files:
            if name not in written:   # a link stays a link (TarWriter): never its target's content
                context.add_file(f"root/app/{name}", root / name)
    context.add_dir("root/app/.profile.d")
    for name, text in written.items():
        context.add_bytes(f"root/app/{name}", text.encode())
    tail: list[str] = []
    return images.build(ctx.client, context.close(), f"herosim-slug/{app}:latest",
                        lambda line: tail.append(line), what=f"the slug for {app}")


def profile_files(root: Path, files: tuple[str, ...], manager: PackageManager) -> dict[str, str]:
    """The buildpack's `.profile.d` scripts as the slug gets them: path in the app -> text. It
    appends to python.sh (after the app's own lines) and copies the other two over the app's.
    Where the app tracks one of them as a symbolic link, the write goes through it, as a shell's
    would: to its target, which must be a file of the app (read only when it is inside the
    app's tree), and the link stays a link."""
    out = {}
    for name, text in profile.scripts(manager).items():
        path = target = f".profile.d/{name}"
        if path in files and (root / path).is_symlink():
            if not inside(root, path):
                raise BuildError(
                    f"{path} is a symbolic link that leads out of the app ({os.readlink(root / path)}): the "
                    "buildpack writes to it during the build, which fails on Heroku",
                    hint=f"commit {path} as a regular file (git rm --cached {path}, then add the file itself)")
            target = str((root / path).resolve().relative_to(root.resolve()))
        if name == "python.sh" and target in files and inside(root, target):
            text = (root / target).read_text(errors="replace") + text
        out[target] = text
    return out
