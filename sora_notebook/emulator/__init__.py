"""The built-in emulator: an offline server for the OpenAI Video API that renders real MP4s.

`create_app(...)` returns a Starlette app for in-process use (`httpx.ASGITransport`) or
uvicorn (`sora-notebook emulator`). See docs/CONTRACTS.md for the interface.
"""

from sora_notebook.emulator.app import create_app
from sora_notebook.emulator.faults import KINDS as FAULT_KINDS
from sora_notebook.emulator.faults import ConnectionDropped, FaultPlan

__all__ = ["FAULT_KINDS", "ConnectionDropped", "FaultPlan", "create_app"]
