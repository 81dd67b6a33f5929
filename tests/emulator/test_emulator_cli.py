"""`emulator serve`: foreground server that prints where it listens and exits 0 on Ctrl-C."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from compiler.emulator.cli import emulator
from compiler.emulator.testing import AdminClient

SERVE = (
    "import sys; from compiler.emulator.cli import emulator; "
    "sys.exit(emulator.main(args=sys.argv[1:], prog_name='biaswatch emulator'))"
)


def test_serve__non_loopback_host__clear_error_exit_1() -> None:
    result = CliRunner().invoke(emulator, ["serve", "--host", "0.0.0.0", "--port", "0"])
    assert result.exit_code == 1
    assert "non-loopback" in result.output
    assert "Traceback" not in result.output


def test_serve__bad_state_file__clear_error_exit_1(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text("{broken")
    result = CliRunner().invoke(emulator, ["serve", "--port", "0", "--state", str(state)])
    assert result.exit_code == 1
    assert "cannot read emulator state file" in result.output
    assert "Traceback" not in result.output


def test_serve__ctrl_c__prints_url_serves_and_exits_0(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            SERVE,
            "serve",
            "--port",
            "0",
            "--pending-seconds",
            "0",
            "--state",
            str(state),
        ],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert process.stderr is not None
        first = process.stderr.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+", first)
        assert match, first
        assert "endpoint_url" in process.stderr.readline()
        admin = AdminClient(match.group(0))
        assert admin.call("GET", "health") == {"ok": True}
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for stream in (process.stderr, process.stdout):
            if stream is not None:
                stream.close()
    assert state.exists()
