"""serving.predict against a stand-in V2 server: the label left out of the request, outputs per
row, a refusal as a result, and no server as a usage error that says how to start one."""

from __future__ import annotations

from pathlib import Path

import pytest

from o16n.errors import UsageError
from o16n.serving.predict import predict
from tests.unit.serving.test_client import _Stand, stand

__all__ = ["stand"]  # the stand-in server fixture, shared with the client's tests


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "o16n.yaml").write_text("version: 1\nmodel: churn\nserving: {label: target}\n")
    (tmp_path / "rows.csv").write_text("x,kind,target\n1.0,a,0\n2.0,b,1\n3.0,c,0\n")
    return tmp_path


def answer(*probabilities: float) -> dict[str, object]:
    return {
        "model_version": "v1.2.0",
        "outputs": [
            {"name": "predict", "shape": [len(probabilities), 1], "data": list(probabilities)}
        ],
    }


def test_the_first_rows_go_without_the_label_and_come_back_per_row(
    project: Path, stand: str
) -> None:
    _Stand.reply = (200, answer(0.25, 0.75), {"X-O16n-Version": "v1.2.0"})
    done = predict(project, "staging", project / "rows.csv", 2, ["predict"], url=stand)
    _, sent = _Stand.seen[-1]
    assert [i["name"] for i in sent["inputs"]] == ["x", "kind"]
    assert (done.ok, done.rows, done.version) == (True, 2, "v1.2.0")
    assert done.outputs == {"predict": [0.25, 0.75]}


def test_an_http_error_is_a_result_with_what_the_server_said(project: Path, stand: str) -> None:
    _Stand.reply = (500, {"error": "model not loaded"}, {})
    done = predict(project, "staging", project / "rows.csv", 1, url=stand)
    assert not done.ok and done.error.startswith("HTTP 500: ")
    assert "model not loaded" in done.error and done.outputs == {}


def test_an_answer_with_the_wrong_row_count_is_a_result_not_a_crash(
    project: Path, stand: str
) -> None:
    _Stand.reply = (200, answer(0.5), {})
    done = predict(project, "staging", project / "rows.csv", 2, url=stand)
    assert not done.ok and "for 2 rows" in done.error


def test_no_server_is_a_usage_error_that_says_how_to_start_one(project: Path) -> None:
    with pytest.raises(UsageError, match="no server answers at http://127.0.0.1:9") as raised:
        predict(project, "staging", project / "rows.csv", 1, url="http://127.0.0.1:9")
    assert raised.value.hint == "start one: o16n serve --env staging --detach"


def test_a_url_that_is_not_http_is_refused_before_anything_is_sent(project: Path) -> None:
    with pytest.raises(UsageError, match="give http://HOST:PORT"):
        predict(project, "staging", project / "rows.csv", 1, url="ftp://127.0.0.1")
