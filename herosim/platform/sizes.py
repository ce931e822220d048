"""Dyno sizes: memory quota (R14 above it) and the kill threshold (R15) (Dev Center: dyno-memory-behavior, dyno-types)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DynoSize:
    name: str
    memory_mb: int   # the quota: R14 above it
    kill_factor: float = 2.0  # R15: killed at twice the quota

    @property
    def kill_bytes(self) -> int:
        return int(self.memory_mb * self.kill_factor) * 1024 * 1024


SIZES = {
    "eco": DynoSize("Eco", 512), "basic": DynoSize("Basic", 512),
    "standard-1x": DynoSize("Standard-1X", 512), "standard-2x": DynoSize("Standard-2X", 1024),
    "performance-m": DynoSize("Performance-M", 2560), "performance-l": DynoSize("Performance-L", 14336),
    "performance-l-ram": DynoSize("Performance-L-RAM", 30720), "performance-xl": DynoSize("Performance-XL", 63488),
    "performance-2xl": DynoSize("Performance-2XL", 129024),
}
DEFAULT_SIZE = "basic"
