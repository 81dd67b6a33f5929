"""A local SageMaker emulator for biaswatch: moto extended with monitoring schedules and SageMaker's rules."""

from compiler.emulator.server import Emulator
from compiler.emulator.state import StateFileError

__all__ = ["Emulator", "StateFileError"]
