"""Strict checks of API payloads against botocore's SageMaker service model.

botocore validates only required members, types and minimums on the client; SageMaker
also enforces maximums, patterns and enums on the server. This module checks all of
them, reading the model from the installed botocore at run time (never a copied table),
so that the compiler, the emulator and the tests share one definition of "valid".
"""

from __future__ import annotations

import datetime as _dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import regex
from botocore.loaders import Loader
from botocore.model import ServiceModel, Shape


@dataclass(frozen=True)
class ModelProblem:
    """One way a payload breaks the service model; `path` uses API member names."""

    path: str
    message: str


@dataclass(frozen=True)
class Partition:
    name: str  # the ARN partition: aws, aws-cn, aws-us-gov, aws-iso-f, ...
    dns_suffix: str


@functools.cache
def partition_of(region: str) -> Partition:
    """The partition botocore's endpoint data puts a region in (not a prefix guess)."""
    data = Loader().load_data("endpoints")
    for p in data["partitions"]:
        if region in p.get("regions", {}) or regex.fullmatch(p["regionRegex"], region):
            return Partition(p["partition"], p["dnsSuffix"])
    return Partition("aws", "amazonaws.com")


@functools.cache
def service_model(service: str = "sagemaker") -> ServiceModel:
    loader = Loader()
    data = loader.load_service_model(service, "service-2")
    return ServiceModel(data, service_name=service)


def shape(name: str, service: str = "sagemaker") -> Shape:
    return service_model(service).shape_for(name)


def enum_values(shape_name: str, service: str = "sagemaker") -> tuple[str, ...]:
    found: Any = shape(shape_name, service)
    return tuple(found.enum)


def string_limits(shape_name: str, service: str = "sagemaker") -> Mapping[str, Any]:
    return shape(shape_name, service).metadata


@functools.cache
def _compiled(pattern: str) -> regex.Pattern[str]:
    return regex.compile(pattern)


def matches_pattern(value: str, pattern: str) -> bool:
    """AWS patterns are implicitly anchored: the whole value must match."""
    return _compiled(pattern).fullmatch(value) is not None


def check_request(
    operation: str, params: Mapping[str, Any], service: str = "sagemaker"
) -> tuple[ModelProblem, ...]:
    """All the problems of an operation's input payload, by API path."""
    op = service_model(service).operation_model(operation)
    if op.input_shape is None:
        return ()
    problems: list[ModelProblem] = []
    _check(op.input_shape, params, "", problems)
    return tuple(problems)


def check_shape(
    shape_name: str, value: Any, service: str = "sagemaker"
) -> tuple[ModelProblem, ...]:
    problems: list[ModelProblem] = []
    _check(shape(shape_name, service), value, "", problems)
    return tuple(problems)


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _check(sh: Any, value: Any, path: str, out: list[ModelProblem]) -> None:
    where = path or sh.name
    kind = sh.type_name
    meta = sh.metadata
    if kind == "structure":
        if not isinstance(value, Mapping):
            out.append(ModelProblem(where, f"expected a structure ({sh.name})"))
            return
        members = sh.members
        for req in sh.required_members:
            if req not in value:
                out.append(ModelProblem(_join(path, req), "required member missing"))
        for key, sub in value.items():
            if key not in members:
                out.append(ModelProblem(_join(path, key), f"unknown member of {sh.name}"))
                continue
            _check(members[key], sub, _join(path, key), out)
        if sh.is_tagged_union and len(value) != 1:
            out.append(ModelProblem(where, f"{sh.name} is a union: set exactly one member"))
        return
    if kind == "list":
        if not isinstance(value, list | tuple):
            out.append(ModelProblem(where, f"expected a list ({sh.name})"))
            return
        _check_size(len(value), meta, where, "items", out)
        for i, item in enumerate(value):
            _check(sh.member, item, f"{where}[{i}]", out)
        return
    if kind == "map":
        if not isinstance(value, Mapping):
            out.append(ModelProblem(where, f"expected a map ({sh.name})"))
            return
        _check_size(len(value), meta, where, "entries", out)
        for k, v in value.items():
            _check(sh.key, k, f"{where}.{k}(key)", out)
            _check(sh.value, v, f"{where}.{k}", out)
        return
    if kind == "string":
        if not isinstance(value, str):
            out.append(ModelProblem(where, f"expected a string, got {type(value).__name__}"))
            return
        _check_size(len(value), meta, where, "characters", out)
        if sh.enum and value not in sh.enum:
            out.append(ModelProblem(where, f"{value!r} is not one of {sh.name}'s values"))
        pattern = meta.get("pattern")
        if pattern and not matches_pattern(value, pattern):
            out.append(ModelProblem(where, f"{value!r} does not match pattern {pattern}"))
        return
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            out.append(ModelProblem(where, f"expected an integer, got {type(value).__name__}"))
            return
        _check_range(value, meta, where, out)
        return
    if kind in ("double", "float"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            out.append(ModelProblem(where, f"expected a number, got {type(value).__name__}"))
            return
        _check_range(value, meta, where, out)
        return
    if kind == "boolean":
        if not isinstance(value, bool):
            out.append(ModelProblem(where, f"expected a boolean, got {type(value).__name__}"))
        return
    if kind == "timestamp":
        if not isinstance(value, _dt.datetime | int | float | str):
            out.append(ModelProblem(where, "expected a timestamp"))
        return
    # blob and anything newer: accept; nothing in the bias API uses them


def _check_size(
    size: int, meta: Mapping[str, Any], where: str, unit: str, out: list[ModelProblem]
) -> None:
    if "min" in meta and size < meta["min"]:
        out.append(ModelProblem(where, f"has {size} {unit}, fewer than the minimum {meta['min']}"))
    if "max" in meta and size > meta["max"]:
        out.append(ModelProblem(where, f"has {size} {unit}, more than the maximum {meta['max']}"))


def _check_range(
    value: float, meta: Mapping[str, Any], where: str, out: list[ModelProblem]
) -> None:
    if "min" in meta and value < meta["min"]:
        out.append(ModelProblem(where, f"{value} is below the minimum {meta['min']}"))
    if "max" in meta and value > meta["max"]:
        out.append(ModelProblem(where, f"{value} is above the maximum {meta['max']}"))
