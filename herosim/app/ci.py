"""`herosim ci`: Heroku CI on this machine. A throwaway app of its own: the buildpack's
test-compile (bin/test-compile's environment; requirements-test.txt too when there is one,
Pipenv --dev, Poetry's and uv's default groups; collectstatic skipped), app.json's
environments.test add-ons and env, CI's variables, then on each test dyno (one, app.json's
`formation.test.quantity`, or the one `--shard` names) `test-setup` then `test`; the exit
status is the run's, and the throwaway app is removed whatever happens."""

from __future__ import annotations

import subprocess
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from herosim.errors import AppError
from herosim.platform import appjson
from herosim.platform.procfile import RELEASE
from herosim.runtime import oneoff

TEST_DYNO_SIZE = "performance-m"   # Heroku CI runs tests on a Performance-M dyno (DYNO_RAM=2560 in ci_spec)
NODE_OUTPUT_KEPT = 16 * 1024 * 1024   # a parallel node's output held until it ends, at most
MAX_NODES = 32                     # "distributing test runs across up to 32 dynos" (DC: Parallel Test Runs)


@dataclass(frozen=True)
class Node:
    """One test dyno of a (parallel) test run: Heroku CI's CI_NODE_INDEX (zero-indexed) of CI_NODE_TOTAL."""
    index: int
    total: int

    def env(self) -> dict[str, str]:
        return {"CI_NODE_INDEX": str(self.index), "CI_NODE_TOTAL": str(self.total)}


def parse_shard(text: str) -> Node:
    """`--shard I/N`: this machine runs test dyno I (0 ≤ I < N) of N, as one of N CI machines."""
    index, _, total = text.partition("/")
    if not (index.isdigit() and total.isdigit() and 0 < int(total) <= MAX_NODES and int(index) < int(total)):
        raise AppError(f"--shard {text!r} is not INDEX/TOTAL with 0 <= INDEX < TOTAL <= {MAX_NODES}",
                       hint="e.g. --shard 0/4 on the first of four machines (CI_NODE_INDEX is zero-indexed)")
    return Node(int(index), int(total))


def nodes(test: appjson.Environment, shard: Node | None) -> list[Node]:
    """The test dynos this run starts: the shard asked for, else app.json's
    `formation.test.quantity` of them (1 by default), each told its index."""
    if shard is not None:
        return [shard]
    quantity = test.formation.get("test", (1, TEST_DYNO_SIZE))[0] or 1
    if quantity > MAX_NODES:
        raise AppError(f"app.json: environments.test.formation.test.quantity {quantity} is more than {MAX_NODES}",
                       hint=f"Heroku CI runs at most {MAX_NODES} test dynos per test run")
    return [Node(i, quantity) for i in range(quantity)]


def git(path: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=path, capture_output=True, text=True, check=False)
    return result.stdout.strip() if result.returncode == 0 else ""


def test_environment(path: Path) -> appjson.Environment:
    from herosim.app.setup import read
    manifest = read(path)
    if manifest is None or manifest.test is None or not manifest.test.scripts.get("test"):
        raise AppError("app.json has no environments.test.scripts.test",
                       hint='the Python buildpack has no default test command: add '
                            '"environments": {"test": {"scripts": {"test": "pytest"}}} to app.json')
    return manifest.test


def ci_variables(path: Path, run_id: str) -> dict[str, str]:
    return {"CI": "true", "HEROKU_TEST_RUN_ID": run_id,
            "HEROKU_TEST_RUN_BRANCH": git(path, "rev-parse", "--abbrev-ref", "HEAD") or "main",
            "HEROKU_TEST_RUN_COMMIT_VERSION": git(path, "rev-parse", "HEAD")}


def run(app, path: Path, output: oneoff.Output, step: Callable[[str], None], shard: Node | None = None) -> int:
    """The test run on `app` (a throwaway App); its exit status (the first failing node's).
    The caller destroys `app`."""
    test = test_environment(path)
    run_id = str(uuid.uuid4())
    values, missing = appjson.config_for(test.env, {})
    if missing:
        raise appjson.missing_error(missing)
    wanted = nodes(test, shard)
    app.state.update_config_vars({**values, **ci_variables(path, run_id)})
    step(f"Test run {run_id} on {app.name}")
    result = app.deployer.build(path, test=True)
    for spec in test.addons:
        app.addons.ensure_plan(spec.plan, {**spec.options, **({"as": spec.as_} if spec.as_ else {})}, result.stack)
    app.addons.start_all(result.stack)
    processes = {kind: command for kind, command in result.processes.items() if kind != RELEASE}
    release = app.releases.create(f"Deploy {result.commit[:8] or 'working tree'}", result.slug_image, processes,
                                  app.state.config_vars(), commit=result.commit)
    if len(wanted) == 1:
        return _node(app, test, release, wanted[0], output, step)
    return _parallel(app, test, release, wanted, output, step)


def _node(app, test: appjson.Environment, release, node: Node, output: oneoff.Output,
          step: Callable[[str], None]) -> int:
    """One test dyno: test-setup, then test, with its CI_NODE_INDEX and CI_NODE_TOTAL."""
    for name in ("test-setup", "test"):
        command = test.scripts.get(name)
        if not command:   # the runner's words (ci_spec); `test` is always there (test_environment)
            step(f"No {name} command provided. Skipping.")
            continue
        step(f"Running {name} command `{command}`...")
        status = oneoff.run(app.ctx.client, app.state, release, oneoff.new("test", command), output=output,
                            interactive=False, use_tty=False, to_log=True, size=TEST_DYNO_SIZE,
                            dyno_env=node.env())
        if status != 0 or name == "test":
            step(f"{name} exited with {status}")
            return status
    return 0


def _parallel(app, test: appjson.Environment, release, wanted: list[Node], output: oneoff.Output,
              step: Callable[[str], None]) -> int:
    """Every node at once, sharing the run's add-ons (as Heroku's parallel dynos do); each
    node's output printed whole when it ends, so the nodes' lines never interleave."""
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def one(node: Node) -> None:
        events: list[tuple[int, bytes] | str] = []   # the node's output and step lines, in order
        kept, left_out = 0, 0

        def capture(stream: int, data: bytes) -> None:
            nonlocal kept, left_out
            if kept + len(data) > NODE_OUTPUT_KEPT:   # a bound on what waits for the node's end
                left_out += len(data)
                return
            kept += len(data)
            events.append((stream, data))

        status = 1
        try:
            status = _node(app, test, release, node, capture, events.append)
        finally:
            with lock:
                statuses[node.index] = status
                step(f"Test node {node.index} of {node.total} (CI_NODE_INDEX={node.index}):")
                for event in events:
                    if isinstance(event, str):
                        step(event)
                    else:
                        output(*event)
                if left_out:
                    step(f"({left_out} bytes of this node's output left out: past {NODE_OUTPUT_KEPT} bytes)")

    threads = [threading.Thread(target=one, args=(node,), name=f"test-node-{node.index}") for node in wanted]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    failed = [index for index in sorted(statuses) if statuses[index] != 0]
    step(f"{len(wanted) - len(failed)} of {len(wanted)} test nodes passed")
    return statuses[failed[0]] if failed else 0
