from herosim.platform.linesplit import LineSplitter


def test_a_line_split_across_chunks_is_one_line():
    splitter = LineSplitter()
    assert splitter.feed(1, b"Applying hello.0001_initial...") == []
    assert splitter.feed(1, b" OK\nnext") == ["Applying hello.0001_initial... OK"]
    assert splitter.flush() == [(1, "next")]


def test_streams_do_not_mix_and_crlf_is_trimmed():
    splitter = LineSplitter()
    assert splitter.feed(1, b"out") == []
    assert splitter.feed(2, b"err\r\n") == ["err"]
    assert splitter.feed(1, b"put\n") == ["output"]


def test_a_line_without_end_is_cut_at_the_bound():
    splitter = LineSplitter(limit=4)
    assert splitter.feed(1, b"abcdefghij") == ["abcd", "efgh"]
    assert splitter.feed(1, b"\n") == ["ij"]
