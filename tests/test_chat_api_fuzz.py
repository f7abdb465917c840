"""Property-based fuzzing of the chat API from its own OpenAPI schema (schemathesis,
in-process over ASGI, the fake LLM answering): whatever the body, never a 5xx, and
every error is the documented JSON."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from molsys_ai_jupyter.chat_api import ApiOptions, create_app, parse_rate_limit
from support.fake_llm import FakeLLM

REPLY = "Count them with the get function [1]. It returns the number of waters."


@pytest.fixture(scope="module")
def api_app(mini_index, tmp_path_factory):
    with FakeLLM([REPLY]) as fake:
        settings_ = mini_index.with_overrides(llm_url=fake.url, llm_timeout=5, llm_retries=0)
        options = ApiOptions(settings=settings_, anonymous=True, rate_limit=parse_rate_limit("100000/minute"),
                             feedback_db=tmp_path_factory.mktemp("fuzz") / "feedback.sqlite3", warm_up=False,
                             request_timeout_s=30)
        yield create_app(options)


@pytest.fixture(scope="module")
def api_schema(api_app):
    return schemathesis.openapi.from_asgi("/openapi.json", api_app)


def check(response) -> None:
    assert response.status_code < 500, f"{response.status_code}: {response.text[:300]}"
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"message", "hint", "kind"} and body["message"], body


OPERATIONS = [("POST", "/v1/chat", 30), ("POST", "/v1/retrieve", 15), ("POST", "/v1/feedback", 15),
              ("GET", "/healthz", 5), ("GET", "/metrics", 5)]  # 70 valid examples in all


@pytest.mark.parametrize("method, path, examples", OPERATIONS)
def test_no_valid_input_breaks_the_api(api_schema, method, path, examples):
    operation = api_schema[path][method]
    seen = []

    @given(case=operation.as_strategy())
    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def fuzz(case):
        response = case.call()
        seen.append(response.status_code)
        check(response)
        # every other schemathesis check (status codes, content types, response schemas…);
        # not "schema-valid data accepted": an unknown project or a blank question is
        # schema-valid yet answered 422 (documented)
        case.validate_response(response, excluded_checks=[positive_data_acceptance])

    fuzz()
    assert seen and (path != "/v1/chat" or 200 in seen), seen  # valid questions were answered too


@pytest.mark.parametrize("path", ["/v1/chat", "/v1/retrieve", "/v1/feedback"])
def test_invalid_bodies_are_422_never_5xx(api_schema, path):
    seen = []

    @given(case=api_schema[path]["POST"].as_strategy(GenerationMode.NEGATIVE))
    @settings(max_examples=10, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def fuzz(case):
        response = case.call()
        seen.append(response.status_code)
        check(response)
        assert response.status_code in (413, 422), (case.body, case.headers, response.text)

    fuzz()
