from herosim.platform import sizes
from herosim.runtime.listeners import wildcard_listeners

# /proc/net/tcp and tcp6 from a container: 8080 on 0.0.0.0, 5000 on 127.0.0.1,
# 9000 on :: (tcp6), an established connection on 8080.
PROC_NET = """\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1 1 0 100 0 0 10 0
   1: 0100007F:1388 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 2 1 0 100 0 0 10 0
   2: 0500A8C0:1F90 0100A8C0:D2F0 01 00000000:00000000 00:00000000 00000000  1000        0 3 1 0 100 0 0 10 0
  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:2328 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4 1 0 100 0 0 10 0
   1: 00000000000000000000000001000000:1771 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 5 1 0 100 0 0 10 0
"""


def test_only_wildcard_listeners_count_as_bound():
    assert wildcard_listeners(PROC_NET) == {8080, 9000}


def test_sizes_kill_at_twice_the_quota():
    assert sizes.SIZES["standard-2x"].kill_bytes == 2048 * 1024 * 1024
    assert sizes.SIZES[sizes.DEFAULT_SIZE].memory_mb == 512
