"""Read-only SPARQL over the saved dataset, on Oxigraph (fast) or rdflib (reference).

Both backends load ``graph.nq``, query the union of all named graphs by default, and return the
same ``SparqlResult``; serialisers produce the SPARQL 1.1 result formats (JSON, XML, CSV, TSV) and
RDF formats for CONSTRUCT/DESCRIBE. Guarantees: updates (INSERT, DELETE, LOAD, CLEAR, DROP, ...)
and federation (SERVICE) are refused before execution; a result past ``sparql_max_rows`` or a
query past ``sparql_timeout_ms`` raises a clear error instead of running on.
"""

from __future__ import annotations

import csv
import io
import json
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast
from xml.sax.saxutils import escape

from .errors import SparqlError, SparqlLimitError, SparqlTimeout
from .graph import PREFIXES

_UPDATE = re.compile(r"\b(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b", re.I)
_SERVICE = re.compile(r"\bSERVICE\b", re.I)
_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.I)
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
PREFIX_HEADER = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())


@dataclass(frozen=True)
class Term:
    """An RDF term in a result: ``kind`` is ``uri``, ``literal`` or ``bnode``."""

    kind: str
    value: str
    datatype: str | None = None
    lang: str | None = None

    def to_json(self) -> dict[str, str]:
        out = {"type": self.kind, "value": self.value}
        if self.lang:
            out["xml:lang"] = self.lang
        elif self.datatype and self.datatype != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = self.datatype
        return out

    def n3(self) -> str:
        if self.kind == "uri":
            return f"<{self.value}>"
        if self.kind == "bnode":
            return f"_:{self.value}"
        text = json.dumps(self.value, ensure_ascii=False)
        if self.lang:
            return f"{text}@{self.lang}"
        if self.datatype and self.datatype != "http://www.w3.org/2001/XMLSchema#string":
            return f"{text}^^<{self.datatype}>"
        return text


@dataclass
class SparqlResult:
    """A query result: rows for SELECT, a boolean for ASK, triples for CONSTRUCT/DESCRIBE."""

    form: str
    variables: list[str] = field(default_factory=list)
    rows: list[dict[str, Term]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[tuple[Term, Term, Term]] = field(default_factory=list)

    def values(self) -> list[tuple[str | None, ...]]:
        """Rows as tuples of plain values (for comparing backends and tests)."""
        return [tuple(r[v].value if v in r else None for v in self.variables) for r in self.rows]


def _strip(query: str) -> str:
    """The query without comments, strings and IRIs (so keywords inside them don't count)."""
    query = re.sub(r"<[^<>\s]*>", "<>", query)
    query = re.sub(
        r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'',
        '""',
        query,
    )
    return re.sub(r"#[^\n]*", "", query)


def check_query(query: str) -> str:
    """The query form (SELECT, ASK, CONSTRUCT, DESCRIBE) of an allowed query.

    Raises:
        SparqlError: an update, a federated query, or no query form.
    """
    if not query or not query.strip():
        raise SparqlError("empty query")
    bare = _strip(query)
    update = _UPDATE.search(bare)
    if (
        update
        and not _FORM.search(bare[: update.start()])
        or (
            update
            and update.group(1).upper()
            in {"LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY"}
        )
    ):
        raise SparqlError(
            f"updates are not allowed on this read-only endpoint ({update.group(1).upper()})"
        )
    if _SERVICE.search(bare):
        raise SparqlError("federated queries (SERVICE) are not allowed")
    form = _FORM.search(bare)
    if not form:
        raise SparqlError("not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE")
    return form.group(1).upper()


class _Deadline:
    def __init__(self, timeout_ms: int, max_rows: int):
        self.end = time.monotonic() + timeout_ms / 1000
        self.timeout_ms = timeout_ms
        self.max_rows = max_rows

    def tick(self, n: int) -> None:
        if n > self.max_rows:
            raise SparqlLimitError(
                f"result has more than {self.max_rows} rows (sparql_max_rows); add a LIMIT"
            )
        if n % 256 == 0 and time.monotonic() > self.end:
            raise SparqlTimeout(f"query ran past {self.timeout_ms} ms (sparql_timeout_ms)")


def _run_with_timeout(fn: Any, timeout_ms: int) -> Any:
    """Run ``fn`` in a worker thread; raise SparqlTimeout if it does not finish in time."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # re-raised in the caller
            box["error"] = exc

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(timeout_ms / 1000)
    if worker.is_alive():
        raise SparqlTimeout(f"query ran past {timeout_ms} ms (sparql_timeout_ms)")
    if "error" in box:
        raise box["error"]
    return box["value"]


class OxigraphStore:
    """Oxigraph in memory (or on disk at ``store_path``) loaded from N-Quads."""

    name = "oxigraph"

    def __init__(self, nquads: Path | list[Path], read_only: Path | None = None):
        import pyoxigraph as ox

        self._ox = ox
        if read_only is not None:
            self.store = ox.Store.read_only(str(read_only))  # built on disk by `policygraph build`
        else:
            self.store = ox.Store()
            for path in nquads if isinstance(nquads, list) else [nquads]:
                self.store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)

    def __len__(self) -> int:
        return len(self.store)

    def _term(self, t: Any) -> Term:
        import pyoxigraph as ox

        if isinstance(t, ox.NamedNode):
            return Term("uri", t.value)
        if isinstance(t, ox.BlankNode):
            return Term("bnode", t.value)
        return Term("literal", t.value, t.datatype.value if t.datatype else None, t.language)

    def query(self, query: str, timeout_ms: int = 5000, max_rows: int = 10000) -> SparqlResult:
        form = check_query(query)
        deadline = _Deadline(timeout_ms, max_rows)

        def run() -> SparqlResult:
            try:
                result = self.store.query(query, use_default_graph_as_union=True, prefixes=PREFIXES)
            except SyntaxError as exc:
                raise SparqlError(f"SPARQL syntax error: {exc}") from exc
            if isinstance(result, self._ox.QueryBoolean):
                return SparqlResult("ASK", boolean=bool(result))
            if isinstance(result, self._ox.QuerySolutions):
                variables = [v.value for v in result.variables]
                rows = []
                for i, solution in enumerate(result, start=1):
                    deadline.tick(i)
                    rows.append(
                        {v: self._term(solution[v]) for v in variables if solution[v] is not None}
                    )
                return SparqlResult("SELECT", variables=variables, rows=rows)
            triples = []
            for i, t in enumerate(cast(Any, result), start=1):
                deadline.tick(i)
                triples.append(
                    (self._term(t.subject), self._term(t.predicate), self._term(t.object))
                )
            return SparqlResult(form, triples=triples)

        return _run_with_timeout(run, timeout_ms)


class RdflibStore:
    """rdflib's memory store loaded from N-Quads; the union of graphs is the default graph."""

    name = "rdflib"

    def __init__(self, nquads: Path | list[Path]):
        from .graph import load

        paths = nquads if isinstance(nquads, list) else [nquads]
        self.ds = load(paths[0])
        for path in paths[1:]:
            self.ds.parse(str(path), format="nquads")

    def __len__(self) -> int:
        return sum(1 for _ in self.ds.quads((None, None, None, None)))

    @staticmethod
    def _term(t: Any) -> Term:
        from rdflib import BNode, Literal, URIRef

        if isinstance(t, URIRef):
            return Term("uri", str(t))
        if isinstance(t, BNode):
            return Term("bnode", str(t))
        assert isinstance(t, Literal)
        datatype = (
            str(t.datatype)
            if t.datatype
            else (None if t.language else "http://www.w3.org/2001/XMLSchema#string")
        )
        return Term("literal", str(t), datatype, t.language)

    def query(self, query: str, timeout_ms: int = 5000, max_rows: int = 10000) -> SparqlResult:
        form = check_query(query)
        deadline = _Deadline(timeout_ms, max_rows)

        def run() -> SparqlResult:
            try:
                result = self.ds.query(
                    PREFIX_HEADER + query if "PREFIX" not in query.upper() else query
                )
                if result.type == "ASK":
                    return SparqlResult("ASK", boolean=bool(result.askAnswer))
                if result.type == "SELECT":
                    variables = [str(v) for v in result.vars or []]
                    rows = []
                    for i, row in enumerate(cast(Any, result), start=1):
                        deadline.tick(i)
                        rows.append(
                            {v: self._term(row[v]) for v in variables if row[v] is not None}
                        )
                    return SparqlResult("SELECT", variables=variables, rows=rows)
                triples = []
                for i, (s, p, o) in enumerate(cast(Any, result), start=1):
                    deadline.tick(i)
                    triples.append((self._term(s), self._term(p), self._term(o)))
                return SparqlResult(form, triples=triples)
            except (SparqlError, SparqlTimeout, SparqlLimitError):
                raise
            except Exception as exc:  # pyparsing.ParseException and friends
                raise SparqlError(f"SPARQL syntax error: {exc}") from exc

        return _run_with_timeout(run, timeout_ms)


class RemoteStore:
    """A SPARQL 1.1 Protocol endpoint elsewhere (Oxigraph server, Fuseki, QLever, another
    policygraph), queried over HTTP and answered with the same ``SparqlResult``."""

    name = "remote"

    def __init__(self, endpoint: str, timeout_s: float = 30.0):
        import httpx

        if not endpoint.startswith(("http://", "https://")):
            raise SparqlError(
                f"sparql_backend must be oxigraph, rdflib or an http(s) endpoint URL, not {endpoint!r}"
            )
        self.endpoint = endpoint
        self.client = httpx.Client(timeout=timeout_s)

    def __len__(self) -> int:
        result = self.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        return int(result.rows[0]["n"].value) if result.rows else 0

    @staticmethod
    def _term(b: dict[str, str]) -> Term:
        kind = {"uri": "uri", "bnode": "bnode"}.get(b["type"], "literal")
        return Term(kind, b["value"], b.get("datatype"), b.get("xml:lang"))

    def query(self, query: str, timeout_ms: int = 5000, max_rows: int = 10000) -> SparqlResult:
        import httpx

        form = check_query(query)
        text = query if "PREFIX" in query.upper() else PREFIX_HEADER + query
        accept = (
            "application/sparql-results+json"
            if form in {"SELECT", "ASK"}
            else "application/n-triples"
        )
        try:
            r = self.client.post(
                self.endpoint,
                data={"query": text},
                headers={"accept": accept},
                timeout=timeout_ms / 1000 + 1,
            )
        except httpx.TimeoutException:
            raise SparqlTimeout(f"remote endpoint did not answer in {timeout_ms} ms") from None
        except httpx.HTTPError as exc:
            raise SparqlError(f"remote endpoint {self.endpoint} failed: {exc}") from exc
        if r.status_code == 504:
            raise SparqlTimeout(f"remote endpoint: {r.text[:300]}")
        if r.status_code >= 400:
            raise SparqlError(f"remote endpoint answered {r.status_code}: {r.text[:300]}")
        if form == "ASK":
            return SparqlResult("ASK", boolean=bool(r.json()["boolean"]))
        if form == "SELECT":
            body = r.json()
            rows = [{k: self._term(v) for k, v in b.items()} for b in body["results"]["bindings"]]
            if len(rows) > max_rows:
                raise SparqlLimitError(
                    f"result has more than {max_rows} rows (sparql_max_rows); add a LIMIT"
                )
            return SparqlResult("SELECT", variables=list(body["head"]["vars"]), rows=rows)
        import pyoxigraph as ox

        triples = []
        for t in ox.parse(r.content, format=ox.RdfFormat.N_TRIPLES):
            triples.append(
                tuple(
                    OxigraphStore._term(cast(Any, OxigraphStore), x)
                    for x in (t.subject, t.predicate, t.object)
                )
            )
        return SparqlResult(form, triples=cast(Any, triples))


def open_store(
    index_dir: Path, backend: str = "oxigraph"
) -> OxigraphStore | RdflibStore | RemoteStore:
    """The SPARQL store of an index directory: Oxigraph (on disk when the build made one),
    rdflib's memory store, or a remote SPARQL 1.1 endpoint given by URL."""
    from .pipeline import segment_paths

    paths = segment_paths(Path(index_dir), "graph.nq", "graph", "nq")
    if backend == "oxigraph":
        disk = Path(index_dir) / "oxigraph"
        return OxigraphStore(paths, read_only=disk) if disk.is_dir() else OxigraphStore(paths)
    if backend == "rdflib":
        return RdflibStore(paths)
    if backend.startswith(("http://", "https://")):
        return RemoteStore(backend)
    raise SparqlError(f"unknown sparql_backend {backend!r} (oxigraph, rdflib, or an endpoint URL)")


# ------------------------------------------------------------------ serialisation

SELECT_TYPES = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
GRAPH_TYPES = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/json": "json-ld",
}


def serialize(result: SparqlResult, fmt: str) -> str:
    """Text of a result in ``json``, ``xml``, ``csv``, ``tsv`` (SELECT/ASK) or ``turtle``, ``nt``,
    ``json-ld`` (CONSTRUCT/DESCRIBE)."""
    if result.form in {"CONSTRUCT", "DESCRIBE"}:
        return _graph_text(result, fmt)
    if fmt == "json":
        if result.form == "ASK":
            return json.dumps({"head": {}, "boolean": result.boolean})
        bindings = [{k: t.to_json() for k, t in row.items()} for row in result.rows]
        return json.dumps(
            {"head": {"vars": result.variables}, "results": {"bindings": bindings}},
            ensure_ascii=False,
        )
    if fmt == "xml":
        return _xml(result)
    if fmt in {"csv", "tsv"}:
        buf = io.StringIO()
        if result.form == "ASK":
            return f"{'true' if result.boolean else 'false'}\n"
        if fmt == "csv":
            w = csv.writer(buf, lineterminator="\r\n")
            w.writerow(result.variables)
            for row in result.rows:
                w.writerow([row[v].value if v in row else "" for v in result.variables])
        else:
            buf.write("\t".join(f"?{v}" for v in result.variables) + "\n")
            for row in result.rows:
                buf.write(
                    "\t".join(row[v].n3() if v in row else "" for v in result.variables) + "\n"
                )
        return buf.getvalue()
    raise SparqlError(f"unsupported result format {fmt!r}")


def _xml(result: SparqlResult) -> str:
    out = [
        '<?xml version="1.0"?>',
        '<sparql xmlns="http://www.w3.org/2005/sparql-results#">',
        "<head>",
    ]
    out += [f'<variable name="{escape(v)}"/>' for v in result.variables]
    out.append("</head>")
    if result.form == "ASK":
        out.append(f"<boolean>{'true' if result.boolean else 'false'}</boolean>")
    else:
        out.append("<results>")
        for row in result.rows:
            out.append("<result>")
            for v, t in row.items():
                if t.kind == "uri":
                    inner = f"<uri>{escape(t.value)}</uri>"
                elif t.kind == "bnode":
                    inner = f"<bnode>{escape(t.value)}</bnode>"
                elif t.lang:
                    inner = f'<literal xml:lang="{escape(t.lang)}">{escape(t.value)}</literal>'
                elif t.datatype and t.datatype != XSD_STRING:
                    inner = f'<literal datatype="{escape(t.datatype)}">{escape(t.value)}</literal>'
                else:
                    inner = f"<literal>{escape(t.value)}</literal>"
                out.append(f'<binding name="{escape(v)}">{inner}</binding>')
            out.append("</result>")
        out.append("</results>")
    out.append("</sparql>")
    return "\n".join(out) + "\n"


def _graph_text(result: SparqlResult, fmt: str) -> str:
    from rdflib import BNode, Graph, Literal, URIRef

    def node(t: Term) -> Any:
        if t.kind == "uri":
            return URIRef(t.value)
        if t.kind == "bnode":
            return BNode(t.value)
        return Literal(t.value, lang=t.lang, datatype=None if t.lang else t.datatype)

    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    for s, p, o in result.triples:
        g.add((node(s), node(p), node(o)))
    if fmt == "json-ld":
        return g.serialize(format="json-ld", context=PREFIXES, indent=1)
    if fmt in {"turtle", "nt"}:
        return g.serialize(format=fmt)
    raise SparqlError(f"unsupported RDF format {fmt!r}")


__all__ = [
    "GRAPH_TYPES",
    "SELECT_TYPES",
    "OxigraphStore",
    "RdflibStore",
    "SparqlResult",
    "check_query",
    "open_store",
    "serialize",
]
