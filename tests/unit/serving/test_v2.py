"""The V2 protocol's JSON: requests typed per column, responses checked and split per row, and
the smoke request built from a reference profile."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from o16n.errors import ConfigError
from o16n.health.stats.columns import profile_frame
from o16n.serving import v2


def test_a_request_has_one_typed_input_per_column_and_the_pandas_content_type() -> None:
    rows = pd.DataFrame({"x": [1.5, 2.0], "n": [3, 4], "flag": [True, False], "city": ["a", "b"]})
    body = json.loads(v2.encode(rows, ["predict_proba"]))
    assert body["parameters"] == {"content_type": "pd"}
    assert body["outputs"] == [{"name": "predict_proba"}]
    assert [(i["name"], i["datatype"], i["shape"], i["data"]) for i in body["inputs"]] == [
        ("x", "FP64", [2, 1], [1.5, 2.0]),
        ("n", "INT64", [2, 1], [3, 4]),
        ("flag", "BOOL", [2, 1], [True, False]),
        ("city", "BYTES", [2, 1], ["a", "b"]),
    ]


def test_a_missing_value_is_sent_as_null_and_mlserver_reads_it_back_as_missing() -> None:
    rows = pd.DataFrame({"x": [1.5, float("nan")], "city": ["a", None]})
    body = json.loads(v2.encode(rows))
    assert [i["data"] for i in body["inputs"]] == [[1.5, None], ["a", None]]
    codecs = pytest.importorskip("mlserver.codecs")
    types = pytest.importorskip("mlserver.types")
    decoded = codecs.PandasCodec.decode_request(types.InferenceRequest(**body))
    assert decoded["x"].isna().tolist() == [False, True]
    assert decoded["city"].isna().tolist() == [False, True]


def test_outputs_are_split_per_row() -> None:
    answer = {
        "outputs": [
            {"name": "predict", "shape": [2, 1], "data": [1, 0]},
            {"name": "predict_proba", "shape": [2, 2], "data": [0.1, 0.9, 0.8, 0.2]},
        ]
    }
    assert v2.outputs(json.dumps(answer), 2) == {
        "predict": [1, 0],
        "predict_proba": [[0.1, 0.9], [0.8, 0.2]],
    }


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("not json", "not a V2 inference response"),
        ({"outputs": []}, "has no outputs"),
        (
            {"outputs": [{"name": "predict", "shape": [1], "data": [1]}]},
            r"shape \[1\] and 1 values for 2 rows",
        ),
        ({"outputs": [{"name": "predict", "data": [1, 0]}]}, "KeyError"),
    ],
)
def test_a_wrong_response_is_an_error_naming_what_is_wrong(answer: object, message: str) -> None:
    text = answer if isinstance(answer, str) else json.dumps(answer)
    with pytest.raises(ConfigError, match=message):
        v2.outputs(text, 2)


def test_the_typical_row_leaves_out_the_label_and_keeps_integer_types() -> None:
    frame = pd.DataFrame(
        {
            "age": [20, 30, 41],
            "income": [1.0, 2.0, 6.0],
            "city": ["x", "y", "y"],
            "member": [False, False, True],
            "target": [0, 1, 1],
        }
    )
    row = v2.typical_row(profile_frame(frame), label="target")
    assert list(row.columns) == ["age", "income", "city", "member"]
    assert row.iloc[0].to_dict() == {"age": 30, "income": 3.0, "city": "y", "member": False}
    assert str(row["age"].dtype) == "int64"
    assert str(row["member"].dtype) == "bool"
