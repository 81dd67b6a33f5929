"""Diagnostics: every user-facing problem as a located, coded, immutable value."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as dc_field


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class SourceSpan:
    """A 1-based line and column in a file (path relative to the project root)."""

    path: str
    line: int = 1
    column: int = 1


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    span: SourceSpan | None = None
    field: str = ""
    severity: Severity = Severity.ERROR
    hints: tuple[str, ...] = dc_field(default_factory=tuple)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def sort_key(self) -> tuple[str, int, int, str, str, str]:
        span = self.span or SourceSpan("")
        return (span.path, span.line, span.column, self.code, self.field, self.message)


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> tuple[Diagnostic, ...]:
    """Sorted by file and position, duplicates removed (rules may meet the same fact twice)."""
    return tuple(sorted(set(diagnostics), key=Diagnostic.sort_key))


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.is_error for d in diagnostics)


# Stable codes. Families: E1xx load, E2xx schema, E3xx semantic, E4xx AWS/apply/plan,
# E5xx project/CLI, W6xx warnings. Never reuse or renumber a code; add new ones at the end
# of their family and list them in CHANGELOG.md.
CODES: dict[str, str] = {
    # load
    "E101": "file cannot be read",
    "E102": "file is not valid UTF-8",
    "E103": "file exceeds the size limit",
    "E104": "YAML syntax error",
    "E105": "duplicate mapping key",
    "E106": "nesting deeper than the limit",
    "E107": "too many nodes or alias expansions (alias bomb)",
    "E108": "recursive alias",
    "E109": "tag not allowed",
    "E110": "document is not a mapping",
    "E111": "more than one YAML document in a file",
    "E112": "mapping key is not a string",
    "E113": "file is empty",
    # schema
    "E201": "unknown key",
    "E202": "required key missing",
    "E203": "wrong type",
    "E204": "value not allowed",
    "E205": "value out of range",
    "E206": "key not supported for model bias monitors",
    # semantic
    "E301": "name does not match SageMaker's pattern or length",
    "E302": "time offset is not a negative ISO-8601 duration of at most 15 characters",
    "E303": "start offset is not before end offset",
    "E304": "schedule expression is not one SageMaker accepts",
    "E305": "NOW schedule needs both data analysis times",
    "E306": "data analysis window longer than 24 hours",
    "E307": "max runtime too long for the schedule",
    "E308": "instance type not offered for processing jobs",
    "E309": "S3 URI does not match the API's pattern or length",
    "E310": "KMS key id does not match the API's pattern",
    "E311": "role ARN does not match the API's pattern",
    "E312": "security group or subnet id invalid",
    "E313": "too many container environment entries",
    "E314": "environment key or value invalid",
    "E315": "too many tags",
    "E316": "tag key or value invalid",
    "E317": "facet or label not in headers",
    "E318": "container path is not absolute",
    "E319": "schedule name used by more than one monitor file",
    "E320": "region has no Clarify image",
    "E321": "unknown variable",
    "E322": "unknown environment",
    "E323": "exactly one of endpoint_input and batch_transform_input is required",
    "E324": "baseline: constraints and baselining_job_name are exclusive",
    "E325": "data analysis times are only valid with NOW or must be ordered",
    "E326": "probability threshold outside [0, 1]",
    "E327": "compiled request violates the SageMaker service model",
    "E333": "alarm: unknown bias metric",
    "E334": "alarm: the monitor does not publish its metrics to CloudWatch",
    "E335": "alarm: facet not in analysis_config",
    "E336": "alarm: action is not an ARN",
    "E337": "alarm: name invalid or over CloudWatch's limit",
    "E338": "alarm: two alarms collide",
    "E339": "alarm: evaluation settings CloudWatch refuses or that would fire at parity",
    # project file
    "E501": "project file invalid",
    "E502": "no monitor files found",
    "E503": "monitor not found",
    "E504": "output file exists (use --force)",
    "E505": "environment has no account_id (needed to build ARNs)",
    "E506": "monitors folder or monitor file outside the project folder",
    "E507": "too many monitor files",
    "E508": "output file cannot be written",
}

CODES.update(
    {
        # AWS, plan and apply
        "E401": "access denied",
        "E402": "throttled after all retries",
        "E403": "resource not found",
        "E404": "resource in use",
        "E405": "request rejected by SageMaker",
        "E406": "cannot reach the endpoint",
        "E407": "AWS error",
        "E408": "no AWS credentials",
        "E409": "caller account differs from the environment's account_id",
        "E410": "plan file targets another project, environment, account or region",
        "E411": "stale plan: live state or monitor files changed since the plan",
        "E412": "plan file altered or unreadable",
        "E413": "environment locked by another run",
        "E414": "name collides with a schedule biaswatch does not own",
        "E415": "deletion protection",
        "E416": "schedule failed",
        "E417": "timed out waiting for a schedule",
        "E418": "created resource differs from the plan (not adopted)",
        "E419": "apply incomplete",
        "E420": "emulator state unusable",
        "E421": "import: not a ModelBias schedule",
        "E422": "import: analysis config cannot be read or parsed",
        "E423": "import: analysis config has keys outside Clarify's monitoring keys",
        "E424": "import: the generated monitor file would not validate",
        "E425": "import: the schedule belongs to another biaswatch project",
        "E426": "artifact bucket belongs to another account",
        "E427": "lost the environment lock during apply",
        "E428": "invalid lock lease setting",
        # warnings
        "W601": "endpoint not found",
        "W602": "endpoint data capture lacks input or output",
        "W603": "schedule is busy (Pending)",
        "W604": "schedule is in status Failed",
        "W605": "analysis config object altered or unreadable",
        "W606": "owned resource not in git (orphan)",
        "W607": "IAM policy exceeds the managed-policy size limit",
        "W610": "alarm action in another region",
        "W611": "alarm on a one-off (NOW) schedule",
        "W612": "alarm under the project's prefix not owned by it (left alone)",
    }
)

CODES.update(
    {
        # analysis on data (preview, baseline, capture merge)
        "E701": "sample file cannot be read",
        "E702": "sample file has no data rows",
        "E703": "sample row malformed",
        "E704": "facet column missing from the data",
        "E705": "label column missing from the data",
        "E706": "prediction column missing from the data",
        "E707": "group_variable column missing from the data",
        "E708": "facet value never occurs in the data",
        "E709": "no predicted positives",
        "E710": "label values do not match label_values_or_threshold",
        "E711": "prediction column is not numeric but a probability threshold applies",
        "E712": "analysis config cannot be analysed",
        "E713": "Clarify could not analyse a facet",
        "E714": "baseline constraints document invalid",
        "E715": "capture or ground-truth record unreadable",
        "E716": "captured payload does not match the analysis config",
        "E717": "no captured data to read",
        "W620": "metric could not be computed",
        "W621": "captured records without ground truth",
        "W622": "ground truth without a captured record",
        "W623": "no positive labels in the data",
        "W624": "facet value covers every row (no comparison group)",
        "W625": "duplicate inference id",
        "W626": "flip test computed on a sample",
    }
)
