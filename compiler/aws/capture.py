"""Read an endpoint's captured data and its ground truth from S3 for a time window.

Capture files sit at `{DestinationS3Uri}/{endpoint}/{variant}/yyyy/mm/dd/hh/*.jsonl` and
ground truth at `{ground_truth_input}/yyyy/mm/dd/hh/*.jsonl`, each under the UTC hour it was
written. Listing goes one day prefix at a time (one ListObjectsV2 a day, not one an hour) and
keeps the keys whose hour overlaps the window. The lines are handed back as (source, text)
pairs for compiler.analysis.capture.merge_capture.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from compiler.aws import client as aws
from compiler.aws import objects
from compiler.diagnostics import Diagnostic

# yyyy/mm/dd/hh/ right after the prefix.
_HOUR = re.compile(r"^(\d{4})/(\d{2})/(\d{2})/(\d{2})/")
# An object larger than this is not read whole into memory (capture files are rolled hourly
# and are far smaller in practice).
MAX_OBJECT_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class CaptureSource:
    """Where an endpoint captures: the S3 prefix `{dest}/{endpoint}` and its variants."""

    prefix: str
    variants: tuple[str, ...]


def capture_source(clients: aws.Clients, endpoint: str) -> CaptureSource:
    """The endpoint's capture prefix and variants from DescribeEndpoint; AwsError (E717) when
    the endpoint is missing or captures nothing."""
    described = aws.describe_endpoint(clients, endpoint)
    if described is None:
        raise aws.AwsError(
            Diagnostic("E717", f"endpoint {endpoint!r} does not exist", field="endpoint_input")
        )
    capture: dict[str, Any] = dict(described.get("DataCaptureConfig") or {})
    if not capture.get("DestinationS3Uri"):
        config = aws.describe_endpoint_config(clients, str(described.get("EndpointConfigName", "")))
        capture = dict((config or {}).get("DataCaptureConfig") or {})
    destination = str(capture.get("DestinationS3Uri") or "")
    if not destination or capture.get("EnableCapture") is False:
        raise aws.AwsError(
            Diagnostic(
                "E717",
                f"endpoint {endpoint!r} has no data capture, so there is nothing to read",
                field="endpoint_input.endpoint_name",
                hints=("enable DataCaptureConfig with CaptureMode Input and Output",),
            )
        )
    variants = tuple(
        str(v["VariantName"])
        for v in described.get("ProductionVariants") or ()
        if isinstance(v, dict) and v.get("VariantName")
    )
    return CaptureSource(f"{destination.rstrip('/')}/{endpoint}", variants)


def _days(start: datetime, end: datetime) -> Iterator[datetime]:
    day = start.replace(hour=0, minute=0, second=0, microsecond=0)
    while day < end:
        yield day
        day += timedelta(days=1)


def keys_in_window(clients: aws.Clients, prefix: str, start: datetime, end: datetime) -> list[str]:
    """s3:// URIs of the objects under `{prefix}/yyyy/mm/dd/hh/` whose hour overlaps [start, end)."""
    base = prefix.rstrip("/")
    bucket, key_prefix = objects.split_s3_uri(base)
    first = start.replace(minute=0, second=0, microsecond=0)
    out: list[str] = []
    for day in _days(start, end):
        for item in objects.list_keys(clients, f"{base}/{day:%Y/%m/%d}/"):
            key = str(item["Key"])
            match = _HOUR.match(key[len(key_prefix) :].lstrip("/"))
            if match is None:
                continue
            year, month, day_of_month, hour_of_day = (int(g) for g in match.groups())
            hour = datetime(year, month, day_of_month, hour_of_day, tzinfo=UTC)
            if first <= hour < end and int(item.get("Size", 0)) <= MAX_OBJECT_BYTES:
                out.append(f"s3://{bucket}/{key}")
    return sorted(out)


def read_lines(clients: aws.Clients, uris: list[str]) -> Iterator[tuple[str, str]]:
    """(source, line) pairs of JSON Lines objects; source is `s3://.../file.jsonl:N`."""
    for uri in uris:
        body = objects.read_object(clients, uri)
        if body is None:
            continue
        text = body.decode("utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), start=1):
            yield f"{uri}:{number}", line


def capture_files(
    clients: aws.Clients, source: CaptureSource, start: datetime, end: datetime
) -> list[str]:
    """Every capture object of every variant in the window."""
    variants = source.variants or ("AllTraffic",)
    out: list[str] = []
    for variant in variants:
        out.extend(keys_in_window(clients, f"{source.prefix}/{variant}", start, end))
    return out


def parse_time(text: str) -> datetime:
    """An ISO-8601 time; UTC when it names no zone (`2026-12-02T03:00:00Z`). ValueError if not."""
    value = datetime.fromisoformat(text.strip().replace("z", "Z"))
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


_OFFSET = re.compile(r"^-P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$")


def parse_offset(text: str) -> timedelta:
    """A monitor offset such as `-PT1H` or `-P1DT2H` as a (negative) timedelta; ValueError if not."""
    match = _OFFSET.match(text.strip())
    if match is None or not any(match.groups()):
        raise ValueError(f"{text!r} is not an offset like -PT1H")
    days, hours, minutes = (int(g or 0) for g in match.groups())
    return -timedelta(days=days, hours=hours, minutes=minutes)


def default_window(
    now: datetime, start_offset: str | None, end_offset: str | None
) -> tuple[datetime, datetime]:
    """The window a scheduled run starting now would analyse: the monitor's offsets relative
    to the current hour, or the last hour when the monitor sets none."""
    hour = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    start = hour + (parse_offset(start_offset) if start_offset else -timedelta(hours=1))
    end = hour + (parse_offset(end_offset) if end_offset else timedelta(0))
    return start, end
