"""The AWS adapter: the only module that imports boto3.

One shared client per service (botocore clients are thread-safe, and the adaptive retry
mode's rate limiter lives in the client object, so sharing it is what makes throttling
slow the run down instead of failing it). Every AWS error is translated here, by error
code, into a Diagnostic naming the operation, the resource and the monitor file.
"""

from __future__ import annotations

import collections
import json
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import boto3
import botocore.exceptions
from botocore.config import Config

from compiler.diagnostics import Diagnostic, SourceSpan

T = TypeVar("T")

# Explicit, not botocore's defaults (reliability.md): adaptive retries with a client-side
# rate limiter, bounded attempts, and timeouts so a dead endpoint fails fast.
RETRY_ATTEMPTS = 6
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 30
MAX_WORKERS = 16


class AwsError(Exception):
    """An AWS call failed in a way the user must see; carries the diagnostic."""

    def __init__(self, diagnostic: Diagnostic, error_code: str = "") -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic
        self.error_code = error_code


_CODE_MAP = {
    "AccessDenied": "E401",
    "AccessDeniedException": "E401",
    "UnauthorizedOperation": "E401",
    "ExpiredToken": "E401",
    "ExpiredTokenException": "E401",
    "InvalidClientTokenId": "E401",
    "ThrottlingException": "E402",
    "Throttling": "E402",
    "ThrottledException": "E402",
    "RequestLimitExceeded": "E402",
    "SlowDown": "E402",
    "ResourceNotFound": "E403",
    "NoSuchKey": "E403",
    "NoSuchBucket": "E403",
    "404": "E403",
    "ResourceInUse": "E404",
    "ResourceLimitExceeded": "E404",
    "PreconditionFailed": "E404",
    "412": "E404",
    "ValidationException": "E405",
    # CloudWatch (alarms)
    "ResourceNotFoundException": "E403",
    "LimitExceeded": "E404",
    "LimitExceededException": "E404",
    "InvalidParameterValue": "E405",
    "InvalidParameterCombination": "E405",
    "MissingParameter": "E405",
    "ValidationError": "E405",
}


def translate(exc: Exception, operation: str, resource: str, source: str | None = None) -> AwsError:
    """Any botocore failure → AwsError with a located diagnostic (by code, never by message)."""
    span = SourceSpan(source) if source else None
    if isinstance(exc, botocore.exceptions.ClientError):
        err = exc.response.get("Error", {})
        code = str(err.get("Code", ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        message = str(err.get("Message", "")) or f"HTTP {status}"
        ours = _CODE_MAP.get(code) or _CODE_MAP.get(str(status), "E407")
        hints: tuple[str, ...] = ()
        if ours == "E401":
            hints = (
                "check the credentials and the IAM policy (`biaswatch iam-policy` prints what is needed)",
            )
        elif ours == "E402":
            hints = (
                "SageMaker kept throttling after all retries; rerun later or lower the concurrency",
            )
        diag = Diagnostic(
            ours, f"{operation} {resource}: {code or status}: {message}", span, hints=hints
        )
        return AwsError(diag, code)
    if isinstance(
        exc, botocore.exceptions.NoCredentialsError | botocore.exceptions.PartialCredentialsError
    ):
        return AwsError(
            Diagnostic(
                "E408",
                f"{operation} {resource}: no AWS credentials found",
                span,
                hints=(
                    "configure credentials (environment, profile or OIDC role) for this environment",
                ),
            )
        )
    if isinstance(
        exc,
        botocore.exceptions.EndpointConnectionError
        | botocore.exceptions.ConnectTimeoutError
        | botocore.exceptions.ReadTimeoutError
        | botocore.exceptions.ConnectionClosedError,
    ):
        return AwsError(
            Diagnostic("E406", f"{operation} {resource}: cannot reach the endpoint: {exc}", span)
        )
    if isinstance(exc, botocore.exceptions.BotoCoreError):
        return AwsError(Diagnostic("E407", f"{operation} {resource}: {exc}", span))
    raise exc


@dataclass
class CallCounter:
    """API calls per operation, counted from botocore's events (for plans and benchmarks)."""

    counts: collections.Counter[str] = field(default_factory=collections.Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, model: Any = None, **_: Any) -> None:
        with self.lock:
            self.counts[model.name if model is not None else "?"] += 1

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def mutating(self) -> int:
        readonly = ("Describe", "List", "Get", "Head")
        return sum(n for op, n in self.counts.items() if not op.startswith(readonly))


@dataclass
class Clients:
    region: str
    sagemaker: Any
    s3: Any
    sts: Any
    calls: CallCounter
    max_workers: int = MAX_WORKERS
    # The Resource Groups Tagging API (GetResources), for ownership tags in pages; None
    # means "not available": the reader falls back to one ListTags per resource.
    tagging: Any = None
    # The biaswatch environment these clients serve (for hints such as `bootstrap --env`).
    environment: str = ""
    # CloudWatch, for the monitors' alarms (compiler/aws/alarms.py); None: no alarms read.
    cloudwatch: Any = None

    def map(self, fn: Callable[[Any], T], items: list[Any]) -> list[T]:
        """Run fn over items concurrently within the bound, results in input order."""
        if len(items) <= 1:
            return [fn(i) for i in items]
        with ThreadPoolExecutor(max_workers=min(self.max_workers, len(items))) as pool:
            return list(pool.map(fn, items))


def make_clients(
    region: str,
    endpoint_url: str | None = None,
    credentials: Mapping[str, str] | None = None,
    max_workers: int = MAX_WORKERS,
    retry_attempts: int = RETRY_ATTEMPTS,
) -> Clients:
    config = Config(
        region_name=region,
        retries={"mode": "adaptive", "total_max_attempts": retry_attempts},
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        max_pool_connections=max_workers + 4,
        # Path-style keeps bucket names out of the host name, which a loopback emulator needs.
        s3={"addressing_style": "path"} if endpoint_url else None,
    )
    creds = dict(credentials or {})
    session = boto3.session.Session(
        aws_access_key_id=creds.get("aws_access_key_id"),
        aws_secret_access_key=creds.get("aws_secret_access_key"),
        aws_session_token=creds.get("aws_session_token"),
        region_name=region,
    )
    counter = CallCounter()
    made = {}
    for service in ("sagemaker", "s3", "sts", "resourcegroupstaggingapi", "cloudwatch"):
        client: Any = session.client(service, endpoint_url=endpoint_url, config=config)
        client.meta.events.register("before-call.*.*", counter)
        made[service] = client
    return Clients(
        region,
        made["sagemaker"],
        made["s3"],
        made["sts"],
        counter,
        max_workers,
        tagging=made["resourcegroupstaggingapi"],
        cloudwatch=made["cloudwatch"],
    )


def call(
    fn: Callable[..., Any], operation: str, resource: str, source: str | None = None, **params: Any
) -> Any:
    try:
        return fn(**params)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
        raise translate(exc, operation, resource, source) from exc


def error_code(exc: BaseException) -> str:
    if isinstance(exc, AwsError):
        return exc.error_code
    return ""


# ---- reads ---------------------------------------------------------------------------


def read_account_id(clients: Clients) -> str:
    return str(call(clients.sts.get_caller_identity, "GetCallerIdentity", "caller")["Account"])


def _pages(
    method: Callable[..., Any], operation: str, resource: str, key: str, **params: Any
) -> Iterator[Any]:
    """Every item under `key` across NextToken pages."""
    token: str | None = None
    while True:
        page = call(
            method, operation, resource, **params, **({"NextToken": token} if token else {})
        )
        yield from page.get(key, [])
        token = page.get("NextToken")
        if not token:
            return


def _describe_or_none(
    method: Callable[..., Any], operation: str, name: str, **params: Any
) -> dict[str, Any] | None:
    try:
        return dict(call(method, operation, name, **params))
    except AwsError as exc:
        if exc.error_code == "ResourceNotFound":
            return None
        raise


def list_bias_schedules(clients: Clients) -> list[dict[str, Any]]:
    return list(
        _pages(
            clients.sagemaker.list_monitoring_schedules,
            "ListMonitoringSchedules",
            "ModelBias schedules",
            "MonitoringScheduleSummaries",
            MonitoringTypeEquals="ModelBias",
            MaxResults=100,
        )
    )


def list_bias_job_definitions(clients: Clients) -> list[dict[str, Any]]:
    return list(
        _pages(
            clients.sagemaker.list_model_bias_job_definitions,
            "ListModelBiasJobDefinitions",
            "definitions",
            "JobDefinitionSummaries",
            MaxResults=100,
        )
    )


def describe_schedule(clients: Clients, name: str) -> dict[str, Any] | None:
    return _describe_or_none(
        clients.sagemaker.describe_monitoring_schedule,
        "DescribeMonitoringSchedule",
        name,
        MonitoringScheduleName=name,
    )


def describe_job_definition(clients: Clients, name: str) -> dict[str, Any] | None:
    return _describe_or_none(
        clients.sagemaker.describe_model_bias_job_definition,
        "DescribeModelBiasJobDefinition",
        name,
        JobDefinitionName=name,
    )


def list_tags(clients: Clients, arn: str) -> dict[str, str]:
    pages = _pages(
        clients.sagemaker.list_tags, "ListTags", arn, "Tags", ResourceArn=arn, MaxResults=100
    )
    return {t["Key"]: t["Value"] for t in pages}


# GetResources answers that mean "this caller or endpoint cannot use the tagging API" —
# missing `tag:GetResources` permission, or an endpoint (an emulator, a proxy) that does not
# speak it. Reading then falls back to ListTags per resource, which is slower, never wrong.
TAGGING_UNAVAILABLE = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "UnknownOperationException",
        "UnknownOperation",
        "InvalidAction",
        "NotImplemented",
        "UnrecognizedClientException",
        "404",
        "501",
    }
)
TAGGING_PAGE_SIZE = 100  # ResourcesPerPage maximum


def tagged_resources(
    clients: Clients, tag_filters: list[dict[str, Any]], resource_types: list[str]
) -> dict[str, dict[str, str]] | None:
    """ARN → all tags of every resource matching the filters, read in pages of 100.

    None when the tagging API is unavailable to this caller (see TAGGING_UNAVAILABLE);
    any other failure is an error like every other read's. The API is eventually
    consistent: a resource created or tagged moments ago may be missing, so callers treat
    "absent" as "ask ListTags", never as "not ours".
    """
    if clients.tagging is None:
        return None
    out: dict[str, dict[str, str]] = {}
    token: str | None = None
    while True:
        params: dict[str, Any] = {
            "TagFilters": tag_filters,
            "ResourceTypeFilters": resource_types,
            "ResourcesPerPage": TAGGING_PAGE_SIZE,
        }
        if token:
            params["PaginationToken"] = token
        try:
            page = call(clients.tagging.get_resources, "GetResources", "tagged resources", **params)
        except AwsError as exc:
            if exc.error_code in TAGGING_UNAVAILABLE:
                return None
            raise
        for item in page.get("ResourceTagMappingList", []):
            out[item["ResourceARN"]] = {t["Key"]: t["Value"] for t in item.get("Tags", [])}
        token = page.get("PaginationToken")
        if not token:
            return out


def describe_endpoint(clients: Clients, name: str) -> dict[str, Any] | None:
    try:
        return dict(
            call(clients.sagemaker.describe_endpoint, "DescribeEndpoint", name, EndpointName=name)
        )
    except AwsError as exc:
        # SageMaker answers a missing endpoint with ValidationException "Could not find endpoint".
        if exc.error_code in ("ResourceNotFound", "ValidationException"):
            return None
        raise


def list_endpoint_names(clients: Clients) -> set[str] | None:
    """Every endpoint's name in the account and region, in pages of 100; None when listing
    is denied (the caller then describes each endpoint instead)."""
    names: set[str] = set()
    token: str | None = None
    while True:
        params: dict[str, Any] = {"MaxResults": 100}
        if token:
            params["NextToken"] = token
        try:
            page = call(clients.sagemaker.list_endpoints, "ListEndpoints", "endpoints", **params)
        except AwsError as exc:
            if exc.error_code in ("AccessDeniedException", "AccessDenied"):
                return None
            raise
        names.update(e["EndpointName"] for e in page.get("Endpoints", []))
        token = page.get("NextToken")
        if not token:
            return names


def describe_endpoint_config(clients: Clients, name: str) -> dict[str, Any] | None:
    if not name:
        return None
    try:
        return dict(
            call(
                clients.sagemaker.describe_endpoint_config,
                "DescribeEndpointConfig",
                name,
                EndpointConfigName=name,
            )
        )
    except AwsError as exc:
        if exc.error_code in ("ResourceNotFound", "ValidationException"):
            return None
        raise


def sagemaker_call(
    clients: Clients, operation: str, resource: str, source: str | None = None, **params: Any
) -> Any:
    """A SageMaker call by its API name, e.g. ("CreateMonitoringSchedule", name, **request)."""
    method = getattr(clients.sagemaker, _snake(operation))
    return call(method, operation, resource, source, **params)


def cloudwatch_call(
    clients: Clients, operation: str, resource: str, source: str | None = None, **params: Any
) -> Any:
    """A CloudWatch call by its API name, e.g. ("PutMetricAlarm", alarm name, **request)."""
    method = getattr(clients.cloudwatch, _snake(operation))
    return call(method, operation, resource, source, **params)


def pages(
    method: Callable[..., Any], operation: str, resource: str, key: str, **params: Any
) -> Iterator[Any]:
    """Every item under `key` across NextToken pages (public for aws/alarms.py)."""
    return _pages(method, operation, resource, key, **params)


def _snake(operation: str) -> str:
    out = []
    for i, ch in enumerate(operation):
        if ch.isupper() and i:
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


def to_json(value: Any) -> str:
    return json.dumps(value, default=str, sort_keys=True)
