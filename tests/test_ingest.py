"""Reading every supported format, every text encoding, and refusing broken files clearly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fixtures import SAMPLE, docx_bytes, make_docx, make_html, make_pdf
from policygraph.errors import BuildError, IngestError
from policygraph.ingest import read_file
from policygraph.pipeline import build

LINES = SAMPLE.strip().split("\n")


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [
        ("utf-8", b""),
        ("utf-8", b"\xef\xbb\xbf"),
        ("gb18030", b""),
        ("gbk", b""),
        ("utf-16-le", b"\xff\xfe"),
        ("utf-16-be", b"\xfe\xff"),
        ("utf-16-le", b""),
    ],
)
def test_text_encodings(tmp_path: Path, encoding: str, prefix: bytes) -> None:
    path = tmp_path / "doc.txt"
    path.write_bytes(prefix + SAMPLE.encode(encoding))
    doc = read_file(path)
    assert doc.text.lstrip("\ufeff") == SAMPLE


def test_pdf_text_layer(tmp_path: Path) -> None:
    doc = read_file(make_pdf(tmp_path / "doc.pdf", LINES))
    assert doc.format == "pdf"
    assert "提升企业数据治理能力" in doc.text.replace("\n", "")


def test_docx(tmp_path: Path) -> None:
    doc = read_file(make_docx(tmp_path / "doc.docx", LINES))
    assert doc.text.split("\n") == LINES


def test_html_main_text_only(tmp_path: Path) -> None:
    doc = read_file(make_html(tmp_path / "doc.html", LINES))
    assert "提升企业数据治理能力" in doc.text
    for noise in ("注入的脚本文本", "首页", "广告内容", "版权所有", "color:red"):
        assert noise not in doc.text


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"   \n\n  ", "no text"),
        ("binary.txt", bytes(range(256)) * 8, "binary"),
        ("bad.txt", b"\x80\x81\xfe\xfe\xff\x80" * 50, "decode"),
        (
            "truncated.pdf",
            b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pa",
            "PDF",
        ),
        ("notpdf.pdf", b"hello world, not a pdf", "not a PDF"),
        ("truncated.docx", docx_bytes(LINES)[:700], "DOCX"),
        ("notes.xyz", "数据".encode(), "unsupported"),
    ],
)
def test_bad_files_raise_clear_errors(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(IngestError, match=f"(?i){reason}"):
        read_file(path)


def _bad_corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text(SAMPLE, "utf-8")
    make_pdf(
        corpus / "good2.pdf",
        [line.replace("厦府办规〔2025〕10号", "厦府办规〔2025〕11号") for line in LINES],
    )
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (corpus / "truncated.pdf").write_bytes(make_pdf(tmp_path / "t.pdf", LINES).read_bytes()[:600])
    (corpus / "english.txt").write_text("Just an English note without any policy text.", "utf-8")
    (corpus / "duplicate.txt").write_text(SAMPLE, "utf-8")
    return corpus


def test_build_skips_bad_files_and_keeps_the_rest(tmp_path: Path) -> None:
    report = build(_bad_corpus(tmp_path), tmp_path / "index")
    assert report.n_documents == 2
    reasons = {s.file: s.reason for s in report.skipped}
    assert set(reasons) == {
        "empty.txt",
        "binary.txt",
        "truncated.pdf",
        "english.txt",
        "good.txt",
    } or set(reasons) == {
        "empty.txt",
        "binary.txt",
        "truncated.pdf",
        "english.txt",
        "duplicate.txt",
    }
    assert any("duplicate" in r for r in reasons.values())
    saved = json.loads((tmp_path / "index" / "report.json").read_text("utf-8"))
    assert len(saved["skipped"]) == 5


def test_build_strict_fails_on_any_skip(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="strict"):
        build(_bad_corpus(tmp_path), tmp_path / "index", strict=True)
    assert not (tmp_path / "index").exists()


def test_build_with_nothing_buildable_fails(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "empty.txt").write_bytes(b"")
    with pytest.raises(BuildError, match="no document"):
        build(corpus, tmp_path / "index")


def test_cli_build_reports_skips_and_exits_zero(tmp_path: Path) -> None:
    from policygraph.cli import app

    result = CliRunner().invoke(
        app, ["build", "--corpus", str(_bad_corpus(tmp_path)), "--out", str(tmp_path / "i")]
    )
    assert result.exit_code == 0, result.output
    assert "skipped" in result.output and "empty" in result.output
    strict = CliRunner().invoke(
        app,
        ["build", "--corpus", str(tmp_path / "corpus"), "--out", str(tmp_path / "j"), "--strict"],
    )
    assert strict.exit_code == 1


def test_crash_mid_build_keeps_previous_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text(SAMPLE, "utf-8")
    out = tmp_path / "index"
    build(corpus, out)
    before = {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def crash(*args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr("policygraph.stages.run_stages", crash)
    with pytest.raises(RuntimeError):
        build(corpus, out)
    assert {
        str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()
    } == before
    assert [
        p.name
        for p in tmp_path.iterdir()
        if p.name.startswith(".index") and p.name != ".index.lock"
    ] == []


def test_clauses_jsonl_fields(index_dir: Path) -> None:
    from policygraph.cli import app

    result = CliRunner().invoke(app, ["clauses", "--index", str(index_dir), "--jsonl"])
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) > 150
    for key in (
        "id",
        "doc_number",
        "doc_title",
        "file",
        "path",
        "label",
        "heading",
        "text",
        "span",
        "amounts",
    ):
        assert key in rows[0]
    six = next(r for r in rows if r["id"].endswith("xfbg-10/s3/p6"))
    assert six["label"] == "（六）" and six["heading"] == "提升企业数据治理能力"
    assert six["file"] == "xiamen-2025-data-industry-measures.txt"
