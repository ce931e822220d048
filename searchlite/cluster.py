"""What the cluster says of itself: the root document, health, an index's settings."""

from __future__ import annotations

import socket
import uuid

from searchlite import LUCENE_VERSION, VERSION, limits

CLUSTER_UUID = uuid.uuid5(uuid.NAMESPACE_DNS, "herosim-search-lite").hex[:22]


def settings_body(index) -> dict:
    given = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in index.settings.items()}
    return {"index": {"number_of_shards": "1", "number_of_replicas": "1", **limits.nest(given), "uuid": index.uuid,
                      "provided_name": index.name, "creation_date": str(int(index.created)),
                      "version": {"created": "8512000"}}}


def info() -> dict:
    return {
        "name": socket.gethostname(), "cluster_name": "herosim", "cluster_uuid": CLUSTER_UUID,
        "version": {"number": VERSION, "build_flavor": "default", "build_type": "docker",
                    "build_hash": "herosim", "build_date": "2026-01-01T00:00:00.000Z", "build_snapshot": False,
                    "lucene_version": LUCENE_VERSION, "minimum_wire_compatibility_version": "7.17.0",
                    "minimum_index_compatibility_version": "7.0.0"},
        "tagline": "You Know, for Search",
    }


def health(engine) -> dict:
    count = len(engine.indices)
    return {"cluster_name": "herosim", "status": "green", "timed_out": False, "number_of_nodes": 1,
            "number_of_data_nodes": 1, "active_primary_shards": count, "active_shards": count,
            "relocating_shards": 0, "initializing_shards": 0, "unassigned_shards": 0, "delayed_unassigned_shards": 0,
            "number_of_pending_tasks": 0, "number_of_in_flight_fetch": 0, "task_max_waiting_in_queue_millis": 0,
            "active_shards_percent_as_number": 100.0}
