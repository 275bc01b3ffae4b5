"""A fitted model as data, not code: numeric arrays plus a JSON description, in one zip.

Why not pickle (joblib): unpickling runs code named by the file, so a model
file a user is handed could do anything; and a pickle of scikit-learn objects
loads only under the scikit-learn it was written by. Why not skops' safe
format: it fails on this pipeline (it recurses without end on the lexicon
sets), and it too stores scikit-learn's private state (metadata-routing
objects named by private module paths).

What is stored is what framing computes with: every estimator's attributes
(parameters and fitted state, as its ``__getstate__`` gives them) as JSON
values, large numeric arrays as ``.npy`` members read with
``allow_pickle=False``, and byte strings (the accurate tier's ONNX graph) as
members of their own. Estimators are named by a public
path and rebuilt only if the name is in :data:`TRUSTED`, an explicit list of
framing's own transformers and the three scikit-learn classes the pipeline is
made of; any other name in a file is refused. framing's own classes are named
and found through the public ``framing.features`` namespace, so moving one
between private modules does not break files already written. Loading therefore imports
nothing the file chooses, executes nothing from it, and depends on
scikit-learn's public classes only, not on how one release pickles them.

Layout of the zip: ``state.json`` = ``{"format", "format_version", "root"}``,
``arrays/N.npy`` and ``bytes/N.bin``. JSON nodes for what JSON lacks: ``{"$obj":
NAME, "state": {...}}``, ``{"$array": N}``, ``{"$bytes": N}``, ``{"$set": [...]}``, ``{"$tuple":
[...]}``, ``{"$dict": [[key, value], ...]}`` (keys that are not strings),
``{"$np": DTYPE, "value": x}`` (NumPy scalars), and ``{"$ref": N}`` /
``"$id"`` for a container shared by several estimators (the lexicons), which
is stored once and shared again on loading.
"""

from __future__ import annotations

import importlib
import io
import json
import zipfile
from typing import Any

import numpy as np

from framing.errors import FramingError

__all__ = ["ARRAYS_FORMAT", "ARRAYS_FORMAT_VERSION", "TRUSTED", "dumps", "loads"]

ARRAYS_FORMAT = "framing-arrays"
ARRAYS_FORMAT_VERSION = 1

# Public name -> where the class lives. A file may name only these; nothing
# else is ever imported on its behalf.
TRUSTED: dict[str, tuple[str, str]] = {
    "sklearn.pipeline.Pipeline": ("sklearn.pipeline", "Pipeline"),
    "sklearn.pipeline.FeatureUnion": ("sklearn.pipeline", "FeatureUnion"),
    "sklearn.linear_model.LogisticRegression": ("sklearn.linear_model", "LogisticRegression"),
    **{f"framing.features.{name}": ("framing.features", name)
       for name in ("LoadedWords", "LexiconCues", "StyleCues", "SentenceEmbedding", "NgramScore", "NgramTfidf",
                    "EncoderScore", "OnnxEncoder")},
}

# Attributes not stored: scikit-learn's metadata-routing requests matter only
# when fitting (a loaded model only predicts), and are private classes; the
# version tag BaseEstimator.__getstate__ adds is the card's business.
_SKIPPED_ATTRIBUTES = frozenset({"_metadata_request", "_sklearn_version"})
# Arrays this small stay inline in the JSON; a .npy member costs more than it holds.
_INLINE_MAX = 16
_SAFE_KINDS = "biufU"  # bool, int, uint, float, unicode: no object arrays
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # same bytes for the same model


def _class(name: str) -> type:
    module, attr = TRUSTED[name]
    return getattr(importlib.import_module(module), attr)


def _init_defaults(cls: type) -> dict[str, Any]:
    import copy
    import inspect

    params = inspect.signature(cls.__init__).parameters.values()
    return {p.name: copy.deepcopy(p.default) for p in params
            if p.name != "self" and p.default is not inspect.Parameter.empty
            and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}


def _names() -> dict[type, str]:
    return {_class(name): name for name in TRUSTED}


def _state(obj: Any) -> dict[str, Any]:
    """An estimator's attributes as its class's ``__getstate__`` gives them (caches dropped)."""
    state = obj.__getstate__()
    if state is None:  # object.__getstate__ of an instance without attributes
        return {}
    if not isinstance(state, dict):
        raise TypeError(f"cannot store a {type(obj).__qualname__}: its state is not a dict")
    return {k: v for k, v in state.items() if k not in _SKIPPED_ATTRIBUTES}


class _Writer:
    def __init__(self) -> None:
        self.arrays: list[np.ndarray] = []
        self.blobs: list[bytes] = []
        self.names = _names()
        self.counts: dict[int, int] = {}
        self.ids: dict[int, int] = {}
        self._keep: list[Any] = []  # keeps counted objects alive so their id()s stay unique

    def count(self, obj: Any) -> None:
        """First pass: how often each container is reached (shared ones are stored once)."""
        if isinstance(obj, (dict, list, set, frozenset, tuple, np.ndarray)) or type(obj) in self.names:
            key = id(obj)
            self.counts[key] = self.counts.get(key, 0) + 1
            self._keep.append(obj)
            if self.counts[key] > 1:
                return
        if isinstance(obj, dict):
            for k, v in obj.items():
                self.count(k)
                self.count(v)
        elif isinstance(obj, (list, tuple, set, frozenset)):
            for v in obj:
                self.count(v)
        elif type(obj) in self.names:
            for v in _state(obj).values():
                self.count(v)

    def encode(self, obj: Any) -> Any:
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, (int, float)) and type(obj) in (int, float):
            return obj
        if type(obj) is bytes:
            self.blobs.append(obj)
            return {"$bytes": len(self.blobs) - 1}
        if isinstance(obj, np.generic):
            if obj.dtype.kind not in _SAFE_KINDS:
                raise TypeError(f"cannot store a NumPy {obj.dtype} scalar")
            return {"$np": obj.dtype.str, "value": obj.item()}
        key = id(obj)
        if key in self.ids:
            return {"$ref": self.ids[key]}
        node = self._encode_container(obj)
        if self.counts.get(key, 0) > 1:
            self.ids[key] = len(self.ids)
            node = {"$id": self.ids[key], "value": node}
        return node

    def _encode_container(self, obj: Any) -> Any:
        if isinstance(obj, np.ndarray):
            if obj.dtype.kind not in _SAFE_KINDS:
                raise TypeError(f"cannot store a NumPy array of {obj.dtype}")
            if obj.size <= _INLINE_MAX and obj.dtype.kind != "U":
                return {"$array": None, "dtype": obj.dtype.str, "shape": list(obj.shape), "values": obj.ravel().tolist()}
            self.arrays.append(obj)
            return {"$array": len(self.arrays) - 1}
        if type(obj) in self.names:
            state = {k: self.encode(v) for k, v in _state(obj).items()}
            return {"$obj": self.names[type(obj)], "state": state}
        if type(obj) is dict:
            if all(type(k) is str for k in obj) and not any(k.startswith("$") for k in obj):
                return {k: self.encode(v) for k, v in obj.items()}
            return {"$dict": [[self.encode(k), self.encode(v)] for k, v in obj.items()]}
        if type(obj) is list:
            return [self.encode(v) for v in obj]
        if type(obj) is tuple:
            return {"$tuple": [self.encode(v) for v in obj]}
        if type(obj) in (set, frozenset):
            # Sorted, so that the same model gives the same bytes in any process
            # (set order follows string hashing, which differs from run to run).
            try:
                items = sorted(obj)
            except TypeError:
                items = sorted(obj, key=repr)
            return {"$set": [self.encode(v) for v in items], "frozen": type(obj) is frozenset}
        raise TypeError(f"cannot store a {type(obj).__module__}.{type(obj).__qualname__} in a model file "
                        "(add the class to framing.model arrays' TRUSTED list if it is framing's own)")


def dumps(obj: Any) -> bytes:
    """The bytes of a zip holding ``obj`` as JSON and arrays; TypeError for anything not storable."""
    writer = _Writer()
    writer.count(obj)
    root = writer.encode(obj)
    state = {"format": ARRAYS_FORMAT, "format_version": ARRAYS_FORMAT_VERSION, "root": root}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        def put(name: str, data: bytes) -> None:
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data, compresslevel=6)

        put("state.json", json.dumps(state, ensure_ascii=False, separators=(",", ":"), allow_nan=True).encode("utf-8"))
        for i, array in enumerate(writer.arrays):
            member = io.BytesIO()
            np.save(member, np.ascontiguousarray(array), allow_pickle=False)
            put(f"arrays/{i}.npy", member.getvalue())
        for i, blob in enumerate(writer.blobs):
            put(f"bytes/{i}.bin", blob)
    return buffer.getvalue()


class _Reader:
    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zf = zf
        self.shared: dict[int, Any] = {}

    def array(self, index: int) -> np.ndarray:
        with self.zf.open(f"arrays/{int(index)}.npy") as fh:
            array = np.load(io.BytesIO(fh.read()), allow_pickle=False)
        if array.dtype.kind not in _SAFE_KINDS:
            raise ValueError("unexpected array type")
        return array

    def decode(self, node: Any) -> Any:
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self.decode(v) for v in node]
        if not isinstance(node, dict):
            raise ValueError("unexpected JSON value")
        if "$ref" in node:
            return self.shared[node["$ref"]]
        if "$id" in node:
            # A shared container's first appearance; later ones are "$ref"s, which
            # the reader meets after it (both walk the JSON depth first, in order).
            return self._decode_shared(node)
        return self._decode_plain(node)

    def _decode_shared(self, node: dict) -> Any:
        index, inner = node["$id"], node["value"]
        value = self._decode_plain(inner) if isinstance(inner, dict) else self.decode(inner)
        self.shared[index] = value
        return value

    def _decode_plain(self, node: dict) -> Any:
        if "$obj" in node:
            name = node["$obj"]
            if name not in TRUSTED:
                raise FramingError(f"model file names a type framing does not load: {name!r}")
            cls = _class(name)
            obj = cls.__new__(cls)
            # Constructor defaults first: a parameter a later scikit-learn adds is
            # then present with its default in a file written before it existed.
            state = {k: self.decode(v) for k, v in node["state"].items()}
            for key, value in _init_defaults(cls).items():
                state.setdefault(key, value)
            obj.__dict__.update(state)
            return obj
        if "$bytes" in node:
            return self.zf.read(f"bytes/{int(node['$bytes'])}.bin")
        if "$array" in node:
            if node["$array"] is None:
                dtype = np.dtype(node["dtype"])
                if dtype.kind not in _SAFE_KINDS:
                    raise ValueError("unexpected array type")
                return np.asarray(node["values"], dtype=dtype).reshape(node["shape"])
            return self.array(node["$array"])
        if "$np" in node:
            dtype = np.dtype(node["$np"])
            if dtype.kind not in _SAFE_KINDS:
                raise ValueError("unexpected scalar type")
            return dtype.type(node["value"])
        if "$set" in node:
            items = [self.decode(v) for v in node["$set"]]
            return frozenset(items) if node.get("frozen") else set(items)
        if "$tuple" in node:
            return tuple(self.decode(v) for v in node["$tuple"])
        if "$dict" in node:
            return {self._key(k): self.decode(v) for k, v in node["$dict"]}
        return {k: self.decode(v) for k, v in node.items()}

    def _key(self, node: Any) -> Any:
        key = self.decode(node)
        return key if not isinstance(key, list) else tuple(key)


def loads(data: bytes, source: Any = None) -> Any:
    """The object stored by :func:`dumps`; a one-line FramingError for anything else."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise FramingError("not a framing model file (not an arrays-and-JSON archive)", source) from None
    with zf:
        try:
            state = json.loads(zf.read("state.json").decode("utf-8"))
        except (KeyError, ValueError, UnicodeDecodeError, zipfile.BadZipFile, OSError):
            raise FramingError("not a framing model file (no readable state.json)", source) from None
        if not isinstance(state, dict) or state.get("format") != ARRAYS_FORMAT:
            raise FramingError("not a framing model file", source)
        if state.get("format_version") != ARRAYS_FORMAT_VERSION:
            raise FramingError(f"model file is in arrays format version {state.get('format_version')}, this framing "
                               f"reads version {ARRAYS_FORMAT_VERSION}; retrain with 'framing train' or upgrade framing",
                               source)
        try:
            return _Reader(zf).decode(state["root"])
        except FramingError as exc:
            raise FramingError(exc.message, source) from None
        except (KeyError, ValueError, TypeError, IndexError, zipfile.BadZipFile, OSError) as exc:
            raise FramingError(f"model file is damaged ({type(exc).__name__})", source) from None
