"""The bodies Elasticsearch 8 reads, by Content-Type (pure)."""

import pytest

from searchlite.media import body_refusal


@pytest.mark.parametrize("values", [["application/json"], ["application/json; charset=UTF-8"],
                                    ["application/x-ndjson"], ["Application/JSON"], ["application/*"],
                                    ["application/vnd.elasticsearch+json; compatible-with=8"],
                                    ["application/vnd.elasticsearch+x-ndjson;compatible-with=7"]])
def test_json_bodies_are_read(values):
    assert body_refusal(values, has_body=True) is None


@pytest.mark.parametrize("values, sentence", [
    (["text/plain"], "Content-Type header [text/plain] is not supported"),
    (["text/plain;charset=UTF-8"], "Content-Type header [text/plain;charset=UTF-8] is not supported"),
    (["application/x-www-form-urlencoded"], "Content-Type header [application/x-www-form-urlencoded] is not supported"),
    (["multipart/form-data; boundary=x"], "Content-Type header [multipart/form-data; boundary=x] is not supported"),
    (["text/html"], "Content-Type header [text/html] is not supported"),
    (None, "Content-Type header is missing"),
])
def test_what_a_web_page_may_send_anywhere_is_refused(values, sentence):
    # the CORS-safelisted types need no preflight: a page on any origin could POST _delete_by_query
    error = body_refusal(values, has_body=True)
    assert error.status == 406 and error.body() == {"error": sentence, "status": 406}


def test_no_body_no_refusal():
    assert body_refusal(["text/plain"], has_body=False) is None
    assert body_refusal(None, has_body=False) is None


def test_content_types_without_a_parser_here_are_named():
    error = body_refusal(["application/yaml"], has_body=True)
    assert error.status == 400 and "[Content-Type application/yaml] is not supported by herosim's lite" in error.reason
    bulk = body_refusal(["application/yaml"], has_body=True, bulk=True)
    assert bulk.body() == {"error": "Content-Type [yaml] does not support stream parsing. Use JSON or SMILE instead",
                           "status": 406}
