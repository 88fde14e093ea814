"""The HTTP service: REST API under ``/api/v1`` and the web pages, one FastAPI app."""
