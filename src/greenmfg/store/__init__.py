"""The platform's store: SQLAlchemy models, the permission scope, the audit chain and services.

Adapters only; the accounting core never imports from here.
"""
