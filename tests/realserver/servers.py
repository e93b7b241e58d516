"""Run real IRC servers (ngircd, inspircd) as child processes for integration tests.

The fake servers in the unit tests only behave the way we think servers behave;
these helpers start the real Debian binaries so the library is also checked
against what servers actually do (see /work/shared/REALSERVERS.md for the
measured behaviour the configs below are based on).

Pure standard library on purpose: the module is usable from pytest fixtures,
from scripts and from an interactive shell alike.

Every server listens on 127.0.0.1 only, gets its own temporary directory
(config, TLS certificate, logs, core dumps) and runs in the foreground as our
child process, so stopping it is a signal to a pid we own.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import ssl
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"
"""The only address the servers bind to and the tests connect to."""

TLS_SERVER_HOSTNAME = "localhost"
"""Name to verify the TLS certificate against (it also carries 127.0.0.1 as an IP SAN)."""

SERVER_NAME = "irc.test"
NETWORK_NAME = "TestNet"

PING_INTERVAL_SECONDS = 30
"""Idle time before a server PINGs a client; short so keepalive tests run fast."""

PONG_TIMEOUT_SECONDS = 20
"""ngircd: how long it waits for the PONG. inspircd has no such knob: it waits one
more ping interval. Measured: an idle client is PINGed after 30 s on both and
dropped after 51 s (ngircd, "Ping timeout: 20 seconds") or 60 s (inspircd)."""

OPER_NAME = "testoper"
OPER_PASSWORD = "testoper-password"

STARTUP_TIMEOUT_SECONDS = 20.0
"""Deadline for a server to answer; measured: ngircd ~0.15 s, inspircd ~0.05 s."""

STOP_TIMEOUT_SECONDS = 10.0
"""How long a SIGTERM gets before we fall back to SIGKILL."""

POLL_INTERVAL_SECONDS = 0.02

MOTD_TEXT = "bottom integration test server\n"

_live_servers: set[RealServer] = set()
"""Servers whose process may still run; stopped at interpreter exit as a safety net."""


@dataclass(eq=False)
class RealServer:
    """A real IRC server child process plus everything a test needs to reach it.

    `log_path` receives the process's stdout and stderr; inspircd also writes
    its own log to `daemon_log_path`. Both are appended to across restarts so
    a failing reconnect test shows the whole story.
    """

    name: str
    tmpdir: Path
    port: int
    tls_port: int
    cafile: Path
    oper_name: str
    oper_password: str
    log_path: Path
    command: list[str]
    daemon_log_path: Path | None = None
    websocket_port: int | None = None
    """inspircd started with ``websocket=True``: its plaintext WebSocket port."""
    extra_environment: dict[str, str] = field(default_factory=dict)
    host: str = HOST
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self) -> None:
        """Start the process and return once it answers on both ports."""
        if self.is_running():
            raise RuntimeError(f"{self.name} is already running (pid {self.process_id()})")
        with self.log_path.open("ab") as log_file:
            log_file.write(f"=== bottom tests: starting {' '.join(self.command)}\n".encode())
            log_file.flush()
            self.process = subprocess.Popen(
                self.command,
                cwd=self.tmpdir,
                env={**os.environ, **self.extra_environment},
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        _live_servers.add(self)
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> int | None:
        """Stop the process with SIGTERM (SIGKILL only if it hangs) and reap it.

        Returns the exit status, or None if it was not running. ngircd exits 0
        on SIGTERM and inspircd exits 10, which is its normal SIGTERM status.
        """
        process = self.process
        _live_servers.discard(self)
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=STOP_TIMEOUT_SECONDS)
        return process.returncode

    def restart(self) -> None:
        """Stop and start again on the same ports, like a server reboot seen by clients."""
        self.stop()
        self.start()

    def is_running(self) -> bool:
        """True while the child process has not exited."""
        return self.process is not None and self.process.poll() is None

    def process_id(self) -> int | None:
        """The pid of the current process, if one was started."""
        return None if self.process is None else self.process.pid

    def log_paths(self) -> list[Path]:
        """Every log file this server writes, console output first."""
        paths = [self.log_path]
        if self.daemon_log_path is not None:
            paths.append(self.daemon_log_path)
        return paths

    def log_offsets(self) -> dict[Path, int]:
        """Current size of each log file, to show later only what was logged since."""
        return {path: _file_size(path) for path in self.log_paths()}

    def log_text(self, since: dict[Path, int] | None = None) -> str:
        """The server's logs (all of them, or only what was appended after `since`)."""
        sections = []
        for path in self.log_paths():
            start = 0 if since is None else since.get(path, 0)
            try:
                with path.open("rb") as log_file:
                    log_file.seek(start)
                    text = log_file.read().decode("utf-8", "replace")
            except FileNotFoundError:
                text = "(no log file)\n"
            sections.append(f"--- {path.name} (from byte {start}) ---\n{text}")
        return "\n".join(sections)

    def _wait_until_ready(self) -> None:
        """Poll until the server answers IRC on the plain port and TLS on the TLS port.

        A bare TCP connect is not enough: inspircd binds its listeners before it
        has loaded its modules, so the kernel accepts connections early.
        """
        assert self.process is not None
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        probes = [self._answers_irc, self._completes_tls_handshake]
        last_error: Exception | None = None
        while probes:
            exit_status = self.process.poll()
            if exit_status is not None:
                raise RuntimeError(
                    f"{self.name} exited with status {exit_status} during startup; log:\n"
                    f"{self.log_text()}"
                )
            try:
                probes[0]()
            except (OSError, ValueError) as error:
                last_error = error
            else:
                probes.pop(0)
                continue
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"{self.name} was not ready on {self.host} ports {self.port}/{self.tls_port} "
                    f"within {STARTUP_TIMEOUT_SECONDS} s (last error: {last_error!r}); log:\n"
                    f"{self.log_text()}"
                )
            time.sleep(POLL_INTERVAL_SECONDS)

    def _answers_irc(self) -> None:
        """Send QUIT before registering; the ERROR reply means the main loop runs.

        QUIT rather than PING so the server closes the probe at once instead of
        keeping an unregistered connection around (ngircd would count it in LUSERS).
        """
        with socket.create_connection((self.host, self.port), timeout=1.0) as probe:
            probe.sendall(b"QUIT :startup probe\r\n")
            received = b""
            while b"\n" not in received:
                chunk = probe.recv(512)
                if not chunk:
                    raise ValueError(f"connection closed before a reply, got {received!r}")
                received += chunk

    def _completes_tls_handshake(self) -> None:
        """Handshake exactly as the tests will, so a bad certificate fails at startup."""
        context = ssl.create_default_context(cafile=str(self.cafile))
        with (
            socket.create_connection((self.host, self.tls_port), timeout=1.0) as raw,
            context.wrap_socket(raw, server_hostname=TLS_SERVER_HOSTNAME),
        ):
            pass


def find_binary(name: str) -> str | None:
    """Locate a server binary; root's PATH in containers often lacks the sbin dirs."""
    found = shutil.which(name)
    if found is not None:
        return found
    for directory in ("/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin", "/sbin"):
        candidate = Path(directory) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def start_ngircd(tmpdir: Path | str, *, ipv6: bool = False) -> RealServer:
    """Write an ngircd config into `tmpdir`, start ngircd and wait until it accepts.

    ``ipv6=True`` also listens on ::1 (same ports)."""
    binary = _require_binary("ngircd")
    directory = _prepare_directory(tmpdir)
    port, tls_port = _free_ports(2)
    certfile, keyfile = _make_certificate(directory, "ngircd")
    motd_path = directory / "ngircd.motd"
    motd_path.write_text(MOTD_TEXT)
    config_path = directory / "ngircd.conf"
    config_path.write_text(
        _ngircd_config(port, tls_port, certfile=certfile, keyfile=keyfile, motd_path=motd_path,
                       ipv6=ipv6)
    )
    server = RealServer(
        name="ngircd",
        tmpdir=directory,
        port=port,
        tls_port=tls_port,
        cafile=certfile,
        oper_name=OPER_NAME,
        oper_password=OPER_PASSWORD,
        log_path=directory / "ngircd-console.log",
        command=[binary, "--nodaemon", "--config", str(config_path)],
    )
    server.start()
    return server


def start_inspircd(
    tmpdir: Path | str, *, websocket: str | None = None, ipv6: bool = False,
    sts_duration: int | None = None,
) -> RealServer:
    """Write an inspircd config into `tmpdir`, start inspircd and wait until it accepts.

    ``websocket="text"`` or ``"binary"`` adds a plaintext WebSocket listener
    (``websocket_port``) sending frames of that kind;
    ``ipv6=True`` also listens on ::1 (plain port);
    ``sts_duration=N`` loads the ircv3_sts module, offering STS for the TLS
    port (check :func:`inspircd_module_available` first)."""
    binary = _require_binary("inspircd")
    directory = _prepare_directory(tmpdir)
    port, tls_port, websocket_port = _free_ports(3)
    certfile, keyfile = _make_certificate(directory, "inspircd")
    motd_path = directory / "inspircd.motd"
    motd_path.write_text(MOTD_TEXT)
    daemon_log_path = directory / "inspircd-daemon.log"
    config_path = directory / "inspircd.conf"
    config_path.write_text(
        _inspircd_config(
            port,
            tls_port,
            certfile=certfile,
            keyfile=keyfile,
            motd_path=motd_path,
            pid_path=directory / "inspircd.pid",
            daemon_log_path=daemon_log_path,
            websocket_port=websocket_port if websocket else None,
            websocket_mode=websocket or "text",
            ipv6=ipv6,
            sts_duration=sts_duration,
        )
    )
    command = [binary, "--nofork", "--config", str(config_path)]
    if os.geteuid() == 0:
        command.append("--runasroot")  # inspircd 3 refuses to start as root otherwise
    server = RealServer(
        name="inspircd",
        extra_environment=_inspircd_shutdown_crash_workaround(binary),
        tmpdir=directory,
        port=port,
        tls_port=tls_port,
        cafile=certfile,
        oper_name=OPER_NAME,
        oper_password=OPER_PASSWORD,
        log_path=directory / "inspircd-console.log",
        daemon_log_path=daemon_log_path,
        websocket_port=websocket_port if websocket else None,
        command=command,
    )
    server.start()
    return server


@dataclass(eq=False)
class SocksProxy:
    """A microsocks SOCKS5 proxy child process on 127.0.0.1."""

    port: int
    process: subprocess.Popen[bytes]
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        """The proxy as bottom's ``proxy=`` takes it, credentials included."""
        auth = f"{self.username}:{self.password}@" if self.username else ""
        return f"socks5://{auth}{HOST}:{self.port}"

    def stop(self) -> None:
        """SIGTERM, then reap (microsocks exits at once)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_TIMEOUT_SECONDS)


def start_microsocks(username: str | None = None, password: str | None = None) -> SocksProxy:
    """Start Debian's microsocks (with user/password auth if given); return once it accepts."""
    binary = _require_binary("microsocks")
    (port,) = _free_ports(1)
    command = [binary, "-i", HOST, "-p", str(port)]
    if username is not None and password is not None:
        command += ["-u", username, "-P", password]
    process = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    proxy = SocksProxy(port, process, username, password)
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while True:
        try:
            socket.create_connection((HOST, port), timeout=1.0).close()
            return proxy
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                proxy.stop()
                raise RuntimeError(f"microsocks did not start on {HOST}:{port}") from None
            time.sleep(POLL_INTERVAL_SECONDS)


def inspircd_module_available(module: str) -> bool:
    """True when the installed inspircd ships ``m_<module>.so``."""
    binary = find_binary("inspircd")
    if binary is None:
        return False
    return any((directory / f"m_{module}.so").is_file()
               for directory in _inspircd_module_directories(binary))


def _inspircd_module_directories(binary: str) -> list[Path]:
    return [
        Path(binary).resolve().parent.parent / "lib" / "inspircd" / "modules",
        Path("/usr/lib/inspircd/modules"),
        Path("/usr/local/lib/inspircd/modules"),
    ]


def _inspircd_shutdown_crash_workaround(binary: str) -> dict[str, str]:
    """Environment that keeps inspircd from segfaulting on every SIGTERM.

    Measured with Debian 12's inspircd 3.15: whenever m_ssl_gnutls is loaded,
    shutdown crashes (SIGSEGV in InspIRCd::Exit, after the module was dlclose()d:
    the core calls back into the unmapped module) and leaves a core file. Clients
    see the same ERROR/close either way. Preloading the module keeps it mapped,
    so the process exits with its normal status 10 and a real crash stays
    distinguishable from a routine stop.
    """
    for module_directory in _inspircd_module_directories(binary):
        module = module_directory / "m_ssl_gnutls.so"
        if module.is_file():
            preload = " ".join(filter(None, [os.environ.get("LD_PRELOAD", ""), str(module)]))
            return {"LD_PRELOAD": preload}
    return {}


def _ngircd_config(
    port: int,
    tls_port: int,
    *,
    certfile: Path,
    keyfile: Path,
    motd_path: Path,
    ipv6: bool = False,
) -> str:
    """ngircd.conf: no lookups, no per-IP limit, fast pings, TLS port and an operator.

    Flood handling is left at ngircd's defaults (it has no knobs for it) so the
    library meets the same penalties as on a stock server.
    """
    for path in (certfile, keyfile, motd_path):
        _check_config_path(path)
    drop_privileges = ""
    if os.geteuid() == 0:
        # ngircd reads config, MOTD and certificate before switching user, so
        # root-only files in the temp dir are fine.
        drop_privileges = "\tServerUID = nobody\n\tServerGID = nogroup\n"
    return (
        "[Global]\n"
        f"\tName = {SERVER_NAME}\n"
        "\tInfo = bottom test server\n"
        "\tAdminInfo1 = bottom test server\n"
        "\tAdminInfo2 = 127.0.0.1\n"
        f"\tAdminEMail = admin@{SERVER_NAME}\n"
        f"\tNetwork = {NETWORK_NAME}\n"
        f"\tListen = {HOST}{',::1' if ipv6 else ''}\n"
        f"\tPorts = {port}\n"
        f"\tMotdFile = {motd_path}\n"
        f"{drop_privileges}"
        "\n[Limits]\n"
        "\tMaxConnectionsIP = 0\n"
        f"\tPingTimeout = {PING_INTERVAL_SECONDS}\n"
        f"\tPongTimeout = {PONG_TIMEOUT_SECONDS}\n"
        "\n[Options]\n"
        "\tDNS = no\n"
        "\tIdent = no\n"
        "\tPAM = no\n"
        "\n[SSL]\n"
        f"\tCertFile = {certfile}\n"
        f"\tKeyFile = {keyfile}\n"
        f"\tPorts = {tls_port}\n"
        "\n[Operator]\n"
        f"\tName = {OPER_NAME}\n"
        f"\tPassword = {OPER_PASSWORD}\n"
    )


INSPIRCD_MODULES = (
    "cap",
    "ircv3",
    "ircv3_accounttag",
    "ircv3_batch",
    "ircv3_capnotify",
    "ircv3_chghost",
    "ircv3_ctctags",
    "ircv3_echomessage",
    "ircv3_invitenotify",
    "ircv3_labeledresponse",
    "ircv3_msgid",
    "ircv3_servertime",
    "monitor",
    "namesx",
    "uhnames",
    "setname",
    "services_account",
    "sasl",
)
"""The "typical network" IRCv3 module set measured in REALSERVERS.md."""


def _inspircd_config(
    port: int,
    tls_port: int,
    *,
    certfile: Path,
    keyfile: Path,
    motd_path: Path,
    pid_path: Path,
    daemon_log_path: Path,
    websocket_port: int | None = None,
    websocket_mode: str = "text",
    ipv6: bool = False,
    sts_duration: int | None = None,
) -> str:
    """inspircd.conf: Debian's flood settings, no per-IP limit, IRCv3 modules, TLS, an oper.

    The connect block keeps the packaged flood values (threshold 10, one command
    per second, fakelag, 8 KiB recvq) so tests see real fakelag; only the
    per-IP connection limit (Debian: 3) is lifted and DNS lookups are disabled.
    """
    for path in (certfile, keyfile, motd_path, pid_path, daemon_log_path):
        _check_config_path(path)
    modules = "".join(f'<module name="{module}">\n' for module in INSPIRCD_MODULES)
    extra_binds = ""
    if ipv6:
        extra_binds += f'<bind address="::1" port="{port}" type="clients">\n'
    if websocket_port is not None:
        # WebSocket needs sha1 for the handshake. Measured on 3.15.0: it never
        # answers with a subprotocol (and defaultmode="reject" refuses every
        # client), so the frame kind is this mode; it requires an Origin.
        modules += '<module name="sha1">\n<module name="websocket">\n'
        modules += f'<websocket defaultmode="{websocket_mode}">\n<wsorigin allow="*">\n'
        extra_binds += (
            f'<bind address="{HOST}" port="{websocket_port}" type="clients" hook="websocket">\n'
        )
    if sts_duration is not None:
        # inspircd 3: plain clients are offered sts=port=<port>; TLS clients
        # sts=duration=... only when their SNI name matches host.
        modules += '<module name="ircv3_sts">\n'
        modules += f'<sts host="localhost" port="{tls_port}" duration="{sts_duration}">\n'
    return (
        f'<server name="{SERVER_NAME}" description="bottom test server" network="{NETWORK_NAME}">\n'
        f'<admin name="bottom tests" nick="admin" email="admin@{SERVER_NAME}">\n'
        "\n"
        '<module name="ssl_gnutls">\n'
        f'<sslprofile name="test" provider="gnutls" certfile="{certfile}" keyfile="{keyfile}"'
        ' dhfile="">\n'
        f'<bind address="{HOST}" port="{port}" type="clients">\n'
        f'<bind address="{HOST}" port="{tls_port}" type="clients" sslprofile="test">\n'
        f"{extra_binds}"
        "\n"
        '<connect name="main" allow="*" timeout="60"'
        f' pingfreq="{PING_INTERVAL_SECONDS}"'
        ' threshold="10" commandrate="1000" fakelag="yes"'
        ' recvq="8192" softsendq="8192" hardsendq="262144"'
        ' localmax="1000" globalmax="1000"'
        ' resolvehostnames="no" useident="no">\n'
        "\n"
        # Every oper command (KILL among them) but no flood-exemption privileges,
        # so an opered test client is still throttled like everyone else.
        '<class name="TestOperCommands" commands="*" usermodes="*" chanmodes="*" snomasks="*"'
        ' privs="users/auspex channels/auspex servers/auspex">\n'
        '<type name="TestOper" classes="TestOperCommands">\n'
        f'<oper name="{OPER_NAME}" password="{OPER_PASSWORD}" host="*@{HOST} *@localhost"'
        ' type="TestOper">\n'
        "\n"
        f'<files motd="{motd_path}">\n'
        f'<pid file="{pid_path}">\n'
        f'<log method="file" type="* -USERINPUT -USEROUTPUT -MODULE" level="default"'
        f' target="{daemon_log_path}" flush="1">\n'
        "\n"
        f"{modules}"
        '<sasl target="services.test">\n'
    )


def _make_certificate(directory: Path, prefix: str) -> tuple[Path, Path]:
    """Self-signed certificate for localhost/127.0.0.1, usable as its own CA file.

    An EC key keeps this at a few milliseconds; the explicit CA:TRUE basic
    constraint keeps stricter verifiers (Python >= 3.13 X509_STRICT) happy.
    """
    certfile = directory / f"{prefix}-cert.pem"
    keyfile = directory / f"{prefix}-key.pem"
    openssl = find_binary("openssl")
    if openssl is None:
        raise RuntimeError("test certificates need the openssl command (apt-get install openssl)")
    command = [openssl, "req", "-x509", "-nodes", "-days", "30", "-subj", "/CN=localhost"]
    command += ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
    command += ["-keyout", str(keyfile), "-out", str(certfile)]
    command += ["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"]
    command += ["-addext", "basicConstraints=critical,CA:TRUE"]
    completed = subprocess.run(
        command,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(
            "openssl could not create the test certificate:\n"
            + completed.stderr.decode("utf-8", "replace")
        )
    return certfile, keyfile


def _free_ports(count: int) -> list[int]:
    """Ports the kernel considers free on 127.0.0.1 right now, all distinct.

    The sockets are held open together so the kernel cannot hand out the same
    port twice; there is a small window before the server binds, acceptable
    for tests.
    """
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sockets.append(probe)
            probe.bind((HOST, 0))
        return [probe.getsockname()[1] for probe in sockets]
    finally:
        for probe in sockets:
            probe.close()


def _require_binary(name: str) -> str:
    """The binary's path, or a RuntimeError telling how to install it."""
    binary = find_binary(name)
    if binary is None:
        raise RuntimeError(f"{name} not installed (apt-get install {name})")
    return binary


def _prepare_directory(tmpdir: Path | str) -> Path:
    """Create the server's directory; absolute because configs refer to files in it."""
    directory = Path(tmpdir).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    _check_config_path(directory)
    return directory


def _check_config_path(path: Path) -> None:
    """Refuse paths that would break the config syntax (quotes, newlines)."""
    if any(character in str(path) for character in '"\n\r'):
        raise ValueError(f"unusable path for a server config: {path!r}")


def _file_size(path: Path) -> int:
    """Size in bytes, 0 if the file does not exist yet."""
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _stop_live_servers() -> None:
    """Last resort at interpreter exit so no server outlives the test run."""
    for server in list(_live_servers):
        server.stop()


atexit.register(_stop_live_servers)
