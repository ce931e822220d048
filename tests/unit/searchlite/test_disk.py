"""The flood-stage watermark: past 95 % of the disk, documents are written no more (429) until
the disk is back under 90 %; deletes still run (engine over a temporary folder, fake disk)."""

import json

from searchlite.disk import FloodStage
from searchlite.engine import Engine
from searchlite.errors import SearchError

BLOCK = ("index [posts] blocked by: [TOO_MANY_REQUESTS/12/disk usage exceeded flood-stage watermark, index has "
         "read-only-allow-delete block];")


class Disk:
    """A disk whose use the test sets; the clock moves a second per reading."""

    def __init__(self):
        self.used, self.now = 0.5, 0.0

    def usage(self, path):
        return 1000, int(self.used * 1000), 1000 - int(self.used * 1000)

    def clock(self):
        self.now += 1
        return self.now


def write(engine, doc_id):
    try:
        return engine.put("posts", doc_id, {"title": "t"}, create=False, refresh=None)[0]
    except SearchError as error:
        assert (error.kind, error.reason) == ("cluster_block_exception", BLOCK)
        return error.status


def test_writes_stop_past_the_flood_stage_and_resume_under_the_high_watermark(tmp_path):
    disk = Disk()
    engine = Engine(tmp_path, FloodStage(tmp_path, disk.usage, disk.clock))
    assert write(engine, "1") == 201
    disk.used = 0.96
    assert write(engine, "2") == 429
    assert engine.delete("posts", "1", None)[0] == 200  # space can be freed
    items = json.loads(engine.bulk(None, '{"index":{"_index":"posts","_id":"3"}}\n{"t":1}\n', None))["items"]
    assert items[0]["index"]["status"] == 429 and items[0]["index"]["error"]["type"] == "cluster_block_exception"
    disk.used = 0.92  # between the watermarks: still blocked
    assert write(engine, "4") == 429
    disk.used = 0.89
    assert write(engine, "5") == 201


def test_an_index_may_be_blocked_by_its_setting(tmp_path):
    disk = Disk()
    engine = Engine(tmp_path, FloodStage(tmp_path, disk.usage, disk.clock))
    engine.create("posts", {"settings": {"index.blocks.read_only_allow_delete": True}})
    assert write(engine, "1") == 429
