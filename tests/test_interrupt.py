"""An interrupted run leaves nothing behind: no temporary file, the previous output intact, one line, non-zero exit."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import LEXICONS, REPO


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_during_predict_removes_the_temporary_file(tmp_path, small_model_path, signum):
    source = tmp_path / "in.jsonl"
    # Large enough to take many seconds to score, so the signal lands mid-run.
    with source.open("w") as fh:
        for i in range(200_000):
            fh.write(json.dumps({"text": f"Critics slammed the reckless scheme number {i} as a cash grab."}) + "\n")
    out = tmp_path / "out.jsonl"
    out.write_text("previous output\n")
    env = dict(os.environ, FRAMING_LEXICONS=str(LEXICONS))
    proc = subprocess.Popen([sys.executable, "-m", "framing", "predict", str(source), "--output", str(out),
                             "--model", str(small_model_path)],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            # A shell's background job starts with SIGINT ignored, and Python keeps
                            # an inherited "ignore"; give the child the default a terminal gives it.
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 120
        while not list(tmp_path.glob(".out.jsonl.*.tmp")):  # scoring has started writing
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "no temporary output file appeared"
            time.sleep(0.05)
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + signum
    lines = [line for line in err.decode().splitlines() if line.strip()]
    assert len(lines) == 1 and signal.Signals(signum).name in lines[0], err.decode()
    assert "Traceback" not in err.decode()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]
    assert out.read_text() == "previous output\n"
