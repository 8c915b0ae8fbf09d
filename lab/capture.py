"""Captures of a lab link, stopped so that every packet they saw is in the file.

`Tcpdump` makes the lab's fixtures; `Live` runs `ikescope live` on the link instead, so a
test can watch verdicts appear while the daemons negotiate. Both are started before the
daemons and finished before the daemons stop, so the shutdown's DELETEs stay out.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Protocol

from lab.netns import Host, LabError, sh


class Capture(Protocol):
    """What the runner needs of a capture: a pcap at `path`, written between start and finish;
    `stop` ends it at once and may be called again, also after `finish`."""

    path: Path

    def start(self) -> None: ...

    def finish(self) -> None: ...

    def stop(self) -> None: ...


class Tcpdump:
    """Packet-buffered (-U) pcap writer on one host's lab interface."""

    def __init__(self, host: Host, path: Path) -> None:
        self.host = host
        self.path = path
        self.stderr_path = path.with_suffix(".tcpdump.err")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start and wait for "listening on", so the first IKE packet is not missed."""
        self.path.unlink(missing_ok=True)
        err = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", self.host.netns, "tcpdump", "-i", self.host.iface, "-n",
             "-U", "--immediate-mode", "-w", str(self.path)],
            stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL)
        err.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if "listening on" in self.stderr_path.read_text(errors="replace"):
                return
            if self.proc.poll() is not None:
                raise LabError(f"tcpdump exited: {self.stderr_path.read_text()}")
            time.sleep(0.05)
        raise LabError("tcpdump did not start listening")

    def stop(self) -> None:
        """SIGINT by PID makes tcpdump flush and close the file; then wait for it."""
        if self.proc is None or self.proc.poll() is not None:
            return
        time.sleep(0.3)  # let the last reply cross the veth before the capture ends
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)

    def finish(self) -> None:
        """tcpdump has no end of its own: the scenario's end is stopping it."""
        self.stop()


class Live:
    """`ikescope live` on one host's lab interface: the analysis as it happens, plus its pcap.

    It runs inside the host's namespace (the AF_PACKET socket must be opened where the
    interface lives), ends by itself after `duration` seconds, and writes the frames it saw
    to `path` with -w, so the runner's later steps see the same file a tcpdump would leave.
    Each stdout line is kept with the wall-clock time it arrived: when a verdict was printed
    is what live mode is for, and wall-clock time compares with the pcap's timestamps.
    """

    def __init__(self, host: Host, path: Path, *, duration: float, silence: float | None = None,
                 status_every: float | None = None) -> None:
        self.host = host
        self.path = path
        self.duration = duration
        self.silence = silence
        self.status_every = status_every
        self.stderr_path = path.with_suffix(".live.err")
        self.lines: list[tuple[float, str]] = []
        self.started_at: float | None = None
        self.exited_at: float | None = None
        self.returncode: int | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None

    def argv(self) -> list[str]:
        """The command line inside the namespace; the ikescope beside this Python is the one
        under test (the venv's, whether installed editable or not)."""
        program = Path(sys.executable).with_name("ikescope")
        argv = [str(program) if program.exists() else "ikescope", "live", "-i", self.host.iface,
                "--format", "jsonl", "--duration", f"{self.duration:g}", "-w", str(self.path)]
        if self.silence is not None:
            argv += ["--silence", f"{self.silence:g}"]
        if self.status_every is not None:
            argv += ["--status-every", f"{self.status_every:g}"]
        return argv

    def start(self) -> None:
        """Start, then wait until the process has a packet socket bound to the interface:
        from then on the kernel queues every frame for it, so the first IKE packet is kept."""
        self.path.unlink(missing_ok=True)
        ifindex = str(json.loads(sh("ip", "-j", "-n", self.host.netns, "link", "show",
                                    self.host.iface).stdout)[0]["ifindex"])
        # Output must reach the pipe at once because live mode flushes it, not because the
        # environment asks Python to: an unflushed verdict would then show up as late.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
        err = open(self.stderr_path, "wb")
        self.started_at = time.time()
        self.proc = subprocess.Popen(["ip", "netns", "exec", self.host.netns, *self.argv()],
                                     stdout=subprocess.PIPE, stderr=err,
                                     stdin=subprocess.DEVNULL, env=env)
        err.close()
        self._reader = threading.Thread(target=self._read, name=f"live-{self.host.name}",
                                        daemon=True)
        self._reader.start()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self._reap()
                raise LabError(f"ikescope live exited with {self.proc.returncode}: "
                               f"{self.stderr_text()[-1500:]}")
            if bound_packet_socket(self.proc.pid, ifindex):
                return
            time.sleep(0.05)
        self.stop()
        raise LabError(f"ikescope live opened no packet socket on {self.host.iface}: "
                       f"{self.stderr_text()[-1500:]}")

    def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for raw in self.proc.stdout:
            self.lines.append((time.time(), raw.decode(errors="replace").rstrip("\n")))

    def finish(self) -> None:
        """The scenario is over: let --duration end the run, and stop it only if it overstays."""
        if self.proc is None:
            return
        assert self.started_at is not None
        try:
            self.proc.wait(timeout=max(0.0, self.started_at + self.duration - time.time()) + 10)
        except subprocess.TimeoutExpired:
            self.stop()
            raise LabError(f"ikescope live still ran 10 s after its --duration {self.duration:g}")
        self._reap()

    def stop(self) -> None:
        """End the run now, by PID: SIGINT (a clean stop), SIGTERM if that is ignored, SIGKILL
        as a last resort, so no capture outlives the scenario whatever went wrong."""
        if self.proc is None:
            return
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
            if self.proc.poll() is not None:
                break
            self.proc.send_signal(sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=5)
        self._reap()

    def _reap(self) -> None:
        """Note when the process ended and collect the rest of its output."""
        assert self.proc is not None
        if self.exited_at is None:
            self.exited_at = time.time()
        self.returncode = self.proc.wait()
        if self._reader is not None:
            self._reader.join(timeout=10)

    def stderr_text(self) -> str:
        return self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""


def bound_packet_socket(pid: int, ifindex: str) -> bool:
    """Whether process `pid` holds an AF_PACKET socket bound to interface `ifindex` of its
    network namespace (/proc/PID/net/packet lists that namespace's packet sockets)."""
    try:
        links = [os.readlink(fd.path) for fd in os.scandir(f"/proc/{pid}/fd")]
        rows = Path(f"/proc/{pid}/net/packet").read_text().splitlines()[1:]
    except OSError:  # the process ended, or an fd closed while being read: ask again later
        return False
    inodes = {link[len("socket:["):-1] for link in links if link.startswith("socket:[")}
    # Columns: sk RefCnt Type Proto Iface R Rmem User Inode
    return any(cols[4] == ifindex and cols[8] in inodes for cols in map(str.split, rows))
