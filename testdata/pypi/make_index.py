#!/usr/bin/env python3
"""Builds the test PyPI index: real wheels laid out as a PEP 503 / PEP 691 / PEP 658 simple
repository that the test HTTP server serves.

    /usr/bin/python3 testdata/pypi/make_index.py --out /tmp/pypi_index

Output (OUT/):
    simple/index.html, simple/index.json            the project list (PEP 503 / PEP 691)
    simple/<normalized>/index.html                  anchors with #sha256=, data-requires-python,
                                                    data-yanked, data-core-metadata and
                                                    data-dist-info-metadata (PEP 592/658/714)
    simple/<normalized>/index.json                  the same in PEP 691 JSON (api-version 1.1)
    files/<filename>                                wheels and one sdist
    files/<filename>.metadata                       the wheel's METADATA (PEP 658), for every
                                                    wheel except pip's (to test the fallback)
    MANIFEST.json                                   every project, file and sha256, for tests

Page URLs point at files relative to the page ("../../files/NAME"), as PyPI mirrors do.

The wheels are real: Debian's own wheels from /usr/share/python-wheels (pip, setuptools, wheel),
wheels packed from the installed Debian distributions in /usr/lib/python3/dist-packages (their
real METADATA / PKG-INFO and requires.txt as Requires-Dist; RECORD regenerated; bytecode and
compiled extensions left out, so every packed wheel is py3-none-any), and tiny wheels of ours
(entry points, .data/, markers and extras, a platform-tag family, versions with a pre-release, a
yanked one and a Requires-Python that excludes 3.11, an sdist-only project, a conflict pair).

Deterministic: fixed zip timestamps, sorted members (dist-info last, RECORD last of all), fixed
permissions and compression level, so two runs give byte-identical output on one machine.
"""

import argparse
import base64
import gzip
import hashlib
import html
import io
import json
import os
import re
import shutil
import sys
import tarfile
import zipfile

ZIP_DATE = (2024, 1, 1, 0, 0, 0)
MTIME = 1704067200  # 2024-01-01T00:00:00Z
UPLOAD_TIME = "2024-01-01T00:00:00.000000Z"
DEBIAN_WHEELS = "/usr/share/python-wheels"
DIST_PACKAGES = "/usr/lib/python3/dist-packages"

# (distribution name, version folder glob prefix) packed from dist-packages.
DEBIAN_DISTS = ["requests", "urllib3", "idna", "certifi", "charset_normalizer", "jsonschema",
                "attrs", "pyrsistent", "six"]


def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def wheel_escape(name):
    return re.sub(r"[-_.]+", "_", name)


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def record_hash(data):
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class Wheel:
    """A wheel being assembled: members as (path, bytes, mode)."""

    def __init__(self, name, version, tags="py3-none-any", root_is_purelib=True):
        self.name = name
        self.version = version
        self.tags = tags
        self.root_is_purelib = root_is_purelib
        self.members = {}
        self.dist_info = {}

    @property
    def dist_info_dir(self):
        return "%s-%s.dist-info" % (wheel_escape(self.name), self.version)

    @property
    def filename(self):
        return "%s-%s-%s.whl" % (wheel_escape(self.name), self.version, self.tags)

    def add(self, path, data, mode=0o644):
        if isinstance(data, str):
            data = data.encode()
        self.members[path] = (data, mode)

    def add_dist_info(self, name, data):
        if isinstance(data, str):
            data = data.encode()
        self.dist_info[name] = data

    def wheel_file(self):
        lines = ["Wheel-Version: 1.0", "Generator: envlock make_index.py",
                 "Root-Is-Purelib: %s" % ("true" if self.root_is_purelib else "false")]
        interpreters, abis, platforms = self.tags.split("-")
        for i in interpreters.split("."):
            for a in abis.split("."):
                for p in platforms.split("."):
                    lines.append("Tag: %s-%s-%s" % (i, a, p))
        return ("\n".join(lines) + "\n\n").encode()

    def build(self):
        """The wheel's bytes and its METADATA bytes."""
        if "WHEEL" not in self.dist_info:
            self.add_dist_info("WHEEL", self.wheel_file())
        ordered = [(p, d, m) for p, (d, m) in sorted(self.members.items())]
        for n in sorted(self.dist_info):
            ordered.append(("%s/%s" % (self.dist_info_dir, n), self.dist_info[n], 0o644))
        record_path = "%s/RECORD" % self.dist_info_dir
        record = io.StringIO()
        for path, data, _ in ordered:
            record.write("%s,%s,%d\n" % (path, record_hash(data), len(data)))
        record.write("%s,,\n" % record_path)
        ordered.append((record_path, record.getvalue().encode(), 0o644))
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            for path, data, mode in ordered:
                info = zipfile.ZipInfo(path, date_time=ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = (0o100000 | mode) << 16
                info.create_system = 3
                zf.writestr(info, data, compresslevel=6)
        return buf.getvalue(), self.dist_info["METADATA"]


def metadata(name, version, requires=(), requires_python=None, extras=(), summary=None):
    lines = ["Metadata-Version: 2.1", "Name: %s" % name, "Version: %s" % version]
    lines.append("Summary: %s" % (summary or "envlock test distribution %s" % name))
    if requires_python:
        lines.append("Requires-Python: %s" % requires_python)
    for extra in extras:
        lines.append("Provides-Extra: %s" % extra)
    for req in requires:
        lines.append("Requires-Dist: %s" % req)
    return "\n".join(lines) + "\n\n"


# ---- Debian's installed distributions -------------------------------------------------------

def find_info_dir(dist):
    prefix = dist.lower() + "-"
    for entry in sorted(os.listdir(DIST_PACKAGES)):
        low = entry.lower()
        if low.startswith(prefix) and (low.endswith(".dist-info") or low.endswith(".egg-info")):
            rest = entry[len(prefix):]
            if rest[:1].isdigit():
                return os.path.join(DIST_PACKAGES, entry)
    raise SystemExit("make_index.py: %s is not installed in %s" % (dist, DIST_PACKAGES))


def requires_txt_to_dist(text):
    """setuptools' requires.txt ("[extra:marker]" sections) as Requires-Dist lines and extras."""
    requires, extras = [], []
    extra, marker = None, None
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("["):
            section = line[1:-1]
            extra, _, marker = section.partition(":")
            extra = extra or None
            marker = marker or None
            if extra and extra not in extras:
                extras.append(extra)
            continue
        conditions = []
        if marker:
            conditions.append("(%s)" % marker if extra else marker)
        if extra:
            conditions.append('extra == "%s"' % extra)
        requires.append(line + ("; " + " and ".join(conditions) if conditions else ""))
    return requires, extras


def egg_metadata(info_dir):
    """PKG-INFO + requires.txt → a METADATA text with Requires-Dist / Provides-Extra."""
    with open(os.path.join(info_dir, "PKG-INFO"), encoding="utf-8") as f:
        pkg_info = f.read()
    head, sep, body = pkg_info.partition("\n\n")
    requires, extras = [], []
    req_path = os.path.join(info_dir, "requires.txt")
    if os.path.exists(req_path):
        with open(req_path, encoding="utf-8") as f:
            requires, extras = requires_txt_to_dist(f.read())
    lines = head.rstrip("\n").split("\n")
    lines = [l for l in lines if not l.startswith(("Requires-Dist:", "Provides-Extra:"))]
    lines[0] = "Metadata-Version: 2.1"
    lines += ["Provides-Extra: %s" % e for e in extras]
    lines += ["Requires-Dist: %s" % r for r in requires]
    return "\n".join(lines) + "\n\n" + body


def header_field(meta, field):
    for line in meta.split("\n"):
        if line.startswith(field + ": "):
            return line[len(field) + 2:].strip()
        if line == "":
            break
    raise SystemExit("make_index.py: no %s in METADATA" % field)


def add_tree(wheel, top):
    """Adds a package folder or module from dist-packages, without bytecode or extensions."""
    path = os.path.join(DIST_PACKAGES, top)
    if os.path.isfile(path + ".py"):
        with open(path + ".py", "rb") as f:
            wheel.add(top + ".py", f.read())
        return
    if not os.path.isdir(path):
        return  # a compiled-only module (pyrsistent's pvectorc): left out, pure fallback used
    for dirpath, dirnames, filenames in os.walk(path):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for fn in sorted(filenames):
            if fn.endswith((".pyc", ".so")):
                continue
            full = os.path.join(dirpath, fn)
            with open(full, "rb") as f:
                wheel.add(os.path.relpath(full, DIST_PACKAGES), f.read())


def debian_wheel(dist):
    info_dir = find_info_dir(dist)
    if info_dir.endswith(".dist-info"):
        with open(os.path.join(info_dir, "METADATA"), encoding="utf-8") as f:
            meta = f.read()
    else:
        meta = egg_metadata(info_dir)
    name, version = header_field(meta, "Name"), header_field(meta, "Version")
    wheel = Wheel(name, version)
    wheel.add_dist_info("METADATA", meta)
    for extra_file in ("entry_points.txt", "top_level.txt"):
        p = os.path.join(info_dir, extra_file)
        if os.path.exists(p):
            with open(p, "rb") as f:
                wheel.add_dist_info(extra_file, f.read())
    tops = []
    p = os.path.join(info_dir, "top_level.txt")
    if os.path.exists(p):
        with open(p, encoding="utf-8") as f:
            tops = [l.strip() for l in f if l.strip()]
    else:
        tops = [name.replace("-", "_").lower()]
    for top in sorted(tops):
        add_tree(wheel, top)
    return wheel


# ---- our own tiny wheels --------------------------------------------------------------------

def init_py(name, version):
    return '"""%s, an envlock test distribution."""\n__version__ = "%s"\n' % (name, version)


def demo_cli():
    w = Wheel("demo-cli", "1.0")
    w.add("demo_cli/__init__.py", init_py("demo-cli", "1.0"))
    w.add("demo_cli/main.py", "def main():\n    print('demo-cli')\n    return 0\n\n"
          "def gui():\n    return 0\n")
    w.add_dist_info("METADATA", metadata("demo-cli", "1.0", requires_python=">=3.7"))
    w.add_dist_info("entry_points.txt",
                    "[console_scripts]\ndemo-cli = demo_cli.main:main\n"
                    "[gui_scripts]\ndemo-gui = demo_cli.main:gui\n")
    return [w]


def demo_data():
    w = Wheel("demo-data", "1.0", tags="cp311-cp311-manylinux_2_17_x86_64", root_is_purelib=False)
    d = "demo_data-1.0.data"
    w.add("demo_data/__init__.py", init_py("demo-data", "1.0"))
    w.add(d + "/scripts/demo-data-tool", "#!python\nimport demo_data\nprint(demo_data.__version__)\n",
          0o755)
    w.add(d + "/scripts/demo-data.sh", "#!/bin/sh\necho demo-data\n", 0o755)
    w.add(d + "/headers/demo_data.h", "#define DEMO_DATA 1\n")
    w.add(d + "/data/share/demo-data/readme.txt", "data installed under the prefix\n")
    w.add(d + "/purelib/demo_data_pure.py", "PURE = True\n")
    w.add(d + "/platlib/demo_data_plat.py", "PLAT = True\n")
    w.add_dist_info("METADATA", metadata("demo-data", "1.0"))
    return [w]


def demo_markers():
    requires = [
        'idna>=2.5; python_version >= "3.8"',
        'six; sys_platform == "win32"',
        'urllib3<2,>=1.21; os_name == "posix"',
        'certifi; extra == "secure"',
        'charset-normalizer>=2; extra == "secure" and python_version >= "3.7"',
        'demo-cli; extra == "cli"',
        'demo-never; python_version < "3"',
    ]
    w = Wheel("Demo_Markers", "1.0")
    w.add("demo_markers/__init__.py", init_py("Demo_Markers", "1.0"))
    w.add_dist_info("METADATA", metadata("Demo_Markers", "1.0", requires, ">=3.7",
                                         extras=["secure", "cli"]))
    return [w]


NATIVE_TAGS = [
    "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64",
    "cp311-cp311-manylinux_2_28_x86_64",
    "cp311-cp311-musllinux_1_1_x86_64",
    "cp311-cp311-macosx_11_0_arm64",
    "cp311-cp311-macosx_10_9_x86_64",
    "cp311-cp311-win_amd64",
    "cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64",
    "cp38-abi3-manylinux_2_17_aarch64.manylinux2014_aarch64",
    "py3-none-any",
]


def demo_native():
    wheels = []
    for tags in NATIVE_TAGS:
        w = Wheel("demo-native", "1.0", tags=tags, root_is_purelib=tags == "py3-none-any")
        w.add("demo_native/__init__.py", init_py("demo-native", "1.0"))
        w.add("demo_native/_build_tag.py", "TAGS = %r\n" % tags)
        w.add_dist_info("METADATA", metadata("demo-native", "1.0", requires_python=">=3.8"))
        wheels.append(w)
    return wheels


# version → (Requires-Python, yanked reason or None; "" = yanked without a reason)
VERSIONS = [
    ("1.0.0", None, None),
    ("1.1.0", ">=3.7", None),
    ("1.2.0", ">=3.7", "broken build, use 1.1.0"),
    ("1.2.1", ">=3.7", ""),
    ("1.3.0", ">=3.12", None),
    ("2.0.0rc1", ">=3.7", None),
]


def demo_versions():
    wheels = []
    for version, requires_python, _ in VERSIONS:
        w = Wheel("demo-versions", version)
        w.add("demo_versions/__init__.py", init_py("demo-versions", version))
        w.add_dist_info("METADATA", metadata("demo-versions", version,
                                             requires_python=requires_python))
        wheels.append(w)
    return wheels


def demo_conflict():
    wheels = []
    for version in ("1.0", "2.0"):
        w = Wheel("demo-shared", version)
        w.add("demo_shared/__init__.py", init_py("demo-shared", version))
        w.add_dist_info("METADATA", metadata("demo-shared", version))
        wheels.append(w)
    for name, req in (("demo-conflict-a", "demo-shared>=2"), ("demo-conflict-b", "demo-shared<2")):
        w = Wheel(name, "1.0")
        w.add(wheel_escape(name) + "/__init__.py", init_py(name, "1.0"))
        w.add_dist_info("METADATA", metadata(name, "1.0", [req]))
        wheels.append(w)
    return wheels


def sdist_only():
    """demo-sdist-only-1.0.tar.gz: a real, deterministic sdist and no wheel."""
    name, version = "demo-sdist-only", "1.0"
    top = "demo_sdist_only-1.0"
    members = {
        "PKG-INFO": metadata(name, version).encode(),
        "pyproject.toml": b'[build-system]\nrequires = ["setuptools"]\n'
                          b'build-backend = "setuptools.build_meta"\n\n'
                          b'[project]\nname = "demo-sdist-only"\nversion = "1.0"\n',
        "demo_sdist_only/__init__.py": init_py(name, version).encode(),
    }
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for path in sorted(members):
            info = tarfile.TarInfo("%s/%s" % (top, path))
            info.size = len(members[path])
            info.mtime = MTIME
            info.mode = 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tf.addfile(info, io.BytesIO(members[path]))
    gz = io.BytesIO()
    with gzip.GzipFile(filename="", fileobj=gz, mode="wb", mtime=MTIME, compresslevel=9) as g:
        g.write(raw.getvalue())
    return "%s.tar.gz" % top, gz.getvalue()


# ---- the index ------------------------------------------------------------------------------

def yanked_of(project, version):
    if project != "demo-versions":
        return None
    for v, _, reason in VERSIONS:
        if v == version:
            return reason
    return None


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(path, "wb") as f:
        f.write(data)


def page_html(project, files):
    out = ["<!DOCTYPE html>", "<html>", "  <head>",
           '    <meta name="pypi:repository-version" content="1.1">',
           "    <title>Links for %s</title>" % html.escape(project), "  </head>", "  <body>",
           "    <h1>Links for %s</h1>" % html.escape(project)]
    for f in files:
        attrs = ['href="%s"' % html.escape("../../files/%s#sha256=%s" % (f["filename"],
                                                                         f["sha256"]))]
        if f["requires_python"]:
            attrs.append('data-requires-python="%s"' % html.escape(f["requires_python"]))
        if f["yanked"] is not None:
            attrs.append('data-yanked="%s"' % html.escape(f["yanked"]))
        if f["metadata_sha256"]:
            value = "sha256=" + f["metadata_sha256"]
            attrs.append('data-dist-info-metadata="%s"' % value)
            attrs.append('data-core-metadata="%s"' % value)
        out.append("    <a %s>%s</a><br/>" % (" ".join(attrs), html.escape(f["filename"])))
    out += ["  </body>", "</html>", ""]
    return "\n".join(out)


def page_json(project, files):
    entries = []
    for f in files:
        e = {"filename": f["filename"], "url": "../../files/" + f["filename"],
             "hashes": {"sha256": f["sha256"]}, "size": f["size"],
             "upload-time": UPLOAD_TIME}
        if f["requires_python"]:
            e["requires-python"] = f["requires_python"]
        if f["yanked"] is not None:
            e["yanked"] = f["yanked"] if f["yanked"] else True
        if f["metadata_sha256"]:
            # Only the PEP 714 key: Debian's pip 23.0.1 crashes on a "dist-info-metadata" dict
            # (the bug PEP 714 renamed the key for); PyPI's JSON omits the old key likewise.
            e["core-metadata"] = {"sha256": f["metadata_sha256"]}
        entries.append(e)
    versions = sorted({f["version"] for f in files})
    doc = {"meta": {"api-version": "1.1"}, "name": project, "versions": versions,
           "files": entries}
    return json.dumps(doc, indent=1, sort_keys=True) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    out = args.out
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(os.path.join(out, "files"))

    # project → list of file dicts
    projects = {}

    def publish(project_name, version, filename, data, meta=None, requires_python=None):
        write(os.path.join(out, "files", filename), data)
        metadata_sha = None
        if meta is not None:
            write(os.path.join(out, "files", filename + ".metadata"), meta)
            metadata_sha = sha256_hex(meta)
        projects.setdefault(normalize(project_name), []).append({
            "filename": filename, "version": version, "sha256": sha256_hex(data),
            "size": len(data), "requires_python": requires_python,
            "yanked": yanked_of(normalize(project_name), version),
            "metadata_sha256": metadata_sha})

    for fn in sorted(os.listdir(DEBIAN_WHEELS)):
        if not fn.endswith(".whl"):
            continue
        with open(os.path.join(DEBIAN_WHEELS, fn), "rb") as f:
            data = f.read()
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            meta_name = [n for n in zf.namelist() if n.endswith(".dist-info/METADATA")][0]
            meta = zf.read(meta_name)
        text = meta.decode("utf-8")
        name, version = header_field(text, "Name"), header_field(text, "Version")
        rp = None
        try:
            rp = header_field(text, "Requires-Python")
        except SystemExit:
            pass
        # pip's wheel gets no .metadata file: clients must fall back to reading the wheel.
        publish(name, version, fn, data, None if normalize(name) == "pip" else meta, rp)

    wheels = [debian_wheel(d) for d in DEBIAN_DISTS]
    wheels += demo_cli() + demo_data() + demo_markers() + demo_native() + demo_versions()
    wheels += demo_conflict()
    for w in wheels:
        data, meta = w.build()
        text = meta.decode("utf-8")
        rp = None
        for line in text.split("\n"):
            if line.startswith("Requires-Python: "):
                rp = line.split(": ", 1)[1].strip()
            if line == "":
                break
        publish(w.name, w.version, w.filename, data, meta, rp)

    sdist_name, sdist_bytes = sdist_only()
    publish("demo-sdist-only", "1.0", sdist_name, sdist_bytes, None, None)

    manifest = {}
    root_links = []
    for project in sorted(projects):
        files = sorted(projects[project], key=lambda f: f["filename"])
        write(os.path.join(out, "simple", project, "index.html"), page_html(project, files))
        write(os.path.join(out, "simple", project, "index.json"), page_json(project, files))
        root_links.append(project)
        manifest[project] = [{k: f[k] for k in ("filename", "version", "sha256", "size",
                                                "requires_python", "yanked", "metadata_sha256")}
                             for f in files]
    root_html = ["<!DOCTYPE html>", "<html>", "  <head>",
                 '    <meta name="pypi:repository-version" content="1.1">',
                 "    <title>Simple index</title>", "  </head>", "  <body>"]
    root_html += ['    <a href="%s/">%s</a>' % (p, p) for p in root_links]
    root_html += ["  </body>", "</html>", ""]
    write(os.path.join(out, "simple", "index.html"), "\n".join(root_html))
    write(os.path.join(out, "simple", "index.json"),
          json.dumps({"meta": {"api-version": "1.1"},
                      "projects": [{"name": p} for p in root_links]}, indent=1) + "\n")
    write(os.path.join(out, "MANIFEST.json"), json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
