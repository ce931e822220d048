"""Which Pythons a pinned package publishes Linux wheels for, read from the package index's
simple API (PEP 691 JSON, else its HTML page; the per-release JSON API is not served
everywhere). Two callers: the build, to explain a failed source build, and doctor, to predict
one (doctor also downloads a source archive, bounded, to read its file list).

Nothing here is fatal: when the index cannot be reached or says nothing useful, the answer
is None and the caller says nothing."""

from __future__ import annotations

import html
import os
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urljoin

from herosim.slug.buildpack import NEWEST_MINOR, OLDEST_MINOR

WHEEL_RE = re.compile(r"^(?P<name>[^-]+)-(?P<version>[^-]+)(-\d[^-]*)?-(?P<python>[^-]+)-(?P<abi>[^-]+)-"
                      r"(?P<platform>[^-]+)\.whl$")
LINUX = re.compile(r"manylinux|^linux_x86_64$")   # glibc: a musllinux wheel does not install on Heroku
SDIST_RE = re.compile(r"^(?P<name>.+)-(?P<version>[^-]+)\.(tar\.gz|zip|tar\.bz2|tgz)$")
Fetch = Callable[[str], list[str] | None]   # a distribution's file names, or None


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _version_key(version: str) -> tuple:
    parts = re.findall(r"\d+|[a-z]+", version.lower())
    return tuple((0, int(p)) if p.isdigit() else (-1, p) for p in parts)


def _final(version: str) -> bool:
    return not re.search(r"(a|b|rc|dev)\d*", version.lower())


def serves(filename: str, minor: int, arch: str = "x86_64", any_platform: bool = False) -> tuple[str, bool] | None:
    """(version, whether the wheel installs on Linux CPython 3.<minor>), None for a non-wheel.
    With `any_platform`, a wheel for another system counts too (a package that ships no Linux
    wheels at all still says, by its other wheels, which Pythons a release supports)."""
    match = WHEEL_RE.match(filename)
    if not match:
        return None
    platforms = match["platform"].split(".")
    linux = any_platform or any(LINUX.search(p) and (arch in p or p == "any") for p in platforms) or "any" in platforms
    ok = False
    for python in match["python"].split("."):
        abi = match["abi"]
        if python in ("py3", "py2.py3") and "any" in platforms:
            ok = True
        elif python.startswith("cp3") and linux:
            built = int(python[3:]) if python[3:].isdigit() else -1
            ok = ok or built == minor or (abi == "abi3" and built <= minor)
    return match["version"], ok


@dataclass(frozen=True)
class Diagnosis:
    package: str
    version: str
    python: str                  # 3.14
    newest_python: str | None    # the newest Python Heroku supports with a wheel of this version
    first_release: str | None    # the first release with wheels for this Python

    def lines(self) -> list[str]:
        out = [f"herosim: {self.package} {self.version} has no wheel for Python {self.python}, so pip built it "
               "from source, and that build failed (above)."]
        fixes = []
        if self.newest_python:
            fixes.append(f"request Python {self.newest_python} (the newest with a {self.package} {self.version} wheel) "
                         "in .python-version")
        if self.first_release:
            fixes.append(f"upgrade to {self.package}>={self.first_release} (its first release with wheels for "
                         f"Python {self.python})")
        if fixes:
            out.append("Fix: " + ", or ".join(fixes) + ".")
        return out


def diagnose(package: str, version: str, python: str, fetch: Fetch) -> Diagnosis | None:
    """Why `package==version` built from source on Python `python` (3.14), and the ways out;
    None when it has a wheel for that Python (the failure is something else) or the index
    cannot say."""
    files = fetch(normalise(package))
    if not files:
        return None
    minor = int(python.split(".")[1])
    by_version = _pythons_by_version(files, any_platform=False)
    if minor in by_version.get(version, set()):
        return None
    if not by_version.get(version):  # this release ships no Linux wheel: its other wheels say which Pythons
        by_version = _pythons_by_version(files, any_platform=True)
    pythons = {m for m in by_version.get(version, set()) if OLDEST_MINOR <= m <= NEWEST_MINOR}  # Heroku builds
    newest = f"3.{max(pythons)}" if pythons else None
    later = sorted((v for v, minors in by_version.items() if minor in minors and _final(v)
                    and _version_key(v) > _version_key(version)), key=_version_key)
    return Diagnosis(package, version, python, newest, later[0] if later else None)


def _pythons_by_version(files: list[str], any_platform: bool) -> dict[str, set[int]]:
    out: dict[str, set[int]] = {}
    for name in files:
        for candidate in range(6, 20):
            found = serves(name, candidate, any_platform=any_platform)
            if found and found[1]:
                out.setdefault(found[0], set()).add(candidate)
    return out


# -- what pip said ---------------------------------------------------------------------------
FAILED_RE = (re.compile(r"Failed building wheel for (?P<name>[A-Za-z0-9._-]+)"),
             re.compile(r"Failed to build installable wheels for some pyproject\.toml based projects "
                        r"\((?P<names>[^)]*)\)"),
             re.compile(r"Failed to build (?P<names>[A-Za-z0-9._\- ,']+)$"),
             re.compile(r"Building wheel for (?P<name>[A-Za-z0-9._-]+) \(pyproject\.toml\) did not run successfully"),
             re.compile(r"Getting requirements to build wheel for (?P<name>[A-Za-z0-9._-]+) did not run successfully"))
COLLECTING_RE = re.compile(r"Collecting (?P<name>[A-Za-z0-9._-]+)(\[[^\]]*\])?==(?P<version>[^\s;]+)")
DOWNLOADING_SDIST_RE = re.compile(r"Downloading (?P<name>[A-Za-z0-9._-]+?)-(?P<version>\d[^\s]*?)\.(tar\.gz|zip)\b")


def failed_builds(output: Iterable[str]) -> dict[str, str]:
    """Packages pip could not build from source, with the version it tried: {name: version}."""
    lines = list(output)
    versions: dict[str, str] = {}
    for line in lines:
        for pattern in (COLLECTING_RE, DOWNLOADING_SDIST_RE):
            match = pattern.search(line)
            if match:
                versions[normalise(match["name"])] = match["version"]
    failed: list[str] = []
    for line in lines:
        for pattern in FAILED_RE:
            match = pattern.search(line.strip())
            if not match:
                continue
            names = match.groupdict().get("names") or match.groupdict().get("name") or ""
            failed += [normalise(n.strip(" '\"")) for n in names.split(",") if n.strip(" '\"")]
    return {name: versions[name] for name in dict.fromkeys(failed) if name in versions}


# -- the index -------------------------------------------------------------------------------
def index_url() -> str | None:
    """The index pip on this machine uses: PIP_INDEX_URL, pip's configuration, pip's default."""
    if os.environ.get("PIP_INDEX_URL"):
        return os.environ["PIP_INDEX_URL"]
    try:
        from pip._internal.configuration import Configuration
        configuration = Configuration(isolated=False)
        configuration.load()
        for key in ("global.index-url", ":env:.index-url", "install.index-url"):
            try:
                return configuration.get_value(key)
            except Exception:  # noqa: BLE001 - not set there
                continue
        from pip._internal.models.index import PyPI
        return PyPI.simple_url
    except Exception:  # noqa: BLE001 - no pip here: no diagnosis
        return None


@dataclass(frozen=True)
class IndexFile:
    """One file of a distribution, as the simple API lists it."""
    filename: str
    url: str = ""
    size: int | None = None
    uploaded: str = ""          # ISO 8601 (PEP 700), "" when the index does not say
    requires_python: str = ""

    @property
    def version(self) -> str | None:
        match = WHEEL_RE.match(self.filename) or SDIST_RE.match(self.filename)
        return match["version"] if match else None

    @property
    def sdist(self) -> bool:
        return not self.filename.endswith(".whl") and SDIST_RE.match(self.filename) is not None


class Index:
    """The simple API of the index pip uses (its URL from pip's settings unless given): a
    distribution's files, and a download with a bound on bytes and time. Called with a name,
    the file names (a Fetch). Once the index cannot be reached, it stops asking (offline:
    nothing said, fast)."""

    def __init__(self, url: str | None = None, verify: str | bool = True, timeout: float = 10.0):
        self.base = (url or index_url() or "").rstrip("/")
        self.verify, self.timeout = verify, timeout
        self.unreachable = False
        self._files: dict[str, list[IndexFile] | None] = {}

    def __call__(self, name: str) -> list[str] | None:
        found = self.files(name)
        return None if found is None else [f.filename for f in found]

    def files(self, name: str) -> list[IndexFile] | None:
        name = normalise(name)
        if name not in self._files:
            self._files[name] = self._list(name)
        return self._files[name]

    def _list(self, name: str) -> list[IndexFile] | None:
        import requests
        if not self.base.startswith(("http://", "https://")) or self.unreachable:
            return None
        page = f"{self.base}/{name}/"
        try:
            response = requests.get(page, timeout=self.timeout, verify=self.verify,
                                    headers={"Accept": "application/vnd.pypi.simple.v1+json, text/html;q=0.1"})
        except requests.RequestException:
            self.unreachable = True
            return None
        if response.status_code != 200:
            return None
        try:
            if "json" in response.headers.get("Content-Type", ""):
                return [IndexFile(f["filename"], urljoin(page, f.get("url", "")), f.get("size"),
                                  f.get("upload-time") or "", f.get("requires-python") or "")
                        for f in response.json().get("files", [])]
        except (ValueError, KeyError, TypeError, AttributeError):
            return None
        return [IndexFile(html.unescape(text), urljoin(page, html.unescape(href).split("#")[0]),
                          requires_python=html.unescape(requires or ""))
                for href, requires, text in ANCHOR_RE.findall(response.text)]

    def download(self, file: IndexFile, max_bytes: int, seconds: float) -> bytes | None:
        """The file's bytes, or None past `max_bytes` or `seconds` (or on any failure)."""
        import requests
        if self.unreachable or not file.url.startswith(("http://", "https://")) or (file.size or 0) > max_bytes:
            return None
        deadline = time.monotonic() + seconds
        try:
            with requests.get(file.url, timeout=self.timeout, verify=self.verify, stream=True) as response:
                if response.status_code != 200 or int(response.headers.get("Content-Length") or 0) > max_bytes:
                    return None
                data = bytearray()
                for chunk in response.iter_content(64 * 1024):
                    data += chunk
                    if len(data) > max_bytes or time.monotonic() > deadline:
                        return None
                return bytes(data)
        except (requests.RequestException, ValueError):
            return None


ANCHOR_RE = re.compile(r'<a\s[^>]*?href="(?P<href>[^"]+)"(?:[^>]*?data-requires-python="(?P<requires>[^"]*)")?'
                       r'[^>]*>(?P<text>[^<>]+\.(?:whl|tar\.gz|zip|tar\.bz2|tgz))</a>')


def simple_api(url: str | None = None, verify: str | bool = True, timeout: float = 10.0) -> Index:
    """The index pip uses (or `url`), as a Fetch of file names that can also list and download files."""
    return Index(url, verify, timeout)
