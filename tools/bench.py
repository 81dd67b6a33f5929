"""`make bench`: plan wall time and API calls per monitor for fleets of 100 / 500 / 1000.

The headline is the fleet users have: every monitor on its own endpoint. Two more rows
at 1,000 monitors: the same fleet without alarms, and 1,000 monitors sharing 10 endpoints.

For each fleet this writes a throw-away project of N monitor files (copies of
`monitors/credit-risk.yaml`, its DPPL alarm included unless the row is without alarms,
named `bench-<i>` on endpoints `bench-ep-<i mod E>`), points
it at a served emulator, applies it with no injected latency (setup, timed too), warms the
analysis-config cache with one plan, then sets the emulator's latency (default 50 ms on
every request, S3 and the tagging API included) and measures one warm-cache plan through
the library: build_environment → read_live → build_plan. It reports

- plan wall time, split into compile / read / diff;
- API calls per managed monitor, counted by the client (botocore events) and checked
  against the emulator's request counter;
- the ratio of the serial floor (2 describes × latency × N) to the plan's wall time
  (the goal at 1000 monitors is ≥ 10×);
- the CPU seconds the plan cost the client (and the emulator, when it runs in another
  process), because on a small machine the emulator's own CPU can be the limit.

Not a test: nothing here asserts on time. The latest figures go to
`.biaswatch/bench-results.json` under the current directory.

    python -m tools.bench [--sizes 100,500,1000] [--shared 1000] [--without-alarms 1000]
        [--latency-ms 50] [--workers 16] [--emulator process|thread] [--profile] [--verify]
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import platform
import pstats
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from compiler import __version__
from compiler.aws import client as aws
from compiler.aws import objects
from compiler.aws.apply import Waits, apply_plan
from compiler.aws.read import read_live
from compiler.config.workspace import load_workspace
from compiler.desired.pipeline import EnvironmentBuild, build_environment, build_project
from compiler.diagnostics import has_errors
from compiler.state.plan import build_plan

REPO = Path(__file__).resolve().parent.parent
TEMPLATE = REPO / "monitors" / "credit-risk.yaml"
PROJECT = "bench"
ENV = "bench"
REGION = "us-east-1"
ACCOUNT = "123456789012"
ENDPOINTS = 10
ARTIFACT_BUCKET = "biaswatch-bench"
DATA_BUCKET = "acme-ml-bench"
RESULTS = Path(".biaswatch") / "bench-results.json"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
# Describe calls per managed monitor that no design can avoid: schedule + definition.
FLOOR_CALLS = 2


# ---------------------------------------------------------------- the fleet


def monitor_text(template: str, index: int, endpoints: int = ENDPOINTS, alarms: bool = True) -> str:
    text = re.sub(r"(?m)^name: .*$", f"name: bench-{index}", template, count=1)
    if not alarms:
        text = re.sub(r"(?ms)^alarms:.*\Z", "", text)
    return re.sub(
        r"(?m)^(\s*endpoint_name:) .*$", rf"\1 bench-ep-{index % endpoints}", text, count=1
    )


def write_fleet(
    root: Path, size: int, endpoint_url: str, endpoints: int = ENDPOINTS, alarms: bool = True
) -> Path:
    """A project of `size` monitors on `endpoints` endpoints, in one environment at `endpoint_url`."""
    monitors = root / "monitors"
    if monitors.exists():
        shutil.rmtree(monitors)
    monitors.mkdir(parents=True)
    template = TEMPLATE.read_text(encoding="utf-8")
    for i in range(size):
        (monitors / f"bench-{i}.yaml").write_text(
            monitor_text(template, i, endpoints, alarms), encoding="utf-8"
        )
    project_file = root / "biaswatch.yaml"
    project_file.write_text(
        f"""project: {PROJECT}
default_environment: {ENV}
environments:
  {ENV}:
    region: {REGION}
    endpoint_url: {endpoint_url}
    artifact_bucket: {ARTIFACT_BUCKET}
    vars: {{data_bucket: {DATA_BUCKET}}}
    defaults:
      role: arn:aws:iam::{ACCOUNT}:role/ModelMonitorRole
""",
        encoding="utf-8",
    )
    return project_file


def compile_fleet(project_file: Path) -> EnvironmentBuild:
    ws = load_workspace(project_file, None)
    if ws.project_document is None:
        raise SystemExit(f"bench: cannot load {project_file}: {ws.diagnostics}")
    project, diags = build_project(ws.project_document)
    if project is None or has_errors(diags):
        raise SystemExit(f"bench: invalid project: {diags}")
    build = build_environment(project, ws.documents, ENV)
    if has_errors(build.diagnostics):
        raise SystemExit(f"bench: invalid monitors: {build.diagnostics[:3]}")
    return build


# ---------------------------------------------------------------- the emulator


class Served:
    """The emulator under test: in this process (a thread) or in a child process."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.emulator: Any = None
        self.process: subprocess.Popen[bytes] | None = None
        self.admin: Any = None
        self.endpoint_url = ""

    def start(self) -> None:
        if self.mode == "thread":
            from compiler.emulator import Emulator

            self.emulator = Emulator(pending_seconds=0, region=REGION, account_id=ACCOUNT)
            self.emulator.start()
            self.endpoint_url = self.emulator.endpoint_url
            return
        from compiler.emulator.testing import AdminClient

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "compiler",
                "emulator",
                "serve",
                "--port",
                str(port),
                "--pending-seconds",
                "0",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.endpoint_url = f"http://127.0.0.1:{port}"
        self.admin = AdminClient(self.endpoint_url)
        deadline = time.monotonic() + 30
        while True:
            try:
                self.admin.call("GET", "health")
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("bench: the emulator process did not start") from None
                time.sleep(0.1)

    def stop(self) -> None:
        if self.emulator is not None:
            self.emulator.stop()
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def reset(self) -> None:
        if self.emulator is not None:
            self.emulator.reset()
            self.emulator.configure(pending_seconds=0)
        else:
            self.admin.reset()
            self.admin.configure(pending_seconds=0)

    def set_latency(self, latency_ms: int) -> None:
        # include_s3: the gateway names every non-SageMaker request "S3:<METHOD>" — S3, STS
        # and the tagging API's GetResources alike — and delays those only with include_s3.
        if self.emulator is not None:
            self.emulator.set_faults(latency_ms=latency_ms, include_s3=True)
        else:
            self.admin.set_faults(latency_ms=latency_ms, include_s3=True)

    def request_counts(self) -> dict[str, int]:
        if self.emulator is not None:
            return dict(self.emulator.request_counts())
        return dict(self.admin.request_counts())

    def reset_counts(self) -> None:
        if self.emulator is not None:
            self.emulator.reset_counts()
        else:
            self.admin.call("DELETE", "requests")

    def cpu_seconds(self) -> float | None:
        """The emulator process's CPU time (None in thread mode: it shares ours)."""
        if self.process is None:
            return None
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks


def seed(clients: aws.Clients, endpoints: int = ENDPOINTS) -> None:
    """The buckets and the endpoints (with data capture) the fleet needs."""
    from compiler.emulator.seed import create_endpoint_with_capture

    objects.ensure_bucket(clients, ARTIFACT_BUCKET)
    objects.ensure_bucket(clients, DATA_BUCKET)
    for i in range(endpoints):
        create_endpoint_with_capture(
            clients.sagemaker, f"bench-ep-{i}", f"s3://{DATA_BUCKET}/capture/bench-ep-{i}"
        )


def apply_fleet(clients: aws.Clients, project_file: Path, cache_dir: Path) -> tuple[float, int]:
    """Plan and apply the whole fleet; wall seconds and API calls, end to end."""
    calls_before = clients.calls.total
    started = time.perf_counter()
    desired = [m.desired for m in compile_fleet(project_file).monitors]
    live = read_live(clients, PROJECT, desired, cache_dir)
    the_plan = build_plan(
        PROJECT, ENV, ACCOUNT, REGION, desired, live.state, endpoint_states=live.endpoint_states
    )
    result = apply_plan(clients, the_plan, waits=Waits(poll_seconds=0.05))
    if not result.ok:
        failed = [o for o in result.outcomes if o.status != "done"][:3]
        raise SystemExit(f"bench: apply of {len(desired)} monitors failed: {failed}")
    return time.perf_counter() - started, clients.calls.total - calls_before


# ---------------------------------------------------------------- one fleet


@dataclass
class Figures:
    monitors: int
    endpoints: int
    alarms: bool
    latency_ms: int
    workers: int
    emulator: str
    apply_seconds: float
    apply_ms_per_monitor: float
    apply_calls: int
    plan_seconds: float
    compile_seconds: float
    read_seconds: float
    diff_seconds: float
    calls: int
    calls_per_monitor: float
    calls_per_monitor_without_endpoint_checks: float
    server_requests: int
    calls_by_operation: dict[str, int]
    serial_floor_seconds: float
    ratio_to_serial_floor: float
    client_cpu_seconds: float
    emulator_cpu_seconds: float | None
    plan_changes: int


@contextlib.contextmanager
def _profiled(enabled: bool, label: str) -> Iterator[None]:
    if not enabled:
        yield
        return
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        yield
    finally:
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
        print(f"--- cProfile of {label} (main thread only) ---\n{out.getvalue()}", file=sys.stderr)


def run_fleet(
    served: Served,
    root: Path,
    size: int,
    latency_ms: int,
    workers: int,
    *,
    profile: bool = False,
    verify: bool = False,
    endpoints: int | None = None,
    alarms: bool = True,
) -> Figures:
    """One fleet; endpoints None: one per monitor (the headline case)."""
    endpoints = size if endpoints is None else endpoints
    served.reset()
    served.set_latency(0)
    project_file = write_fleet(root, size, served.endpoint_url, endpoints, alarms)
    cache_dir = root / ".biaswatch" / "cache" / ENV
    shutil.rmtree(cache_dir, ignore_errors=True)
    clients = aws.make_clients(REGION, served.endpoint_url, CREDENTIALS, workers)
    seed(clients, endpoints)

    # Setup: apply the whole fleet (no latency), timed end to end (plan included).
    apply_seconds, apply_calls = apply_fleet(clients, project_file, cache_dir)

    # Warm the analysis-config cache without latency.
    read_live(
        clients,
        PROJECT,
        [m.desired for m in compile_fleet(project_file).monitors],
        cache_dir,
        verify_definitions=verify,
    )

    # The measured plan: warm cache, injected latency, fresh counters.
    served.set_latency(latency_ms)
    served.reset_counts()
    clients.calls.counts.clear()
    emulator_cpu = served.cpu_seconds()
    cpu = time.process_time()
    t0 = time.perf_counter()
    with _profiled(profile, f"plan of {size} monitors"):
        build = compile_fleet(project_file)
        desired = [m.desired for m in build.monitors]
        t1 = time.perf_counter()
        live = read_live(clients, PROJECT, desired, cache_dir, verify_definitions=verify)
        t2 = time.perf_counter()
        the_plan = build_plan(
            PROJECT, ENV, ACCOUNT, REGION, desired, live.state, endpoint_states=live.endpoint_states
        )
        t3 = time.perf_counter()
    client_cpu = time.process_time() - cpu
    emulator_after = served.cpu_seconds()
    served.set_latency(0)

    calls = clients.calls.total
    by_op = dict(sorted(clients.calls.counts.items()))
    endpoint_checks = sum(
        by_op.get(op, 0) for op in ("DescribeEndpoint", "DescribeEndpointConfig", "ListEndpoints")
    )
    floor = FLOOR_CALLS * latency_ms / 1000.0 * size
    plan_seconds = t3 - t0
    return Figures(
        monitors=size,
        endpoints=endpoints,
        alarms=alarms,
        latency_ms=latency_ms,
        workers=workers,
        emulator=served.mode,
        apply_seconds=round(apply_seconds, 2),
        apply_ms_per_monitor=round(1000 * apply_seconds / size, 1),
        apply_calls=apply_calls,
        plan_seconds=round(plan_seconds, 2),
        compile_seconds=round(t1 - t0, 2),
        read_seconds=round(t2 - t1, 2),
        diff_seconds=round(t3 - t2, 2),
        calls=calls,
        calls_per_monitor=round(calls / size, 3),
        calls_per_monitor_without_endpoint_checks=round((calls - endpoint_checks) / size, 3),
        server_requests=sum(served.request_counts().values()),
        calls_by_operation=by_op,
        serial_floor_seconds=round(floor, 1),
        ratio_to_serial_floor=round(floor / plan_seconds, 1) if plan_seconds else 0.0,
        client_cpu_seconds=round(client_cpu, 2),
        emulator_cpu_seconds=(
            round(emulator_after - emulator_cpu, 2)
            if emulator_cpu is not None and emulator_after is not None
            else None
        ),
        plan_changes=sum(1 for c in the_plan.changes if not c.is_noop) + len(the_plan.cleanups),
    )


# ---------------------------------------------------------------- output


def table(rows: Sequence[Figures]) -> str:
    head = (
        f"{'monitors':>8}  {'endpoints':>9}  {'alarms':>6}  {'plan s':>7}  {'compile':>7}  {'read':>6}  {'calls/mon':>9}"
        f"  {'(no ep)':>7}  {'floor s':>7}  {'× floor':>7}  {'cpu s':>6}  {'emu cpu':>7}"
        f"  {'apply s':>7}  {'ms/mon':>6}"
    )
    lines = [head, "-" * len(head)]
    for f in rows:
        emu = f"{f.emulator_cpu_seconds:.1f}" if f.emulator_cpu_seconds is not None else "-"
        lines.append(
            f"{f.monitors:>8}  {f.endpoints:>9}  {'yes' if f.alarms else 'no':>6}"
            f"  {f.plan_seconds:>7.2f}  {f.compile_seconds:>7.2f}"
            f"  {f.read_seconds:>6.2f}  {f.calls_per_monitor:>9.3f}"
            f"  {f.calls_per_monitor_without_endpoint_checks:>7.3f}"
            f"  {f.serial_floor_seconds:>7.1f}  {f.ratio_to_serial_floor:>6.1f}×"
            f"  {f.client_cpu_seconds:>6.1f}  {emu:>7}  {f.apply_seconds:>7.1f}"
            f"  {f.apply_ms_per_monitor:>6.1f}"
        )
    return "\n".join(lines)


def _sizes(text: str) -> list[int]:
    return [int(s) for s in text.split(",") if s.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench", description=__doc__)
    parser.add_argument(
        "--sizes",
        default="100,500,1000",
        help="Fleet sizes with one endpoint per monitor and alarms (the headline rows).",
    )
    parser.add_argument(
        "--shared",
        default="1000",
        help=f"Fleet sizes on {ENDPOINTS} shared endpoints, comma-separated ('' for none).",
    )
    parser.add_argument(
        "--without-alarms",
        default="1000",
        help="Fleet sizes (one endpoint each) without alarms, comma-separated ('' for none).",
    )
    parser.add_argument("--latency-ms", type=int, default=50, help="Injected per-call latency.")
    parser.add_argument("--workers", type=int, default=aws.MAX_WORKERS, help="Client concurrency.")
    parser.add_argument(
        "--emulator",
        choices=("process", "thread"),
        default="process",
        help="Serve the emulator from a child process (default; the client and the server "
        "then do not share one interpreter lock) or from a thread of this process.",
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the measured plans.")
    parser.add_argument(
        "--verify",
        action="store_true",
        help="Measure `plan --verify` (describe every definition) instead of the default plan.",
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="Where to write the JSON.")
    args = parser.parse_args(argv)
    rows_wanted = (
        [(n, None, True) for n in _sizes(args.sizes)]
        + [(n, None, False) for n in _sizes(args.without_alarms)]
        + [(n, ENDPOINTS, True) for n in _sizes(args.shared)]
    )

    served = Served(args.emulator)
    served.start()
    rows: list[Figures] = []
    try:
        with tempfile.TemporaryDirectory(prefix="biaswatch-bench-") as tmp:
            for size, endpoints, alarms in rows_wanted:
                print(f"bench: {size} monitors …", file=sys.stderr, flush=True)
                row = run_fleet(
                    served,
                    Path(tmp),
                    size,
                    args.latency_ms,
                    args.workers,
                    profile=args.profile,
                    verify=args.verify,
                    endpoints=endpoints,
                    alarms=alarms,
                )
                rows.append(row)
                print(
                    f"bench: {size} monitors: plan {row.plan_seconds:.2f} s, "
                    f"{row.calls_per_monitor:.3f} calls/monitor, apply {row.apply_seconds:.1f} s",
                    file=sys.stderr,
                    flush=True,
                )
    finally:
        served.stop()

    print(
        f"Warm-cache plan{' --verify' if args.verify else ''}, {args.latency_ms} ms per call, {args.workers} workers, "
        f"emulator in a {args.emulator}; serial floor = {FLOOR_CALLS} describes × latency × N"
    )
    print(table(rows))
    for f in rows:
        print(f"  {f.monitors} monitors, {f.endpoints} endpoints: {f.calls_by_operation}")
    report = {
        "tool_version": __version__,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "goals": {
            "calls_per_monitor_max": 2.2,
            "ratio_to_serial_floor_min_at_1000_own_endpoints": 15,
            "ratio_to_serial_floor_goal_at_1000_own_endpoints": 20,
        },
        "results": [asdict(f) for f in rows],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"Wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
