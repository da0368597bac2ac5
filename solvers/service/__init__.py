"""The solve service: scenarios posted over HTTP, solved on Dask, reports kept in SQLite.

``wdnopt serve`` runs it (:mod:`wdnopt.solvers.cli.serve`). The parts:

- :mod:`.app`: the FastAPI application and its endpoints;
- :mod:`.auth`: bearer tokens, kept as SHA-256 digests, and who owns which job;
- :mod:`.intake`: a request body read, parsed and validated like a scenario file;
- :mod:`.jobs`: the SQLite store of jobs and their reports;
- :mod:`.runner`: the Dask cluster that solves the jobs;
- :mod:`.work`: what a worker runs for one job (the same solve and JSON as ``wdnopt solve``);
- :mod:`.html`: a report as an HTML page; ``static/``: the web page.
"""
