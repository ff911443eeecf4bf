"""A throwaway OpenSSH server on loopback: keys, config and logs in a temp dir, nothing of the system's touched
(except the privilege separation directory sshd insists on, created when missing)."""

from __future__ import annotations

import contextlib
import getpass
import os
import shlex
import shutil
import socket
import subprocess
import time
from pathlib import Path

from .terminal import FOLLOWTUI, REPO, TIMEOUT, cmdline, require_followtui, unavailable

SSHD_PATHS = ("/usr/sbin/sshd", "/usr/local/sbin/sshd")
PRIVSEP_DIR = Path("/run/sshd")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LoopbackSshd:
    """`sshd -D -e` on 127.0.0.1 and a free port, accepting one fresh client key for the current user."""

    def __init__(self, workdir: Path) -> None:
        self.dir = workdir
        self.sshd = next((p for p in SSHD_PATHS if os.access(p, os.X_OK)), None) or shutil.which("sshd")
        self.ssh = shutil.which("ssh")
        self.keygen = shutil.which("ssh-keygen")
        missing = [n for n, p in (("sshd", self.sshd), ("ssh", self.ssh), ("ssh-keygen", self.keygen)) if not p]
        if missing:
            unavailable(f"{', '.join(missing)} not installed (apt-get install openssh-server openssh-client)")
        self.user = getpass.getuser()
        self.host_key = workdir / "host_ed25519"
        self.client_key = workdir / "client_ed25519"
        self.log = workdir / "sshd.log"
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> LoopbackSshd:
        if not PRIVSEP_DIR.is_dir():
            try:
                PRIVSEP_DIR.mkdir(mode=0o755, parents=True)
            except OSError as exc:
                unavailable(f"sshd needs {PRIVSEP_DIR}, which is missing and cannot be created: {exc.strerror}")
        for key in (self.host_key, self.client_key):
            subprocess.run([str(self.keygen), "-q", "-t", "ed25519", "-N", "", "-C", "followtui-e2e", "-f", str(key)],
                           check=True, capture_output=True, timeout=30)  # fmt: skip
        authorized = self.dir / "authorized_keys"
        authorized.write_text(self.client_key.with_suffix(".pub").read_text())
        authorized.chmod(0o600)
        for _ in range(3):  # another process may take the free port before sshd binds it
            if self._try_start(authorized):
                return self
        raise AssertionError(f"sshd did not start; its log:\n{self.log.read_text()}")

    def _try_start(self, authorized: Path) -> bool:
        self.port = free_port()
        config = self.dir / "sshd_config"
        config.write_text(
            "\n".join([
                "ListenAddress 127.0.0.1",
                f"Port {self.port}",
                f"HostKey {self.host_key}",
                f"AuthorizedKeysFile {authorized}",
                f"PidFile {self.dir / 'sshd.pid'}",
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PermitRootLogin prohibit-password",
                "UsePAM no",
                "StrictModes no",
                "UseDNS no",
                "PrintMotd no",
                "PrintLastLog no",
                "X11Forwarding no",
                "AllowTcpForwarding no",
                "LogLevel INFO",
                "",
            ])
        )  # fmt: skip
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen([str(self.sshd), "-D", "-e", "-f", str(config)],
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            text = self.log.read_text(errors="replace")
            if f"Server listening on 127.0.0.1 port {self.port}" in text:
                return True
            if self.proc.poll() is not None:
                if "Address already in use" in text:
                    return False
                raise AssertionError(f"sshd exited ({self.proc.returncode}); its log:\n{text}")
            time.sleep(0.05)
        self.stop()
        raise AssertionError(f"sshd did not listen within {TIMEOUT}s; its log:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)

    def ssh_argv(self, remote_command: str) -> list[str]:
        """An ssh client that logs in with the test key only, forces a terminal and runs `remote_command`."""
        assert self.ssh is not None
        return [
            self.ssh, "-tt", "-F", "/dev/null", "-p", str(self.port), "-i", str(self.client_key), "-l", self.user,
            "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-o", "BatchMode=yes",
            "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
            "-o", "ConnectTimeout=10", "127.0.0.1", remote_command,
        ]  # fmt: skip


def remote_demo(data_dir: Path, followers: int, days: int) -> str:
    """The shell command the server runs: the same venv's followtui by absolute path (PATH over ssh is minimal)."""
    q = shlex.quote
    require_followtui()
    return (f"cd {q(str(REPO))} && {q(str(FOLLOWTUI))} --data-dir {q(str(data_dir))} demo "
            f"--followers {followers} --days {days}")  # fmt: skip


def app_processes(data_dir: Path) -> list[int]:
    """The followtui processes working on `data_dir` (its path is unique to one test), not the ssh client or the
    remote shell, whose command lines only contain it inside one longer argument."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                argv = cmdline(int(entry.name))
                if str(data_dir) in argv and any(Path(a).name == "followtui" for a in argv[:2]):
                    found.append(int(entry.name))
    return found
