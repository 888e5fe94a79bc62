"""The HTTP service: a FastAPI app factory over ``Workspace`` (see app.py)."""

from .app import create_app

__all__ = ["create_app"]
