"""A second Docker engine for the tests, on this machine but in a network namespace of its own:
reachable only at its API address (tcp:// with TLS, certificates made here), its containers'
addresses and its loopback unreachable from this machine, as a Docker Desktop VM or another host.

`SecondEngine.start()` makes the namespace (a veth pair, NAT so its containers reach the
machine's HTTPS proxy for pip), TLS material, a `dockerd` inside with its own data-root,
exec-root, pidfile, cgroup parent and subnets, and loads the stack images into it from the main
engine; `stop()` removes all of it. Needs root, `ip netns`, iptables and dockerd.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

HOST_ADDRESS = "10.213.255.1"   # this machine's end of the veth pair
ENGINE_ADDRESS = "10.213.255.2"  # the namespace's: the API listens here, nothing else is reachable
LINK = "10.213.255.0/30"
BRIDGE = "10.214.0.1/24"         # docker0 of the second engine
POOL = "10.215.0.0/16"           # its user networks (the apps')
API_PORT = 2376
MEMORY_FOR_TMPFS = 12 << 30   # the images take about 4 GB unpacked: in memory only with room to spare
TMPFS_SIZE = "8g"


def missing() -> str | None:
    """Why this machine cannot run a second engine (None when it can)."""
    if os.geteuid() != 0:
        return "a second Docker engine needs root (network namespace, dockerd)"
    for tool in ("ip", "iptables", "nsenter", "dockerd"):
        if shutil.which(tool) is None:
            return f"a second Docker engine needs `{tool}`"
    probe = subprocess.run(["ip", "netns", "add", "hs-probe-netns"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"network namespaces are not available here: {probe.stderr.strip()}"
    subprocess.run(["ip", "netns", "delete", "hs-probe-netns"], capture_output=True)
    return None


@dataclass
class SecondEngine:
    tag: str
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="hs-engine-")))
    process: subprocess.Popen | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def netns(self) -> str:
        return f"hs-{self.tag}"

    @property
    def veth(self) -> str:
        return f"hs{self.tag}h"[:15]

    @property
    def host(self) -> str:
        return f"tcp://{ENGINE_ADDRESS}:{API_PORT}"

    @property
    def certs(self) -> Path:
        return self.root / "client"

    def environment(self) -> dict[str, str]:
        """What points the Docker SDK (and herosim) at this engine."""
        return {"DOCKER_HOST": self.host, "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": str(self.certs)}

    # -- lifetime ----------------------------------------------------------------------------
    def start(self, images: list[str]) -> None:
        try:
            began = time.monotonic()
            remove_stale()
            self._network()
            self._storage()
            _certificates(self.root)
            self._dockerd()
            self.timings["engine"] = time.monotonic() - began
            began = time.monotonic()
            self.load(images)
            self.timings["images"] = time.monotonic() - began
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        for rule in self._forward_rules():
            while _run(["iptables", "-D", *rule], check=False).returncode == 0:
                pass
        _run(["iptables", "-t", "nat", "-D", "POSTROUTING", "-s", LINK, "!", "-o", self.veth, "-j", "MASQUERADE"],
             check=False)
        _run(["ip", "link", "delete", self.veth], check=False)
        _run(["ip", "netns", "delete", self.netns], check=False)
        for mount in sorted(_mounts_under(self.root), reverse=True):
            _run(["umount", "-l", mount], check=False)
        shutil.rmtree(self.root, ignore_errors=True)

    # -- the parts ---------------------------------------------------------------------------
    def _forward_rules(self) -> list[list[str]]:
        return [["FORWARD", "-i", self.veth, "-j", "ACCEPT"], ["FORWARD", "-o", self.veth, "-j", "ACCEPT"]]

    def _network(self) -> None:
        ns, veth = self.netns, self.veth
        _run(["ip", "netns", "add", ns])
        _run(["ip", "link", "add", veth, "type", "veth", "peer", "name", "hs-inner", "netns", ns])
        _run(["ip", "addr", "add", f"{HOST_ADDRESS}/30", "dev", veth])
        _run(["ip", "link", "set", veth, "up"])
        inside = ["ip", "netns", "exec", ns]
        _run([*inside, "ip", "addr", "add", f"{ENGINE_ADDRESS}/30", "dev", "hs-inner"])
        _run([*inside, "ip", "link", "set", "hs-inner", "up"])
        _run([*inside, "ip", "link", "set", "lo", "up"])
        _run([*inside, "ip", "route", "add", "default", "via", HOST_ADDRESS])
        for rule in self._forward_rules():
            _run(["iptables", "-I", *rule])
        _run(["iptables", "-t", "nat", "-A", "POSTROUTING", "-s", LINK, "!", "-o", veth, "-j", "MASQUERADE"])

    def _storage(self) -> None:
        """Its data-root in memory when the machine has plenty (the images load faster and go
        with one umount instead of deleting gigabytes of small files), else on disk."""
        data = self.root / "data"
        data.mkdir(mode=0o700)
        if _available_memory() >= MEMORY_FOR_TMPFS:
            _run(["mount", "-t", "tmpfs", "-o", f"size={TMPFS_SIZE},mode=0700", "tmpfs", str(data)])
            self.timings["tmpfs"] = 1.0

    def _dockerd(self) -> None:
        server = self.root / "server"
        log = open(self.root / "dockerd.log", "wb")
        # Its own trust key, so its own engine ID (20.10 derives the ID from /etc/docker/key.json).
        config = self.root / "daemon.json"
        config.write_text(json.dumps({"deprecated-key-path": str(self.root / "key.json")}))
        self.process = subprocess.Popen(
            # nsenter, not `ip netns exec`: that one remounts /sys, and dockerd needs the cgroup mounts
            ["nsenter", f"--net=/var/run/netns/{self.netns}", "dockerd",
             "--data-root", str(self.root / "data"), "--exec-root", str(self.root / "exec"),
             "--pidfile", str(self.root / "dockerd.pid"), "--config-file", str(config), "--cgroup-parent", f"/hs-{self.tag}",
             "--host", self.host, "--tlsverify", "--tlscacert", str(server / "ca.pem"),
             "--tlscert", str(server / "cert.pem"), "--tlskey", str(server / "key.pem"),
             "--bip", BRIDGE, "--default-address-pool", f"base={POOL},size=24",
             "--storage-driver", "overlay2", "--userland-proxy=false"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the second dockerd exited: " + (self.root / "dockerd.log").read_text()[-2000:])
            if self.docker("version", check=False).returncode == 0:
                return
            time.sleep(0.3)
        raise RuntimeError("the second dockerd did not answer in 60 s: "
                           + (self.root / "dockerd.log").read_text()[-2000:])

    def docker(self, *args: str, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
        """The docker CLI on this engine."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}
        return subprocess.run(["docker", *args], env={**env, **self.environment()}, capture_output=True,
                              check=check, **kwargs)

    def load(self, images: list[str]) -> None:
        """The images from the main engine, in one stream (`docker save | docker load`)."""
        if not images:
            return
        env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}
        save = subprocess.Popen(["docker", "save", *images], stdout=subprocess.PIPE, env=env)
        loaded = subprocess.run(["docker", "load", "-q"], stdin=save.stdout, capture_output=True,
                                env={**env, **self.environment()})
        save.stdout.close()
        if save.wait() != 0 or loaded.returncode != 0:
            raise RuntimeError(f"copying images into the second engine failed: {loaded.stderr.decode()[-500:]}")


def _available_memory() -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def remove_stale() -> None:
    """What a killed session left: its dockerd (found by its pidfile under a hs-engine- folder,
    proven by its command line), its namespace, the veth holding this module's address."""
    for pidfile in Path(tempfile.gettempdir()).glob("hs-engine-*/dockerd.pid"):
        try:
            pid = int(pidfile.read_text())
            if str(pidfile.parent) in Path(f"/proc/{pid}/cmdline").read_text():
                os.kill(pid, 15)
                for _ in range(100):
                    if not Path(f"/proc/{pid}").exists():
                        break
                    time.sleep(0.2)
        except (OSError, ValueError):
            pass
    for line in _run(["ip", "netns", "list"], check=False).stdout.splitlines():
        name = line.split()[0] if line.split() else ""
        inner = _run(["ip", "netns", "exec", name, "ip", "-o", "addr", "show", "to", ENGINE_ADDRESS], check=False)
        if name.startswith("hs-") and inner.stdout.strip():
            _run(["ip", "netns", "delete", name], check=False)
    found = _run(["ip", "-o", "addr", "show", "to", HOST_ADDRESS], check=False).stdout.split()
    if len(found) > 1:
        _run(["ip", "link", "delete", found[1].split("@")[0]], check=False)


def _run(args: list[str], check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(args, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: {result.stderr.strip()}")
    return result


def _mounts_under(root: Path) -> list[str]:
    try:
        lines = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return []
    return [line.split()[1] for line in lines if len(line.split()) > 1 and line.split()[1].startswith(str(root))]


# -- TLS: a CA, the engine's server certificate, a client certificate ----------------------------
def _certificates(root: Path) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "herosim test engine CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
          .not_valid_after(now + dt.timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .sign(ca_key, hashes.SHA256()))
    server = _leaf(ca, ca_key, "engine", ExtendedKeyUsageOID.SERVER_AUTH, now,
                   [x509.IPAddress(ipaddress.ip_address(ENGINE_ADDRESS))])
    client = _leaf(ca, ca_key, "client", ExtendedKeyUsageOID.CLIENT_AUTH, now, [])
    for folder, (cert, key) in (("server", server), ("client", client)):
        where = root / folder
        where.mkdir(mode=0o700, parents=True)
        (where / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
        (where / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        (where / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                          serialization.PrivateFormat.PKCS8,
                                                          serialization.NoEncryption()))
        os.chmod(where / "key.pem", 0o600)


def _leaf(ca, ca_key, name: str, usage, now: dt.datetime, names: list):
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
               .issuer_name(ca.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=2))
               .add_extension(x509.ExtendedKeyUsage([usage]), critical=False))
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(ca_key, hashes.SHA256()), key
