"""bench/hub.py runs end to end on a few clients, so it cannot rot.

No timing is asserted (the figures live in docs/hub.rst, measured on
purpose); this checks that every figure is printed and that the keepalive
window the idle figure claims was really covered.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_hub_bench_prints_every_figure() -> None:
    out = subprocess.run([sys.executable, "bench/hub.py", "--clients", "20", "--idle", "0.2"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    text = out.stdout
    assert text.startswith("20 registered idle clients in one Hub")
    assert re.search(r"memory: [\d.]+ KiB per client, bare socket [\d.]+ KiB: -?[\d.]+ KiB "
                     r"per client beyond a socket \(and [\d.]+ MiB once", text)
    assert re.search(r"connect \+ register all: [\d.]+ s .*CPU: Hub [\d.]+ s .*test server "
                     r"[\d.]+ s .*\d+ connects refused", text)
    # 0.2 s is far shorter than ping_interval: no keepalive PING in the window.
    assert re.search(r"idle CPU over 0.2 s: [\d.]+% of one core \(0 keepalive PONGs", text)
