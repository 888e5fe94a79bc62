"""The ``policygraph`` command line: each command parses options and makes one library call."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from .errors import PolicyGraphError
from .settings import Settings

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Chinese policy documents as a knowledge graph and a search service.",
)
eval_app = typer.Typer(no_args_is_help=True, help="Score the system against gold data.")
app.add_typer(eval_app, name="eval")
err = Console(stderr=True)

IndexOpt = Annotated[Path, typer.Option("--index", help="Index directory.")]


def _fail(exc: Exception, code: int = 1) -> None:
    err.print(f"[red]error:[/red] {exc}")
    raise typer.Exit(code)


@contextmanager
def _domain_errors() -> Iterator[None]:
    """Turn the library's errors into a one-line message and exit code 1 (no traceback)."""
    try:
        yield
    except PolicyGraphError as exc:
        _fail(exc)


def _date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"not an ISO date (YYYY-MM-DD): {value!r}") from None


def _echo_json(obj: object) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=1) + "\n")


@app.command()
def build(
    corpus: Annotated[
        Path, typer.Option(help="Directory of policy files (.txt .pdf .docx .html).")
    ] = Path("corpus"),
    out: Annotated[
        Path, typer.Option(help="Index directory to write (replaced atomically).")
    ] = Path("indexes/default"),
    strict: Annotated[bool, typer.Option(help="Fail when any file is skipped.")] = False,
    model: Annotated[
        str | None, typer.Option(help="Embedding model name or path (default: build one offline).")
    ] = None,
) -> None:
    """Build an index directory from a corpus.

    Example: policygraph build --corpus corpus --out indexes/default
    """
    from .pipeline import build as run_build

    settings = Settings().with_overrides(model=model)
    columns = (
        TextColumn("{task.description:<22}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=False) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        with _domain_errors():
            report = run_build(corpus, out, settings, progress=progress, strict=strict)
    err.print(
        f"built {report.n_documents} documents, {report.n_clauses} clauses into {report.out_dir} "
        f"in {report.seconds:.1f}s"
    )
    for s in report.skipped:
        err.print(f"[yellow]skipped[/yellow] {s.file}: {s.reason}")


@app.command()
def add(
    files: Annotated[list[Path], typer.Argument(help="Policy files to add.")],
    index: IndexOpt = Path("indexes/default"),
) -> None:
    """Add documents to a built index without rebuilding it (atomic, like a build).

    Example: policygraph add new-measures.pdf --index indexes/default
    """
    from .pipeline import add_documents

    with _domain_errors():
        report = add_documents(index, files)
    err.print(
        f"added to {report.out_dir}: now {report.n_documents} documents, {report.n_clauses} clauses, in {report.seconds:.2f}s"
    )
    for s in report.skipped:
        err.print(f"[yellow]skipped[/yellow] {s.file}: {s.reason}")


@app.command()
def clauses(
    index: IndexOpt = Path("indexes/default"),
    jsonl: Annotated[bool, typer.Option("--jsonl", help="One JSON object per line.")] = False,
    doc: Annotated[str | None, typer.Option(help="Only this document (ID, IRI or 文号).")] = None,
) -> None:
    """List clauses with their text, span and amounts.

    Example: policygraph clauses --index indexes/default --jsonl
    """
    from .workspace import Workspace

    with _domain_errors():
        ws = Workspace.load(index)
        selected = ws.document(doc).clauses if doc else ws.clauses
    for c in selected:
        row = ws.clause_row(c)
        if jsonl:
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        else:
            sys.stdout.write(
                f"{row['doc_number'] or row['doc_title']}  {'/'.join(c.path):<14} {c.heading or c.text[:50]}\n"
            )


@app.command()
def documents(
    index: IndexOpt = Path("indexes/default"),
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Status on this date (YYYY-MM-DD).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List documents with their metadata and status on a date.

    Example: policygraph documents --as-of 2026-11-20
    """
    from .workspace import Workspace

    with _domain_errors():
        ws = Workspace.load(index)
    rows = [ws.document_row(d, _date(as_of)) for d in ws.documents]
    if as_json:
        _echo_json(rows)
        return
    for r in rows:
        sys.stdout.write(
            f"{r['doc_number'] or '(no 文号)':<22} {r['status']:<17} {r['jurisdiction'] or '?':<10} {r['title']}\n"
        )


@eval_app.command("documents")
def eval_documents(
    gold: Annotated[Path, typer.Argument(help="documents.dev.json")],
    corpus: Annotated[Path, typer.Option(help="Corpus directory holding the gold files.")] = Path(
        "corpus"
    ),
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Compare extracted document metadata with gold metadata, field by field.

    Example: policygraph eval documents ../shared/eval/documents.dev.json
    """
    from .evaluation import evaluate_documents

    with _domain_errors():
        result = evaluate_documents(gold, corpus)
    if as_json:
        _echo_json(result)
    else:
        sys.stdout.write(f"fields correct: {result['n_correct']}/{result['n_fields']}\n")
        for m in result["mismatches"]:
            sys.stdout.write(f"  {m['file']} {m['field']}: got {m['got']!r}, want {m['want']!r}\n")
    if result["mismatches"]:
        raise typer.Exit(1)


@app.command()
def serve(
    index: IndexOpt = Path("indexes/default"),
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    get: Annotated[
        str | None,
        typer.Option("--get", help="Print the response to this path and exit (no server)."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            help="Worker processes sharing the loaded index (default: setting `workers`, "
            "0 = one per core)."
        ),
    ] = None,
) -> None:
    """Start the HTTP service (search, clauses, documents, SPARQL, widget).

    Example: policygraph serve --index indexes/default --port 8000
    Example: policygraph serve --get '/search?q=DCMM&firm_in=厦门市'
    """
    from .api import create_app, prefork
    from .api.app import warm
    from .workspace import Workspace

    settings = Settings()
    n_workers = workers if workers is not None else settings.workers
    n_workers = n_workers or prefork.default_workers()
    if get is not None:
        n_workers = 1
        settings = settings.with_overrides(sparql_workers=0, reload_interval_s=0.0)
    else:
        if n_workers > 1:
            # SPARQL worker processes are per service worker: keep the total as configured
            settings = settings.with_overrides(
                sparql_workers=max(1, -(-settings.sparql_workers // n_workers))
                if settings.sparql_workers
                else 0
            )
        # concurrency comes from requests, not from intra-op threads (which spin between requests)
        prefork.single_threaded_native_pools()
    with _domain_errors():
        ws = Workspace.load(index, settings)
        # checks the search index and the embedding model before serving anything; loaded here,
        # before worker processes are forked, so that they share it
        warm(ws)
    app_ = create_app(index, settings=ws.settings, workspace=ws)
    if get is not None:
        from fastapi.testclient import TestClient

        with TestClient(app_) as client:
            response = client.get(get, headers={"accept": "application/json"})
        sys.stdout.write(response.text + ("" if response.text.endswith("\n") else "\n"))
        if response.status_code >= 400:
            raise typer.Exit(1)
        return
    err.print(
        f"serving {index} on http://{host}:{port} with {n_workers} worker process"
        f"{'es' if n_workers > 1 else ''}  (docs: /docs, search box: /widget/)"
    )
    prefork.serve(app_, host=host, port=port, workers=n_workers)


@app.command()
def openapi(
    out: Annotated[
        Path | None, typer.Option(help="Write to this file (default: standard output).")
    ] = None,
) -> None:
    """Print the service's OpenAPI document (the snapshot in api/openapi.json is made with it).

    Example: policygraph openapi --out api/openapi.json
    """
    from .api import create_app

    text = (
        json.dumps(
            create_app("indexes/default").openapi(), ensure_ascii=False, indent=1, sort_keys=True
        )
        + "\n"
    )
    if out:
        out.write_text(text, "utf-8")
    else:
        sys.stdout.write(text)


@app.command()
def export(
    index: IndexOpt = Path("indexes/default"),
    fmt: Annotated[str, typer.Option("--format", help="ttl, nq or jsonld")] = "ttl",
    out: Annotated[
        Path | None, typer.Option(help="Write to this file instead of standard output.")
    ] = None,
) -> None:
    """Export the knowledge graph.

    Example: policygraph export --format nq --out graph.nq
    """
    from .graph import export as run_export
    from .pipeline import read_manifest

    try:
        read_manifest(index)
        text = run_export(index / "graph.nq", fmt)
    except (PolicyGraphError, ValueError) as exc:
        _fail(exc)
        return
    if out:
        out.write_text(text, "utf-8")
    else:
        sys.stdout.write(text)


@app.command()
def sparql(
    query: Annotated[
        str, typer.Argument(help="SPARQL query text, or @FILE to read it from a file.")
    ],
    index: IndexOpt = Path("indexes/default"),
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="table, json, xml, csv, tsv (SELECT/ASK); turtle, nt, json-ld (CONSTRUCT)",
        ),
    ] = "table",
    backend: Annotated[
        str | None, typer.Option(help="oxigraph or rdflib (default: the sparql_backend setting)")
    ] = None,
) -> None:
    """Run a read-only SPARQL query against the graph.

    Example: policygraph sparql @api/queries/dcmm-rewards-xiamen.rq
    """
    from .sparql import serialize
    from .workspace import Workspace

    text = Path(query[1:]).read_text("utf-8") if query.startswith("@") else query
    with _domain_errors():
        ws = Workspace.load(index, Settings().with_overrides(sparql_backend=backend))
        result = ws.sparql(text)
    if fmt != "table":
        sys.stdout.write(serialize(result, fmt))
        return
    if result.form == "ASK":
        sys.stdout.write(f"{result.boolean}\n")
    elif result.form == "SELECT":
        sys.stdout.write("\t".join(result.variables) + "\n")
        for row in result.values():
            sys.stdout.write("\t".join("" if v is None else v for v in row) + "\n")
    else:
        sys.stdout.write(serialize(result, "turtle"))


@app.command()
def compare(
    topic: Annotated[str, typer.Argument(help="Topic concept key, e.g. DCMM, Compute, Datasets")],
    index: IndexOpt = Path("indexes/default"),
) -> None:
    """Compare measures on one topic across jurisdictions.

    Example: policygraph compare DCMM
    """
    from .analysis import compare_measures
    from .workspace import Workspace

    with _domain_errors():
        ws = Workspace.load(index)
    _echo_json(compare_measures(ws, topic))


@app.command()
def search(
    question: Annotated[str, typer.Argument(help="Question in Chinese or English.")],
    index: IndexOpt = Path("indexes/default"),
    firm_in: Annotated[
        str | None,
        typer.Option(
            "--firm-in", help="Where the asking firm is registered (厦门市, Xiamen, 350200)."
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Date the answer is for (YYYY-MM-DD, default today)."),
    ] = None,
    k: Annotated[int, typer.Option("-k", help="Number of results.")] = 10,
    only_applicable: Annotated[
        bool, typer.Option("--only-applicable", help="Only clauses that apply.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Search clauses that answer a question, with amounts, applicability and citations.

    Example: policygraph search "which DCMM rewards apply to a Xiamen firm"
    """
    from .workspace import Workspace

    with _domain_errors():
        ws = Workspace.load(index)
        answer = ws.search(
            question, k=k, firm_in=firm_in, as_of=_date(as_of), only_applicable=only_applicable
        )
    if as_json:
        _echo_json(answer)
        return
    out = Console()
    q = answer["query"]
    out.print(
        f"[bold]{q['q']}[/bold]  firm_in={q['firm_in']}  as_of={q['as_of']}  topics={','.join(q['topics']) or '-'}"
    )
    for i, h in enumerate(answer["results"], start=1):
        mark = {
            True: "[green]applies[/green]",
            False: "[red]does not apply[/red]",
            None: "[yellow]?[/yellow]",
        }[h["applies"]]
        out.print(
            f"{i:>2}. {h['citation']}  {h['heading'] or ''}  score={h['score']:.4f}  {mark}: {h['why']}"
        )
        caps = [
            f"{a['tier'] + ' ' if a['tier'] else ''}{a['text']}"
            for a in h["amounts"]
            if a["kind"] in ("award_cap", "per_unit")
        ]
        ratios = [a["text"] for a in h["amounts"] if a["kind"] == "ratio"]
        if caps or ratios:
            out.print(f"    amounts: {'; '.join(caps + ratios)}")
        for t in h["matched_tier"]:
            out.print(f"    [bold]{t['tier']}: {t['text']}[/bold]")
        for r in h["related"]:
            out.print(
                f"    {r['relation']}: {r['doc_number'] or r['doc_title']} {r['label']} {r['heading'] or ''}"
            )


@eval_app.command("queries")
def eval_queries(
    gold: Annotated[Path, typer.Argument(help="queries.dev.jsonl")],
    index: IndexOpt = Path("indexes/default"),
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Score search on gold questions: recall@5, MRR and applicability violations.

    Example: policygraph eval queries ../shared/eval/queries.dev.jsonl
    """
    from .evaluation import evaluate_queries
    from .workspace import Workspace

    with _domain_errors():
        ws = Workspace.load(index)
        result = evaluate_queries(lambda q, firm: ws.search(q, k=10, firm_in=firm), gold, ws)
    if as_json:
        _echo_json(result)
        return
    sys.stdout.write(
        f"recall@5 {result['recall@5']:.3f}  MRR {result['mrr']:.3f}  violations {result['violations']}\n"
    )
    for r in result["queries"]:
        flag = "" if r["recall@5"] == 1 and not r["violations"] else "  <--"
        sys.stdout.write(
            f"  {r['id']}: recall@5 {r['recall@5']:.2f} ranks {r['ranks']} {r['q']}{flag}\n"
        )


@eval_app.command("amounts")
def eval_amounts(
    gold: Annotated[Path, typer.Argument(help="amounts.dev.jsonl")],
    index: IndexOpt = Path("indexes/default"),
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Score extracted amounts (caps, ratios, thresholds, per-unit rates) against gold rows.

    Example: policygraph eval amounts ../shared/eval/amounts.dev.jsonl
    """
    from .evaluation import evaluate_amounts
    from .workspace import Workspace

    with _domain_errors():
        result = evaluate_amounts(Workspace.load(index), gold)
    if as_json:
        _echo_json(result)
        return
    sys.stdout.write(
        f"precision {result['precision']:.3f}  recall {result['recall']:.3f}  F1 {result['f1']:.3f}\n"
    )
    for kind, r in result["by_kind"].items():
        sys.stdout.write(
            f"  {kind:<16} P {r['precision']:.3f}  R {r['recall']:.3f}  F1 {r['f1']:.3f}\n"
        )
    for e in result["errors"]:
        sys.stdout.write(
            f"  {e['doc']} {e['clause']} {e['kind']}: got {e['got']} want {e['want']}\n"
        )


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
