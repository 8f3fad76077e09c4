"""packaging/linux/{make_tarball,install,uninstall}.sh on a fake bundle (stub programs, no
PyInstaller) into a temporary HOME: what is installed where, the absolute Exec/ExecStart
lines, the unit accepted by systemd-analyze (when present), and an uninstall that removes
exactly what was installed and keeps the workspace unless --purge."""

from __future__ import annotations

import configparser
import os
import shlex
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINUX = ROOT / "packaging" / "linux"
PROGRAMS = ("dms-desktop", "dms-scheduler", "dms")
SIZES = (16, 32, 48, 64, 128, 256, 512)

pytestmark = pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX sh")


def _fake_bundle(folder: Path) -> Path:
    bundle = folder / "dms-desktop"
    (bundle / "_internal").mkdir(parents=True)
    (bundle / "_internal" / "libfake.so").write_bytes(b"\0" * 16)
    for program in PROGRAMS:
        stub = bundle / program
        stub.write_text(f'#!/bin/sh\necho "{program} stub $*"\n')
        stub.chmod(0o755)
    return bundle


def _fake_icons(folder: Path) -> Path:
    icons = folder / "icons"
    for size in SIZES:
        png = icons / "hicolor" / f"{size}x{size}" / "apps" / "dms-desktop.png"
        png.parent.mkdir(parents=True)
        png.write_bytes(b"\x89PNG fake")
    svg = icons / "hicolor" / "scalable" / "apps" / "dms-desktop.svg"
    svg.parent.mkdir(parents=True)
    shutil.copyfile(ROOT / "resources" / "icons" / "dms.svg", svg)
    return icons


@pytest.fixture(scope="module")
def unpacked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fake tarball, built by make_tarball.sh and unpacked: its top folder."""
    work = tmp_path_factory.mktemp("tarball")
    tarball = work / "dms-desktop-0.0.0-linux-test.tar.gz"
    subprocess.run(
        [
            "sh",
            str(LINUX / "make_tarball.sh"),
            str(_fake_bundle(work)),
            str(_fake_icons(work)),
            str(tarball),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    with tarfile.open(tarball) as tar:
        names = tar.getnames()
        tar.extractall(work / "out", filter="tar")
    assert all(name.startswith("dms-desktop-0.0.0-linux-test") for name in names)
    top = work / "out" / "dms-desktop-0.0.0-linux-test"
    for name in (
        "install.sh",
        "uninstall.sh",
        "README.txt",
        "app/dms",
        "share/dms-scheduler.service",
    ):
        assert (top / name).exists(), name
    return top


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "DMS_", "SUDO_"))}
    env["HOME"] = str(home)
    return env


def _run(
    script: Path, home: Path, *args: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        ["sh", str(script), *args], env=_env(home), capture_output=True, text=True, timeout=120
    )
    if check:
        assert result.returncode == 0, f"{script.name} {args}: {result.stdout}\n{result.stderr}"
    return result


def _tree(home: Path) -> set[str]:
    return {str(p.relative_to(home)) for p in home.rglob("*")}


def _desktop_entry(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return parser


def _exec(entry: configparser.ConfigParser, section: str = "Desktop Entry") -> list[str]:
    return shlex.split(entry[section]["Exec"])


@pytest.fixture
def home(tmp_path: Path) -> Path:
    folder = tmp_path / "home"
    (folder / "Documents").mkdir(parents=True)  # something of the user's, left alone
    (folder / "Documents" / "notes.txt").write_text("mine")
    return folder


def test_install_puts_everything_in_place_with_absolute_paths(unpacked: Path, home: Path) -> None:
    out = _run(unpacked / "install.sh", home, "--no-systemctl").stdout
    prefix = home / ".local" / "opt" / "dms-desktop"
    assert f"installed in {prefix}" in out
    for program in PROGRAMS:
        assert (prefix / program).is_file()
        link = home / ".local" / "bin" / program
        assert link.is_symlink() and os.readlink(link) == str(prefix / program)
        ran = subprocess.run([str(link), "--version"], capture_output=True, text=True, check=True)
        assert ran.stdout.strip() == f"{program} stub --version"
    assert (prefix / "_internal" / "libfake.so").is_file()
    assert (prefix / "uninstall.sh").is_file()

    launcher = _desktop_entry(home / ".local/share/applications/dms-desktop.desktop")
    assert _exec(launcher) == [str(prefix / "dms-desktop")]
    assert _exec(launcher, "Desktop Action Demo") == [str(prefix / "dms-desktop"), "--demo"]
    assert launcher["Desktop Entry"]["Icon"] == "dms-desktop"
    assert launcher["Desktop Entry"]["Type"] == "Application"
    tray = _desktop_entry(home / ".config/autostart/dms-scheduler-tray.desktop")
    assert _exec(tray) == [str(prefix / "dms-scheduler"), "--tray"]

    unit_path = home / ".config/systemd/user/dms-scheduler.service"
    unit = configparser.ConfigParser(interpolation=None, strict=False)
    unit.read(unit_path, encoding="utf-8")
    assert set(unit.sections()) == {"Unit", "Service", "Install"}
    assert shlex.split(unit["Service"]["ExecStart"]) == [str(prefix / "dms-scheduler")]
    assert unit["Install"]["WantedBy"] == "default.target"

    for size in SIZES:
        assert (home / f".local/share/icons/hicolor/{size}x{size}/apps/dms-desktop.png").is_file()
    assert (home / ".local/share/icons/hicolor/scalable/apps/dms-desktop.svg").is_file()

    manifest = (prefix / "install-manifest.txt").read_text().splitlines()
    assert f"file {unit_path}" in manifest
    assert f"dir {prefix}" in manifest
    assert f"link {home}/.local/bin/dms" in manifest


def _verify(unit: Path, home: Path, runtime: Path) -> subprocess.CompletedProcess[str]:
    """``systemd-analyze verify --user``; a user manager needs an XDG_RUNTIME_DIR (0700)."""
    runtime.mkdir(mode=0o700, exist_ok=True)
    env = {**_env(home), "XDG_RUNTIME_DIR": str(runtime)}
    return subprocess.run(
        ["systemd-analyze", "verify", "--user", str(unit)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_analyze_accepts_the_installed_unit(
    unpacked: Path, home: Path, tmp_path: Path
) -> None:
    _run(unpacked / "install.sh", home, "--no-systemctl")
    unit = home / ".config/systemd/user/dms-scheduler.service"
    result = _verify(unit, home, tmp_path / "run")
    assert result.returncode == 0, result.stderr
    # A unit naming a program that is not there is refused: the check can fail.
    (home / ".local/opt/dms-desktop/dms-scheduler").unlink()
    broken = _verify(unit, home, tmp_path / "run")
    assert broken.returncode != 0
    assert "dms-scheduler" in broken.stderr and "not executable" in broken.stderr


def test_uninstall_removes_what_it_installed_and_keeps_the_workspace(
    unpacked: Path, home: Path
) -> None:
    before = _tree(home)
    _run(unpacked / "install.sh", home, "--no-systemctl")
    workspace = home / ".local/share/dms-desktop/workspace.db"
    workspace.parent.mkdir(parents=True)
    workspace.write_text("the user's loads")
    out = _run(home / ".local/opt/dms-desktop/uninstall.sh", home, "--no-systemctl").stdout
    assert "workspace stays" in out
    assert workspace.read_text() == "the user's loads"
    assert _tree(home) - before == {
        ".local",
        ".local/share",
        ".local/share/dms-desktop",
        ".local/share/dms-desktop/workspace.db",
    }
    assert before <= _tree(home)


def test_uninstall_keeps_folders_that_existed_before(unpacked: Path, home: Path) -> None:
    (home / ".local/bin").mkdir(parents=True)
    (home / ".local/bin/other-tool").write_text("#!/bin/sh\n")
    (home / ".config/autostart").mkdir(parents=True)
    before = _tree(home)
    _run(unpacked / "install.sh", home, "--no-systemctl")
    _run(unpacked / "uninstall.sh", home, "--no-systemctl")  # the tarball's copy finds it too
    assert _tree(home) == before


def test_purge_also_removes_workspace_logs_settings(unpacked: Path, home: Path) -> None:
    before = _tree(home)
    _run(unpacked / "install.sh", home, "--no-systemctl")
    for path in (
        ".local/share/dms-desktop/workspace.db",
        ".local/state/dms-desktop/log/dwtool.log",
        ".config/dms-desktop/config.toml",
        ".config/DMS/DMS Desktop.conf",
    ):
        (home / path).parent.mkdir(parents=True, exist_ok=True)
        (home / path).write_text("x")
    _run(home / ".local/opt/dms-desktop/uninstall.sh", home, "--no-systemctl", "--purge")
    left = _tree(home) - before
    assert not [p for p in left if "dms" in p.lower() or "DMS" in p], left
    assert (home / "Documents/notes.txt").read_text() == "mine"


def test_reinstall_replaces_the_earlier_install(unpacked: Path, home: Path) -> None:
    _run(unpacked / "install.sh", home, "--no-systemctl")
    first = (home / ".local/opt/dms-desktop/install-manifest.txt").read_text()
    out = _run(unpacked / "install.sh", home, "--no-systemctl", "--no-autostart").stdout
    assert "Replacing" in out
    assert not (home / ".config/autostart/dms-scheduler-tray.desktop").exists()
    second = (home / ".local/opt/dms-desktop/install-manifest.txt").read_text()
    assert "autostart" in first and "autostart" not in second
    _run(home / ".local/opt/dms-desktop/uninstall.sh", home, "--no-systemctl")
    assert _tree(home) == {"Documents", "Documents/notes.txt"}


def test_a_home_with_spaces_gets_quoted_exec_lines(unpacked: Path, tmp_path: Path) -> None:
    home = tmp_path / "my home"
    home.mkdir()
    _run(unpacked / "install.sh", home, "--no-systemctl")
    prefix = home / ".local/opt/dms-desktop"
    launcher = _desktop_entry(home / ".local/share/applications/dms-desktop.desktop")
    assert launcher["Desktop Entry"]["Exec"] == f'"{prefix}/dms-desktop"'
    assert _exec(launcher) == [str(prefix / "dms-desktop")]
    _run(prefix / "uninstall.sh", home, "--no-systemctl")
    assert _tree(home) == set()


def test_install_refuses_to_overwrite_someone_elses_command(unpacked: Path, home: Path) -> None:
    theirs = home / ".local/bin/dms"
    theirs.parent.mkdir(parents=True)
    theirs.write_text("#!/bin/sh\necho pipx\n")
    refused = _run(unpacked / "install.sh", home, "--no-systemctl", check=False)
    assert refused.returncode == 1
    assert f"{theirs} already exists" in refused.stderr and "--force" in refused.stderr
    assert not (home / ".local/opt").exists()
    _run(unpacked / "install.sh", home, "--no-systemctl", "--force")
    assert theirs.is_symlink()


def test_clear_errors(unpacked: Path, home: Path, tmp_path: Path) -> None:
    for script in ("install.sh", "uninstall.sh"):
        usage = _run(unpacked / script, home, "--help").stdout
        assert "--prefix DIR" in usage and "set -eu" not in usage
    assert not (home / ".local").exists()
    bad = _run(unpacked / "install.sh", home, "--bogus", check=False)
    assert bad.returncode == 1 and "unknown option '--bogus'" in bad.stderr
    nothing = _run(unpacked / "uninstall.sh", home, "--no-systemctl", check=False)
    assert nothing.returncode == 1 and "no DMS Desktop install in" in nothing.stderr
    incomplete = tmp_path / "incomplete"
    shutil.copytree(unpacked, incomplete, symlinks=True)
    (incomplete / "app" / "dms").unlink()
    missing = _run(incomplete / "install.sh", home, check=False)
    assert missing.returncode == 1 and "app/dms is missing" in missing.stderr


def test_scripts_are_posix_sh() -> None:
    checker = shutil.which("dash") or shutil.which("sh")
    assert checker
    for script in ("install.sh", "uninstall.sh", "make_tarball.sh", "package_test.sh"):
        result = subprocess.run(
            [checker, "-n", str(LINUX / script)], capture_output=True, text=True
        )
        assert result.returncode == 0, f"{script}: {result.stderr}"
        assert (LINUX / script).read_text().startswith("#!/bin/sh\n")


def test_install_and_uninstall_as_a_normal_user(unpacked: Path) -> None:
    """As an unprivileged user (tests running as root drop to ``nobody`` with setpriv)."""
    import pwd
    import tempfile

    if os.getuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: cannot become a normal user")
        nobody = pwd.getpwnam("nobody")
        as_user = [
            setpriv,
            f"--reuid={nobody.pw_uid}",
            f"--regid={nobody.pw_gid}",
            "--clear-groups",
        ]
        owner = (nobody.pw_uid, nobody.pw_gid)
    else:
        as_user, owner = [], None
    work = Path(tempfile.mkdtemp(prefix="dms-install-user-"))
    try:
        work.chmod(0o755)
        source = work / "tarball"
        shutil.copytree(unpacked, source, symlinks=True)
        home = work / "home"
        home.mkdir()
        if owner:
            os.chown(home, *owner)

        def run(*command: str) -> str:
            result = subprocess.run(
                [*as_user, "sh", *command], env=_env(home), capture_output=True, text=True
            )
            assert result.returncode == 0, f"{command}: {result.stdout}\n{result.stderr}"
            return result.stdout

        run(str(source / "install.sh"), "--no-systemctl")
        prefix = home / ".local/opt/dms-desktop"
        launcher = _desktop_entry(home / ".local/share/applications/dms-desktop.desktop")
        assert _exec(launcher) == [str(prefix / "dms-desktop")]
        if owner:
            assert (prefix / "dms").stat().st_uid == owner[0]
        run(str(prefix / "uninstall.sh"), "--no-systemctl")
        assert _tree(home) == set()
    finally:
        shutil.rmtree(work, ignore_errors=True)
