"""What `framing serve` was asked for: the options every worker process builds its app from."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from typing import Optional

__all__ = ["CONFIG_ENV", "DEFAULT_MAX_BYTES", "ServeConfig"]

#: How the parent hands its options to uvicorn's worker processes (--workers N).
CONFIG_ENV = "FRAMING_SERVE_CONFIG"
DEFAULT_MAX_BYTES = 1_000_000


@dataclass(frozen=True)
class ServeConfig:
    """What `framing serve` was asked for; every worker builds its app from this."""

    host: str = "127.0.0.1"
    port: int = 8000
    tier: Optional[str] = None  # None: the default tier (or the --model's own)
    model: Optional[str] = None  # --model PATH: this model and no other
    workers: int = 1
    token: Optional[str] = None
    allow_urls: bool = False
    max_bytes: int = DEFAULT_MAX_BYTES

    def to_env(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls, value: str | None = None) -> ServeConfig:
        raw = os.environ.get(CONFIG_ENV) if value is None else value
        if not raw:
            return cls()
        return cls(**json.loads(raw))
