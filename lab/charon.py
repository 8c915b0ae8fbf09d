"""One strongSwan charon daemon in its own namespace, with private config, run and socket paths.

charon writes its pid file to the fixed path /var/run/charon.pid, so each daemon gets a tmpfs
over /run inside the mount namespace `ip netns exec` gives it; everything else (strongswan.conf,
swanctl directory, vici socket, logs) lives in the scenario's work directory.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from lab.netns import Host, LabError, sh

CHARON = "/usr/lib/ipsec/charon"
SWANCTL = "swanctl"
SHIM_SOURCE = Path(__file__).with_name("xfrm_noop.c")

PLUGINS = ("random nonce openssl pem pkcs1 pkcs8 x509 pubkey revocation constraints sha1 sha2 md5 "
           "hmac kdf aes des gmp curve25519 attr kernel-netlink socket-default vici xauth-generic "
           "eap-identity eap-md5")
# libipsec does ESP in userspace (a TUN device), so ESP really flows; see scenarios using it.
PLUGINS_USERSPACE_ESP = "kernel-libipsec " + PLUGINS

# charon writes net.core.xfrm_acq_expires when it starts (by default its whole retransmission
# time, 7 s with the lab's settings), undoing the 3600 the topology sets: the larval SPIs of
# its CHILD SAs then hard-expire 7 s after allocation, and charon deletes the CHILD SA on the
# wire (with IKEv2 it then creates it again). The fixtures were made with that (ikev1-rekey's
# capture shows it); a run that must stay quiet for longer gives charon these options
# (Scenario.charon_options).
KEEP_LARVAL_SPIS: dict[str, object] = {"plugins": {"kernel-netlink": {"xfrm_acq_expires": 3600}}}

SWANCTL_SUBDIRS = ("x509", "x509ca", "x509aa", "x509ocsp", "x509crl", "x509ac", "pubkey",
                   "private", "rsa", "ecdsa", "bliss", "pkcs8", "pkcs12")


def build_shim(workdir: Path) -> Path:
    """Compile the XFRM no-op shim once per work directory (see xfrm_noop.c for why)."""
    out = workdir / "xfrm_noop.so"
    if not out.exists() or out.stat().st_mtime < SHIM_SOURCE.stat().st_mtime:
        workdir.mkdir(parents=True, exist_ok=True)
        sh("gcc", "-O2", "-Wall", "-shared", "-fPIC", "-o", str(out), str(SHIM_SOURCE), "-ldl")
    return out


def conf_block(name: str, body: dict[str, object], indent: int = 0) -> str:
    """Render nested dicts in the strongswan.conf / swanctl.conf syntax."""
    pad = "  " * indent
    lines = [f"{pad}{name} {{"]
    for key, value in body.items():
        if isinstance(value, dict):
            lines.append(conf_block(key, value, indent + 1))
        elif value is not None:
            lines.append(f"{pad}  {key} = {value}")
    lines.append(f"{pad}}}")
    return "\n".join(lines)


class Charon:
    """A charon process and the swanctl commands that drive it over its own vici socket."""

    def __init__(self, host: Host, workdir: Path, shim: Path,
                 charon_options: dict[str, object] | None = None) -> None:
        self.host = host
        self.dir = workdir / host.name
        self.swanctl_dir = self.dir / "swanctl"
        self.socket = self.dir / "charon.vici"
        self.debug_log = self.dir / "charon-debug.log"
        self.brief_log = self.dir / "charon.log"
        self.shim = shim
        self.options = charon_options or {}
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        return f"unix://{self.socket}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["STRONGSWAN_CONF"] = str(self.dir / "strongswan.conf")
        env["SWANCTL_DIR"] = str(self.swanctl_dir)
        return env

    def write_config(self, swanctl_conf: str) -> None:
        """Write strongswan.conf and swanctl.conf; the debug log feeds the key tables."""
        for sub in SWANCTL_SUBDIRS:
            (self.swanctl_dir / sub).mkdir(parents=True, exist_ok=True)
        charon: dict[str, object] = {
            "load": PLUGINS,
            "install_virtual_ip": "no",
            "install_routes": "no",
            "retransmit_timeout": "1.0",
            "retransmit_base": "1.4",
            "retransmit_tries": 3,
            "plugins": {"vici": {"socket": self.uri}},
            "filelog": {
                "debug": {"path": str(self.debug_log), "default": 1, "ike": 4, "mgr": 2,
                          "ike_name": "yes", "time_format": "%H:%M:%S", "flush_line": "yes"},
                "brief": {"path": str(self.brief_log), "default": 1, "mgr": 0, "lib": 0,
                          "job": 0, "dmn": 0, "asn": 0, "tls": 0, "ike_name": "yes",
                          "time_format": "%H:%M:%S", "flush_line": "yes"},
            },
            "syslog": {"daemon": {"default": -1}},
        }
        for key, value in self.options.items():
            if isinstance(value, dict) and isinstance(charon.get(key), dict):
                charon[key] = {**charon[key], **value}  # type: ignore[dict-item]
            else:
                charon[key] = value
        conf = conf_block("charon", charon) + "\n" + conf_block(
            "swanctl", {"load": "pem pkcs1 pkcs8 x509 pubkey openssl random"}) + "\n"
        (self.dir / "strongswan.conf").write_text(conf)
        (self.swanctl_dir / "swanctl.conf").write_text(swanctl_conf)

    def start(self) -> None:
        """Start charon and wait until its vici socket answers."""
        if len(str(self.socket).encode()) > 107:  # sun_path holds 108 bytes with the NUL
            raise LabError(f"vici socket path too long for a Unix socket: {self.socket} "
                           "(use a shorter work directory)")
        for stale in (self.socket, self.debug_log, self.brief_log):
            stale.unlink(missing_ok=True)
        script = f"mount -t tmpfs tmpfs /run && exec env LD_PRELOAD={self.shim} {CHARON}"
        out = open(self.dir / "charon.stdout", "wb")
        self.proc = subprocess.Popen(["ip", "netns", "exec", self.host.netns, "sh", "-c", script],
                                     env=self.env(), stdout=out, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        out.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise LabError(f"charon of {self.host.name} exited with {self.proc.returncode}")
            if self.socket.exists() and self.swanctl("--stats", check=False).returncode == 0:
                return
            time.sleep(0.1)
        raise LabError(f"charon of {self.host.name} did not open {self.socket}")

    def brief_text(self) -> str:
        return self.brief_log.read_text(errors="replace") if self.brief_log.exists() else ""

    def swanctl(self, *args: str, check: bool = True,
                timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """Run swanctl against this daemon's socket."""
        return sh(SWANCTL, *args, "--uri", self.uri, check=check, env=self.env(), timeout=timeout)

    def load(self) -> None:
        self.swanctl("--load-all", "--noprompt")

    def reload(self) -> None:
        """Load the configuration again after it was changed on disk."""
        self.load()

    def initiate(self, child: str | None, ike: str | None, timeout: int) -> tuple[bool, str]:
        """swanctl --initiate blocks until the CHILD SA is up or the attempt failed."""
        args = ["--initiate", "--timeout", str(timeout)]
        if child:
            args += ["--child", child]
        if ike:
            args += ["--ike", ike]
        proc = self.swanctl(*args, check=False, timeout=timeout + 15)
        return proc.returncode == 0, proc.stdout

    def rekey_child(self, child: str) -> None:
        self.swanctl("--rekey", "--child", child)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop the daemon by its PID; SIGKILL simulates a crash that sends no DELETE."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None
