"""One libreswan pluto daemon in its own namespace: IKE over TCP, which strongSwan 5.9 lacks,
and a second implementation to talk to strongSwan.

Debian's libreswan and strongSwan packages conflict, so libreswan is unpacked from its .deb
(`apt-get download`) into the work directory instead of being installed; its shared
libraries must be present (the package's dependencies, see DEPENDENCIES).  pluto looks for
its helpers under /usr/libexec/ipsec, so the unpacked tree is bind-mounted there inside the
daemon's private mount namespace only.
"""

from __future__ import annotations

import re
import signal
import subprocess
import time
from pathlib import Path

from lab.netns import Host, LabError, sh

KEY_LINE = re.compile(r"\| ikev2 [IR] 0x")
DEPENDENCIES = ("libnss3-tools libunbound8 libldns3 libevent-core-2.1-7 libevent-pthreads-2.1-7 "
                "libcurl3-nss libcap-ng0 libaudit1 libldap-2.5-0 dns-root-data")


def unpack_libreswan(work: Path) -> Path:
    """Unpack libreswan's .deb once per work directory and check that pluto can be loaded."""
    root = work / "libreswan"
    pluto = root / "usr" / "libexec" / "ipsec" / "pluto"
    if not pluto.exists():
        debs = work / "debs"
        debs.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run(["apt-get", "download", "libreswan"], cwd=debs, capture_output=True,
                              text=True)
        found = sorted(debs.glob("libreswan_*.deb"))
        if not found:
            raise LabError(f"apt-get download libreswan failed: {proc.stderr.strip()}")
        sh("dpkg-deb", "-x", str(found[-1]), str(root))
    missing = [line for line in sh("ldd", str(pluto)).stdout.splitlines() if "not found" in line]
    if missing:
        raise LabError(f"libreswan's libraries are missing ({'; '.join(missing)}); "
                       f"apt-get install {DEPENDENCIES}")
    return root


class Pluto:
    """A pluto process driven with addconn and whack over its own control socket."""

    def __init__(self, host: Host, workdir: Path, shim: Path, libreswan: Path) -> None:
        self.host = host
        self.dir = workdir / host.name
        self.root = libreswan
        self.shim = shim
        self.ctl = self.dir / "pluto.ctl"
        self.brief_log = self.dir / "pluto.log"
        # With plutodebug=private pluto logs each IKEv2 SA's keys as tcpdump's -E secrets lines
        # ("| ikev2 I 0x<SPIi> 0x<SPIr> sha256:0x<SK_ai> aes256:0x<SK_ei>", then R); IKEv1 keys
        # stay inside NSS (4.10 logs only the IVs). The published log keeps those lines.
        self.debug_log = self.brief_log
        self.proc: subprocess.Popen[bytes] | None = None

    def brief_text(self) -> str:
        """pluto's log minus its start-up banner: the lines about the connection and TCP."""
        if not self.brief_log.exists():
            return ""
        lines = self.brief_log.read_text(errors="replace").splitlines(keepends=True)
        return "".join(x for x in lines if '"lab"' in x or "TCP" in x or KEY_LINE.search(x))

    def tool(self, name: str) -> str:
        return str(self.root / "usr" / "libexec" / "ipsec" / name)

    def write_config(self, ipsec_conf: str) -> None:
        """ipsec.conf and ipsec.secrets come as one text, split at the "# secrets" line."""
        conf, _, secrets = ipsec_conf.partition("# secrets\n")
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "ipsec.conf").write_text(
            conf.replace("@LOGFILE@", str(self.brief_log)))
        (self.dir / "ipsec.secrets").write_text(secrets)
        nss = self.dir / "nss"
        nss.mkdir(exist_ok=True)
        if not (nss / "cert9.db").exists():
            sh("certutil", "-N", "-d", f"sql:{nss}", "--empty-password")

    def start(self) -> None:
        for stale in (self.brief_log, self.ctl):  # a killed pluto leaves its socket behind
            stale.unlink(missing_ok=True)
        script = (f"mount -t tmpfs tmpfs /run && mount --bind {self.root}/usr/libexec /usr/libexec"
                  f" && exec env LD_PRELOAD={self.shim} {self.tool('pluto')} --nofork"
                  f" --config {self.dir}/ipsec.conf --rundir {self.dir} --nssdir {self.dir}/nss"
                  f" --secretsfile {self.dir}/ipsec.secrets --ipsecdir {self.dir}")
        out = open(self.dir / "pluto.stdout", "wb")
        self.proc = subprocess.Popen(["ip", "netns", "exec", self.host.netns, "sh", "-c", script],
                                     stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        out.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise LabError(f"pluto of {self.host.name} exited with {self.proc.returncode}")
            if self.ctl.exists():
                return
            time.sleep(0.1)
        raise LabError(f"pluto of {self.host.name} did not open {self.ctl}")

    def load(self) -> None:
        """Add conn "lab"; with revival off a failed attempt is not followed by a fresh one
        under new SPIs, so each capture holds the attempts its scenario made."""
        sh(self.tool("addconn"), "--config", str(self.dir / "ipsec.conf"), "--ctlsocket",
           str(self.ctl), "lab")
        self.impair("revival")

    def reload(self) -> None:
        """Replace conn "lab" with what ipsec.conf says now."""
        sh(self.tool("whack"), "--ctlsocket", str(self.ctl), "--delete", "--name", "lab")
        self.load()

    def initiate(self, child: str | None, ike: str | None, timeout: int) -> tuple[bool, str]:
        """whack --initiate waits for the outcome; libreswan's conn "lab" is IKE and Child SA,
        and the Child SA counts as up when whack reports it established."""
        name = ike or "lab"
        proc = subprocess.run([self.tool("whack"), "--ctlsocket", str(self.ctl), "--name", name,
                               "--initiate"], capture_output=True, text=True, timeout=timeout + 15)
        up = ("initiator established Child SA", "IPsec SA established")  # IKEv2, IKEv1
        return any(text in proc.stdout for text in up), proc.stdout

    def impair(self, *what: str) -> None:
        for item in what:
            self.whack("--impair", item)

    def whack(self, *args: str) -> str:
        """One whack command on this pluto's control socket; its output."""
        return sh(self.tool("whack"), "--ctlsocket", str(self.ctl), *args).stdout

    def rekey_child(self, child: str) -> None:
        """Rekey the Child SA of conn ``child`` now (libreswan names both SAs after the conn)."""
        self.whack("--name", child, "--rekey-ipsec", "--asynchronous")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
