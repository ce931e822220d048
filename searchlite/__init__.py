"""herosim's lite search engine: the part of Elasticsearch's REST API that web apps use,
over SQLite FTS5 (BM25). It runs inside the search add-on's sidecar, on the Python of the
offline stack, with nothing but the standard library."""

VERSION = "8.15.0"          # what it reports: the official clients check the product, not this
LUCENE_VERSION = "9.11.1"
