"""TLS for the test server: a throwaway self-signed certificate, and contexts.

The certificate is made by the ``openssl`` command (the standard library
cannot make one) for ``127.0.0.1`` (an IP subjectAltName) and
``localhost``, valid for two days, and marked ``CA:TRUE`` so that it can be
its own trust anchor: a client trusts it with
``ssl.create_default_context(cafile=certfile)``, or, for code that builds
its own default context (``Client(ssl=True)``, an STS upgrade), with the
``SSL_CERT_FILE`` environment variable pointing at it.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
from pathlib import Path

__all__ = ["make_certificate", "server_context"]


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """Write ``cert.pem`` and ``key.pem`` (EC P-256) into ``directory``.

    :raises RuntimeError: when the ``openssl`` command is missing or fails,
        saying which.
    """
    openssl = shutil.which("openssl")
    if openssl is None:
        raise RuntimeError("the test server's TLS certificate is made with the openssl "
                           "command, which is not installed (apt-get install openssl), or "
                           "pass tls= an ssl.SSLContext of your own")
    certfile, keyfile = directory / "cert.pem", directory / "key.pem"
    done = subprocess.run(
        [openssl, "req", "-x509", "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-keyout", str(keyfile), "-out", str(certfile),
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
         "-addext", "basicConstraints=critical,CA:TRUE"],
        stdin=subprocess.DEVNULL, capture_output=True, check=False)
    if done.returncode != 0:
        raise RuntimeError("openssl could not make the test server's certificate: "
                           + done.stderr.decode("utf-8", "replace").strip())
    return certfile, keyfile


def server_context(certfile: Path, keyfile: Path) -> ssl.SSLContext:
    """A server-side context serving ``certfile``."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certfile, keyfile)
    return context
