"""Injected faults: one per request from the `x-emulator-fault` header, or a seeded plan.

Kinds: `429` (rate limited, with `retry-after-ms`), `500`, `503` (handler not run),
`drop-before` (handler not run, connection fails), `drop-after` (handler ran, then the
connection fails), `slow` (answer delayed by `slow_seconds`), `truncate` (the body is cut
to half of its declared `Content-Length`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

__all__ = ["FAULT_HEADER", "KINDS", "ConnectionDropped", "FaultPlan"]

FAULT_HEADER = "x-emulator-fault"
KINDS = ("429", "500", "503", "drop-before", "drop-after", "slow", "truncate")


class ConnectionDropped(ConnectionError):
    """Raised inside the ASGI app to drop the connection.

    In-process, the client's transport turns it into a transport error; over uvicorn the
    response has already started, so the server closes the socket mid-response.
    """


@dataclass
class FaultPlan:
    """Seeded random faults: each request fails with probability `rate`, kind from `kinds`."""

    rate: float = 0.0
    kinds: tuple[str, ...] = KINDS
    seed: int = 0
    slow_seconds: float = 1.5
    _rng: random.Random = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"fault rate must be between 0 and 1; got {self.rate}")
        self.kinds = tuple(self.kinds)
        unknown = [k for k in self.kinds if k not in KINDS]
        if unknown or not self.kinds:
            raise ValueError(f"unknown fault kinds {unknown}; choose from {', '.join(KINDS)}")
        self._rng = random.Random(self.seed)

    def draw(self) -> str | None:
        """The fault for the next request, or None."""
        if self.rate <= 0:
            return None
        if self._rng.random() < self.rate:
            return self._rng.choice(self.kinds)
        return None

    @classmethod
    def parse(cls, spec: str) -> FaultPlan:
        """`"rate=0.2,kinds=429+500+drop-after,seed=1,slow=0.5"` -> FaultPlan.

        Defaults: rate 0.1, every kind, seed 0, slow 1.5 s.
        """
        values: dict[str, str] = {}
        for part in filter(None, (p.strip() for p in spec.split(","))):
            key, sep, value = part.partition("=")
            if not sep:
                raise ValueError(f"fault spec part {part!r} is not key=value")
            values[key.strip()] = value.strip()
        known = {"rate", "kinds", "seed", "slow"}
        if set(values) - known:
            raise ValueError(f"unknown fault spec keys {sorted(set(values) - known)}")
        return cls(
            rate=float(values.get("rate", "0.1")),
            kinds=tuple(values["kinds"].split("+")) if "kinds" in values else KINDS,
            seed=int(values.get("seed", "0")),
            slow_seconds=float(values.get("slow", "1.5")),
        )
