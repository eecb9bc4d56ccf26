"""The command line: exit codes, output order, determinism and schema validity."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from safepassage.extract import Document, extract_many
from safepassage.extract.cli import main
from tests.extract.conftest import SEEDS_DIR

TEXT = "A bomb killed four soldiers in Bannu on Monday. The TTP claimed the attack."


def _run(args: list[str], stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "safepassage.extract", *args],
        input=stdin,
        capture_output=True,
        timeout=300,
        check=False,
    )


def test_it_exits_2_on_an_unknown_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--frobnicate"]) == 2
    assert "E202" in capsys.readouterr().err


def test_it_exits_2_on_a_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main([str(tmp_path / "nope.txt")]) == 2
    err = capsys.readouterr().err
    assert "E201" in err and "nope.txt" in err


def test_it_exits_2_on_a_bad_published_date(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--published", "2024-02-30", "-"]) == 2
    assert "--published" in capsys.readouterr().err


def test_it_reads_standard_input_and_applies_published(validator: Any) -> None:
    proc = _run(["--published", "2024-05-08"], stdin=TEXT.encode())
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == b""  # no progress bar when stderr is not a terminal
    (line,) = proc.stdout.decode().splitlines()
    result = json.loads(line)
    validator.validate(result)
    assert result["document"]["id"].startswith("sha256:")
    assert result["events"][0]["date"]["value"] == "2024-05-06"


def test_it_prints_valid_deterministic_jsonl_in_input_order(tmp_path: Path, validator: Any) -> None:
    (tmp_path / "b.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "a.txt").write_bytes(b"\x00\x01binary")
    (tmp_path / "c.jsonl").write_text(
        json.dumps({"id": "j1", "text": TEXT}) + "\n{broken\n", encoding="utf-8"
    )
    first = _run([str(tmp_path), str(SEEDS_DIR)])
    second = _run([str(tmp_path), str(SEEDS_DIR)])
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    results = [json.loads(line) for line in first.stdout.decode().splitlines()]
    for result in results:
        validator.validate(result)
    ids = [r["document"]["id"] for r in results]
    assert ids[:4] == [
        str(tmp_path / "a.txt"),
        str(tmp_path / "b.txt"),
        "j1",
        f"{tmp_path / 'c.jsonl'}:2",
    ]
    assert len(ids) == 9
    assert results[0]["document"]["error"].startswith("E102")


def test_it_gives_the_same_results_with_a_process_pool() -> None:
    docs = [
        Document(id=str(i), text=f"{TEXT} Case {i}.", published="2024-05-08") for i in range(70)
    ]
    serial = list(extract_many(docs, workers=1))
    parallel = list(extract_many(docs, workers=2))
    assert parallel == serial
    assert [r["document"]["id"] for r in parallel] == [str(i) for i in range(70)]


def test_it_reports_a_failed_worker_batch_as_errors_and_goes_on() -> None:
    from concurrent.futures import Future

    from safepassage.extract.pipeline import _collect

    future: Future[list[dict[str, Any]]] = Future()
    future.set_exception(MemoryError())
    results = _collect(future, [Document(id="x", text="t"), Document(id="y", text="t")])
    assert [r["document"]["id"] for r in results] == ["x", "y"]
    assert all(r["document"]["error"].startswith("E110") for r in results)
