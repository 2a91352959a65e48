"""The test suite is a package so its subpackages import as ``tests.<name>``.

Without this file pytest puts ``tests/`` itself on ``sys.path`` and imports
``tests/kubernetes`` as the top-level package ``kubernetes`` (and ``tests/http`` as
``http``), shadowing the official Kubernetes client and the standard library.
"""
