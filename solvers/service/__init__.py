"""The solve service: scenarios posted over HTTP, solved on Dask, reports kept in SQLite.

``wdnopt serve`` runs it (:mod:`.command`: its options, checked before anything starts). The
parts:

- :mod:`.app`: the FastAPI application, built from the routers of :mod:`.routes` (one module
  per group of endpoints); :mod:`.backend`: the configuration, and what the application runs
  on;
- :mod:`.auth`: bearer tokens, kept as SHA-256 digests, and who owns which job;
- :mod:`.intake`: a request body read, parsed and validated like a scenario file, in a process
  of its own; :mod:`.nesting`: its depth measured before any parser runs; :mod:`.budget`:
  whole numbers for counts, and the job's size and solving time against the caps;
- :mod:`.jobs`: the SQLite store of jobs and their reports; :mod:`.dblock`: one server per
  database;
- :mod:`.runner`: the Dask cluster that solves the jobs;
- :mod:`.work`: what a worker runs for one job (the same solve and JSON as ``wdnopt solve``),
  in a process of its own that is killed on cancel or past the job's deadline
  (:mod:`.jobprocess`);
- :mod:`.guard`: the headers of every answer, and submissions per token per minute;
- :mod:`.html`: a report as an HTML page; :mod:`.apidocs`: the API page; ``static/``: the web
  page.
"""
