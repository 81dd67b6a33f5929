"""Facts about SageMaker that no service model carries: Clarify images, cron forms, limits.

Source: shared/reference/sagemaker-model-bias.md (§2.9 image table from the SDK's
image_uri_config/clarify.json; §3.2 schedule expressions; §3.5 runtime limits).
"""

from __future__ import annotations

import re

from compiler.desired.servicemodel import partition_of

CLARIFY_REPOSITORY = "sagemaker-clarify-processing"
CLARIFY_TAG = "1.0"

# Region → account that publishes the Clarify processing image.
CLARIFY_IMAGE_ACCOUNTS: dict[str, str] = {
    "af-south-1": "811711786498",
    "ap-east-1": "098760798382",
    "ap-northeast-1": "377024640650",
    "ap-northeast-2": "263625296855",
    "ap-northeast-3": "912233562940",
    "ap-south-1": "452307495513",
    "ap-southeast-1": "834264404009",
    "ap-southeast-2": "007051062584",
    "ap-southeast-3": "705930551576",
    "ca-central-1": "675030665977",
    "cn-north-1": "122526803553",
    "cn-northwest-1": "122578899357",
    "eu-central-1": "017069133835",
    "eu-central-2": "730335477804",
    "eu-north-1": "763603941244",
    "eu-south-1": "638885417683",
    "eu-west-1": "131013547314",
    "eu-west-2": "440796970383",
    "eu-west-3": "341593696636",
    "me-south-1": "835444307964",
    "sa-east-1": "520018980103",
    "us-east-1": "205585389593",
    "us-east-2": "211330385671",
    "us-gov-west-1": "598674086554",
    "us-isof-east-1": "579539705040",
    "us-isof-south-1": "411392592546",
    "us-west-1": "740489534195",
    "us-west-2": "306415355426",
}


def clarify_image_uri(region: str) -> str | None:
    account = CLARIFY_IMAGE_ACCOUNTS.get(region)
    if account is None:
        return None
    return f"{account}.dkr.ecr.{region}.{partition_of(region).dns_suffix}/{CLARIFY_REPOSITORY}:{CLARIFY_TAG}"


HOURLY = "cron(0 * ? * * *)"
SCHEDULE_ALIASES = {"hourly": HOURLY, "daily": "cron(0 0 ? * * *)"}
NOW = "NOW"
_DAILY = re.compile(r"cron\(0 (\d{1,2}) \? \* \* \*\)")
_EVERY_N = re.compile(r"cron\(0 (\d{1,2})/(\d{1,2}) \? \* \* \*\)")

# Hourly model bias (and model quality) jobs run a ground-truth merge job first, so the
# stopping condition may not exceed 1800 s (MonitoringStoppingCondition doc string).
HOURLY_BIAS_MAX_RUNTIME = 1800
MAX_DATA_ANALYSIS_WINDOW_HOURS = 24
MAX_OFFSET_LENGTH = 15
MAX_TAGS = 50
MAX_ENV_ENTRIES = 50
CONTAINER_OUTPUT_PATH = "/opt/ml/processing/output"
CLOUDWATCH_ENV = "publish_cloudwatch_metrics"


def schedule_expression(text: str) -> str:
    """The API's expression for a schedule as written in a monitor file."""
    return SCHEDULE_ALIASES.get(text, text)


def schedule_period_hours(expression: str) -> int | None:
    """Hours between runs for a valid expression; None for NOW or an invalid form."""
    if expression == HOURLY:
        return 1
    m = _DAILY.fullmatch(expression)
    if m and 0 <= int(m.group(1)) <= 23:
        return 24
    m = _EVERY_N.fullmatch(expression)
    if m and 0 <= int(m.group(1)) <= 23 and 1 <= int(m.group(2)) <= 24:
        return int(m.group(2))
    return None


def is_valid_schedule_expression(expression: str) -> bool:
    return expression == NOW or schedule_period_hours(expression) is not None


# At most 15 digits per part: the whole offset may not exceed MAX_OFFSET_LENGTH characters,
# and an unbounded group would hand int() thousands of digits (which it refuses, ValueError).
_OFFSET = re.compile(r"-P(?:(\d{1,15})D)?(?:T(?:(\d{1,15})H)?(?:(\d{1,15})M)?)?")


def offset_seconds(text: str) -> int | None:
    """Seconds of a negative ISO-8601 offset such as -PT1H or -P1DT2H; None if malformed.

    The API's own pattern is only `.?P.*`; the docs allow days, hours and minutes, and
    `-PT0H` (zero) is what AWS's bias example uses as the end offset.
    """
    m = _OFFSET.fullmatch(text)
    if not m or text in ("-P", "-PT") or text.endswith("T"):
        return None
    days, hours, minutes = (int(g) if g else 0 for g in m.groups())
    return -(days * 86400 + hours * 3600 + minutes * 60)
