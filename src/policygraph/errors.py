"""The exception tree of policygraph.

    PolicyGraphError                 base of everything raised on purpose
    ├── IngestError                  a corpus file cannot be read as a document
    │   ├── EmptyDocumentError       the file (or its text layer) is empty
    │   ├── BinaryDocumentError      the file is binary, not text of a supported format
    │   ├── DecodeError              no encoding decodes the text cleanly
    │   ├── CorruptDocumentError     a PDF/DOCX/HTML container is truncated or malformed
    │   └── UnsupportedFormatError   the file extension is not one we read
    ├── DocumentError                a decoded text is not a usable policy document
    ├── DuplicateDocumentError       a document repeats another's 文号
    ├── BuildError                   a build produced nothing, or --strict saw a skip
    ├── IndexError_                  an index directory is missing, corrupt or mismatched
    ├── QueryError                   a bad search request (empty, too long, bad date...)
    │   └── SparqlError              a SPARQL query that is malformed or not allowed
    │       ├── SparqlTimeout        the query ran past the time limit
    │       └── SparqlLimitError     the result exceeded the row cap
    └── NotFoundError                an id or IRI that the index does not hold

The core raises these; the CLI and the API map them to exit codes and HTTP statuses in one place.
"""

from __future__ import annotations


class PolicyGraphError(Exception):
    """Base class for every error policygraph raises on purpose."""


class IngestError(PolicyGraphError):
    """Raised when a corpus file cannot be read as a document."""


class EmptyDocumentError(IngestError):
    """Raised when a file, or the text layer extracted from it, is empty."""


class BinaryDocumentError(IngestError):
    """Raised when a file holds binary data rather than text of a supported format."""


class DecodeError(IngestError):
    """Raised when no supported encoding decodes a text file cleanly."""


class CorruptDocumentError(IngestError):
    """Raised when a PDF, DOCX or HTML container is truncated or malformed."""


class UnsupportedFormatError(IngestError):
    """Raised for a file extension that the ingester does not read."""


class DocumentError(PolicyGraphError):
    """Raised when decoded text is not a usable policy document (e.g. no Chinese text)."""


class DuplicateDocumentError(PolicyGraphError):
    """Raised when a document repeats the 文号 of a document already built."""


class BuildError(PolicyGraphError):
    """Raised when a build produced no document, or a skip happened under ``--strict``."""


class IndexError_(PolicyGraphError):  # noqa: N801 - avoid shadowing the builtin IndexError
    """Raised when an index directory is missing, corrupt, or built with other settings."""


class QueryError(PolicyGraphError):
    """Raised for a bad search request: empty or over-long text, bad date, bad parameter."""


class SparqlError(QueryError):
    """Raised for a SPARQL query that does not parse or is not allowed (updates, SERVICE)."""


class SparqlTimeout(SparqlError):
    """Raised when a SPARQL query runs past ``sparql_timeout_ms``."""


class SparqlLimitError(SparqlError):
    """Raised when a SPARQL result exceeds ``sparql_max_rows``."""


class NotFoundError(PolicyGraphError):
    """Raised for a document or clause id/IRI that the index does not hold."""


IndexStoreError = IndexError_
