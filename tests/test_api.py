"""The HTTP service on a real uvicorn server: every endpoint, the SPARQL 1.1 Protocol, Linked
Data, CORS, errors, and the OpenAPI snapshot."""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
CLAUSE = "350200/2025/xfbg-10/s3/p6"


def _get(server, path: str, **kw) -> httpx.Response:
    return httpx.get(f"{server.url}{path}", timeout=30, **kw)


def test_health(server) -> None:
    body = _get(server, "/health").json()
    assert body["status"] == "ok" and body["documents"] == 5 and body["model"]["builtin"] is True


def test_clause(server) -> None:
    body = _get(server, f"/clauses/{CLAUSE}", params={"as_of": "2026-11-20"}).json()
    assert body["label"] == "（六）" and body["heading"] == "提升企业数据治理能力"
    assert (
        body["document"]["doc_number"] == "厦府办规〔2025〕10号"
        and body["document"]["status"] == "in_force"
    )
    assert body["parent"]["label"] == "三、"
    assert {a["value"] for a in body["amounts"] if a["tier"]} == {300_000, 400_000, 500_000}
    assert "DCMM" in body["source_text"]
    three = _get(server, "/clauses/350200/2025/xfbg-10/s2/p3").json()
    assert {r["relation"] for r in three["references_in"]} == {"refers_to"}
    assert [r["doc_number"] for r in three["references_out"] if r["relation"] == "defers_to"] == [
        "闽发改规〔2025〕7号"
    ]


def test_documents(server) -> None:
    docs = _get(server, "/documents", params={"as_of": "2026-11-20"}).json()["documents"]
    status = {d["doc_number"]: d["status"] for d in docs}
    assert status["厦数字办〔2024〕3号"] == "expired" and status[None] == "draft"
    one = _get(
        server,
        "/documents/" + urllib.parse.quote("泉政办规〔2025〕18号"),
        params={"as_of": "2026-01-15"},
    ).json()
    assert one["status"] == "not_yet_in_force" and one["repeals"] == ["泉政办〔2022〕7号"]
    assert [c["path"] for c in one["clauses"][:1]] == [["¶1"]]
    assert any(c["label"] == "一、" and c["children"] for c in one["clauses"])


def test_jurisdictions(server) -> None:
    places = {p["name"]: p for p in _get(server, "/jurisdictions").json()["places"]}
    assert (
        places["厦门市"]["chain"] == "厦门市 ⊂ 福建省 ⊂ 全国"
        and places["厦门市"]["n_documents"] == 2
    )
    assert "宁德市" in places  # every city of a province in the corpus can be chosen
    assert (
        _get(server, "/jurisdictions", params={"name": "Qianhai"}).json()["place"]["name"]
        == "深圳市前海深港现代服务业合作区"
    )
    assert _get(server, "/jurisdictions", params={"name": "Atlantis"}).status_code == 400


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/clauses/no/such/clause", 404),
        ("/documents/no-such-doc", 404),
        ("/eli/no/such", 404),
        ("/nowhere", 404),
        ("/documents?as_of=yesterday", 400),
    ],
)
def test_not_found_and_bad_params(server, path: str, status: int) -> None:
    r = _get(server, path)
    assert r.status_code == status and r.json()["error"]["message"]


@pytest.mark.parametrize(
    ("accept", "media", "needle"),
    [
        ("text/html,application/xhtml+xml,*/*;q=0.8", "text/html", "提升企业数据治理能力"),
        ("text/turtle", "text/turtle", "schema:maxValue"),
        ("application/ld+json", "application/ld+json", "@context"),
        ("application/n-triples", "application/n-triples", "<https://schema.org/maxValue>"),
    ],
)
def test_clause_iri_dereferences(server, accept: str, media: str, needle: str) -> None:
    r = _get(server, f"/eli/{CLAUSE}", headers={"accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(media)
    assert needle in r.text


def test_document_iri_dereferences(server) -> None:
    r = _get(server, "/eli/350200/2025/xfbg-10", headers={"accept": "text/turtle"})
    assert "厦府办规〔2025〕10号" in r.text and "eli:LegalResource" in r.text
    assert (
        "厦门市促进数据产业高质量发展若干措施"
        in _get(server, "/eli/350200/2025/xfbg-10?format=html").text
    )


QUERY = (ROOT / "api" / "queries" / "cites-1836.rq").read_text("utf-8")


@pytest.mark.parametrize(
    ("accept", "media", "check"),
    [
        (
            "application/sparql-results+json",
            "application/sparql-results+json",
            lambda t: (
                json.loads(t)["results"]["bindings"][0]["docNumber"]["value"]
                == "闽发改规〔2025〕7号"
            ),
        ),
        (
            "application/sparql-results+xml",
            "application/sparql-results+xml",
            lambda t: "<literal>闽发改规〔2025〕7号</literal>" in t,
        ),
        ("text/csv", "text/csv", lambda t: t.splitlines()[0] == "doc,docNumber,title"),
        (
            "text/tab-separated-values",
            "text/tab-separated-values",
            lambda t: t.splitlines()[0] == "?doc\t?docNumber\t?title",
        ),
        (None, "application/sparql-results+json", lambda t: "闽发改规" in t),
    ],
)
def test_sparql_get_formats(server, accept, media, check) -> None:
    headers = {"accept": accept} if accept else {}
    r = _get(server, "/sparql", params={"query": QUERY}, headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(media)
    assert check(r.text)


def test_sparql_post_form_and_direct(server) -> None:
    r = httpx.post(f"{server.url}/sparql", data={"query": QUERY}, timeout=30)
    assert r.status_code == 200 and "闽发改规" in r.text
    r = httpx.post(
        f"{server.url}/sparql",
        content=QUERY.encode(),
        headers={"content-type": "application/sparql-query"},
        timeout=30,
    )
    assert r.status_code == 200 and "闽发改规" in r.text
    r = httpx.post(
        f"{server.url}/sparql", content=b"x", headers={"content-type": "text/plain"}, timeout=30
    )
    assert r.status_code == 415


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        ("text/turtle", "text/turtle"),
        ("application/n-triples", "application/n-triples"),
        ("application/ld+json", "application/ld+json"),
    ],
)
def test_sparql_construct_formats(server, accept, media) -> None:
    q = "CONSTRUCT { ?d eli:id_local ?n } WHERE { ?d eli:id_local ?n }"
    r = _get(server, "/sparql", params={"query": q}, headers={"accept": accept})
    assert (
        r.status_code == 200
        and r.headers["content-type"].startswith(media)
        and "厦府办规〔2025〕10号" in r.text
    )
    r = _get(
        server,
        "/sparql",
        params={"query": f"DESCRIBE <https://policygraph.example.org/eli/{CLAUSE}>"},
        headers={"accept": accept},
    )
    assert r.status_code == 200


def test_sparql_ask_and_service_description(server) -> None:
    assert (
        json.loads(
            _get(server, "/sparql", params={"query": "ASK { ?s a eli:LegalResource }"}).text
        )["boolean"]
        is True
    )
    desc = _get(server, "/sparql")
    assert (
        desc.headers["content-type"].startswith("text/turtle") and "sd:SPARQL11Query" in desc.text
    )


def _count(server) -> int:
    r = _get(
        server,
        "/sparql",
        params={"query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"},
    )
    return int(json.loads(r.text)["results"]["bindings"][0]["n"]["value"])


def test_updates_are_refused_and_change_nothing(server) -> None:
    before = _count(server)
    assert before > 1000
    attempts = [
        httpx.post(f"{server.url}/sparql", data={"update": "DROP ALL"}, timeout=30),
        httpx.post(f"{server.url}/sparql", data={"query": "DROP ALL"}, timeout=30),
        httpx.post(
            f"{server.url}/sparql",
            content=b"DROP ALL",
            headers={"content-type": "application/sparql-update"},
            timeout=30,
        ),
        _get(server, "/sparql", params={"query": "CLEAR ALL"}),
        _get(server, "/sparql", params={"update": "DROP ALL"}),
        _get(server, "/sparql", params={"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}),
        _get(server, "/sparql", params={"query": "LOAD <http://example.org/data.ttl>"}),
        _get(
            server,
            "/sparql",
            params={"query": "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"},
        ),
    ]
    for r in attempts:
        assert 400 <= r.status_code < 500, r.text
        assert r.json()["error"]["message"]
    assert _count(server) == before


def test_sparql_syntax_error_is_400_with_message(server) -> None:
    r = _get(server, "/sparql", params={"query": "SELECT ?s WHERE { ?s ?p }"})
    assert r.status_code == 400 and "syntax" in r.json()["error"]["message"]


def test_sparql_row_cap_and_time_limit(tmp_path, index_dir) -> None:
    from conftest import Server

    srv = Server(
        index_dir, env={"POLICYGRAPH_SPARQL_MAX_ROWS": "50", "POLICYGRAPH_SPARQL_TIMEOUT_MS": "300"}
    )
    try:
        r = httpx.get(
            f"{srv.url}/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"}, timeout=30
        )
        assert r.status_code == 400 and "sparql_max_rows" in r.json()["error"]["message"]
        slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
        r = httpx.get(f"{srv.url}/sparql", params={"query": slow}, timeout=60)
        assert r.status_code == 504 and "sparql_timeout_ms" in r.json()["error"]["message"]
        assert httpx.get(f"{srv.url}/health", timeout=10).status_code == 200  # still answering
    finally:
        srv.stop()


def test_cors_for_portal_origins(server) -> None:
    r = httpx.options(
        f"{server.url}/search",
        headers={"origin": "https://www.xm.gov.example", "access-control-request-method": "GET"},
        timeout=10,
    )
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] in {
        "*",
        "https://www.xm.gov.example",
    }


def test_widget_is_served(server) -> None:
    assert "<policy-search" in _get(server, "/widget/").text
    js = _get(server, "/widget/policy-search.js")
    assert js.status_code == 200 and "customElements.define" in js.text


def test_openapi_snapshot_matches_the_app() -> None:
    from policygraph.api import create_app

    current = json.loads(json.dumps(create_app("indexes/default").openapi(), sort_keys=True))
    snapshot = json.loads((ROOT / "api" / "openapi.json").read_text("utf-8"))
    assert current == snapshot, (
        "api/openapi.json is stale: run `policygraph openapi --out api/openapi.json`"
    )


def test_serve_get_prints_one_response(index_dir) -> None:
    from typer.testing import CliRunner

    from policygraph.cli import app

    r = CliRunner().invoke(app, ["serve", "--index", str(index_dir), "--get", f"/clauses/{CLAUSE}"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["heading"] == "提升企业数据治理能力"
    r = CliRunner().invoke(app, ["serve", "--index", str(index_dir), "--get", "/search?q="])
    assert r.exit_code == 1 and "empty question" in r.stdout


def test_remote_sparql_endpoint_through_the_same_code_path(server, index_dir) -> None:
    """The service's SPARQL layer can use a remote endpoint: here, its own /sparql over loopback."""
    from policygraph.settings import Settings
    from policygraph.sparql import OxigraphStore, RemoteStore
    from policygraph.workspace import Workspace

    remote = RemoteStore(f"{server.url}/sparql")
    local = OxigraphStore(index_dir / "graph.nq")
    for path in sorted((ROOT / "api" / "queries").glob("*.rq")):
        text = path.read_text("utf-8")
        assert sorted(map(str, remote.query(text).values())) == sorted(
            map(str, local.query(text).values())
        ), path.name
    assert remote.query("ASK { ?s a eli:LegalResource }").boolean is True
    assert "厦府办规〔2025〕10号" in str(
        remote.query("CONSTRUCT { ?d eli:id_local ?n } WHERE { ?d eli:id_local ?n }").triples
    )
    ws = Workspace.load(index_dir, Settings({"sparql_backend": f"{server.url}/sparql"}))
    assert (
        ws.sparql((ROOT / "api" / "queries" / "cites-1836.rq").read_text("utf-8")).values()[0][1]
        == "闽发改规〔2025〕7号"
    )
    assert len(remote) == len(local)
