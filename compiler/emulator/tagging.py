"""Monitoring schedules in the Resource Groups Tagging API, and AWS's page sizes.

moto's `resourcegroupstaggingapi` backend asks every backend that mixes in its
`TaggableResourcesMixin` for its resources; moto's SageMaker backend answers with its own
resource types (model bias job definitions included, as
`sagemaker:model-bias-job-definition`) but knows no monitoring schedules — those live in
the emulator's extras (`schedules.py`). This module extends moto (nothing copied):
`SageMakerModelBackend.iter_tagged_resources` also yields every schedule with its current
tags as `sagemaker:monitoring-schedule` (the ARN's service and resource type, which is how
GetResources names types). TagFilters, ResourceTypeFilters (`sagemaker` or
`sagemaker:<type>`), ResourceARNList and the opaque PaginationToken are moto's own.

Readings the emulator assumes (UNCONFIRMED against AWS):
- that the tagging API covers monitoring schedules and bias job definitions at all, and
  sees a new resource or tag at once. AWS documents the API as eventually consistent, so
  biaswatch's reader falls back to ListTags for any schedule the pages did not return;
- that `TagsPerPage` limits a page only when the request sends it (AWS recommends
  `ResourcesPerPage` instead). moto always applies 100 tags per page, which would cut a
  page of 100 resources with four tags each to 24; here a page holds `ResourcesPerPage`.

Like AWS (and moto), only resources that carry tags are returned. The SageMaker resources
are listed once, when the first page is asked for, so a page walk never trips over a
dictionary that another request changes under it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

from moto.core.resource_tagging import TaggedResource
from moto.core.responses import ActionResult
from moto.resourcegroupstaggingapi.exceptions import ResourceGroupsTaggingAPIError
from moto.resourcegroupstaggingapi.responses import ResourceGroupsTaggingAPIResponse
from moto.sagemaker.models import SageMakerModelBackend

from compiler.emulator import schedules

SCHEDULE_TYPE = "sagemaker:monitoring-schedule"
BIAS_DEFINITION_TYPE = "sagemaker:model-bias-job-definition"

# Large enough never to cut a page of ResourcesPerPage (max 100) resources.
_UNLIMITED_TAGS = 10**9

_original: dict[str, Callable[..., Any]] = {}
_install_lock = threading.Lock()


def _tag_dict(tags: list[dict[str, str]]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in tags}


def _iter_tagged_resources(self: SageMakerModelBackend) -> Iterator[TaggedResource]:
    """moto's SageMaker resources plus the emulator's schedules, as one snapshot."""
    with schedules.lock:
        found = list(_original["iter_tagged_resources"](self))
        known = {r.arn for r in found}
        found.extend(
            TaggedResource(s.arn, _tag_dict(s.tags), SCHEDULE_TYPE)
            for s in schedules.extras(self).schedules.values()
            if s.arn not in known  # a future moto that lists schedules itself
        )
    return iter(found)


def _h_get_resources(self: ResourceGroupsTaggingAPIResponse) -> ActionResult:
    """moto's handler, except that TagsPerPage limits a page only when it is sent."""
    tags_per_page = self._get_int_param("TagsPerPage")
    if tags_per_page is not None and tags_per_page not in range(100, 501):
        raise ResourceGroupsTaggingAPIError(
            "InvalidParameterException", "TagsPerPage must be between 100 and 500"
        )
    resources_per_page = self._get_int_param("ResourcesPerPage", 50)
    if resources_per_page not in range(1, 101):
        raise ResourceGroupsTaggingAPIError(
            "InvalidParameterException", "ResourcesPerPage must be between 1 and 100"
        )
    token, resources = self.backend.get_resources(
        pagination_token=self._get_param("PaginationToken"),
        tag_filters=self._get_param("TagFilters", []),
        resources_per_page=resources_per_page,
        tags_per_page=tags_per_page if tags_per_page is not None else _UNLIMITED_TAGS,
        resource_type_filters=self._get_param("ResourceTypeFilters", []),
        resource_arn_list=self._get_param("ResourceARNList", []),
    )
    result: dict[str, Any] = {
        "ResourceTagMappingList": [
            {"ResourceARN": r.arn, "Tags": [{"Key": k, "Value": v} for k, v in r.tags.items()]}
            for r in resources
        ]
    }
    if token:
        result["PaginationToken"] = token
    return ActionResult(result)


def install() -> None:
    """Attach the schedules to moto's SageMaker tagging and AWS's page sizes; idempotent."""
    with _install_lock:
        if _original:
            return
        _original["iter_tagged_resources"] = SageMakerModelBackend.iter_tagged_resources
        _original["get_resources"] = ResourceGroupsTaggingAPIResponse.get_resources
        SageMakerModelBackend.iter_tagged_resources = _iter_tagged_resources  # type: ignore[method-assign]
        ResourceGroupsTaggingAPIResponse.get_resources = _h_get_resources  # type: ignore[method-assign]
