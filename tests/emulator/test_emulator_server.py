"""The server wrapper: loopback only, one per process, fast start, clients with local credentials."""

from __future__ import annotations

import os

import pytest

from compiler.emulator import Emulator


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", "::"])
def test_emulator__non_loopback_host__value_error(host: str) -> None:
    with pytest.raises(ValueError, match="non-loopback"):
        Emulator(host=host)


def test_emulator__non_loopback_allowed__constructs() -> None:
    # Constructed only: tests never bind anything but loopback.
    assert Emulator(host="0.0.0.0", allow_non_loopback=True).host == "0.0.0.0"


def test_emulator__start__serves_on_an_ephemeral_loopback_port() -> None:
    # How fast it starts is measured, not asserted (1-2 ms once imported; see the README).
    with Emulator(pending_seconds=0) as emu:
        assert emu.endpoint_url.startswith("http://127.0.0.1:")
        assert not emu.endpoint_url.endswith(":0")


def test_emulator__second_in_process__runtime_error(emulator: Emulator) -> None:
    with pytest.raises(RuntimeError, match="another biaswatch emulator"):
        Emulator().start()


def test_emulator__stopped__endpoint_url_raises() -> None:
    emu = Emulator()
    with pytest.raises(RuntimeError, match="not running"):
        _ = emu.endpoint_url


def test_client__credentials__only_on_client_not_environment(emulator: Emulator) -> None:
    before = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}
    sm = emulator.client("sagemaker")
    assert sm.meta.endpoint_url == emulator.endpoint_url
    assert sm.meta.config.retries == {"mode": "standard", "total_max_attempts": 3}
    assert {k: v for k, v in os.environ.items() if k.startswith("AWS_")} == before


def test_emulator__other_account__arns_use_it() -> None:
    with Emulator(pending_seconds=0, account_id="210987654321") as emu:
        sm = emu.client("sagemaker")
        sm.create_model(
            ModelName="m",
            ExecutionRoleArn="arn:aws:iam::210987654321:role/R",
            PrimaryContainer={"Image": "x"},
        )
        assert ":210987654321:" in sm.describe_model(ModelName="m")["ModelArn"]


def test_emulator__reset__forgets_state(emulator: Emulator) -> None:
    s3 = emulator.client("s3")
    s3.create_bucket(Bucket="acme")
    emulator.reset()
    assert s3.list_buckets()["Buckets"] == []


def test_emulator__port_taken__os_error_and_slot_released() -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(OSError, match="cannot start the emulator"):
            Emulator(port=port).start()
    with Emulator(pending_seconds=0):
        pass
