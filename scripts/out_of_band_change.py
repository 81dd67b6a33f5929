"""Demo helper: change a schedule in the local emulator's account behind git's back.

Starts the emulator on the same state file the embedded `local` environment uses, moves
the credit-risk schedule to 05:00 daily and stops the loan-approval one, as someone
clicking in the console would.
"""

from __future__ import annotations

import sys

from compiler.emulator import Emulator


def main(state_file: str) -> int:
    with Emulator(state_file=state_file, pending_seconds=0) as emulator:
        sm = emulator.client("sagemaker")
        current = sm.describe_monitoring_schedule(MonitoringScheduleName="credit-risk-bias")
        config = {
            k: current["MonitoringScheduleConfig"][k]
            for k in ("MonitoringJobDefinitionName", "MonitoringType")
        }
        config["ScheduleConfig"] = {"ScheduleExpression": "cron(0 5 ? * * *)"}
        sm.update_monitoring_schedule(
            MonitoringScheduleName="credit-risk-bias", MonitoringScheduleConfig=config
        )
        sm.stop_monitoring_schedule(MonitoringScheduleName="loan-approval-local-bias")
    print(
        "out of band: credit-risk-bias now runs at cron(0 5 ? * * *); loan-approval-local-bias stopped"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else ".biaswatch/local-state.json"))
