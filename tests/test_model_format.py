"""The model file is data, not code: arrays + JSON, only trusted types, one-line errors for anything else."""

from __future__ import annotations

import io
import json
import pickle
import shutil
import zipfile

import numpy as np
import pytest

from conftest import assert_one_line_error, run_cli
from framing.errors import FramingError
from framing.model import arrays
from framing.model import card_path

SENTENCES = ["Critics slammed the reckless scheme as a cash grab.", "The council met on Tuesday.",
             "The senator said the bill would \"destroy\" the economy."]


def test_round_trip_predicts_exactly_the_same(small_model):
    data = arrays.dumps(small_model.pipeline)
    again = arrays.loads(data)
    assert np.array_equal(small_model.pipeline.decision_function(SENTENCES), again.decision_function(SENTENCES))
    assert arrays.dumps(again) == data  # nothing lost, and the bytes are deterministic


def test_shared_containers_stay_shared():
    shared = {"bias": {"scheme", "slam"}}
    loaded = arrays.loads(arrays.dumps({"a": shared, "b": shared, "t": (1, 2.5), "k": {3: "x"}}))
    assert loaded["a"] is loaded["b"] and loaded["a"] == shared
    assert loaded["t"] == (1, 2.5) and loaded["k"] == {3: "x"}


def test_no_pickle_inside(small_model_path):
    with zipfile.ZipFile(small_model_path) as zf:
        names = zf.namelist()
        assert names[0] == "state.json" and all(n.endswith(".npy") for n in names[1:])
        for name in names[1:]:
            np.load(io.BytesIO(zf.read(name)), allow_pickle=False)  # raises if an array needed pickle


def _rewrite(state_change, data: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            payload = src.read(info)
            if info.filename == "state.json":
                state = json.loads(payload)
                state_change(state)
                payload = json.dumps(state).encode()
            dst.writestr(info.filename, payload)
    return out.getvalue()


def test_untrusted_type_is_refused_without_importing_it(small_model):
    data = arrays.dumps(small_model.pipeline)

    def smuggle(state):
        state["root"] = {"$obj": "os.system", "state": {}}

    with pytest.raises(FramingError, match="type framing does not load: 'os.system'"):
        arrays.loads(_rewrite(smuggle, data))


@pytest.mark.parametrize("data, message", [
    (pickle.dumps({"format": "framing-model"}), "not a framing model file"),
    (b"PK\x03\x04 truncated", "not a framing model file"),
    (b"", "not a framing model file"),
])
def test_foreign_bytes_are_one_line(data, message):
    with pytest.raises(FramingError, match=message):
        arrays.loads(data)


def test_other_arrays_format_version_is_refused(small_model):
    data = _rewrite(lambda s: s.update(format_version=99), arrays.dumps(small_model.pipeline))
    with pytest.raises(FramingError, match="arrays format version 99"):
        arrays.loads(data)


def _forge(tmp_path, small_model_path, data: bytes):
    """A model file whose card matches it (so the hash check passes) but whose content is not a model."""
    import hashlib

    target = tmp_path / "forged.framing"
    target.write_bytes(data)
    card = json.loads(card_path(small_model_path).read_text())
    card["artifact"]["sha256"] = hashlib.sha256(data).hexdigest()
    card_path(target).write_text(json.dumps(card))
    return target


@pytest.mark.parametrize("kind", ["pickle", "damaged", "zip"])
def test_cli_refuses_foreign_or_damaged_model_in_one_line(tmp_path, small_model_path, kind):
    good = small_model_path.read_bytes()
    if kind == "pickle":
        # A pickle that would run code if unpickled: it must never be.
        data = pickle.dumps(shutil.rmtree)
    elif kind == "damaged":
        data = _rewrite(lambda s: s["root"]["pipeline"].update(state={}), good)
    else:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as zf:
            zf.writestr("hello.txt", "hi")
        data = out.getvalue()
    model = _forge(tmp_path, small_model_path, data)
    result = run_cli("predict", "--model", str(model), "-", input="The council met.\n")
    assert_one_line_error(result, str(model))


def test_card_records_formats_and_hashes(small_model_path):
    card = json.loads(card_path(small_model_path).read_text())
    assert card["artifact"]["format"] == arrays.ARRAYS_FORMAT
    assert card["artifact"]["format_version"] == arrays.ARRAYS_FORMAT_VERSION
    assert len(card["artifact"]["sha256"]) == 64
