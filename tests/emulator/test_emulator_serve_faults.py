"""`emulator serve --latency-ms/--throttle-tps/--fault-rate`: the standing faults are in force."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import boto3
from botocore.config import Config

from compiler.emulator.testing import AdminClient

SERVE = (
    "import sys; from compiler.emulator.cli import emulator; "
    "sys.exit(emulator.main(args=sys.argv[1:], prog_name='biaswatch emulator'))"
)


def test_serve__fault_flags__read_back_and_cause_retries() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            SERVE,
            "serve",
            "--port",
            "0",
            "--latency-ms",
            "30",
            "--throttle-tps",
            "50",
            "--fault-rate",
            "0.5",
            "--seed",
            "7",
        ],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert process.stderr is not None
        match = re.search(r"http://127\.0\.0\.1:\d+", process.stderr.readline())
        assert match
        url = match.group(0)
        admin = AdminClient(url)
        faults = admin.call("GET", "faults")
        assert (faults["latency_ms"], faults["throttle_tps"], faults["fault_rate"]) == (30, 50, 0.5)
        sm = boto3.client(
            "sagemaker",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"mode": "standard", "total_max_attempts": 20}),
        )
        calls = 10
        started = time.monotonic()
        for _ in range(calls):
            sm.list_monitoring_schedules()
        elapsed = time.monotonic() - started
        received = admin.request_counts()["ListMonitoringSchedules"]
        assert received > calls, "half the requests fail, so botocore retried some"
        assert elapsed >= received * 0.030, "every request waited the latency"
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for stream in (process.stderr, process.stdout):
            if stream is not None:
                stream.close()
