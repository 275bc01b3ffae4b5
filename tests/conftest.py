"""Shared fixtures. Add yours below; keep each fixture's purpose in its docstring."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
BABE = SHARED / "corpora" / "babe" / "final_labels_SG2.csv"
LEXICONS = SHARED / "lexicons"
SEEDS = SHARED / "seeds"
EXAMPLES = REPO / "examples"
TEAM_CORPUS = REPO / "corpus" / "examples.csv"
DEFAULT_MODEL = REPO / "models" / "fast.framing"


def run_cli(*args: str, input: str | bytes | None = None, cwd: Path | None = None, env: dict | None = None):
    """Run the real `framing` command line in a subprocess, as a user would."""
    full_env = dict(os.environ, **(env or {}))
    full_env.setdefault("FRAMING_LEXICONS", str(LEXICONS))
    full_env.pop("FRAMING_DEBUG", None)
    if isinstance(input, str):
        input = input.encode("utf-8")
    return subprocess.run([sys.executable, "-m", "framing", *args], input=input, capture_output=True,
                          cwd=cwd or REPO, env=full_env, timeout=900)


def run_on_terminal(*args: str) -> tuple[int, str]:
    """Run the `framing` command line with stderr on a pseudo-terminal (as a user at a terminal sees it):
    its exit status and everything it drew there."""
    import pty

    master, slave = pty.openpty()
    env = dict(os.environ, FRAMING_LEXICONS="unused", COLUMNS="120")
    proc = subprocess.Popen([sys.executable, "-m", "framing", *args], stdout=subprocess.DEVNULL, stderr=slave,
                            cwd=REPO, env=env)
    os.close(slave)
    seen = b""
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # the terminal closes when the child exits
            break
        if not data:
            break
        seen += data
    os.close(master)
    return proc.wait(timeout=300), seen.decode("utf-8", "replace")


def assert_ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    """The run succeeded (its stderr is the failure message otherwise); returns it for chaining."""
    assert result.returncode == 0, result.stderr.decode()
    return result


def assert_one_line_error(result, *needles: str) -> str:
    """A user error: non-zero exit, no traceback, one line on stderr containing each needle."""
    err = result.stderr.decode("utf-8", errors="replace")
    assert result.returncode != 0
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    for needle in needles:
        assert needle in lines[0], err
    return lines[0]


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def lexicons_dir() -> Path:
    if not LEXICONS.is_dir():
        pytest.skip("../shared/lexicons is not beside the repository")
    return LEXICONS


@pytest.fixture(scope="session")
def lexicons(lexicons_dir):
    from framing.lexicons import load_lexicons

    return load_lexicons(lexicons_dir)


@pytest.fixture(scope="session")
def small_model_path(tmp_path_factory, lexicons_dir) -> Path:
    """A model trained through the CLI on the team's own small corpus: fast, and independent of BABE."""
    out = tmp_path_factory.mktemp("model") / "small.framing"
    result = run_cli("train", "--corpus", str(TEAM_CORPUS), "--out", str(out), "--lexicons", str(lexicons_dir))
    assert result.returncode == 0, result.stderr.decode()
    return out


@pytest.fixture(scope="session")
def small_model(small_model_path):
    from framing.model import load

    return load(small_model_path)


@pytest.fixture(scope="session")
def default_model_path() -> Path:
    if not DEFAULT_MODEL.exists():
        pytest.skip("no default model in models/ yet")
    return DEFAULT_MODEL


# -- batch runs (predict, survey) ----------------------------------------------------

@pytest.fixture(scope="module")
def dask_scheduler():
    """A LocalCluster started by the test, so the CLI connects to a cluster it did not create."""
    distributed = pytest.importorskip("distributed")
    import logging

    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=logging.ERROR)
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


# -- reports, compare and the browser test -------------------------------------

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run")


def _find_chromium() -> str | None:
    import shutil

    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="session")
def chromium() -> str:
    """Path to a headless-capable Chromium; installs Debian's package when missing and allowed.

    In CI (CI=true) the browser test must run, so failing to get Chromium is an
    error there; elsewhere it is a skip with the reason.
    """
    path = _find_chromium()
    if path is None and hasattr(os, "geteuid") and os.geteuid() == 0 and shutil_which("apt-get"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update"], capture_output=True, env=env, timeout=900)
        # Its driver too, for the Selenium tests of framing serve (tests/test_serve_browser.py).
        subprocess.run(["apt-get", "install", "-y", "chromium", "chromium-driver"], capture_output=True, env=env,
                       timeout=1800)
        path = _find_chromium()
    if path is None:
        reason = "headless Chromium is not installed and could not be installed (needs root and apt-get)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + "; CI must run the browser test")
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def chromedriver(chromium) -> str:
    """Debian's ChromeDriver for the Selenium tests (package chromium-driver), installed like Chromium when missing.

    Selenium is always given this path, so Selenium Manager never tries to download a driver or a browser.
    """
    path = "/usr/bin/chromedriver"
    if not os.path.exists(path) and hasattr(os, "geteuid") and os.geteuid() == 0 and shutil_which("apt-get"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update"], capture_output=True, env=env, timeout=900)
        subprocess.run(["apt-get", "install", "-y", "chromium-driver"], capture_output=True, env=env, timeout=1800)
    if not os.path.exists(path):
        reason = "Debian's chromium-driver is not installed and could not be installed (needs root and apt-get)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + "; CI must run the browser tests")
        pytest.skip(reason)
    return path


# -- framing serve ----------------------------------------------------------------------

def free_port() -> int:
    """A port nobody listens on at the moment, on loopback."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`framing serve` in a subprocess on a free loopback port, ready when started."""

    def __init__(self, *args: str, env: dict | None = None):
        import time
        import urllib.request

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        full_env = dict(os.environ, **(env or {}))
        full_env.pop("FRAMING_DEBUG", None)
        full_env.pop("FRAMING_TOKEN", None)
        self.proc = subprocess.Popen([sys.executable, "-m", "framing", "serve", "--port", str(self.port), *args],
                                     cwd=REPO, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        while True:
            if self.proc.poll() is not None:
                raise AssertionError("framing serve exited: " + self.proc.stderr.read().decode(errors="replace"))
            try:
                with urllib.request.urlopen(self.url + "/", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise AssertionError("framing serve did not start within 120 s") from None
                time.sleep(0.1)

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM, as a supervisor stops it; the exit code."""
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise

    def output(self) -> str:
        return self.proc.stderr.read().decode(errors="replace") if self.proc.poll() is not None else ""


def shutil_which(name: str) -> str | None:
    import shutil

    return shutil.which(name)


@pytest.fixture(scope="session")
def scoring_model_path(small_model_path) -> Path:
    """The model the report tests score with: the team-corpus model, so the tests never depend on the shipped model."""
    return small_model_path


@pytest.fixture(scope="session")
def seeds() -> list[Path]:
    """The four third-party seed articles (read-only, never copied into the repository)."""
    files = sorted(SEEDS.glob("*.txt"))
    if len(files) < 4:
        pytest.skip("../shared/seeds is not beside the repository")
    return files


# -- small data for the feature tests ------------------------------------------------

# Lexicons small enough that a fit takes a fraction of a second.
SMALL_LEX = {
    "bias": {"bizarre", "radical", "slam"},
    "assertives": {"claim"},
    "factives": {"realize"},
    "hedges": {"perhaps"},
    "implicatives": {"manage"},
    "report_verbs": {"say", "claim"},
    "subj_strong": {"disgraceful", "outrageous", "bizarre"},
    "subj_weak": {"radical"},
    "polarity": {"disgraceful": "negative", "outrageous": "negative", "bizarre": "negative"},
    "vad": {"disgraceful": (0.05, 0.8, 0.4), "outrageous": (0.1, 0.9, 0.5), "vote": (0.6, 0.4, 0.6)},
}

_LOADED = ["disgraceful", "outrageous", "bizarre", "radical", "shameless", "reckless"]
_TOPICS = ["tax bill", "vaccine plan", "border policy", "climate rule", "school budget", "trade deal"]
_ACTORS = ["The senator", "The governor", "Officials", "The committee", "The agency"]


def feature_corpus():
    """(texts, labels, biased_words): 62 short sentences, a loaded word per loaded one, for the feature tests."""
    texts, y, bw = [], [], []
    for i, topic in enumerate(_TOPICS):
        for j, actor in enumerate(_ACTORS):
            word = _LOADED[(i + j) % len(_LOADED)]
            texts.append(f"{actor} pushed a {word} {topic} through on Tuesday.")
            y.append(1)
            bw.append([word])
            texts.append(f"{actor} said the {topic} would be voted on Tuesday.")
            y.append(0)
            bw.append([])
    texts.append('She called it "a truly disgraceful and outrageous waste of money" in a statement.')
    y.append(0)
    bw.append([])
    texts.append("Why would anyone trust these so-called experts ever again?!")
    y.append(1)
    bw.append(["so-called"])
    return texts, np.array(y), bw


# -- tiny encoders for the accurate tier's tests ---------------------------------------

def _tiny_vocabulary() -> list[str]:
    from framing.corpus import read_corpus
    from framing.features import TOKEN_RE

    texts = list(read_corpus(TEAM_CORPUS).texts) + feature_corpus()[0]
    return sorted({w.lower() for t in texts for w in TOKEN_RE.findall(t)})


def tiny_tokenizer():
    """A BERT-style word-level tokenizer over the test corpora's words ([UNK] for the rest)."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors

    vocab = {tok: i for i, tok in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", *_tiny_vocabulary()])}
    tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]",
                                                       special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    return tok


def tiny_onnx_encoder():
    """An OnnxEncoder over a hand-built graph (no torch): token logit = (id mod 7) / 2 - 1.5,
    sentence logit = their mean over the real tokens. Deterministic, for the feature tests."""
    import onnx
    from onnx import TensorProto, helper

    from framing.features import OnnxEncoder
    from framing.features.onnx_encoder import GRAPH_INPUTS, GRAPH_OUTPUTS

    ids, mask = GRAPH_INPUTS  # the names the runner feeds and asks for
    sentence, tokens = GRAPH_OUTPUTS

    const = lambda name, value, dtype: helper.make_tensor(name, dtype, [], [value])  # noqa: E731
    nodes = [
        helper.make_node("Mod", [ids, "seven"], ["m"]),
        helper.make_node("Cast", ["m"], ["mf"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["mf", "half"], ["scaled"]),
        helper.make_node("Sub", ["scaled", "offset"], [tokens]),
        helper.make_node("Cast", [mask], ["maskf"], to=TensorProto.FLOAT),
        helper.make_node("Mul", [tokens, "maskf"], ["masked"]),
        helper.make_node("ReduceSum", ["masked", "axis1"], ["total"], keepdims=0),
        helper.make_node("ReduceSum", ["maskf", "axis1"], ["count"], keepdims=0),
        helper.make_node("Div", ["total", "count"], [sentence]),
    ]
    inits = [const("seven", 7, TensorProto.INT64), const("half", 0.5, TensorProto.FLOAT),
             const("offset", 1.5, TensorProto.FLOAT), helper.make_tensor("axis1", TensorProto.INT64, [1], [1])]
    dyn = ["batch", "seq"]
    graph = helper.make_graph(
        nodes, "tiny", [helper.make_tensor_value_info(ids, TensorProto.INT64, dyn),
                        helper.make_tensor_value_info(mask, TensorProto.INT64, dyn)],
        [helper.make_tensor_value_info(sentence, TensorProto.FLOAT, ["batch"]),
         helper.make_tensor_value_info(tokens, TensorProto.FLOAT, dyn)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return OnnxEncoder(model.SerializeToString(), tiny_tokenizer().to_str())


def build_tiny_encoder_dir(out: Path) -> Path:
    """A local model folder like the real encoder's (config.json, model.safetensors,
    tokenizer.json) holding a 2-layer BERT of hidden size 32, randomly initialised:
    the real fine-tuning and export code runs on it in seconds."""
    import torch
    from transformers import BertConfig, BertModel

    tok = tiny_tokenizer()
    tok.save(str(out / "tokenizer.json"))
    torch.manual_seed(0)
    config = BertConfig(vocab_size=tok.get_vocab_size(), hidden_size=32, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=64, max_position_embeddings=160)
    BertModel(config).save_pretrained(str(out))
    return out


#: Settings that make the accurate tier train in seconds on the tiny encoder.
TINY_ACCURATE_PARAMS = {"epochs": 1, "batch_size": 8, "folds": 2}


@pytest.fixture(scope="session")
def tiny_encoder_dir(tmp_path_factory) -> Path:
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    return build_tiny_encoder_dir(tmp_path_factory.mktemp("tiny-encoder"))


@pytest.fixture(scope="module")
def small_pipeline():
    """A feature pipeline fitted on :func:`feature_corpus` without the embedding groups (fast, for the feature tests)."""
    import sklearn

    from framing.features import build_pipeline

    texts, y, bw = feature_corpus()
    pipe = build_pipeline({"use_embedding": False, "loaded_embedding_prior": False, "min_df": 1}, SMALL_LEX)
    with sklearn.config_context(enable_metadata_routing=True):
        pipe.fit(texts, y, biased_words=bw)
    return pipe
