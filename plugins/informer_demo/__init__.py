"""Built-in trio-informer plugin ``demo``: the small, live world ``informer-run`` shows with no arguments.

* :mod:`informer_demo.plugin` — the entry point: resource types ``services.demo.informer.dev`` and
  ``routes.demo.informer.dev`` (plain JSON objects), indexers ``demo.routes-by-service`` and
  ``demo.services-by-health``, and handler ``demo.health-log``.
* :mod:`informer_demo.world` — what to serve (``SERVER_RESOURCES``), the starting population
  (``seed(server)``) and the background churn (``churn(server, rate=..., rng=...)``).
* :mod:`informer_demo.indexers` — the indexer functions.
* :mod:`informer_demo.handlers` — ``demo.health-log``: a log line when a service's health changes.

``world`` is imported lazily by its users (it needs :mod:`informer.server`); importing the
plugin itself only returns descriptors.
"""
