"""Dyno sizes: memory quota (R14 above it), the kill threshold (R15) and how many of them a
process type may run (Dev Center: dyno-memory-behavior, dyno-types, dyno-scaling-and-process-limits)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DynoSize:
    name: str
    memory_mb: int   # the quota: R14 above it
    per_type: int = 100       # dynos of one process type; Eco and Basic: one, Performance: ten
    kill_factor: float = 2.0  # R15: killed at twice the quota

    @property
    def kill_bytes(self) -> int:
        return int(self.memory_mb * self.kill_factor) * 1024 * 1024


SIZES = {
    "eco": DynoSize("Eco", 512, 1), "basic": DynoSize("Basic", 512, 1),
    "standard-1x": DynoSize("Standard-1X", 512), "standard-2x": DynoSize("Standard-2X", 1024),
    "performance-m": DynoSize("Performance-M", 2560, 10), "performance-l": DynoSize("Performance-L", 14336, 10),
    "performance-l-ram": DynoSize("Performance-L-RAM", 30720, 10),
    "performance-xl": DynoSize("Performance-XL", 63488, 10), "performance-2xl": DynoSize("Performance-2XL", 129024, 10),
}
DEFAULT_SIZE = "basic"
APP_DYNO_LIMIT = 100   # "applications can run a total of 100 dynos across all process types"
ECO_DYNO_LIMIT = 2     # "Apps running on Eco dynos can have a maximum of two concurrently running dynos"
