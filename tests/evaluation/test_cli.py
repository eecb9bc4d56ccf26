"""The eval command: exit codes, JSON output and thresholds, on saved hand-made predictions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from safepassage.evaluation.cli import main

SEED_TEXT = " date 2024-06-27 Officials met on Thursday in Islamabad.\n"


@pytest.fixture()
def workspace(tmp_path: Path) -> dict[str, Path]:
    """A tiny gold tree: one seed file with one gold meeting, and predictions for it."""
    seeds = tmp_path / "shared" / "seeds"
    data = tmp_path / "shared" / "data"
    seeds.mkdir(parents=True)
    data.mkdir()
    (seeds / "000_test.txt").write_text(SEED_TEXT, encoding="utf-8")
    gold_dir = tmp_path / "eval"
    (gold_dir / "gold").mkdir(parents=True)
    gold = {
        "documents": [
            {
                "file": "000_test.txt",
                "events": [
                    {
                        "kind": "meeting",
                        "background": False,
                        "date": {"value": "2024-06-27", "precision": "day"},
                        "location": {"admin1": "Islamabad Capital Territory"},
                    }
                ],
            }
        ]
    }
    (gold_dir / "gold" / "seeds.json").write_text(json.dumps(gold), encoding="utf-8")
    right = {
        "document": {"id": "000_test.txt"},
        "events": [
            {
                "kind": "meeting",
                "background": False,
                "date": {"value": "2024-06-27", "precision": "day"},
                "location": {"admin1": "Islamabad"},
            }
        ],
    }
    wrong = {
        "document": {"id": "000_test.txt"},
        "events": [{"kind": "meeting", "background": False, "date": None}],
    }
    (tmp_path / "right.jsonl").write_text(json.dumps(right) + "\n", encoding="utf-8")
    (tmp_path / "wrong.jsonl").write_text("not json\n" + json.dumps(wrong) + "\n", encoding="utf-8")
    return {"gold": gold_dir, "data": data, "root": tmp_path}


def run(workspace: dict[str, Path], *extra: str) -> int:
    return main(
        [
            "seeds",
            "--gold-dir",
            str(workspace["gold"]),
            "--data-dir",
            str(workspace["data"]),
            *extra,
        ]
    )


def test_it_prints_json_scores_and_passes_the_seed_target(
    workspace: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(
        workspace,
        "--predictions",
        str(workspace["root"] / "right.jsonl"),
        "--json",
        "--require-targets",
    )
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert report["sets"]["seeds"]["fields"]["date"] == {"n": 1, "correct": 1, "accuracy": 1.0}
    seed_target = next(
        item for item in report["targets"] if item["description"].startswith("seeds")
    )
    assert seed_target["status"] == "PASS"
    assert {
        item["status"] for item in report["targets"] if item["description"].startswith("UCDP")
    } == {"N/A"}


def test_it_exits_1_when_a_required_target_fails(
    workspace: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(
        workspace,
        "--predictions",
        str(workspace["root"] / "wrong.jsonl"),
        "--require-targets",
        "--verbose",
    )
    out = capsys.readouterr().out
    assert code == 1
    assert "FAIL seeds: every field right" in out
    assert "MISS date [000_test.txt" in out


def test_it_reports_failed_targets_without_failing_unless_asked(
    workspace: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(workspace, "--predictions", str(workspace["root"] / "wrong.jsonl")) == 0
    assert "FAIL" in capsys.readouterr().out


def test_it_gates_on_min_score_thresholds(
    workspace: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    predictions = str(workspace["root"] / "wrong.jsonl")
    assert run(workspace, "--predictions", predictions, "--min-score", "seeds.kind=100") == 0
    assert run(workspace, "--predictions", predictions, "--min-score", "seeds.date=50") == 1
    # A threshold on a field that was never scored fails rather than passing silently.
    assert run(workspace, "--predictions", predictions, "--min-score", "seeds.deaths=10") == 1
    capsys.readouterr()


@pytest.mark.parametrize(
    "arguments",
    [
        ["nonsense"],
        ["seeds", "--min-score", "seeds.date"],
        ["seeds", "--min-score", "seeds.date=150"],
        ["seeds", "--limit", "0"],
        ["seeds", "--workers", "0"],
        ["seeds", "--no-such-option"],
    ],
)
def test_it_exits_2_on_misuse(arguments: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(arguments) == 2
    assert capsys.readouterr().err


def test_it_exits_3_when_gold_or_data_is_missing(
    workspace: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    predictions = str(workspace["root"] / "right.jsonl")
    assert main(["ucdp", "--data-dir", str(workspace["data"]), "--predictions", predictions]) == 3
    assert "cannot read the UCDP file" in capsys.readouterr().err
    assert (
        main(
            [
                "seeds",
                "--gold-dir",
                str(workspace["root"] / "nowhere"),
                "--predictions",
                predictions,
            ]
        )
        == 3
    )


def test_it_exits_3_on_a_malformed_gold_file(
    workspace: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    (workspace["gold"] / "gold" / "seeds.json").write_text(
        '{"documents": [{"file": "../etc/passwd", "events": []}]}'
    )
    assert run(workspace, "--predictions", str(workspace["root"] / "right.jsonl")) == 3
    assert "bare file name" in capsys.readouterr().err


def test_it_runs_as_a_module() -> None:
    import subprocess
    import sys

    completed = subprocess.run(
        [sys.executable, "-m", "safepassage.evaluation", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0
    assert "gold sets" in completed.stdout


def test_it_matches_saved_predictions_named_by_file_path(
    workspace: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    saved = json.loads((workspace["root"] / "right.jsonl").read_text(encoding="utf-8"))
    saved["document"]["id"] = "/somewhere/shared/seeds/000_test.txt"
    path = workspace["root"] / "by_path.jsonl"
    path.write_text(json.dumps(saved) + "\n", encoding="utf-8")
    assert run(workspace, "--predictions", str(path), "--min-score", "seeds.*=100") == 0
    capsys.readouterr()


@pytest.mark.slow
def test_it_runs_the_real_extractor_and_keys_results_by_gold_id() -> None:
    from safepassage.evaluation.gold import GoldDocument
    from safepassage.evaluation.runner import run_extractor

    documents = [
        GoldDocument(
            id="a",
            text="QUETTA: A bomb killed three policemen in Quetta on Monday.",
            events=(),
            published="2024-05-14",
        ),
        GoldDocument(id="b", text="   ", events=()),
    ]
    results = run_extractor(documents, workers=1)
    assert list(results) == ["a", "b"]
    assert results["a"]["events"]
    assert results["b"]["document"]["error"]
    assert results["b"]["events"] == []
